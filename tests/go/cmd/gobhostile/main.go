// Command gobhostile is Go's side of tests/gob/hostile_test.ts: it decodes
// hostile (or merely unusual) gob streams the way a Go program would, so the
// tests can compare gopherless with Go's behaviour, and it writes the large
// valid streams that Go itself produces.
//
//	gobhostile decode TARGET   decode the first value on stdin into TARGET; print one JSON line
//	gobhostile gen CASE N      write a stream to stdout
//
// decode prints {"ok":true,"value":...,"ms":...,"allocMiB":...} or {"ok":false,"error":"...",...}:
// the time the decode took and the bytes it allocated.
// Targets:
//
//	point      struct Point{X, Y int}
//	empties    []struct{}, printed as its length
//	request    net/rpc's header struct Request{ServiceMethod string; Seq uint64}
//	skip       Decode(nil): read and discard one value
//	bigint     *big.Int, printed as decimal text
//	keymap     map[Key]string with Key{A int; B string}, printed as [[A, B, value], ...] sorted
//	time       time.Time, printed as RFC 3339 text with nanoseconds
//	nested:N   N structs nested by value, each {A next} with the innermost {X int}; prints X
//
// gen cases:
//
//	bigint N   one *big.Int of N bytes (all 0xAB)
//	empties N  one []struct{} of N elements
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

type Point struct{ X, Y int }

// Request is net/rpc's request header.
type Request struct {
	ServiceMethod string
	Seq           uint64
}

type Key struct {
	A int
	B string
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: gobhostile decode TARGET | gobhostile gen CASE N")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "decode":
		decode(os.Args[2])
	case "gen":
		n, err := strconv.Atoi(os.Args[3])
		if err != nil {
			panic(err)
		}
		gen(os.Args[2], n)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}

func gen(name string, n int) {
	enc := gob.NewEncoder(os.Stdout)
	var err error
	switch name {
	case "bigint":
		x := new(big.Int).SetBytes(bytes.Repeat([]byte{0xab}, n))
		err = enc.Encode(x)
	case "empties":
		err = enc.Encode(make([]struct{}, n))
	default:
		fmt.Fprintln(os.Stderr, "unknown case", name)
		os.Exit(2)
	}
	if err != nil {
		panic(err)
	}
}

// nestedType builds struct{A struct{A ... struct{X int}}} with n levels.
func nestedType(n int) reflect.Type {
	t := reflect.StructOf([]reflect.StructField{{Name: "X", Type: reflect.TypeFor[int]()}})
	for i := 1; i < n; i++ {
		t = reflect.StructOf([]reflect.StructField{{Name: "A", Type: t}})
	}
	return t
}

func decode(target string) {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	dec := gob.NewDecoder(bytes.NewReader(in))
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var value any
	switch {
	case target == "empties":
		var e []struct{}
		err = dec.Decode(&e)
		value = len(e)
	case target == "point":
		var p Point
		err = dec.Decode(&p)
		value = p
	case target == "request":
		var r Request
		err = dec.Decode(&r)
		value = r
	case target == "skip":
		err = dec.Decode(nil)
		value = "skipped"
	case target == "bigint":
		var x *big.Int
		err = dec.Decode(&x)
		if err == nil {
			if len(in) > 1<<20 {
				value = fmt.Sprintf("%d bits", x.BitLen())
			} else {
				value = x.String()
			}
		}
	case target == "keymap":
		var m map[Key]string
		err = dec.Decode(&m)
		rows := [][]any{}
		for k, v := range m {
			rows = append(rows, []any{k.A, k.B, v})
		}
		sort.Slice(rows, func(i, j int) bool { return fmt.Sprint(rows[i]) < fmt.Sprint(rows[j]) })
		value = rows
	case target == "time":
		var t time.Time
		err = dec.Decode(&t)
		value = t.Format(time.RFC3339Nano)
	case strings.HasPrefix(target, "nested:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(target, "nested:"))
		v := reflect.New(nestedType(n))
		err = dec.Decode(v.Interface())
		x := v.Elem()
		for x.Kind() == reflect.Struct && x.Type().Field(0).Name == "A" {
			x = x.Field(0)
		}
		value = x.Field(0).Int()
	default:
		fmt.Fprintln(os.Stderr, "unknown target", target)
		os.Exit(2)
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	out := map[string]any{"ok": err == nil, "ms": ms, "allocMiB": float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)}
	if err != nil {
		out["error"] = err.Error()
	} else {
		out["value"] = value
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
