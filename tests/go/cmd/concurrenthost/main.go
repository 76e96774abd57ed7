// Command concurrenthost is a Lambda Runtime API stand-in for benchmarks of concurrent
// environments (Lambda Managed Instances), written with Go's net/http: it starts a function with
// AWS_LAMBDA_RUNTIME_API pointing at itself and keeps -inflight invocations outstanding, as
// Managed Instances hand them out (a new one each time one is answered), until -warmup + -n have
// been answered. It times each invocation from the moment its event is handed out until its
// response has been received, measures the throughput of the timed part, and samples the
// function's resident memory (VmRSS of the started process) every 250 answers of it. It prints
// one JSON report on stdout.
//
//	concurrenthost [-inflight 64] [-n 20000] [-warmup 2000] [-op cpu|io] -- command args...
//
// -op cpu hands out a 50 KB event of 500 items (the handler walks, transforms and serializes
// them); -op io a small event (the handler awaits 20 ms). The function inherits this program's
// environment (AWS_LAMBDA_MAX_CONCURRENCY, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, ...). The function
// is started in a process group of its own and killed with it at the end.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"gopherless.test/peers/internal/cpuevent"
	"gopherless.test/peers/internal/procmem"
	"gopherless.test/peers/internal/runtimeapi"
)

type report struct {
	Invokes       int     `json:"invokes"`
	Inflight      int     `json:"inflight"`
	PerSecond     float64 `json:"perSecond"`
	P50Ms         float64 `json:"p50Ms"`
	P99Ms         float64 `json:"p99Ms"`
	MaxRSSKB      int     `json:"maxRssKb"`
	EndRSSKB      int     `json:"endRssKb"`
	Bad           int     `json:"badResponses"`
	FirstBadError string  `json:"firstBad,omitempty"`
}

type standIn struct {
	event    []byte
	total    int
	warmup   int
	pid      int
	queue    chan string
	done     chan struct{}
	mu       sync.Mutex
	issued   int
	answered int
	sentAt   map[string]time.Time
	lat      []float64
	t0, t1   time.Time
	rep      report
}

func (s *standIn) issue() {
	// s.mu held
	if s.issued >= s.total {
		return
	}
	s.issued++
	s.queue <- "req-" + strconv.Itoa(s.issued)
}

func (s *standIn) Next(w http.ResponseWriter, r *http.Request) {
	var id string
	select {
	case id = <-s.queue:
	case <-r.Context().Done():
		return
	}
	s.mu.Lock()
	s.sentAt[id] = time.Now()
	s.mu.Unlock()
	runtimeapi.WriteEvent(w, id, 60000, s.event)
}

func (s *standIn) Post(w http.ResponseWriter, r *http.Request, id, kind string) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	s.mu.Lock()
	ms := float64(now.Sub(s.sentAt[id]).Nanoseconds()) / 1e6
	delete(s.sentAt, id)
	s.answered++
	n := s.answered
	if kind != "response" || len(body) == 0 {
		if s.rep.Bad == 0 {
			s.rep.FirstBadError = string(body)
		}
		s.rep.Bad++
	}
	if n == s.warmup {
		s.t0 = now
	} else if n > s.warmup {
		s.lat = append(s.lat, ms)
	}
	if n%250 == 0 && n > s.warmup {
		rss, _ := procmem.Read(s.pid)
		if rss > s.rep.MaxRSSKB {
			s.rep.MaxRSSKB = rss
		}
	}
	if n == s.total {
		s.t1 = now
		s.rep.EndRSSKB, _ = procmem.Read(s.pid)
		close(s.done)
	} else {
		s.issue()
	}
	s.mu.Unlock()
	runtimeapi.Accept(w)
}

func (s *standIn) InitError(w http.ResponseWriter, r *http.Request) {
	runtimeapi.ExitOnInitError(w, r)
}

func main() {
	n := flag.Int("n", 20000, "timed invokes")
	warmup := flag.Int("warmup", 2000, "untimed invokes before the timed ones")
	inflight := flag.Int("inflight", 64, "invocations outstanding at once")
	op := flag.String("op", "cpu", "cpu or io")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: concurrenthost [-inflight 64] [-n N] [-warmup N] [-op cpu|io] -- command args...")
		os.Exit(2)
	}
	event := []byte(`{"op":"io"}`)
	if *op == "cpu" {
		event = cpuevent.Event()
	}
	s := &standIn{
		event: event, warmup: *warmup, total: *warmup + *n,
		queue: make(chan string, *inflight), done: make(chan struct{}),
		sentAt: make(map[string]time.Time), lat: make([]float64, 0, *n),
	}
	s.rep.Inflight = *inflight
	s.mu.Lock()
	for i := 0; i < *inflight; i++ {
		s.issue()
	}
	s.mu.Unlock()

	_, api, err := runtimeapi.Listen(runtimeapi.Handler(s, nil))
	if err != nil {
		panic(err)
	}
	f, err := runtimeapi.StartFunction(args, api, io.Discard)
	if err != nil {
		panic(err)
	}
	s.pid = f.Cmd.Process.Pid
	defer f.Kill()
	f.Await(s.done, *timeout, "its last response")
	s.rep.Invokes = *n
	s.rep.PerSecond = float64(*n) / s.t1.Sub(s.t0).Seconds()
	s.rep.P50Ms = procmem.Percentile(s.lat, 50)
	s.rep.P99Ms = procmem.Percentile(s.lat, 99)
	out, _ := json.Marshal(s.rep)
	os.Stdout.Write(append(out, '\n'))
}
