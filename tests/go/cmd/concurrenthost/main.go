// Command concurrenthost is a Lambda Runtime API stand-in for benchmarks of concurrent
// environments (Lambda Managed Instances), written with Go's net/http: it starts a function with
// AWS_LAMBDA_RUNTIME_API pointing at itself and keeps -inflight invocations outstanding, as
// Managed Instances hand them out (a new one each time one is answered), until -warmup + -n have
// been answered. It times each invocation from the moment its event is handed out until its
// response has been received, measures the throughput of the timed part, and samples the
// function's resident memory (VmRSS of the started process) every 250 answers of it, and the CPU
// time per timed invoke of the function and of itself. It prints one JSON report on stdout.
//
//	concurrenthost [-inflight 64] [-n 20000] [-warmup 2000] [-op cpu|io] [-procs 1] [-stall 1m] -- command args...
//
// -op cpu hands out a 50 KB event of 500 items (the handler walks, transforms and serializes
// them) and checks that each answer starts with the right count and checksum; -op io a small
// event (the handler awaits 20 ms), answered {"ok":true}. An answer posted as an error or not as
// expected counts as bad; one to an id not held (never handed out, or answered already) counts as
// bad too and is rejected with 400, as Lambda rejects it. When no answer has come for -stall, it says
// which invokes the function holds and how many it has not asked for, and exits 1.
//
// The stand-in shares the machine's cores with the function, which Lambda's own Runtime API does
// not, so it is kept cheap: a post's body is read into reused buffers and checked by its first
// bytes, not kept; invokes are numbered and their start times held in a slice, not a map; and it
// runs on one P (GOMAXPROCS=1, -procs), set in the program, not by the environment the function
// inherits. The function inherits this program's
// environment (AWS_LAMBDA_MAX_CONCURRENCY, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, ...). The function
// is started in a process group of its own and killed with it at the end.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gopherless.test/peers/internal/cpuevent"
	"gopherless.test/peers/internal/procmem"
	"gopherless.test/peers/internal/runtimeapi"
)

type report struct {
	Invokes   int     `json:"invokes"`
	Inflight  int     `json:"inflight"`
	PerSecond float64 `json:"perSecond"`
	P50Ms     float64 `json:"p50Ms"`
	P99Ms     float64 `json:"p99Ms"`
	MaxRSSKB  int     `json:"maxRssKb"`
	EndRSSKB  int     `json:"endRssKb"`
	// FunctionCPUUs and HostCPUUs are the user + system CPU time per timed invoke, in
	// microseconds, of the function (all its threads, /proc/PID/stat) and of this stand-in
	// (getrusage), over the timed invokes only.
	FunctionCPUUs float64 `json:"functionCpuUs"`
	HostCPUUs     float64 `json:"hostCpuUs"`
	// ThreadCPUUs splits FunctionCPUUs by thread name (threads alive at the end only).
	ThreadCPUUs map[string]float64 `json:"threadCpuUs"`
	Bad         int                `json:"badResponses"`
	// Rejected counts the answers to invocations not held (answered before), which Bad includes.
	Rejected      int    `json:"rejected"`
	FirstBadError string `json:"firstBad,omitempty"`
}

type standIn struct {
	event    []byte
	want     []byte // how every answer's body starts (its count and checksum for -op cpu)
	total    int
	warmup   int
	pid      int
	queue    chan int
	done     chan struct{}
	bufs     sync.Pool // *bodyBuffers, reused from post to post
	mu       sync.Mutex
	issued   int
	answered int
	sentAt   []time.Time // by invoke number (the id is "req-<number>")
	lat      []float64
	t0, t1   time.Time
	// CPU time (ms) of the function and of this process when the timed invokes began.
	fnCPU0, hostCPU0 float64
	threadCPU0       map[string]float64
	rep              report
}

// selfCPUMs is this process's user + system CPU time so far, in milliseconds (all threads).
func selfCPUMs() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	us := ru.Utime.Sec*1e6 + ru.Utime.Usec + ru.Stime.Sec*1e6 + ru.Stime.Usec
	return float64(us) / 1000
}

const idPrefix = "req-"

func (s *standIn) issue() {
	// s.mu held
	if s.issued >= s.total {
		return
	}
	s.issued++
	s.queue <- s.issued
}

func (s *standIn) Next(w http.ResponseWriter, r *http.Request) {
	var n int
	select {
	case n = <-s.queue:
	case <-r.Context().Done():
		return
	}
	s.mu.Lock()
	s.sentAt[n] = time.Now()
	s.mu.Unlock()
	runtimeapi.WriteEvent(w, idPrefix+strconv.Itoa(n), 60000, s.event)
}

// bodyBuffers is what a post's body is read into: its first bytes are kept (to check them and
// to report a bad one), the rest is read and dropped.
type bodyBuffers struct {
	head    [256]byte
	scratch [32 << 10]byte
}

// readBody reads r to its end and returns its length and its first bytes (up to 256).
func readBody(r io.Reader, b *bodyBuffers) (int, []byte) {
	k, err := io.ReadFull(r, b.head[:])
	total, head := k, b.head[:k]
	for err == nil {
		k, err = r.Read(b.scratch[:])
		total += k
	}
	return total, head
}

func (s *standIn) Post(w http.ResponseWriter, r *http.Request, id, kind string) {
	b := s.bufs.Get().(*bodyBuffers)
	size, head := readBody(r.Body, b)
	now := time.Now()
	n, err := strconv.Atoi(strings.TrimPrefix(id, idPrefix))
	s.mu.Lock()
	known := err == nil && n >= 1 && n <= s.issued && !s.sentAt[n].IsZero()
	if kind != "response" || !known || !bytes.HasPrefix(head, s.want) {
		if s.rep.Bad == 0 {
			why := "not handed out or already answered"
			if known {
				why = fmt.Sprintf("want %q…", s.want)
			}
			s.rep.FirstBadError = fmt.Sprintf("%s %s (%d bytes, %s): %s", id, kind, size, why, head)
		}
		s.rep.Bad++
	}
	s.bufs.Put(b)
	if !known {
		s.rep.Rejected++
		// An answer to an invocation not held (answered before: a worker isolate that died
		// between posting its answer and hearing it was taken, whose invocation the main isolate
		// then fails) is rejected, as Lambda's Runtime API rejects it. Counted as an answer, it
		// would hand out one invocation too many, and issue would block on the full queue with
		// s.mu held: the stand-in, its -stall watch too, would wait for good.
		s.mu.Unlock()
		http.Error(w, `{"errorType":"InvalidRequestID","errorMessage":"not handed out or already answered"}`,
			http.StatusBadRequest)
		return
	}
	ms := float64(now.Sub(s.sentAt[n]).Nanoseconds()) / 1e6
	s.sentAt[n] = time.Time{}
	s.answered++
	a := s.answered
	if a == s.warmup {
		s.t0 = now
		s.fnCPU0, s.hostCPU0 = procmem.RunningCPUMs(s.pid), selfCPUMs()
		s.threadCPU0 = procmem.ThreadCPUMs(s.pid)
	} else if a > s.warmup {
		s.lat = append(s.lat, ms)
	}
	if a%250 == 0 && a > s.warmup {
		rss, _ := procmem.Read(s.pid)
		if rss > s.rep.MaxRSSKB {
			s.rep.MaxRSSKB = rss
		}
	}
	if a == s.total {
		s.t1 = now
		timed := float64(s.total - s.warmup)
		s.rep.FunctionCPUUs = (procmem.RunningCPUMs(s.pid) - s.fnCPU0) * 1000 / timed
		s.rep.HostCPUUs = (selfCPUMs() - s.hostCPU0) * 1000 / timed
		s.rep.ThreadCPUUs = procmem.ThreadCPUMs(s.pid)
		for name, ms := range s.rep.ThreadCPUUs {
			s.rep.ThreadCPUUs[name] = (ms - s.threadCPU0[name]) * 1000 / timed
		}
		s.rep.EndRSSKB, _ = procmem.Read(s.pid)
		close(s.done)
	} else {
		s.issue()
	}
	s.mu.Unlock()
	runtimeapi.Accept(w)
}

// watch ends the run when no answer has come for stall: it prints what is outstanding, the
// invokes handed out and not answered (the function holds them) and those it has not asked for,
// kills the function and exits 1.
func (s *standIn) watch(f *runtimeapi.Function, stall time.Duration) {
	last, since := -1, time.Now()
	for range time.Tick(stall / 10) {
		s.mu.Lock()
		answered := s.answered
		if answered != last {
			last, since = answered, time.Now()
			s.mu.Unlock()
			continue
		}
		if time.Since(since) < stall {
			s.mu.Unlock()
			continue
		}
		var held []string
		for n, at := range s.sentAt {
			if !at.IsZero() {
				held = append(held, idPrefix+strconv.Itoa(n))
			}
		}
		fmt.Fprintf(os.Stderr, "no answer for %v: %d of %d answered; handed out and unanswered: %d %v; "+
			"not yet asked for: %d\n", stall, answered, s.total, len(held), held, len(s.queue))
		s.mu.Unlock()
		f.Kill()
		os.Exit(1)
	}
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
	stall := flag.Duration("stall", time.Minute, "give up when no answer has come for this long")
	procs := flag.Int("procs", 1, "GOMAXPROCS of this stand-in (0: Go's default, one per core)")
	flag.Parse()
	if *procs > 0 {
		// One P by default: on a 2-core machine Go's idle Ps spin looking for work on the cores
		// the function under test needs, and one P serves thousands of invokes a second.
		runtime.GOMAXPROCS(*procs)
	}
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: concurrenthost [-inflight 64] [-n N] [-warmup N] [-op cpu|io] -- command args...")
		os.Exit(2)
	}
	event, want := []byte(`{"op":"io"}`), []byte(`{"ok":true}`)
	if *op == "cpu" {
		event, want = cpuevent.Event(), cpuevent.AnswerPrefix()
	}
	s := &standIn{
		event: event, want: want, warmup: *warmup, total: *warmup + *n,
		queue: make(chan int, *inflight), done: make(chan struct{}),
		sentAt: make([]time.Time, *warmup+*n+1), lat: make([]float64, 0, *n),
	}
	s.bufs.New = func() any { return new(bodyBuffers) }
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
	go s.watch(f, *stall)
	f.Await(s.done, *timeout, "its last response")
	s.rep.Invokes = *n
	s.rep.PerSecond = float64(*n) / s.t1.Sub(s.t0).Seconds()
	s.rep.P50Ms = procmem.Percentile(s.lat, 50)
	s.rep.P99Ms = procmem.Percentile(s.lat, 99)
	out, _ := json.Marshal(s.rep)
	os.Stdout.Write(append(out, '\n'))
}
