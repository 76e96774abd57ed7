// Command fakeplatform is a fake Lambda platform for the Runtime API tests: it serves the
// Runtime API (and the bits of the Extensions API a runtime touches) on 127.0.0.1, launches the
// function under test with AWS_LAMBDA_RUNTIME_API pointing at itself, hands out the invokes of a
// scenario, records everything the function posts, and prints a JSON report on stdout.
//
//	fakeplatform -scenario scenario.json -- <function command...>
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"gopherless.test/peers/internal/runtimeapi"
)

// Invoke is one event the platform hands out from /next.
type Invoke struct {
	ID string `json:"id"`
	// Body is the payload, sent as is.
	Body string `json:"body"`
	// Headers override the defaults; an empty value omits that header.
	Headers map[string]string `json:"headers"`
	// DeadlineInMs sets the deadline header to now+this when not overridden (default 30000).
	DeadlineInMs int64 `json:"deadlineInMs"`
}

// Scenario is what a test asks of the platform.
type Scenario struct {
	Invokes []Invoke          `json:"invokes"`
	Env     map[string]string `json:"env"`
	// NextStatus, when set, is answered to every /next instead of an invoke.
	NextStatus int `json:"nextStatus"`
	// ResponseStatus is answered to /response and /error posts (default 202).
	ResponseStatus int `json:"responseStatus"`
	// ExpectExit: wait for the function to exit by itself (after the invokes, or at once when
	// there are none) instead of killing it.
	ExpectExit bool `json:"expectExit"`
	// Sigterm: once every invoke is answered, send SIGTERM and wait for the exit.
	Sigterm bool `json:"sigterm"`
	// SettleMs: after every invoke is answered, wait this long before stopping (default 100).
	SettleMs int `json:"settleMs"`
	// TimeoutMs bounds the whole run (default 20000).
	TimeoutMs int `json:"timeoutMs"`
	// NoRuntimeAPI: do not set AWS_LAMBDA_RUNTIME_API (mode-selection tests).
	NoRuntimeAPI bool `json:"noRuntimeApi"`
}

// Post is one request the function made to the platform, other than /next.
type Post struct {
	Kind             string              `json:"kind"` // response, error, init-error, ext-register
	Path             string              `json:"path"`
	RequestID        string              `json:"requestId"`
	Headers          map[string][]string `json:"headers"`
	Body             string              `json:"body"`
	ContentLength    int64               `json:"contentLength"`
	TransferEncoding []string            `json:"transferEncoding"`
	Trailer          map[string][]string `json:"trailer"`
	// Chunks are the body reads as they arrived, timed from when the request head arrived
	// (streaming tests: each read returns what the function has sent so far).
	Chunks []Chunk `json:"chunks"`
	// EndMs is when the body ended, on the same clock.
	EndMs float64 `json:"endMs"`
	// AtUnixNano is when the request head arrived (the system clock, as other processes read it).
	AtUnixNano int64 `json:"atUnixNano"`
}

// Chunk is one read of a request body.
type Chunk struct {
	AtMs float64 `json:"atMs"`
	Data string  `json:"data"`
}

// Report is printed on stdout at the end.
type Report struct {
	Posts     []Post `json:"posts"`
	NextCount int    `json:"nextCount"`
	// NextAtUnixNano is when each /next arrived (the system clock, as other processes read it).
	NextAtUnixNano []int64             `json:"nextAtUnixNano"`
	NextHeaders    map[string][]string `json:"nextHeaders"`
	MaxInFlight    int                 `json:"maxInFlight"`
	ExitCode       int                 `json:"exitCode"`
	Exited         bool                `json:"exited"`
	TimedOut       bool                `json:"timedOut"`
	Stdout         string              `json:"stdout"`
	Stderr         string              `json:"stderr"`
}

type platform struct {
	sc       Scenario
	mu       sync.Mutex
	queue    []Invoke
	answered int
	inFlight int
	report   Report
	allDone  chan struct{}
	initErr  chan struct{}
	doneOnce sync.Once
}

func (p *platform) finish() { p.doneOnce.Do(func() { close(p.allDone) }) }

func (p *platform) record(kind, id string, r *http.Request) {
	start := time.Now()
	var body []byte
	var chunks []Chunk
	buf := make([]byte, 64*1024)
	for { // reading to EOF also reads the trailers
		n, err := r.Body.Read(buf)
		if n > 0 {
			body = append(body, buf[:n]...)
			chunks = append(chunks, Chunk{
				AtMs: float64(time.Since(start).Microseconds()) / 1000, Data: string(buf[:n]),
			})
		}
		if err != nil {
			break
		}
	}
	end := float64(time.Since(start).Microseconds()) / 1000
	p.mu.Lock()
	p.report.Posts = append(p.report.Posts, Post{
		Kind: kind, Path: r.URL.Path, RequestID: id, Headers: r.Header, Body: string(body),
		ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Trailer: r.Trailer,
		Chunks: chunks, EndMs: end, AtUnixNano: start.UnixNano(),
	})
	p.mu.Unlock()
}

func (p *platform) Next(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.report.NextCount++
	p.report.NextAtUnixNano = append(p.report.NextAtUnixNano, time.Now().UnixNano())
	if p.report.NextHeaders == nil {
		p.report.NextHeaders = r.Header
	}
	if p.sc.NextStatus != 0 {
		p.mu.Unlock()
		w.WriteHeader(p.sc.NextStatus)
		return
	}
	if len(p.queue) == 0 {
		p.mu.Unlock()
		<-r.Context().Done() // no more events: block like Lambda does
		return
	}
	inv := p.queue[0]
	p.queue = p.queue[1:]
	p.inFlight++
	if p.inFlight > p.report.MaxInFlight {
		p.report.MaxInFlight = p.inFlight
	}
	p.mu.Unlock()
	deadline := inv.DeadlineInMs
	if deadline == 0 {
		deadline = 30000
	}
	h := w.Header()
	runtimeapi.SetInvokeHeaders(h, inv.ID, deadline,
		"Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1;id="+inv.ID)
	for k, v := range inv.Headers {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, inv.Body)
}

func (p *platform) Post(w http.ResponseWriter, r *http.Request, id, kind string) {
	p.record(kind, id, r)
	status := p.sc.ResponseStatus
	if status == 0 {
		status = http.StatusAccepted
	}
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusAccepted {
		runtimeapi.Accept(w)
	} else {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"errorMessage":"fake platform refuses","errorType":"InvalidStateTransition"}`)
	}
	p.mu.Lock()
	p.inFlight--
	p.answered++
	done := p.answered >= len(p.sc.Invokes)
	p.mu.Unlock()
	if done {
		p.finish()
	}
}

func (p *platform) InitError(w http.ResponseWriter, r *http.Request) {
	p.record("init-error", "", r)
	runtimeapi.Accept(w)
	p.finish()
}

// extensions answers the bits of the Extensions API a runtime touches.
func (p *platform) extensions(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/2020-01-01/extension/register":
		p.record("ext-register", "", r)
		w.Header().Set("Lambda-Extension-Identifier", "ext-1")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"functionName":"test","functionVersion":"$LATEST","handler":"bootstrap"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/2020-01-01/extension/event/next":
		<-r.Context().Done()
	default:
		http.NotFound(w, r)
	}
}

func main() {
	scenarioPath := flag.String("scenario", "", "scenario JSON file")
	flag.Parse()
	args := flag.Args()
	if *scenarioPath == "" || len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: fakeplatform -scenario file.json -- command args...")
		os.Exit(2)
	}
	raw, err := os.ReadFile(*scenarioPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var sc Scenario
	if err := json.Unmarshal(raw, &sc); err != nil {
		fmt.Fprintln(os.Stderr, "bad scenario:", err)
		os.Exit(2)
	}
	if sc.TimeoutMs == 0 {
		sc.TimeoutMs = 20000
	}
	if sc.SettleMs == 0 {
		sc.SettleMs = 100
	}
	p := &platform{sc: sc, queue: append([]Invoke(nil), sc.Invokes...), allDone: make(chan struct{})}
	if len(sc.Invokes) == 0 && !sc.ExpectExit {
		p.finish()
	}

	srv, api, err := runtimeapi.Listen(runtimeapi.Handler(p, http.HandlerFunc(p.extensions)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	cmd := exec.Command(args[0], args[1:]...)
	env := os.Environ()
	if !sc.NoRuntimeAPI {
		env = append(env, "AWS_LAMBDA_RUNTIME_API="+api)
	}
	for k, v := range sc.Env {
		env = append(env, k+"="+v)
	}
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout = &lockedWriter{w: &stdout}
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	timeout := time.After(time.Duration(sc.TimeoutMs) * time.Millisecond)
	select {
	case <-p.allDone:
		switch {
		case sc.Sigterm:
			time.Sleep(time.Duration(sc.SettleMs) * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-timeout:
				p.report.TimedOut = true
			}
		case sc.ExpectExit:
			select {
			case <-exited:
			case <-timeout:
				p.report.TimedOut = true
			}
		default:
			select {
			case <-exited:
			case <-time.After(time.Duration(sc.SettleMs) * time.Millisecond):
			}
		}
	case <-exited:
	case <-timeout:
		p.report.TimedOut = true
	}
	select {
	case <-exited:
		p.report.Exited = true
		p.report.ExitCode = cmd.ProcessState.ExitCode()
	default:
		_ = cmd.Process.Kill()
		<-exited
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = srv.Shutdown(ctx)

	p.mu.Lock()
	p.report.Stdout = stdout.String()
	p.report.Stderr = stderr.String()
	out, _ := json.Marshal(p.report)
	p.mu.Unlock()
	os.Stdout.Write(out)
	os.Stdout.Write([]byte("\n"))
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
