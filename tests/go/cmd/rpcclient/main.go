// rpcclient calls an Arith server with Go's net/rpc and prints what happened
// as one JSON object, for gopherless interop tests.
//
//	rpcclient -addr HOST:PORT|-unix PATH [-codec gob|jsonrpc] [-http] [-shift N] -scenario NAME
//
// Scenarios: basic, concurrent (64 calls on one connection), many (64
// connections), ooo (out-of-order completion), bodyerr (args of the wrong
// type, then a good call on the same connection), steady (one call after
// another for -duration, reporting count, wrong answers, errors and the
// slowest call).
package main

import (
	"encoding/gob"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"reflect"
	"sync"
	"time"

	"gopherless.test/peers/internal/arith"
)

var (
	network, address, codec string
	useHTTP                 bool
)

func dial() *rpc.Client {
	var c *rpc.Client
	var err error
	switch {
	case useHTTP:
		c, err = rpc.DialHTTP(network, address)
	case codec == "jsonrpc":
		c, err = jsonrpc.Dial(network, address)
	default:
		c, err = rpc.Dial(network, address)
	}
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// errOf describes an error the way the tests compare it.
func errOf(err error) map[string]any {
	if err == nil {
		return nil
	}
	kind := "other"
	var se rpc.ServerError
	switch {
	case errors.As(err, &se):
		kind = "server"
	case err == rpc.ErrShutdown:
		kind = "shutdown"
	case err == io.ErrUnexpectedEOF:
		kind = "unexpected-eof"
	}
	return map[string]any{"kind": kind, "message": err.Error()}
}

func basic(c *rpc.Client) map[string]any {
	out := map[string]any{}
	var prod int
	err := c.Call("Arith.Multiply", &arith.Args{A: 7, B: 8}, &prod)
	out["multiply"] = map[string]any{"reply": prod, "err": errOf(err)}

	var q arith.Quotient
	err = c.Call("Arith.Divide", &arith.Args{A: 17, B: 5}, &q)
	out["divide"] = map[string]any{"reply": q, "err": errOf(err)}

	var q0 arith.Quotient
	err = c.Call("Arith.Divide", &arith.Args{A: 1, B: 0}, &q0)
	out["divideByZero"] = map[string]any{"err": errOf(err)}

	var n int
	err = c.Call("Arith.Nope", &arith.Args{}, &n)
	out["noMethod"] = map[string]any{"err": errOf(err)}
	err = c.Call("Nope.Multiply", &arith.Args{}, &n)
	out["noService"] = map[string]any{"err": errOf(err)}
	err = c.Call("Multiply", &arith.Args{}, &n)
	out["illFormed"] = map[string]any{"err": errOf(err)}

	var pong int
	err = c.Call("Dot.Svc.Ping", 41, &pong)
	out["dotted"] = map[string]any{"reply": pong, "err": errOf(err)}

	err = c.Call("Arith.Fail", "boom: custom", &n)
	out["fail"] = map[string]any{"err": errOf(err)}

	in := arith.Echo{
		S: "héllo, 世界", I: -1 << 40, U: 1<<63 + 5, F: 3.25, B: true,
		Bytes: []byte{0, 1, 2, 255}, List: []string{"a", "", "c"},
		Map: map[string]int{"x": 1}, In: arith.Inner{Name: "in", Vals: []float64{1.5, -2}},
		Ptr: &arith.Inner{Name: "ptr"},
	}
	if codec == "jsonrpc" {
		in.U = 1 << 52 // JSON numbers: stay within float64's exact range
		// JavaScript has no nil slice: an empty one comes back as [], not null.
		in.Ptr.Vals = []float64{}
	}
	var echo arith.Echo
	err = c.Call("Arith.Echo", &in, &echo)
	out["echo"] = map[string]any{"equal": reflect.DeepEqual(in, echo), "reply": echo, "err": errOf(err)}

	// After everything above, the connection still works.
	err = c.Call("Arith.Multiply", &arith.Args{A: 3, B: 4}, &prod)
	out["again"] = map[string]any{"reply": prod, "err": errOf(err)}
	return out
}

func concurrent(c *rpc.Client) map[string]any {
	var wg sync.WaitGroup
	bad := 0
	var mu sync.Mutex
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var r int
			err := c.Call("Arith.Multiply", &arith.Args{A: i, B: i + 1}, &r)
			if err != nil || r != i*(i+1) {
				mu.Lock()
				bad++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return map[string]any{"calls": 64, "bad": bad}
}

func many() map[string]any {
	var wg sync.WaitGroup
	bad := 0
	var mu sync.Mutex
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := dial()
			defer c.Close()
			for j := 0; j < 4; j++ {
				var r int
				err := c.Call("Arith.Multiply", &arith.Args{A: i, B: j}, &r)
				if err != nil || r != i*j {
					mu.Lock()
					bad++
					mu.Unlock()
				}
			}
		}(i)
	}
	wg.Wait()
	return map[string]any{"conns": 64, "calls": 256, "bad": bad}
}

func ooo(c *rpc.Client) map[string]any {
	var mu sync.Mutex
	order := []string{}
	done := make(chan *rpc.Call, 3)
	calls := []arith.SleepArgs{{Ms: 400, Tag: "slow"}, {Ms: 200, Tag: "mid"}, {Ms: 0, Tag: "fast"}}
	for _, a := range calls {
		var r string
		c.Go("Arith.Sleep", &a, &r, done)
		time.Sleep(20 * time.Millisecond) // send in this order
	}
	for range calls {
		call := <-done
		mu.Lock()
		if call.Error != nil {
			order = append(order, "error: "+call.Error.Error())
		} else {
			order = append(order, *call.Reply.(*string))
		}
		mu.Unlock()
	}
	return map[string]any{"order": order}
}

// WrongArgs has no field in common with arith.Args, so the server's gob
// decoder rejects the body ("no fields matched" / type mismatch).
type WrongArgs struct{ Zzz string }

func bodyerr(c *rpc.Client) map[string]any {
	var n int
	err := c.Call("Arith.Multiply", &WrongArgs{Zzz: "x"}, &n)
	bad := map[string]any{"err": errOf(err)}
	err = c.Call("Arith.Multiply", &arith.Args{A: 6, B: 7}, &n)
	return map[string]any{"bad": bad, "good": map[string]any{"reply": n, "err": errOf(err)}}
}

// golden makes one call at a time, so a capture of the conversation is a
// deterministic sequence of request/response turns (see rpccapture).
func golden(c *rpc.Client) map[string]any {
	var n int
	var q arith.Quotient
	errs := []any{}
	note := func(err error) { errs = append(errs, errOf(err)) }
	note(c.Call("Arith.Multiply", &arith.Args{A: 7, B: 8}, &n))
	note(c.Call("Arith.Multiply", &arith.Args{A: 3, B: 4}, &n))
	note(c.Call("Arith.Divide", &arith.Args{A: 17, B: 5}, &q))
	note(c.Call("Arith.Divide", &arith.Args{A: 1, B: 0}, &q))
	note(c.Call("Arith.Nope", &arith.Args{A: 1, B: 2}, &n))
	note(c.Call("Nope.Multiply", &arith.Args{A: 1, B: 2}, &n))
	note(c.Call("Multiply", &arith.Args{A: 1, B: 2}, &n))
	in := arith.Echo{
		S: "héllo", I: -1 << 40, U: 1 << 40, F: 3.25, B: true,
		Bytes: []byte{0, 1, 255}, List: []string{"a", "", "c"},
		Map: map[string]int{"x": 1}, In: arith.Inner{Name: "in", Vals: []float64{1.5, -2}},
		Ptr: &arith.Inner{Name: "ptr", Vals: []float64{}},
	}
	var echo arith.Echo
	note(c.Call("Arith.Echo", &in, &echo))
	note(c.Call("Arith.Multiply", &arith.Args{A: 6, B: 7}, &n))
	return map[string]any{"errs": errs}
}

// steady calls Arith.Multiply one call after another on one connection for d, as a
// well-behaved client does while others misbehave, and reports what it got.
func steady(d time.Duration) map[string]any {
	c := dial()
	defer c.Close()
	calls, wrong := 0, 0
	var maxLatency time.Duration
	errs := []string{}
	end := time.Now().Add(d)
	for i := 1; time.Now().Before(end); i++ {
		var r int
		start := time.Now()
		err := c.Call("Arith.Multiply", &arith.Args{A: i, B: 7}, &r)
		if l := time.Since(start); l > maxLatency {
			maxLatency = l
		}
		calls++
		if err != nil {
			errs = append(errs, err.Error())
			if len(errs) > 5 {
				break
			}
			continue
		}
		if r != i*7 {
			wrong++
		}
	}
	return map[string]any{"calls": calls, "wrong": wrong, "errors": errs, "maxMs": maxLatency.Milliseconds()}
}

func main() {
	addr := flag.String("addr", "", "TCP address")
	unix := flag.String("unix", "", "Unix socket path")
	scenario := flag.String("scenario", "basic", "scenario")
	shift := flag.Int("shift", 0, "gob type ids to allocate first")
	duration := flag.Duration("duration", 3*time.Second, "how long the steady scenario calls")
	flag.StringVar(&codec, "codec", "gob", "gob or jsonrpc")
	flag.BoolVar(&useHTTP, "http", false, "HTTP CONNECT")
	flag.Parse()
	log.SetFlags(0)
	network, address = "tcp", *addr
	if *unix != "" {
		network, address = "unix", *unix
	}
	enc := gob.NewEncoder(io.Discard)
	for i := 0; i < *shift; i++ {
		f := reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeOf(0)}
		enc.EncodeValue(reflect.New(reflect.StructOf([]reflect.StructField{f})).Elem())
	}

	var out map[string]any
	switch *scenario {
	case "basic":
		c := dial()
		out = basic(c)
		out["close"] = errOf(c.Close())
		var n int
		out["afterClose"] = errOf(c.Call("Arith.Multiply", &arith.Args{A: 1, B: 1}, &n))
	case "concurrent":
		c := dial()
		out = concurrent(c)
		c.Close()
	case "many":
		out = many()
	case "ooo":
		c := dial()
		out = ooo(c)
		c.Close()
	case "golden":
		c := dial()
		out = golden(c)
		c.Close()
	case "bodyerr":
		c := dial()
		out = bodyerr(c)
		c.Close()
	case "steady":
		out = steady(*duration)
	default:
		log.Fatalf("unknown scenario %q", *scenario)
	}
	b, err := json.Marshal(out)
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(append(b, '\n'))
}
