// Command gobzoo writes a gob stream of the types of internal/gob-zoo, for the
// tests of `deno task gob gen` (tests/tools/gob_gen_test.ts). The values are
// fixed and every map has at most one entry, so the stream is reproducible.
// With -big64, int64 and uint64 fields hold values past 2^53.
// Its top-level values, in order: Everything (full), Everything (zero),
// *Node, Tree, Index, Kind, Money, and Everything holding a Shape, then a
// geo.Coord in Any.
package main

import (
	"bufio"
	"encoding/gob"
	"flag"
	"math/big"
	"os"
	"time"

	zoo "gopherless.test/peers/internal/gob-zoo"
	geo "gopherless.test/peers/internal/gob-zoo/geo.v2"
)

func init() {
	gob.Register(zoo.Circle{})
	gob.Register(&zoo.Square{})
	gob.Register(zoo.Kind(0))
	gob.Register(zoo.Tags(nil))
	gob.Register(geo.Coord{})
}

func full() zoo.Everything {
	n := 7
	pn := &n
	e := zoo.Everything{
		Base:   zoo.Base{ID: 42, Created: time.Date(2024, 2, 29, 12, 30, 0, 123456789, time.FixedZone("X", 3600))},
		Extra:  &zoo.Extra{Note: "embedded pointer"},
		B:      true,
		I:      -1 << 40,
		I8:     -8,
		I16:    -1600,
		I32:    1 << 30,
		I64:    -(1 << 52),
		U:      1 << 50,
		U8:     255,
		U16:    65535,
		U32:    1<<32 - 1,
		U64:    1<<53 - 1,
		Uptr:   0xdead,
		F32:    1.5,
		F64:    -2.25e300,
		C64:    complex(1, -2),
		C128:   complex(3.5, 4.25),
		S:      "héllo",
		Bytes:  []byte{0, 1, 2, 255},
		Kind:   3,
		Blob:   zoo.Blob("blob"),
		Ints:   []int{1, -2, 3},
		Arr:    [3]string{"a", "", "c"},
		M:      map[string]int{"one": 1},
		ByPt:   map[zoo.Point]string{{X: 1, Y: 2}: "p"},
		P:      &zoo.Point{X: 5, Y: -6},
		PP:     &pn,
		Any:    zoo.Tags{"x", "y"},
		Shape:  zoo.Circle{Center: zoo.Point{X: 1, Y: 1}, R: 2},
		Shapes: []zoo.Shape{&zoo.Square{Side: 3}, zoo.Circle{R: 1}, nil},
		When:   time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC),
		Big:    new(big.Int).Lsh(big.NewInt(-3), 100),
		Ratio:  big.NewRat(-22, 7),
		Money:  zoo.NewMoney(1999),
		MoneyP: func() *zoo.Money { m := zoo.NewMoney(-5); return &m }(),
		Ver:    zoo.NewVersion(1, 26),
		Level:  9,
		Tags:   zoo.Tags{"t1"},
		Grid:   zoo.Grid{{1, 2, 3}, {-4, -5, -6}},
		Index:  zoo.Index{"k": {{X: 1}, {Y: 2}}},
		Root:   &zoo.Node{Val: 1, Next: &zoo.Node{Val: 2}, Kids: []*zoo.Node{{Val: 3}, {Val: 4, Kids: []*zoo.Node{{Val: 5}}}}},
		Tree:   zoo.Tree{{}, {{}, {}}},
		Pair:   zoo.Pair[string, zoo.Point]{Key: "k", Val: zoo.Point{X: 9}},
		Kinds:  []zoo.Kind{1, 2},
		Where:  geo.Coord{Lat: 52.5, Lon: 13.4},
		Route:  []geo.Coord{{Lat: 1}, {Lon: -1}},
		Ch:     make(chan int),
		Fn:     func() int { return 1 },
	}
	e.BigV.SetInt64(123456789)
	e.Anon.A = 11
	e.Anon.L = []zoo.Kind{4}
	return e
}

func main() {
	big64 := flag.Bool("big64", false, "int64 and uint64 values past 2^53 (for descriptors generated with --bigint)")
	flag.Parse()
	out := bufio.NewWriter(os.Stdout)
	enc := gob.NewEncoder(out)
	f := full()
	if *big64 {
		f.I64, f.U64 = -1<<63, 1<<64-1
	}
	// Pointers: big.Int's GobEncode has a pointer receiver, so an Everything
	// by value is unaddressable for it.
	values := []any{
		&f,
		&zoo.Everything{},
		&zoo.Node{Val: 10, Next: &zoo.Node{Val: 11}},
		zoo.Tree{{{}}},
		zoo.Index{"i": nil},
		zoo.Kind(-7),
		zoo.NewMoney(250),
		&zoo.Everything{Shape: &zoo.Square{Side: 0.5}, Any: zoo.Kind(2)},
		&zoo.Everything{Any: geo.Coord{Lat: -1, Lon: 2}},
	}
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			os.Stderr.WriteString("gobzoo: " + err.Error() + "\n")
			os.Exit(1)
		}
	}
	if err := out.Flush(); err != nil {
		os.Exit(1)
	}
}
