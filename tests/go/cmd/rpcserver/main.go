// rpcserver serves the Arith service with Go's net/rpc, for gopherless interop tests.
//
//	rpcserver [-codec gob|jsonrpc] [-http] [-shift N] [-addr 127.0.0.1:0] [-unix PATH]
//
// It prints "LISTEN <addr>" on stdout once listening, then serves until killed
// or until stdin closes.
package main

import (
	"encoding/gob"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"reflect"

	"gopherless.test/peers/internal/arith"
)

// shiftTypeIds allocates n gob type ids in this process, so that the types
// net/rpc uses later get ids other than 64, 65, ...
func shiftTypeIds(n int) {
	enc := gob.NewEncoder(io.Discard)
	for i := 0; i < n; i++ {
		// A distinct struct type per i, built with reflect.
		f := reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeOf(0)}
		v := reflect.New(reflect.StructOf([]reflect.StructField{f})).Elem()
		if err := enc.EncodeValue(v); err != nil {
			log.Fatal(err)
		}
	}
}

func main() {
	codec := flag.String("codec", "gob", "gob or jsonrpc")
	useHTTP := flag.Bool("http", false, "serve over HTTP CONNECT")
	shift := flag.Int("shift", 0, "gob type ids to allocate first")
	addr := flag.String("addr", "127.0.0.1:0", "TCP address")
	unix := flag.String("unix", "", "Unix socket path instead of TCP")
	flag.Parse()
	log.SetFlags(0)

	shiftTypeIds(*shift)
	srv := rpc.NewServer()
	if err := srv.Register(new(arith.Arith)); err != nil {
		log.Fatal(err)
	}
	if err := srv.RegisterName("Dot.Svc", new(arith.Svc)); err != nil {
		log.Fatal(err)
	}

	var ln net.Listener
	var err error
	if *unix != "" {
		ln, err = net.Listen("unix", *unix)
	} else {
		ln, err = net.Listen("tcp", *addr)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	os.Stdout.Sync()
	go func() { // exit when the parent closes our stdin
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()

	if *useHTTP {
		mux := http.NewServeMux()
		mux.Handle(rpc.DefaultRPCPath, srv)
		log.Fatal(http.Serve(ln, mux))
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		if *codec == "jsonrpc" {
			go srv.ServeCodec(jsonrpc.NewServerCodec(conn))
		} else {
			go srv.ServeConn(conn)
		}
	}
}
