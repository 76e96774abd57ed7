// Command go1xhost plays the Lambda go1.x host: it starts a function with
// _LAMBDA_SERVER_PORT set, dials it (retrying, as the agent must), and drives
// Function.Ping and Function.Invoke over Go's net/rpc with aws-lambda-go's
// real messages structs. It prints a JSON report, including every byte the
// function sent back on the scripted connection, so a TypeScript function's
// replies can be compared byte for byte with an aws-lambda-go function's.
//
// The bench scenario invokes a 1 KB event (-event-bytes sets the length of its string value) -warmup times untimed, then -n times timed; with
// -sample N it also reads the function's VmRSS and VmHWM every N invokes (warm-up included).
// The start scenario only measures start-up (exec until Function.Ping is answered).
//
// usage: go1xhost [-scenario basic|load|bench|start] [-n N] [-warmup N] [-sample N] -- command args...
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net"
	"net/rpc"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"gopherless.test/peers/internal/procmem"
)

// recorder keeps a copy of everything read from the connection.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.buf.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

type errorReport struct {
	Message    string `json:"message"`
	Type       string `json:"type"`
	Frames     int    `json:"frames"`
	ShouldExit bool   `json:"shouldExit"`
}

type callReport struct {
	Name    string       `json:"name"`
	Hex     string       `json:"hex,omitempty"`
	Payload string       `json:"payload,omitempty"`
	Error   *errorReport `json:"error,omitempty"`
	RPCErr  string       `json:"rpcError,omitempty"`
}

type report struct {
	StartupMs   float64          `json:"startupMs"`
	Calls       []callReport     `json:"calls"`
	PingHex     string           `json:"pingHex"`
	Concurrent  int              `json:"concurrentOk"`
	ConnsOk     int              `json:"connectionsOk"`
	BigOk       bool             `json:"bigPayloadOk"`
	LatencyUs   []float64        `json:"latencyUs,omitempty"`
	P50Us       float64          `json:"p50Us,omitempty"`
	RSSBeforeKB int              `json:"rssBeforeKb,omitempty"`
	RSSAfterKB  int              `json:"rssAfterKb,omitempty"`
	RSSSamples  []int            `json:"rssSamplesKb,omitempty"`
	P99Us       float64          `json:"p99Us,omitempty"`
	Samples     []procmem.Sample `json:"samples,omitempty"`
	// StartupCPUMs: the start scenario's CPU time (user + system) of the function until it
	// answered Function.Ping (it is stopped right then).
	StartupCPUMs float64 `json:"startupCpuMs,omitempty"`
	// CPUPerInvokeUs: the bench scenario's CPU time (user + system) of the function over the timed
	// invokes, per invoke (from /proc/PID/stat: 10 ms steps over the whole run).
	CPUPerInvokeUs float64 `json:"cpuPerInvokeUs,omitempty"`
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func dial(addr string, deadline time.Time) (*recorder, error) {
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil && c.LocalAddr().String() == c.RemoteAddr().String() {
			// A TCP self-connect to an ephemeral port nobody listens on yet.
			c.Close()
			err = fmt.Errorf("self-connect")
		}
		if err == nil {
			return &recorder{Conn: c}, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(500 * time.Microsecond)
	}
}

func invoke(c *rpc.Client, payload []byte, mut func(*messages.InvokeRequest)) (*messages.InvokeResponse, error) {
	req := messages.InvokeRequest{
		Payload:            payload,
		RequestId:          "req-" + strconv.Itoa(int(time.Now().UnixNano()%1e6)),
		XAmznTraceId:       "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:test",
		Deadline:           messages.InvokeRequest_Timestamp{Seconds: time.Now().Add(30 * time.Second).Unix(), Nanos: 32849522},
	}
	if mut != nil {
		mut(&req)
	}
	var res messages.InvokeResponse
	err := c.Call("Function.Invoke", &req, &res)
	return &res, err
}

func toReport(name string, res *messages.InvokeResponse, err error) callReport {
	r := callReport{Name: name}
	if err != nil {
		r.RPCErr = err.Error()
		return r
	}
	if res.Error != nil {
		r.Error = &errorReport{res.Error.Message, res.Error.Type, len(res.Error.StackTrace), res.Error.ShouldExit}
	} else {
		r.Payload = string(res.Payload)
	}
	return r
}

func rssKB(pid int) int {
	rss, _ := procmem.Read(pid)
	return rss
}

func main() {
	scenario := flag.String("scenario", "basic", "basic | load | bench | start")
	n := flag.Int("n", 1000, "invokes for the bench scenario")
	warmup := flag.Int("warmup", 200, "untimed invokes before the timed ones (bench)")
	sample := flag.Int("sample", 0, "read memory every this many invokes (bench; 0: never)")
	eventBytes := flag.Int("event-bytes", 1000, "length of the bench event's string value (the event is that plus 24 bytes of JSON)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: go1xhost [-scenario basic|load|bench|start] -- command args...")
		os.Exit(2)
	}
	port := freePort()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "_LAMBDA_SERVER_PORT="+strconv.Itoa(port), "AWS_LAMBDA_FUNCTION_NAME=test")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)

	// Dial and ping until the function answers, redialling after a failure, as the agent does.
	var conn *recorder
	var client *rpc.Client
	for {
		c, err := dial(addr, started.Add(20*time.Second))
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		cl := rpc.NewClient(c)
		var pong messages.PingResponse
		if err = cl.Call("Function.Ping", &messages.PingRequest{}, &pong); err == nil {
			conn, client = c, cl
			break
		}
		cl.Close()
		if time.Since(started) > 20*time.Second {
			fmt.Fprintln(os.Stderr, "ping:", err)
			os.Exit(1)
		}
		time.Sleep(5 * time.Millisecond)
	}
	rep := report{StartupMs: float64(time.Since(started).Microseconds()) / 1000}

	switch *scenario {
	case "basic":
		// A fixed sequence on one connection: its reply bytes are compared across implementations.
		steps := []struct {
			name    string
			payload string
			mut     func(*messages.InvokeRequest)
		}{
			{"echo", `{"op":"echo","value":{"a":1,"html":"<&>"}}`, nil},
			{"nil", `{"op":"nil"}`, nil},
			{"error", `{"op":"throwNoStack","message":"my error 7"}`, nil},
			{"badClientContext", `{"op":"echo","value":1}`, func(r *messages.InvokeRequest) { r.ClientContext = []byte("{not json") }},
			{"expiredDeadline", `{"op":"echo","value":"late"}`, func(r *messages.InvokeRequest) { r.Deadline = messages.InvokeRequest_Timestamp{} }},
			// Deadlines are int64 seconds: aws-lambda-go accepts the whole range.
			{"maxDeadline", `{"op":"echo","value":"far"}`, func(r *messages.InvokeRequest) {
				r.Deadline = messages.InvokeRequest_Timestamp{Seconds: math.MaxInt64, Nanos: 999999999}
			}},
			{"minDeadline", `{"op":"echo","value":"long ago"}`, func(r *messages.InvokeRequest) {
				r.Deadline = messages.InvokeRequest_Timestamp{Seconds: math.MinInt64, Nanos: math.MinInt64}
			}},
			{"echo2", `{"op":"echo","value":[1,2,3]}`, nil},
		}
		// The bytes of each reply: what arrived during its (sequential) call.
		taken := func() string {
			conn.mu.Lock()
			defer conn.mu.Unlock()
			h := fmt.Sprintf("%x", conn.buf.Bytes())
			conn.buf.Reset()
			return h
		}
		rep.PingHex = taken()
		for _, s := range steps {
			res, err := invoke(client, []byte(s.payload), s.mut)
			r := toReport(s.name, res, err)
			r.Hex = taken()
			rep.Calls = append(rep.Calls, r)
		}
	case "load":
		// A 6 MB payload.
		big := bytes.Repeat([]byte("x"), 6*1024*1024)
		payload, _ := json.Marshal(map[string]any{"op": "echo", "value": string(big)})
		res, err := invoke(client, payload, nil)
		want, _ := json.Marshal(string(big))
		rep.BigOk = err == nil && res.Error == nil && bytes.Equal(res.Payload, want)
		// 32 concurrent invokes on one connection.
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < 32; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				p := fmt.Sprintf(`{"op":"echo","value":%d}`, i)
				res, err := invoke(client, []byte(p), nil)
				if err == nil && res.Error == nil && string(res.Payload) == strconv.Itoa(i) {
					mu.Lock()
					rep.Concurrent++
					mu.Unlock()
				}
			}(i)
		}
		wg.Wait()
		// 8 more connections, 4 invokes each.
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c, err := rpc.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer c.Close()
				ok := true
				for j := 0; j < 4; j++ {
					p := fmt.Sprintf(`{"op":"echo","value":"c%d-%d"}`, i, j)
					res, err := invoke(c, []byte(p), nil)
					ok = ok && err == nil && res.Error == nil && string(res.Payload) == fmt.Sprintf(`"c%d-%d"`, i, j)
				}
				if ok {
					mu.Lock()
					rep.ConnsOk++
					mu.Unlock()
				}
			}(i)
		}
		wg.Wait()
	case "bench":
		// Sequential invokes of a 1 KB event; latency per invoke, and memory before/after.
		event, _ := json.Marshal(map[string]string{"op": "echo", "value": strings.Repeat("a", *eventBytes)})
		bad := func(res *messages.InvokeResponse, err error) bool {
			return err != nil || res.Error != nil || !bytes.Equal(res.Payload, event)
		}
		for i := 0; i < *warmup; i++ {
			if bad(invoke(client, event, nil)) {
				fmt.Fprintln(os.Stderr, "invoke: not echoed")
				os.Exit(1)
			}
			if *sample > 0 && (i+1)%*sample == 0 {
				rep.Samples = append(rep.Samples, procmem.Take(cmd.Process.Pid, i+1))
			}
		}
		rep.RSSBeforeKB = rssKB(cmd.Process.Pid)
		cpu0 := procmem.RunningCPUMs(cmd.Process.Pid)
		lat := make([]float64, 0, *n)
		for i := 0; i < *n; i++ {
			t0 := time.Now()
			if res, err := invoke(client, event, nil); bad(res, err) {
				fmt.Fprintln(os.Stderr, "invoke: not echoed:", err)
				os.Exit(1)
			}
			lat = append(lat, float64(time.Since(t0).Nanoseconds())/1000)
			if (i+1)%(*n/10+1) == 0 {
				rep.RSSSamples = append(rep.RSSSamples, rssKB(cmd.Process.Pid))
			}
			if done := *warmup + i + 1; *sample > 0 && done%*sample == 0 {
				rep.Samples = append(rep.Samples, procmem.Take(cmd.Process.Pid, done))
			}
		}
		rep.RSSAfterKB = rssKB(cmd.Process.Pid)
		if cpu1 := procmem.RunningCPUMs(cmd.Process.Pid); cpu0 >= 0 && cpu1 >= 0 && *n > 0 {
			rep.CPUPerInvokeUs = (cpu1 - cpu0) * 1000 / float64(*n)
		}
		rep.P50Us = procmem.Percentile(lat, 50)
		rep.P99Us = procmem.Percentile(lat, 99)
	case "start":
		// Start-up only: stop the function now and report the CPU time it used to get here.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		rep.StartupCPUMs = procmem.CPUMs(cmd.ProcessState)
	}
	client.Close()
	out, _ := json.MarshalIndent(rep, "", "  ")
	os.Stdout.Write(append(out, '\n'))
}
