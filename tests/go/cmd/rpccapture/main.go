// rpccapture is a recording TCP proxy for golden net/rpc captures: it
// accepts one connection, relays it to -target, and writes the conversation
// as JSON turns ({"turns": [["c2s", hex], ["s2c", hex], ...]}) to -out once
// both directions have ended. Consecutive reads in one direction are merged,
// so a lock-step client (one call at a time) yields one turn per message pair.
package main

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime"
	"sync"
)

type recorder struct {
	mu    sync.Mutex
	turns [][2]string
	raw   [][]byte
	dirs  []string
}

func (r *recorder) add(dir string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.dirs); n > 0 && r.dirs[n-1] == dir {
		r.raw[n-1] = append(r.raw[n-1], b...)
		return
	}
	r.dirs = append(r.dirs, dir)
	r.raw = append(r.raw, append([]byte(nil), b...))
}

func relay(dst, src net.Conn, dir string, rec *recorder, wg *sync.WaitGroup) {
	defer wg.Done()
	buf := make([]byte, 1<<16)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			rec.add(dir, buf[:n])
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "proxy address")
	target := flag.String("target", "", "server address")
	out := flag.String("out", "", "output file")
	note := flag.String("note", "", "description stored in the capture")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	os.Stdout.Sync()
	c, err := ln.Accept()
	if err != nil {
		log.Fatal(err)
	}
	s, err := net.Dial("tcp", *target)
	if err != nil {
		log.Fatal(err)
	}
	rec := &recorder{}
	var wg sync.WaitGroup
	wg.Add(2)
	go relay(s, c, "c2s", rec, &wg)
	go relay(c, s, "s2c", rec, &wg)
	wg.Wait()
	c.Close()
	s.Close()
	for i, d := range rec.dirs {
		rec.turns = append(rec.turns, [2]string{d, hex.EncodeToString(rec.raw[i])})
	}
	b, err := json.MarshalIndent(map[string]any{
		"go":    runtime.Version(),
		"note":  *note,
		"turns": rec.turns,
	}, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}
