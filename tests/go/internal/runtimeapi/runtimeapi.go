// Package runtimeapi is what the test suite's Lambda Runtime API stand-ins (fakeplatform,
// runtimeapihost, concurrenthost) share: the routes of /2018-06-01/runtime/…, the headers an
// invoke is handed out with, the platform's answer to a post, and starting the function under
// test with AWS_LAMBDA_RUNTIME_API pointing at the stand-in.
package runtimeapi

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// InvocationPrefix starts the path of /next and of every invocation's posts.
	InvocationPrefix = "/2018-06-01/runtime/invocation/"
	// NextPath is where the function asks for its next event.
	NextPath = InvocationPrefix + "next"
	// InitErrorPath is where the function reports a failed initialisation.
	InitErrorPath = "/2018-06-01/runtime/init/error"
	// FunctionArn is the invoked function's ARN the stand-ins hand out.
	FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:test"
	// TraceID is the X-Ray trace header the benchmarks' stand-ins hand out.
	TraceID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
)

// Runtime is a stand-in's answers to the Runtime API's requests.
type Runtime interface {
	// Next answers GET /next: hand out an event (or block, as Lambda does when there is none).
	Next(w http.ResponseWriter, r *http.Request)
	// Post answers POST /invocation/{id}/{kind}, where kind is "response" or "error".
	Post(w http.ResponseWriter, r *http.Request, id, kind string)
	// InitError answers POST /init/error.
	InitError(w http.ResponseWriter, r *http.Request)
}

type mux struct {
	rt    Runtime
	other http.Handler
}

// Handler routes the Runtime API's requests to rt and every other request to other (a 404 when
// other is nil). A post to an invocation other than …/response or …/error is a 404, as Lambda's.
func Handler(rt Runtime, other http.Handler) http.Handler {
	if other == nil {
		other = http.NotFoundHandler()
	}
	return &mux{rt: rt, other: other}
}

func (m *mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && path == NextPath:
		m.rt.Next(w, r)
	case r.Method == http.MethodPost && strings.HasPrefix(path, InvocationPrefix):
		rest := strings.TrimPrefix(path, InvocationPrefix)
		i := strings.LastIndexByte(rest, '/')
		if i < 0 {
			http.NotFound(w, r)
			return
		}
		id, kind := rest[:i], rest[i+1:]
		if kind != "response" && kind != "error" {
			http.NotFound(w, r)
			return
		}
		m.rt.Post(w, r, id, kind)
	case r.Method == http.MethodPost && path == InitErrorPath:
		m.rt.InitError(w, r)
	default:
		m.other.ServeHTTP(w, r)
	}
}

// SetInvokeHeaders sets the headers /next hands an invoke out with: its request id, a deadline
// deadlineMs from now, the function's ARN, traceID and a JSON content type.
func SetInvokeHeaders(h http.Header, id string, deadlineMs int64, traceID string) {
	h.Set("Lambda-Runtime-Aws-Request-Id", id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().UnixMilli()+deadlineMs, 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", FunctionArn)
	h.Set("Lambda-Runtime-Trace-Id", traceID)
	h.Set("Content-Type", "application/json")
}

// WriteEvent answers /next with event as invoke id (Content-Length set, never chunked).
func WriteEvent(w http.ResponseWriter, id string, deadlineMs int64, event []byte) {
	h := w.Header()
	SetInvokeHeaders(h, id, deadlineMs, TraceID)
	h.Set("Content-Length", strconv.Itoa(len(event)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(event)
}

// Accept answers a post as Lambda accepts it: 202 with {"status":"OK"}.
func Accept(w http.ResponseWriter) {
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

// ExitOnInitError is the InitError of a benchmark's stand-in: a function that cannot start
// leaves nothing to measure, so it prints what the function posted and exits 1.
func ExitOnInitError(_ http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fmt.Fprintf(os.Stderr, "init error: %s\n", body)
	os.Exit(1)
}

// Listen serves h on a free port of 127.0.0.1 and returns the server and its host:port (the
// value of AWS_LAMBDA_RUNTIME_API).
func Listen(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln.Addr().String(), nil
}

// Function is the function under test, started in a process group of its own.
type Function struct {
	// Cmd is the started process (its ProcessState is set once Exited has sent).
	Cmd *exec.Cmd
	// Exited sends cmd.Wait's result once the process has exited.
	Exited chan error
}

// StartFunction starts args with this program's environment plus AWS_LAMBDA_RUNTIME_API=api and
// AWS_LAMBDA_FUNCTION_NAME=test, its stdout to stdout and its stderr to ours, in a process
// group of its own (so Kill stops whatever it started too).
func StartFunction(args []string, api string, stdout io.Writer) (*Function, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+api, "AWS_LAMBDA_FUNCTION_NAME=test")
	cmd.Stdout = stdout
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &Function{Cmd: cmd, Exited: make(chan error, 1)}
	go func() { f.Exited <- cmd.Wait() }()
	return f, nil
}

// Kill kills the function's process group.
func (f *Function) Kill() { _ = syscall.Kill(-f.Cmd.Process.Pid, syscall.SIGKILL) }

// Await waits for c to close; if the function exits first or timeout passes, it says so on
// stderr, naming what it waited for, kills the function's process group and exits 1.
func (f *Function) Await(c <-chan struct{}, timeout time.Duration, what string) {
	select {
	case <-c:
		return
	case err := <-f.Exited:
		fmt.Fprintf(os.Stderr, "the function exited before %s: %v\n", what, err)
	case <-time.After(timeout):
		fmt.Fprintf(os.Stderr, "timed out waiting for %s\n", what)
	}
	f.Kill()
	os.Exit(1)
}
