// rpcflood floods a net/rpc server with tiny pipelined calls on one
// connection while Go's net/rpc client calls Arith.Multiply on another, for
// the server's fairness test (tests/rpc/fairness_test.ts), and prints what
// each connection got.
//
//	rpcflood -addr HOST:PORT [-flood N] [-calls M]
//
// Both connections are opened and all their requests written before the
// server is meant to read any (the test lets it accept them only then): the
// flood's N calls of F.T (an int, answered with it), encoded by gob as
// net/rpc's client encodes them, in one write; then M calls of Arith.Multiply
// sent at once with Client.Go. Each connection's send buffer is enlarged to
// hold its requests, so every byte is in the kernel when the peer prints
// "SENT". It then reads every answer and prints one JSON object: the flood's
// answers and errors, the client's calls, wrong answers and errors.
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/rpc"
	"os"
	"syscall"

	"gopherless.test/peers/internal/arith"
)

// floodMethod is the shortest name a method can have, so that one read of the
// server's holds as many of the flood's calls as can be.
const floodMethod = "F.T"

// dial connects to addr with a send buffer of at least size bytes, so that a
// write of size bytes completes while the server reads nothing.
func dial(addr string, size int) *net.TCPConn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	tc := c.(*net.TCPConn)
	if err := tc.SetWriteBuffer(size); err != nil {
		log.Fatal(err)
	}
	// Linux grants up to net.core.wmem_max (and reports twice what it grants).
	granted := 0
	raw, err := tc.SyscallConn()
	if err != nil {
		log.Fatal(err)
	}
	raw.Control(func(fd uintptr) {
		granted, err = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	})
	if err != nil {
		log.Fatal(err)
	}
	if granted < size {
		log.Fatalf("a send buffer of %d bytes was granted, %d needed: raise net.core.wmem_max", granted, size)
	}
	return tc
}

// floodAnswers reads n answers from c and returns how many came back without
// an error, and the first errors.
func floodAnswers(c net.Conn, n int) (int, []string) {
	dec := gob.NewDecoder(c)
	ok, errs := 0, []string{}
	for i := 0; i < n; i++ {
		var resp rpc.Response
		if err := dec.Decode(&resp); err != nil {
			return ok, append(errs, err.Error())
		}
		if resp.Error != "" {
			// net/rpc's server sends an empty struct as the body of an error.
			var body struct{}
			dec.Decode(&body)
			if len(errs) < 5 {
				errs = append(errs, resp.Error)
			}
			continue
		}
		var v int
		if err := dec.Decode(&v); err != nil {
			return ok, append(errs, err.Error())
		}
		if resp.Seq != uint64(v) {
			errs = append(errs, fmt.Sprintf("seq %d answered %d", resp.Seq, v))
			continue
		}
		ok++
	}
	return ok, errs
}

func main() {
	addr := flag.String("addr", "", "TCP address of the server")
	flood := flag.Int("flood", 20000, "calls pipelined on the flooding connection")
	calls := flag.Int("calls", 2000, "Arith.Multiply calls pipelined by the net/rpc client")
	flag.Parse()
	log.SetFlags(0)

	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for i := 0; i < *flood; i++ {
		if err := enc.Encode(&rpc.Request{ServiceMethod: floodMethod, Seq: uint64(i)}); err != nil {
			log.Fatal(err)
		}
		if err := enc.Encode(i); err != nil {
			log.Fatal(err)
		}
	}
	f := dial(*addr, buf.Len())
	// About 40 bytes a call once gob has sent its types.
	c := dial(*addr, 64*1024+40**calls)
	client := rpc.NewClient(c)
	if _, err := f.Write(buf.Bytes()); err != nil {
		log.Fatal(err)
	}
	done := make(chan *rpc.Call, *calls)
	replies := make([]int, *calls)
	for i := range replies {
		client.Go("Arith.Multiply", &arith.Args{A: i, B: 7}, &replies[i], done)
	}
	os.Stdout.Write([]byte("SENT\n"))

	floodDone := make(chan map[string]any)
	go func() {
		ok, errs := floodAnswers(f, *flood)
		floodDone <- map[string]any{"answers": ok, "errors": errs}
	}()
	wrong, errs := 0, []string{}
	for range replies {
		call := <-done
		if call.Error != nil {
			if len(errs) < 5 {
				errs = append(errs, call.Error.Error())
			}
			continue
		}
		a := call.Args.(*arith.Args)
		if *call.Reply.(*int) != a.A*a.B {
			wrong++
		}
	}
	client.Close()
	out := map[string]any{
		"flood":  <-floodDone,
		"client": map[string]any{"calls": *calls, "wrong": wrong, "errors": errs},
	}
	f.Close()
	b, err := json.Marshal(out)
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(append(b, '\n'))
}
