// rpcbench drives a net/rpc Arith server with Go's client and prints, as
// JSON, the sequential round-trip latency and the throughput with -par calls
// in flight on one connection.
//
//	rpcbench -addr HOST:PORT [-seq 20000] [-par 64] [-dur 3s] [-codec gob|jsonrpc]
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"gopherless.test/peers/internal/arith"
)

func main() {
	addr := flag.String("addr", "", "server address")
	codec := flag.String("codec", "gob", "gob or jsonrpc")
	seq := flag.Int("seq", 20000, "sequential calls")
	par := flag.Int("par", 64, "calls in flight")
	dur := flag.Duration("dur", 3*time.Second, "throughput measuring time")
	flag.Parse()
	log.SetFlags(0)

	var c *rpc.Client
	var err error
	if *codec == "jsonrpc" {
		c, err = jsonrpc.Dial("tcp", *addr)
	} else {
		c, err = rpc.Dial("tcp", *addr)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	call := func(i int) {
		var r int
		if err := c.Call("Arith.Multiply", &arith.Args{A: i, B: 3}, &r); err != nil || r != i*3 {
			log.Fatalf("bad reply %d for %d: %v", r, i, err)
		}
	}
	for i := 0; i < 2000; i++ { // warm up both sides (JIT, type definitions)
		call(i)
	}

	lat := make([]time.Duration, *seq)
	start := time.Now()
	for i := 0; i < *seq; i++ {
		t0 := time.Now()
		call(i)
		lat[i] = time.Since(t0)
	}
	seqTotal := time.Since(start)
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })

	var done atomic.Int64
	stop := time.Now().Add(*dur)
	var wg sync.WaitGroup
	parStart := time.Now()
	for w := 0; w < *par; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; time.Now().Before(stop); i += *par {
				call(i % 1000000)
				done.Add(1)
			}
		}(w)
	}
	wg.Wait()
	parTotal := time.Since(parStart)

	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"seq_mean_us":     float64(seqTotal.Microseconds()) / float64(*seq),
		"seq_p50_us":      float64(lat[len(lat)/2].Nanoseconds()) / 1000,
		"seq_p99_us":      float64(lat[len(lat)*99/100].Nanoseconds()) / 1000,
		"par_calls_per_s": float64(done.Load()) / parTotal.Seconds(),
	})
}
