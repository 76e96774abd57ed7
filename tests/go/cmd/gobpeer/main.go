// Command gobpeer is the differential encoding/gob peer for
// tests/gob/differential_test.ts.
//
//	gobpeer gen -seed N -count K [-bigmaps]   random corpus: ONE gob stream of K Root values (stdout)
//	gobpeer echo                              decode Root values from stdin, re-encode with ONE fresh encoder (stdout)
//	gobpeer json                              decode Root values from stdin, print one canonical JSON line per value
//
// How the decoder knows the types: every top-level value is a Root (below), a
// struct whose fields cover everything gob carries; each value sets a random
// subset of them. Interface fields (Root.Any, Root.Anys, Box.In) carry the
// registered concrete types listed in init(), so type definitions are also
// spliced into the middle of the stream.
//
// Type ids are process-wide in Go (and in gopherless). So that a stream's bytes
// do not depend on which interface types happen to come first, the first value
// of every corpus is the fixed PRELUDE (seq 0): a Root whose Anys holds one
// value of every registered concrete type, in a fixed order. Any encoder whose
// process starts by encoding the prelude allocates the same ids as Go.
//
// The byte-exact corpus keeps maps to at most one entry (Go's map iteration
// order is random), uses only valid UTF-8 strings and the canonical NaN, never
// points at zero values (they would come back nil) and keeps Go int/uint/uintptr
// fields (JS numbers) within ±(2^53-1). -bigmaps allows up to 6 map entries:
// compare that corpus structurally with `gobpeer json` only.
package main

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

type Point struct{ X, Y int }
type Key struct {
	A int
	B string
}
type Inner struct {
	Name string
	Pt   Point
	Tags []string
	Opt  *Point
}
type List struct {
	V    int
	Next *List
}
type Tree struct {
	V    string
	L, R *Tree
}
type Leaf struct{ V int32 }
type Box struct{ In any }
type IntList []int
type Celsius float64

type Root struct {
	Seq     int
	B       bool
	I       int
	I8      int8
	I16     int16
	I32     int32
	I64     int64
	U       uint
	U8      uint8
	U16     uint16
	U32     uint32
	U64     uint64
	Uptr    uintptr
	F32     float32
	F64     float64
	C64     complex64
	C128    complex128
	S       string
	Bytes   []byte
	Arr     [3]int
	ByteArr [4]uint8
	StrArr  [2]string
	Ints    []int
	Strs    []string
	Nested  [][]int
	Floats  []float64
	MapSI   map[string]int
	MapIS   map[int]string
	MapKS   map[Key]string
	MapSP   map[string]Point
	Pt      Point
	PtPtr   *Point
	Pts     []Point
	PtPtrs  []*Point
	IntPtr  *int
	In      Inner
	Any     any
	Anys    []any
	List    *List
	Tree    *Tree
	T       time.Time
	Times   []time.Time
	Big     *big.Int
	Named   IntList
	Temp    Celsius
}

func init() {
	gob.Register(Point{})          // "main.Point"
	gob.Register(&Leaf{})          // "*main.Leaf"
	gob.Register(Box{})            // "main.Box"
	gob.Register(map[string]int{}) // "map[string]int"
	gob.Register(time.Time{})      // "time.Time"
	gob.Register([]any{})          // "[]interface {}"
}

// prelude: one of each interface concrete type, in this order.
func prelude() Root {
	return Root{Anys: []any{
		int(1), int8(-1), uint(1), "s", 1.5, true, []int{1}, []byte{1}, []string{"a"},
		Point{1, 2}, &Leaf{3}, Box{In: 4}, map[string]int{"k": 1}, time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC),
		[]any{int(5)},
	}}
}

// ---- generator ----

type gen struct {
	r       *rand.Rand
	bigmaps bool
}

const maxSafe = 1<<53 - 1

func (g *gen) pick(n int) int        { return g.r.Intn(n) }
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) safeInt() int {
	switch g.pick(8) {
	case 0:
		return []int{0, 1, -1, maxSafe, -maxSafe, 127, 128, -128, -129, 255, 256, 1 << 31, -(1 << 31)}[g.pick(13)]
	case 1:
		return g.r.Intn(2*maxSafe) - maxSafe
	default:
		return g.r.Intn(2001) - 1000
	}
}
func (g *gen) safeUint() uint64 {
	switch g.pick(6) {
	case 0:
		return []uint64{0, 1, 127, 128, 255, 256, 65535, 1 << 32, maxSafe}[g.pick(9)]
	case 1:
		return uint64(g.r.Int63n(maxSafe + 1))
	default:
		return uint64(g.pick(1000))
	}
}
func (g *gen) i64() int64 {
	e := []int64{0, 1, -1, math.MinInt64, math.MaxInt64, 1 << 53, 1<<53 + 1, -(1 << 53) - 1, 1<<53 - 1, math.MinInt32, math.MaxInt32}
	if g.chance(0.5) {
		return e[g.pick(len(e))]
	}
	return g.r.Int63() - g.r.Int63()
}
func (g *gen) u64() uint64 {
	e := []uint64{0, 1, math.MaxUint64, 1 << 53, 1<<53 + 1, 1 << 63, math.MaxUint32}
	if g.chance(0.5) {
		return e[g.pick(len(e))]
	}
	return g.r.Uint64()
}
func (g *gen) f64() float64 {
	e := []float64{0, math.Copysign(0, -1), 1, -1, math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64, 1 << 53, 1<<53 + 2, 0.1, -2.5}
	if g.chance(0.5) {
		return e[g.pick(len(e))]
	}
	return (g.r.Float64() - 0.5) * math.Pow(10, float64(g.pick(40)-20))
}
func (g *gen) f32() float32 {
	e := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, math.SmallestNonzeroFloat32, 0.1}
	if g.chance(0.5) {
		return e[g.pick(len(e))]
	}
	return float32((g.r.Float64() - 0.5) * 1000)
}

var words = []string{"", "a", "gopher", "héllo", "世界", "emoji 🦫", "tab\there", "quote\"", strings.Repeat("x", 200), "ß", "\u0000nul"}

func (g *gen) str() string {
	if g.chance(0.7) {
		return words[g.pick(len(words))]
	}
	n := g.pick(20)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rune(0x20 + g.pick(0x3000)))
	}
	s := b.String()
	// only valid, non-surrogate runes are produced above except 0xD800..0xDFFF
	return strings.ToValidUTF8(s, "?")
}
func (g *gen) bytes() []byte {
	if g.chance(0.2) {
		return nil
	}
	b := make([]byte, g.pick(40))
	g.r.Read(b)
	return b
}
func (g *gen) point() Point { return Point{g.safeInt(), g.safeInt()} }
func (g *gen) nonZeroPoint() Point {
	p := g.point()
	if p == (Point{}) {
		p.X = 1
	}
	return p
}
func (g *gen) timeV() time.Time {
	sec := g.r.Int63n(8000000000) - 4000000000
	t := time.Unix(sec, int64(g.pick(1000000000)))
	switch g.pick(4) {
	case 0:
		return t.UTC()
	case 1:
		return t.In(time.FixedZone("", (g.pick(27*60)-13*60)*60))
	case 2:
		// A zone offset with seconds: version 2. Only positive offsets: Go's
		// Time.UnmarshalBinary adds the seconds byte as UNSIGNED, so a negative
		// offset such as -30s decodes as +226s (and -340s as -84s, which
		// MarshalBinary then rejects: "unexpected zone offset").
		return t.In(time.FixedZone("", g.pick(20000)))
	default:
		return time.Date(1+g.pick(9998), time.Month(1+g.pick(12)), 1+g.pick(28), g.pick(24), g.pick(60), g.pick(60), g.pick(1e9), time.UTC)
	}
}
func (g *gen) bigInt() *big.Int {
	switch g.pick(4) {
	case 0:
		return big.NewInt(int64(g.safeInt()))
	case 1:
		b := new(big.Int).Lsh(big.NewInt(1), uint(g.pick(300)))
		if g.chance(0.5) {
			b.Neg(b)
		}
		return b
	default:
		b := new(big.Int).SetBytes(g.bytes())
		if g.chance(0.5) {
			b.Neg(b)
		}
		return b
	}
}
func (g *gen) mapN() int {
	if g.bigmaps {
		return g.pick(7)
	}
	return g.pick(2)
}
func (g *gen) ints(n int) []int {
	if n == 0 && g.chance(0.5) {
		return nil
	}
	s := make([]int, n)
	for i := range s {
		s[i] = g.safeInt()
	}
	return s
}
func (g *gen) list(depth int) *List {
	var l *List
	for i := 0; i < depth; i++ {
		l = &List{V: g.safeInt(), Next: l}
	}
	return l
}
func (g *gen) tree(depth int) *Tree {
	if depth == 0 || g.chance(0.3) {
		return nil
	}
	return &Tree{V: g.str(), L: g.tree(depth - 1), R: g.tree(depth - 1)}
}

// anyV returns a value for an interface field; never a nil pointer, never a
// zero-valued pointer target.
func (g *gen) anyV(depth int) any {
	switch g.pick(16) {
	case 0:
		return g.safeInt()
	case 1:
		return int8(g.pick(256) - 128)
	case 2:
		return uint(g.safeUint())
	case 3:
		return g.str()
	case 4:
		return g.f64()
	case 5:
		return g.chance(0.5)
	case 6:
		return g.ints(g.pick(4))
	case 7:
		return g.bytes()
	case 8:
		return []string{g.str()}
	case 9:
		return g.point()
	case 10:
		return &Leaf{V: int32(g.pick(1000) + 1)}
	case 11:
		if depth > 0 {
			return Box{In: g.anyV(depth - 1)}
		}
		return Box{}
	case 12:
		m := map[string]int{}
		for i := g.mapN(); i > 0; i-- {
			m[g.str()] = g.safeInt()
		}
		return m
	case 13:
		return g.timeV()
	case 14:
		if depth > 0 {
			return []any{g.anyV(depth - 1), nil}
		}
		return []any{}
	default:
		return nil
	}
}

func (g *gen) root(seq int) Root {
	r := Root{Seq: seq}
	p := 0.35
	if g.chance(p) {
		r.B = true
	}
	if g.chance(p) {
		r.I = g.safeInt()
	}
	if g.chance(p) {
		r.I8 = int8(g.r.Intn(256) - 128)
	}
	if g.chance(p) {
		r.I16 = int16(g.r.Intn(65536) - 32768)
	}
	if g.chance(p) {
		r.I32 = int32(g.r.Uint32())
	}
	if g.chance(p) {
		r.I64 = g.i64()
	}
	if g.chance(p) {
		r.U = uint(g.safeUint())
	}
	if g.chance(p) {
		r.U8 = uint8(g.r.Intn(256))
	}
	if g.chance(p) {
		r.U16 = uint16(g.r.Intn(65536))
	}
	if g.chance(p) {
		r.U32 = g.r.Uint32()
	}
	if g.chance(p) {
		r.U64 = g.u64()
	}
	if g.chance(p) {
		r.Uptr = uintptr(g.safeUint())
	}
	if g.chance(p) {
		r.F32 = g.f32()
	}
	if g.chance(p) {
		r.F64 = g.f64()
	}
	if g.chance(p) {
		r.C64 = complex(g.f32(), g.f32())
	}
	if g.chance(p) {
		r.C128 = complex(g.f64(), g.f64())
	}
	if g.chance(p) {
		r.S = g.str()
	}
	if g.chance(p) {
		r.Bytes = g.bytes()
	}
	if g.chance(p) {
		r.Arr = [3]int{g.safeInt(), 0, g.safeInt()}
	}
	if g.chance(p) {
		r.ByteArr = [4]uint8{uint8(g.pick(256)), 0, 255, uint8(g.pick(256))}
	}
	if g.chance(p) {
		r.StrArr = [2]string{g.str(), g.str()}
	}
	if g.chance(p) {
		r.Ints = g.ints(g.pick(10))
	}
	if g.chance(p) {
		n := g.pick(5)
		r.Strs = make([]string, n)
		for i := range r.Strs {
			r.Strs[i] = g.str()
		}
	}
	if g.chance(p) {
		n := g.pick(4)
		r.Nested = make([][]int, n)
		for i := range r.Nested {
			r.Nested[i] = g.ints(g.pick(3))
		}
	}
	if g.chance(p) {
		n := g.pick(5)
		r.Floats = make([]float64, n)
		for i := range r.Floats {
			r.Floats[i] = g.f64()
		}
	}
	if g.chance(p) {
		r.MapSI = map[string]int{}
		for i := g.mapN(); i > 0; i-- {
			r.MapSI[g.str()] = g.safeInt()
		}
	}
	if g.chance(p) {
		r.MapIS = map[int]string{}
		for i := g.mapN(); i > 0; i-- {
			r.MapIS[g.safeInt()] = g.str()
		}
	}
	if g.chance(p) {
		r.MapKS = map[Key]string{}
		for i := g.mapN(); i > 0; i-- {
			r.MapKS[Key{g.safeInt(), g.str()}] = g.str()
		}
	}
	if g.chance(p) {
		r.MapSP = map[string]Point{}
		for i := g.mapN(); i > 0; i-- {
			r.MapSP[g.str()] = g.point()
		}
	}
	if g.chance(p) {
		r.Pt = g.point()
	}
	if g.chance(p) {
		pt := g.nonZeroPoint()
		r.PtPtr = &pt
	}
	if g.chance(p) {
		n := g.pick(4)
		r.Pts = make([]Point, n)
		for i := range r.Pts {
			r.Pts[i] = g.point()
		}
	}
	if g.chance(p) {
		n := g.pick(4)
		r.PtPtrs = make([]*Point, n)
		for i := range r.PtPtrs {
			pt := g.point() // elements are sent even when zero
			r.PtPtrs[i] = &pt
		}
	}
	if g.chance(p) {
		v := g.safeInt()
		if v == 0 {
			v = 7
		}
		r.IntPtr = &v
	}
	if g.chance(p) {
		r.In = Inner{Name: g.str(), Pt: g.point()}
		if g.chance(0.5) {
			r.In.Tags = []string{g.str(), g.str()}
		}
		if g.chance(0.5) {
			pt := g.nonZeroPoint()
			r.In.Opt = &pt
		}
	}
	if g.chance(0.6) {
		r.Any = g.anyV(4)
	}
	if g.chance(p) {
		n := g.pick(5)
		r.Anys = make([]any, n)
		for i := range r.Anys {
			r.Anys[i] = g.anyV(3)
		}
	}
	if g.chance(p) {
		d := g.pick(6)
		if g.chance(0.05) {
			d = 500 // deep nesting
		}
		r.List = g.list(d)
	}
	if g.chance(p) {
		r.Tree = g.tree(5)
	}
	if g.chance(p) {
		r.T = g.timeV()
	}
	if g.chance(p) {
		n := g.pick(3)
		r.Times = make([]time.Time, n)
		for i := range r.Times {
			r.Times[i] = g.timeV()
		}
	}
	if g.chance(p) {
		r.Big = g.bigInt()
		if r.Big.Sign() == 0 {
			r.Big = nil // a pointer to a zero big.Int is not sent
		}
	}
	if g.chance(p) {
		r.Named = IntList(g.ints(g.pick(4)))
	}
	if g.chance(p) {
		r.Temp = Celsius(g.f64())
	}
	return r
}

// ---- canonical JSON ----

func canon(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		b.WriteString("null")
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		e := v.Elem()
		fmt.Fprintf(b, `{"type":%q,"value":`, e.Type().String())
		canon(b, e)
		b.WriteString("}")
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		if bi, ok := v.Interface().(*big.Int); ok {
			fmt.Fprintf(b, "%q", bi.String())
			return
		}
		canon(b, v.Elem())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		canonFloat(b, v.Float())
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		b.WriteString("[")
		canonFloat(b, real(c))
		b.WriteString(",")
		canonFloat(b, imag(c))
		b.WriteString("]")
	case reflect.String:
		fmt.Fprintf(b, "%q", v.String())
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 && v.Kind() == reflect.Slice {
			fmt.Fprintf(b, "%q", hex.EncodeToString(v.Bytes()))
			return
		}
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(",")
			}
			canon(b, v.Index(i))
		}
		b.WriteString("]")
	case reflect.Map:
		type kv struct{ k, v string }
		var kvs []kv
		for it := v.MapRange(); it.Next(); {
			var kb, vb strings.Builder
			canon(&kb, it.Key())
			canon(&vb, it.Value())
			kvs = append(kvs, kv{kb.String(), vb.String()})
		}
		sort.Slice(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
		b.WriteString("[")
		for i, e := range kvs {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(b, "[%s,%s]", e.k, e.v)
		}
		b.WriteString("]")
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			_, off := t.Zone()
			fmt.Fprintf(b, `{"unix":%d,"nanos":%d,"offset":%d}`, t.Unix(), t.Nanosecond(), off)
			return
		}
		b.WriteString("{")
		first := true
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			fmt.Fprintf(b, "%q:", f.Name)
			canon(b, v.Field(i))
		}
		b.WriteString("}")
	default:
		fmt.Fprintf(b, `"<%s>"`, v.Kind())
	}
}

func canonFloat(b *strings.Builder, f float64) {
	switch {
	case math.IsNaN(f):
		b.WriteString(`"NaN"`)
	case math.IsInf(f, 1):
		b.WriteString(`"+Inf"`)
	case math.IsInf(f, -1):
		b.WriteString(`"-Inf"`)
	case f == 0 && math.Signbit(f):
		b.WriteString(`"-0"`)
	default:
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
}

// ---- main ----

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gobpeer gen|echo|json")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	seed := fs.Int64("seed", 1, "PRNG seed")
	count := fs.Int("count", 100, "number of values (including the prelude)")
	bigmaps := fs.Bool("bigmaps", false, "maps with up to 6 entries (structural comparison only)")
	fs.Parse(os.Args[2:])
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var err error
	switch os.Args[1] {
	case "gen":
		g := &gen{r: rand.New(rand.NewSource(*seed)), bigmaps: *bigmaps}
		enc := gob.NewEncoder(out)
		for i := 0; i < *count && err == nil; i++ {
			if i == 0 {
				err = enc.Encode(prelude())
			} else {
				err = enc.Encode(g.root(i))
			}
		}
	case "echo":
		dec := gob.NewDecoder(bufio.NewReader(os.Stdin))
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		for {
			var r Root
			if err = dec.Decode(&r); err != nil {
				break
			}
			if err = enc.Encode(r); err != nil {
				break
			}
		}
		if errors.Is(err, io.EOF) {
			err = nil
			out.Write(buf.Bytes())
		}
	case "json":
		dec := gob.NewDecoder(bufio.NewReader(os.Stdin))
		for {
			var r Root
			if err = dec.Decode(&r); err != nil {
				break
			}
			var b strings.Builder
			canon(&b, reflect.ValueOf(r))
			out.WriteString(b.String())
			out.WriteString("\n")
		}
		if errors.Is(err, io.EOF) {
			err = nil
		}
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		out.Flush()
		fmt.Fprintln(os.Stderr, "gobpeer:", err)
		os.Exit(1)
	}
}
