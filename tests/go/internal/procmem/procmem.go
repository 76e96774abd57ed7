// Package procmem reads a process's memory figures from /proc/PID/status, as Lambda's own
// accounting does (resident set size and its high-water mark).
package procmem

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Sample is one reading, in KiB.
type Sample struct {
	// Invokes answered when the sample was taken.
	Invokes int `json:"invokes"`
	// RSSKB is VmRSS: the resident set now.
	RSSKB int `json:"rssKb"`
	// HWMKB is VmHWM: the largest resident set so far.
	HWMKB int `json:"hwmKb"`
}

// Read returns pid's VmRSS and VmHWM in KiB (zeros when the process is gone).
func Read(pid int) (rss, hwm int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss, _ = strconv.Atoi(f[1])
		case "VmHWM:":
			hwm, _ = strconv.Atoi(f[1])
		}
	}
	return rss, hwm
}

// Take reads pid's figures as a Sample after invokes invokes.
func Take(pid, invokes int) Sample {
	rss, hwm := Read(pid)
	return Sample{Invokes: invokes, RSSKB: rss, HWMKB: hwm}
}

// Percentile returns the p-th percentile (0 < p < 100) of xs, sorting xs in place.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Float64s(xs)
	i := int(float64(len(xs)) * p / 100)
	if i >= len(xs) {
		i = len(xs) - 1
	}
	return xs[i]
}

// CPUMs is the user + system CPU time, in milliseconds, of an exited process (all its threads).
func CPUMs(state *os.ProcessState) float64 {
	if state == nil {
		return 0
	}
	ru, ok := state.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	us := ru.Utime.Sec*1e6 + ru.Utime.Usec + ru.Stime.Sec*1e6 + ru.Stime.Usec
	return float64(us) / 1000
}

// ReadBytes returns read_bytes of /proc/PID/io: the bytes pid (all its threads, and the children
// it has waited for) caused to be fetched from the storage layer, read-ahead and page faults on
// mapped files included (0 when the process is gone or the kernel does not account I/O).
func ReadBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "read_bytes: "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}
