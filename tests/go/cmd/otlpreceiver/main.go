// Command otlpreceiver is an OTLP/HTTP receiver built on the OpenTelemetry protocol's own Go
// packages (go.opentelemetry.io/proto/otlp): it listens on 127.0.0.1, prints "listening <addr>",
// then decodes each POST to /v1/traces and /v1/logs as protobuf (or OTLP/JSON, with protojson) and
// prints one JSON line per span
// or log record, for the tests to judge what a function exported: with its instrumentation scope,
// its resource's attributes, and when the request carrying it arrived (arrivedUnixNano, the
// system clock, so that a test can order it against what another process saw). Each line is
// printed before the request is answered.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	common "go.opentelemetry.io/proto/otlp/common/v1"
	logs "go.opentelemetry.io/proto/otlp/logs/v1"
	trace "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

type record struct {
	Kind         string         `json:"kind"`
	Name         string         `json:"name,omitempty"`
	TraceID      string         `json:"traceId"`
	SpanID       string         `json:"spanId"`
	ParentSpanID string         `json:"parentSpanId,omitempty"`
	SpanKind     int32          `json:"spanKind,omitempty"`
	Status       int32          `json:"status,omitempty"`
	Body         string         `json:"body,omitempty"`
	Attributes   map[string]any `json:"attributes"`
	Scope        string         `json:"scope"`
	Resource     map[string]any `json:"resource"`
	Arrived      int64          `json:"arrivedUnixNano"`
}

var mu sync.Mutex

func emit(r record) {
	mu.Lock()
	defer mu.Unlock()
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

func value(v *common.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *common.AnyValue_StringValue:
		return x.StringValue
	case *common.AnyValue_IntValue:
		return x.IntValue
	case *common.AnyValue_BoolValue:
		return x.BoolValue
	case *common.AnyValue_DoubleValue:
		return x.DoubleValue
	}
	return v.String()
}

func attrs(kvs []*common.KeyValue) map[string]any {
	m := map[string]any{}
	for _, kv := range kvs {
		m[kv.Key] = value(kv.Value)
	}
	return m
}

// idKeys are the OTLP/JSON fields whose bytes are written in hex (the specification's exception
// to protojson's base64).
var idKeys = map[string]bool{"traceId": true, "spanId": true, "parentSpanId": true}

// hexIDsToBase64 rewrites the id fields of a decoded OTLP/JSON document as protojson reads bytes.
func hexIDsToBase64(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && idKeys[k] {
				b, err := hex.DecodeString(s)
				if err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
				x[k] = base64.StdEncoding.EncodeToString(b)
			} else if err := hexIDsToBase64(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := hexIDsToBase64(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// decode reads body as protobuf, or as OTLP/JSON (Content-Type application/json) with
// protojson, ids in hex as the specification writes them.
func decode(r *http.Request, body []byte, m proto.Message) error {
	if r.Header.Get("Content-Type") != "application/json" {
		return proto.Unmarshal(body, m)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return err
	}
	if err := hexIDsToBase64(doc); err != nil {
		return err
	}
	b, _ := json.Marshal(doc)
	return protojson.Unmarshal(b, m)
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/traces", func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now().UnixNano()
		body, _ := io.ReadAll(r.Body)
		// ExportTraceServiceRequest and TracesData are the same message on the wire (field 1,
		// repeated ResourceSpans); the latter spares the gRPC packages the collector's imports.
		var req trace.TracesData
		if err := decode(r, body, &req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for _, rs := range req.ResourceSpans {
			res := attrs(rs.GetResource().GetAttributes())
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					emit(record{Kind: "span", Name: s.Name, TraceID: hex.EncodeToString(s.TraceId),
						SpanID: hex.EncodeToString(s.SpanId), ParentSpanID: hex.EncodeToString(s.ParentSpanId),
						SpanKind: int32(s.Kind), Status: int32(s.GetStatus().GetCode()), Attributes: attrs(s.Attributes),
						Scope: ss.GetScope().GetName(), Resource: res, Arrived: arrived})
				}
			}
		}
		// An empty ExportTraceServiceResponse: zero bytes.
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	mux.HandleFunc("/v1/logs", func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now().UnixNano()
		body, _ := io.ReadAll(r.Body)
		var req logs.LogsData
		if err := decode(r, body, &req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for _, rl := range req.ResourceLogs {
			res := attrs(rl.GetResource().GetAttributes())
			for _, sl := range rl.ScopeLogs {
				for _, l := range sl.LogRecords {
					emit(record{Kind: "log", TraceID: hex.EncodeToString(l.TraceId), SpanID: hex.EncodeToString(l.SpanId),
						Body: fmt.Sprint(value(l.Body)), Attributes: attrs(l.Attributes),
						Scope: sl.GetScope().GetName(), Resource: res, Arrived: arrived})
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	http.Serve(ln, mux)
}
