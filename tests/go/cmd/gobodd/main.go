// Command gobodd writes, as hex lines, what Go's encoding/gob sends for the
// odd types of internal/gob-odd: names.Sample(), then an interface value
// holding generic.Pair[sub.Key, int]{Key{7}, 8} (registered under its Go
// name). tests/tools/gob_odd_test.ts compares gob gen's descriptors with them.
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"os"

	"gopherless.test/peers/internal/gob-odd/generic"
	sub "gopherless.test/peers/internal/gob-odd/generic/sub.v2"
	"gopherless.test/peers/internal/gob-odd/names"
)

func main() {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(names.Sample()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(hex.EncodeToString(b.Bytes()))
	b.Reset()
	p := generic.Pair[sub.Key, int]{K: sub.Key{N: 7}, V: 8}
	gob.Register(p)
	var x any = p
	if err := gob.NewEncoder(&b).Encode(&x); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(hex.EncodeToString(b.Bytes()))
}
