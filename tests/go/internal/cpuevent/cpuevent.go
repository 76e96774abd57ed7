// Package cpuevent is the CPU-bound event of the concurrency benchmarks
// (benchmarks/managed_instances.ts): what tests/go/cmd/concurrenthost hands out, and what
// tests/go/cmd/goconcurrent (like benchmarks/functions/managed_instances.ts) works through.
package cpuevent

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Item is one item of the event.
type Item struct {
	ID     int               `json:"id"`
	Name   string            `json:"name"`
	Tags   []string          `json:"tags"`
	Values []float64         `json:"values"`
	Meta   map[string]string `json:"meta"`
}

// items are the event's 500 items.
func items() []Item {
	items := make([]Item, 500)
	for i := range items {
		items[i] = Item{
			ID:     i,
			Name:   fmt.Sprintf("item-%04d-%s", i, strings.Repeat("x", i%7)),
			Tags:   []string{"red", "green", fmt.Sprintf("t%d", i%13), "blue"},
			Values: []float64{float64(i), float64(i) * 1.5, float64(i%17) / 4},
			Meta:   map[string]string{"owner": "team-" + strconv.Itoa(i%5)},
		}
	}
	return items
}

// Event is {"op":"cpu","items":[...]} with 500 items, about 50 KB of JSON.
func Event() []byte {
	b, _ := json.Marshal(map[string]any{"op": "cpu", "items": items()})
	return b
}

// AnswerPrefix is how the handlers' answer to Event starts, both serialized in field order:
// {"count":500,"checksum":N, where N is the sum over the items of (trunc(sum of values) * 31 + id)
// % 1000, modulo 1000003.
func AnswerPrefix() []byte {
	all := items()
	checksum := 0
	for _, it := range all {
		total := 0.0
		for _, v := range it.Values {
			total += v
		}
		checksum = (checksum + (int(total)*31+it.ID)%1000) % 1000003
	}
	return []byte(fmt.Sprintf(`{"count":%d,"checksum":%d,`, len(all), checksum))
}
