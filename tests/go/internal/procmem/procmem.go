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
	// AnonKB is RssAnon: the resident set's anonymous pages (heaps, stacks).
	AnonKB int `json:"anonKb"`
	// FileKB is RssFile: the resident set's pages of mapped files (the executable, libraries).
	FileKB int `json:"fileKb"`
}

// Read returns pid's VmRSS and VmHWM in KiB (zeros when the process is gone).
func Read(pid int) (rss, hwm int) {
	s := Take(pid, 0)
	return s.RSSKB, s.HWMKB
}

// Take reads pid's figures as a Sample after invokes invokes (zeros when the process is gone).
func Take(pid, invokes int) Sample {
	s := Sample{Invokes: invokes}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s
	}
	fields := map[string]*int{
		"VmRSS:": &s.RSSKB, "VmHWM:": &s.HWMKB, "RssAnon:": &s.AnonKB, "RssFile:": &s.FileKB,
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if p, ok := fields[f[0]]; ok {
			*p, _ = strconv.Atoi(f[1])
		}
	}
	return s
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

// ClockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's CPU times (100 on Linux).
const ClockTicks = 100

// RunningCPUMs is the user + system CPU time, in milliseconds, that a running process (all its
// threads) has used so far, from /proc/PID/stat (10 ms steps: read it over many invokes); -1 when
// the process is gone.
func RunningCPUMs(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from after it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return float64(utime+stime) * 1000 / ClockTicks
}

// ThreadCPUMs is the user + system CPU time, in milliseconds, that each group of pid's running
// threads has used so far, by thread name (/proc/PID/task/TID/stat; threads of one name, such as
// V8's "V8 DefaultWorke…" helpers, summed). Threads that have exited are not counted.
func ThreadCPUMs(pid int) map[string]float64 {
	out := map[string]float64{}
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.Atoi(f[11])
		stime, _ := strconv.Atoi(f[12])
		out[s[open+1:end]] += float64(utime+stime) * 1000 / ClockTicks
	}
	return out
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
