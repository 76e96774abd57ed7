// Command runtimeapihost is a Lambda Runtime API stand-in for benchmarks, written with Go's
// net/http: it starts a function with AWS_LAMBDA_RUNTIME_API pointing at itself, times exec
// until the function's first GET /2018-06-01/runtime/invocation/next, then (with -n > 0) hands
// out -n invokes of a 1 KB event one after another, times each from the moment its event is
// handed out until its response has been received (what Lambda bills as the duration), and
// samples the function's resident memory from /proc every -sample invokes (counting from the
// first, warm-up included). It prints one JSON
// report on stdout.
//
//	runtimeapihost [-n 0] [-warmup 200] [-sample 0] -- command args...
//
// The function inherits this program's environment (DENO_DIR, AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
// With -n 0 the function is killed as soon as it asks for its first event: a start-up probe
// (the one-line fetch that serves as Deno's floor never answers an invoke).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gopherless.test/peers/internal/procmem"
)

type report struct {
	StartupMs float64 `json:"startupMs"`
	// StartupCPUMs is the CPU time (user + system, all threads) the function used until it
	// asked for its first event; only with -n 0, where it is stopped right then.
	StartupCPUMs float64          `json:"startupCpuMs,omitempty"`
	// StartupReadBytes is what the function's process (its threads, and the children it has
	// waited for: the launcher's) had caused to be read from the storage layer when it asked for
	// its first event (read_bytes of /proc/PID/io; page faults on mapped files and read-ahead
	// included; pages already in the page cache not).
	StartupReadBytes int64 `json:"startupReadBytes"`
	Invokes      int              `json:"invokes"`
	P50Us        float64          `json:"p50Us,omitempty"`
	P99Us        float64          `json:"p99Us,omitempty"`
	Samples      []procmem.Sample `json:"samples,omitempty"`
	Bad          int              `json:"badResponses"`
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
	rep      report
	turn     chan struct{} // one token: the next event may be handed out
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/invocation/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == prefix+"next":
		s.once.Do(func() {
			s.rep.StartupMs = float64(time.Since(s.started).Microseconds()) / 1000
			s.rep.StartupReadBytes = procmem.ReadBytes(s.pid)
			close(s.first)
		})
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
		s.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().UnixMilli()+30000, 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(s.event)))
		s.mu.Lock()
		s.sentAt = time.Now()
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(s.event)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, prefix):
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		us := float64(time.Since(s.sentAt).Nanoseconds()) / 1000
		s.answered++
		n := s.answered
		if !strings.HasSuffix(r.URL.Path, "/response") || string(body) != string(s.event) {
			s.rep.Bad++
		}
		if n > s.warmup {
			s.lat = append(s.lat, us)
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
		if s.sample > 0 && n%s.sample == 0 {
			s.rep.Samples = append(s.rep.Samples, procmem.Take(s.pid, n))
		}
		if n >= s.total {
			close(s.done)
			return
		}
		s.turn <- struct{}{}
	case r.Method == http.MethodPost && r.URL.Path == "/2018-06-01/runtime/init/error":
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(os.Stderr, "init error: %s\n", body)
		os.Exit(1)
	default:
		http.NotFound(w, r)
	}
}

func main() {
	n := flag.Int("n", 0, "timed invokes (0: measure start-up only)")
	warmup := flag.Int("warmup", 200, "untimed invokes before the timed ones")
	sample := flag.Int("sample", 0, "sample memory every this many invokes (warm-up included; 0: never)")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: runtimeapihost [-n N] [-warmup N] [-sample N] -- command args...")
		os.Exit(2)
	}
	event, _ := json.Marshal(map[string]string{"op": "echo", "value": strings.Repeat("a", 1000)})
	s := &standIn{
		event: event, warmup: *warmup, sample: *sample,
		first: make(chan struct{}), done: make(chan struct{}), turn: make(chan struct{}, 1),
	}
	if *n > 0 {
		s.total = *warmup + *n
		s.lat = make([]float64, 0, *n)
		s.turn <- struct{}{}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = http.Serve(ln, s) }()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(), "AWS_LAMBDA_FUNCTION_NAME=test")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	s.pid = cmd.Process.Pid
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	wait := func(c chan struct{}, what string) {
		select {
		case <-c:
		case err := <-exited:
			fmt.Fprintf(os.Stderr, "the function exited before %s: %v\n", what, err)
			os.Exit(1)
		case <-time.After(*timeout):
			fmt.Fprintf(os.Stderr, "timed out waiting for %s\n", what)
			os.Exit(1)
		}
	}
	wait(s.first, "its first /next")
	if *n > 0 {
		wait(s.done, "its last response")
		s.rep.Invokes = *n
		s.rep.P50Us = procmem.Percentile(s.lat, 50)
		s.rep.P99Us = procmem.Percentile(s.lat, 99)
	}
	if *n == 0 {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		s.rep.StartupCPUMs = procmem.CPUMs(cmd.ProcessState)
	}
	out, _ := json.Marshal(s.rep)
	os.Stdout.Write(append(out, '\n'))
}
