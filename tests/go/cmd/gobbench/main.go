// Command gobbench measures Go's encoding/gob on the benchmark records of
// benchmarks/_record.ts (the same values, field for field), in steady state:
// one Encoder writing batches of N records into a reused bytes.Buffer, and one
// Decoder reading an unbounded stream of the same batches. For each, it times
// `-runs` batches (after warm-up) and prints the median ns per record as JSON.
//
//	go run ./cmd/gobbench -n 1000 -runs 7
//	go run ./cmd/gobbench -n 1000 -dump stream.gob   # also write one stream (types + N values)
//
// Run from tests/go. benchmarks/gob_vs_go.ts builds and runs it.
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"
)

type Address struct {
	Street, City, Zip, Country string
}

type Item struct {
	SKU   string
	Qty   int
	Price float64
}

type Order struct {
	ID       int64
	Customer int
	Status   string
	Created  string
	Total    float64
	Paid     bool
	Priority int
	Ship     Address
	Tags     []string
	Attrs    map[string]string
	Items    []Item
	Note     string
	Version  uint
}

var statuses = []string{"pending", "paid", "shipped", "delivered"}
var cities = []string{"Springfield", "Riverside", "Fairview", "Madison", "Georgetown"}

// order is record i, as order(i) in benchmarks/_record.ts. Explicit float64
// conversions keep every operation separately rounded, as in JavaScript.
func order(i int) Order {
	var items []Item
	for k := 0; k < 1+i%3; k++ {
		price := float64(9.99+float64(k*5)) + float64(float64(i%10)*0.5)
		items = append(items, Item{SKU: fmt.Sprintf("SKU-%d", (i*31+k)%10000), Qty: 1 + k, Price: price})
	}
	tags := []string{"standard"}
	if i%2 == 0 {
		tags = []string{"gift", "express"}
	}
	channel := "app"
	if i%2 == 0 {
		channel = "web"
	}
	note := ""
	if i%10 == 0 {
		note = "leave at door"
	}
	return Order{
		ID:       int64(1_000_000 + i),
		Customer: 40_000 + (i*7919)%10000,
		Status:   statuses[i%4],
		Created:  fmt.Sprintf("2024-03-%02dT%02d:%02d:%02dZ", 1+i%28, i%24, i%60, (i*7)%60),
		Total:    float64(float64(i%1000)*1.25) + 0.99,
		Paid:     i%3 != 0,
		Priority: i % 5,
		Ship: Address{
			Street:  fmt.Sprintf("%d Main St", 100+i%900),
			City:    cities[i%5],
			Zip:     fmt.Sprintf("%d", 10000+i%90000),
			Country: "US",
		},
		Tags:    tags,
		Attrs:   map[string]string{"channel": channel, "campaign": fmt.Sprintf("spring-%d", i%10)},
		Items:   items,
		Note:    note,
		Version: uint(1 + i%3),
	}
}

// repeater serves head once, then body forever: an unbounded stream of batches.
type repeater struct {
	head, body []byte
	pos        int
	inBody     bool
}

func (r *repeater) Read(p []byte) (int, error) {
	src := r.head
	if r.inBody {
		src = r.body
	}
	n := copy(p, src[r.pos:])
	r.pos += n
	if r.pos == len(src) {
		r.pos = 0
		r.inBody = true
	}
	return n, nil
}

func median(ns []float64) float64 {
	sort.Float64s(ns)
	m := len(ns) / 2
	if len(ns)%2 == 1 {
		return ns[m]
	}
	return (ns[m-1] + ns[m]) / 2
}

func timeRuns(runs, warmup int, batch func()) float64 {
	for i := 0; i < warmup; i++ {
		batch()
	}
	ts := make([]float64, runs)
	for i := range ts {
		t0 := time.Now()
		batch()
		ts[i] = float64(time.Since(t0).Nanoseconds())
	}
	return median(ts)
}

func main() {
	n := flag.Int("n", 1000, "records per batch")
	runs := flag.Int("runs", 7, "timed batches (the median is reported)")
	warmup := flag.Int("warmup", 20, "untimed batches first")
	dump := flag.String("dump", "", "write one stream (type definitions + n values) to this file")
	flag.Parse()

	records := make([]Order, *n)
	for i := range records {
		records[i] = order(i)
	}

	// Encode: one Encoder, one reused buffer; the type definitions go out before timing.
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(&records[0]); err != nil {
		panic(err)
	}
	encNs := timeRuns(*runs, *warmup, func() {
		buf.Reset()
		for i := range records {
			if err := enc.Encode(&records[i]); err != nil {
				panic(err)
			}
		}
	})

	// The stream: the definitions with the first value, then a batch of value messages.
	var sbuf bytes.Buffer
	senc := gob.NewEncoder(&sbuf)
	if err := senc.Encode(&records[0]); err != nil {
		panic(err)
	}
	head := bytes.Clone(sbuf.Bytes())
	sbuf.Reset()
	for i := range records {
		if err := senc.Encode(&records[i]); err != nil {
			panic(err)
		}
	}
	body := bytes.Clone(sbuf.Bytes())
	if *dump != "" {
		stream := append(append([]byte{}, head...), body...)
		if err := os.WriteFile(*dump, stream, 0o644); err != nil {
			panic(err)
		}
	}

	// Decode: one Decoder over an unbounded stream of batches.
	dec := gob.NewDecoder(&repeater{head: head, body: body})
	var first Order
	if err := dec.Decode(&first); err != nil {
		panic(err)
	}
	sink := 0
	decNs := timeRuns(*runs, *warmup, func() {
		for i := 0; i < *n; i++ {
			var o Order
			if err := dec.Decode(&o); err != nil {
				panic(err)
			}
			sink += len(o.Items)
		}
	})

	out, _ := json.Marshal(map[string]any{
		"n":                 *n,
		"runs":              *runs,
		"go":                runtime.Version(),
		"encodeNsPerRecord": encNs / float64(*n),
		"decodeNsPerRecord": decNs / float64(*n),
		"bytesPerRecord":    float64(len(body)) / float64(*n),
		"sink":              sink,
	})
	fmt.Println(string(out))
}
