// Command runtimeapihost is a Lambda Runtime API stand-in for benchmarks, written with Go's
// net/http: it starts a function with AWS_LAMBDA_RUNTIME_API pointing at itself, times exec
// until the function's first GET /2018-06-01/runtime/invocation/next (and reads what the function
// had read from the disk by then, /proc/PID/io's read_bytes), then (with -n > 0) hands
// out -n invokes of an event (1 KB; -event-bytes sets the length of its string) one after another,
// times each from the moment its event is handed out until its response has been received (what
// the caller waits) and until the function asks for the next event (the cycle: what Lambda bills,
// work after the response included), and
// samples the function's resident memory from /proc every -sample invokes (counting from the
// first, warm-up included). It prints one JSON report on stdout.
//
//	runtimeapihost [-n 0] [-warmup 200] [-sample 0] [-event-bytes 1000] -- command args...
//
// The function inherits this program's environment (DENO_DIR, AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
// With -n 0 the function is killed as soon as it asks for its first event: a start-up probe
// (the one-line fetch that serves as Deno's floor never answers an invoke).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopherless.test/peers/internal/procmem"
	"gopherless.test/peers/internal/runtimeapi"
)

type report struct {
	StartupMs float64 `json:"startupMs"`
	// StartupCPUMs is the CPU time (user + system, all threads) the function used until it
	// asked for its first event; only with -n 0, where it is stopped right then.
	StartupCPUMs float64 `json:"startupCpuMs,omitempty"`
	// StartupReadBytes is what the function's process (its threads, and the children it has
	// waited for: the launcher's) had caused to be read from the storage layer when it asked for
	// its first event (read_bytes of /proc/PID/io; page faults on mapped files and read-ahead
	// included; pages already in the page cache not).
	StartupReadBytes int64            `json:"startupReadBytes"`
	Invokes          int              `json:"invokes"`
	P50Us            float64          `json:"p50Us,omitempty"`
	P99Us            float64          `json:"p99Us,omitempty"`
	Samples          []procmem.Sample `json:"samples,omitempty"`
	Bad              int              `json:"badResponses"`
	// CPUPerInvokeUs is the function's CPU time (user + system) over the timed invokes, per
	// invoke (from /proc/PID/stat: 10 ms steps over the whole run).
	CPUPerInvokeUs float64 `json:"cpuPerInvokeUs,omitempty"`
	// CycleP50Us and CycleP99Us: from an event handed out until the function asks for the next
	// one (what Lambda bills: work after the response and before /next included; the last
	// invoke's cycle is not counted).
	CycleP50Us float64 `json:"cycleP50Us,omitempty"`
	CycleP99Us float64 `json:"cycleP99Us,omitempty"`
}

type standIn struct {
	event    []byte
	total    int // warm-up + timed invokes
	warmup   int
	sample   int
	pid      int
	started  time.Time
	first    chan struct{}
	done     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	handed   int // events handed out
	answered int
	sentAt   time.Time
	lat      []float64
	cycles   []float64 // event handed out → the next /next (µs)
	cpuStart float64   // the function's CPU time (ms) when the timed invokes began; -1: not read
	rep      report
	turn     chan struct{} // one token: the next event may be handed out
}

func (s *standIn) Next(w http.ResponseWriter, r *http.Request) {
	s.once.Do(func() {
		s.rep.StartupMs = float64(time.Since(s.started).Microseconds()) / 1000
		s.rep.StartupReadBytes = procmem.ReadBytes(s.pid)
		close(s.first)
	})
	s.mu.Lock()
	if s.handed > s.warmup {
		s.cycles = append(s.cycles, float64(time.Since(s.sentAt).Nanoseconds())/1000)
	}
	s.mu.Unlock()
	select {
	case <-s.turn:
	case <-r.Context().Done():
		return
	}
	s.mu.Lock()
	if s.handed >= s.total {
		s.mu.Unlock()
		<-r.Context().Done() // no more events: block as Lambda does
		return
	}
	s.handed++
	id := "req-" + strconv.Itoa(s.handed)
	s.sentAt = time.Now()
	s.mu.Unlock()
	runtimeapi.WriteEvent(w, id, 30000, s.event)
}

func (s *standIn) Post(w http.ResponseWriter, r *http.Request, _, kind string) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	us := float64(time.Since(s.sentAt).Nanoseconds()) / 1000
	s.answered++
	n := s.answered
	if kind != "response" || !bytes.Equal(body, s.event) {
		s.rep.Bad++
	}
	if n > s.warmup {
		s.lat = append(s.lat, us)
	}
	if n == s.warmup {
		s.cpuStart = procmem.RunningCPUMs(s.pid)
	}
	s.mu.Unlock()
	runtimeapi.Accept(w)
	if s.sample > 0 && n%s.sample == 0 {
		s.rep.Samples = append(s.rep.Samples, procmem.Take(s.pid, n))
	}
	if n >= s.total {
		if cpu := procmem.RunningCPUMs(s.pid); s.cpuStart >= 0 && cpu >= 0 && n > s.warmup {
			s.rep.CPUPerInvokeUs = (cpu - s.cpuStart) * 1000 / float64(n-s.warmup)
		}
		close(s.done)
		return
	}
	s.turn <- struct{}{}
}

func (s *standIn) InitError(w http.ResponseWriter, r *http.Request) {
	runtimeapi.ExitOnInitError(w, r)
}

func main() {
	n := flag.Int("n", 0, "timed invokes (0: measure start-up only)")
	warmup := flag.Int("warmup", 200, "untimed invokes before the timed ones")
	sample := flag.Int("sample", 0, "sample memory every this many invokes (warm-up included; 0: never)")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	eventBytes := flag.Int("event-bytes", 1000, "length of the event's string value (the event is that plus 24 bytes of JSON)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: runtimeapihost [-n N] [-warmup N] [-sample N] -- command args...")
		os.Exit(2)
	}
	event, _ := json.Marshal(map[string]string{"op": "echo", "value": strings.Repeat("a", *eventBytes)})
	s := &standIn{
		event: event, warmup: *warmup, sample: *sample,
		first: make(chan struct{}), done: make(chan struct{}), turn: make(chan struct{}, 1),
		cpuStart: -1,
	}
	if *n > 0 {
		s.total = *warmup + *n
		s.lat = make([]float64, 0, *n)
		s.turn <- struct{}{}
	}

	_, api, err := runtimeapi.Listen(runtimeapi.Handler(s, nil))
	if err != nil {
		panic(err)
	}
	s.started = time.Now()
	f, err := runtimeapi.StartFunction(args, api, os.Stderr)
	if err != nil {
		panic(err)
	}
	s.pid = f.Cmd.Process.Pid
	defer f.Kill()
	f.Await(s.first, *timeout, "its first /next")
	if *warmup == 0 {
		s.mu.Lock()
		s.cpuStart = procmem.RunningCPUMs(s.pid)
		s.mu.Unlock()
	}
	if *n > 0 {
		f.Await(s.done, *timeout, "its last response")
		s.rep.Invokes = *n
		s.rep.P50Us = procmem.Percentile(s.lat, 50)
		s.rep.P99Us = procmem.Percentile(s.lat, 99)
		s.mu.Lock()
		s.rep.CycleP50Us = procmem.Percentile(s.cycles, 50)
		s.rep.CycleP99Us = procmem.Percentile(s.cycles, 99)
		s.mu.Unlock()
	}
	if *n == 0 {
		f.Kill()
		<-f.Exited
		s.rep.StartupCPUMs = procmem.CPUMs(f.Cmd.ProcessState)
	}
	out, _ := json.Marshal(s.rep)
	os.Stdout.Write(append(out, '\n'))
}
