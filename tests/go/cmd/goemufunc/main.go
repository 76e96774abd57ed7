// Command goemufunc is a Lambda function built with aws-lambda-go's lambda.Start for the emulator
// tests: the reference the TypeScript twin (tests/emulator/fixtures/ops.ts) is compared with. Its
// behaviour is chosen by the event's "op" field. With GOEMU_INIT_FAIL set it fails its init (a Go
// function has no init/error call: it just exits before serving).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// MyErr is a custom error type; aws-lambda-go reports its type name.
type MyErr struct{ msg string }

func (e *MyErr) Error() string { return e.msg }

type event struct {
	Op      string          `json:"op"`
	Message string          `json:"message"`
	Value   json.RawMessage `json:"value"`
	Ms      int             `json:"ms"`
	Code    int             `json:"code"`
	Chunks  []string        `json:"chunks"`
}

// slowReader yields its chunks with a pause before each, then err (or EOF).
type slowReader struct {
	chunks []string
	pause  time.Duration
	err    error
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if r.chunks[0] == "" {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

func handle(ctx context.Context, ev event) (any, error) {
	switch ev.Op {
	case "echo":
		return ev.Value, nil
	case "fail":
		return nil, &MyErr{ev.Message}
	case "sleep":
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		return map[string]int{"slept": ev.Ms}, nil
	case "exit":
		fmt.Fprintln(os.Stderr, "exiting with", ev.Code)
		os.Exit(ev.Code)
	case "panic":
		panic(ev.Message)
	case "stream":
		return &slowReader{chunks: ev.Chunks, pause: time.Duration(ev.Ms) * time.Millisecond}, nil
	case "streamFail":
		return &slowReader{chunks: ev.Chunks, pause: time.Duration(ev.Ms) * time.Millisecond, err: &MyErr{ev.Message}}, nil
	case "env":
		lc, _ := lambdacontext.FromContext(ctx)
		return map[string]any{
			"functionName": lambdacontext.FunctionName,
			"memory":       lambdacontext.MemoryLimitInMB,
			"version":      lambdacontext.FunctionVersion,
			"logGroup":     lambdacontext.LogGroupName,
			"region":       os.Getenv("AWS_REGION"),
			"tz":           os.Getenv("TZ"),
			"arn":          lc.InvokedFunctionArn,
			"requestId":    lc.AwsRequestID,
		}, nil
	}
	return ev.Value, nil
}

func main() {
	if os.Getenv("GOEMU_INIT_FAIL") != "" {
		fmt.Fprintln(os.Stderr, "init failed: missing configuration")
		os.Exit(3)
	}
	lambda.Start(handle)
}
