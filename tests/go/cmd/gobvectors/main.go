// Command gobvectors produces the golden encoding/gob vectors used by
// tests/gob/golden_test.ts.
//
// Regenerate everything (run from the repository root):
//
//	(cd tests/go && go run ./cmd/gobvectors -write ../../testdata)
//
// which writes testdata/gob/vectors.json, testdata/gob/bad.json,
// testdata/sample.gob and testdata/sample.go.txt.
//
// Other modes:
//
//	gobvectors               print vectors.json to stdout
//	gobvectors -bad          print bad.json to stdout
//	gobvectors -case NAME    encode one case (used internally; one process per case)
//	gobvectors -sample       write sample.gob to stdout
//
// Every case is encoded in a FRESH PROCESS (the program re-executes itself with
// -case NAME): encoding/gob allocates type ids process-wide in first-use order
// (user ids start at 64) and a type keeps the wire name from its first creation,
// so a case's bytes depend on the process history. A case may have "warm"
// values: they are encoded first, in the same process, by a throwaway encoder
// whose output is discarded (this is how the process-history effects are shown).
//
// gob.Register calls in init() do not allocate type ids (verified: the first
// user type of every case still gets id 64).
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// ---- types (package main, so registered names are "main.X") ----

type Point struct{ X, Y int }
type Inner struct{ A int }
type Outer struct {
	I   Inner
	P   *Inner
	B   int
	Arr [2]int
}

// F is the zero-omission matrix.
type F struct {
	B   bool
	I   int
	U   uint
	Fl  float64
	C   complex128
	S   string
	By  []byte
	Sl  []int
	M   map[string]int
	P   *int
	E   any
	St  Inner
	A   [2]int
	T   time.Time
	Big *big.Int
}
type WithInts struct{ Xs []int }
type IntList []int
type Dict map[string]int
type Celsius float64
type MA struct{ X int }
type MB struct{ Y string }
type MC struct{ Z bool }
type MD struct{ W float64 }
type ME struct{ V []byte }
type Multi struct {
	A MA
	B []MB
	C map[string]MC
	D [2]MD
	E *ME
	F []int
	G map[int]string
}
type Node struct {
	V    int
	Next *Node
}
type RS []RS
type RM map[string]RM
type Tree struct {
	L, R *Tree
	V    int
}
type Holder struct {
	Name string
	Sh   any
}
type Sq struct{ S int }
type Box struct{ In any }
type PtrT struct{ P int }
type WithTime struct {
	T time.Time
	N int
}
type WithBig struct {
	B big.Int
	P *big.Int
	R *big.Rat
	N int
}
type Empty struct{}
type WithChan struct {
	A  int
	C  chan int
	B  string
	Fn func()
	D  int
}
type Bytes4 struct {
	A [4]uint8
	B [3]byte
	S []byte
}
type Strs struct {
	S string
	L []string
}
type Ints struct {
	I8  int8
	I16 int16
	I32 int32
	I64 int64
	U8  uint8
	U16 uint16
	U32 uint32
	U64 uint64
	I   int
	U   uint
	P   uintptr
}
type Cplx struct {
	C64  complex64
	C128 complex128
}
type Flt struct {
	F32 float32
	F64 float64
	L32 []float32
}
type Emb struct {
	Inner
	X int
}
type Priv struct {
	A int
	b int
	C string
}
type PP struct{ P **int }
type Key struct {
	A int
	B string
}
type KeyMap struct{ M map[Key]string }
type Sparse struct {
	F0, F1, F2, F3, F4, F5, F6, F7, F8, F9           int
	F10, F11, F12, F13, F14, F15, F16, F17, F18, F19 int
}
type Deep [][][]int
type WithPtrs struct{ L []*Point }
type WithMaps struct {
	A map[string][]int
	B map[int]Point
}
type WithIP struct{ IP net.IP }

// Upper implements GobEncoder/GobDecoder (wire kind GobEncoderT).
type Upper string

func (u Upper) GobEncode() ([]byte, error) { return []byte(strings.ToUpper(string(u))), nil }
func (u *Upper) GobDecode(b []byte) error  { *u = Upper(b); return nil }

// BinM implements only BinaryMarshaler (wire kind BinaryMarshalerT).
type BinM struct{ v uint16 }

func (b BinM) MarshalBinary() ([]byte, error) { return []byte{byte(b.v >> 8), byte(b.v)}, nil }
func (b *BinM) UnmarshalBinary(p []byte) error {
	if len(p) != 2 {
		return errors.New("BinM: bad length")
	}
	b.v = uint16(p[0])<<8 | uint16(p[1])
	return nil
}

// TextM implements only TextMarshaler: gob ignores it (xText is disabled in
// encoding/gob, issue 6760) and sends the plain struct.
type TextM struct{ V int }

func (t TextM) MarshalText() ([]byte, error) { return []byte(fmt.Sprint(t.V)), nil }
func (t *TextM) UnmarshalText(p []byte) error {
	_, err := fmt.Sscan(string(p), &t.V)
	return err
}

type WithMarshalers struct {
	U Upper
	B BinM
	T TextM
	N int
}

func init() {
	gob.Register(Sq{})
	gob.Register(Box{})
	gob.Register(&PtrT{})
	gob.Register(time.Time{})
	gob.Register(map[string]int(nil))
	gob.Register(Point{})
	gob.Register([]any(nil))
	gob.Register(Upper(""))
}

// ---- cases ----

type vcase struct {
	name  string
	goSrc string
	note  string
	warm  []any // encoded first by a throwaway encoder in the same process
	vals  []any
}

func ip(i int) *int { return &i }
func bi(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

var utc = time.UTC
var t2009 = time.Date(2009, 11, 10, 23, 0, 0, 0, utc)

func cases() []vcase {
	pos := time.FixedZone("", 3600+30)
	neg := time.FixedZone("", -7*3600)
	var nilRS RS
	innerPP := ip(0)
	pp := &innerPP
	five := ip(5)
	long := strings.Repeat("abcdefghij", 30)
	longSl := make([]int, 200)
	for i := range longSl {
		longSl[i] = i * 1000
	}
	return []vcase{
		// 1. unsigned boundaries (codec_test encodeT values) as top-level uint64 singletons
		{name: "uint_boundaries", goSrc: "uint64(0), 0x0F, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFF, 0xFFFFFFFFFFFF, 0xFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0x1111, 0x1111111111111111, 0x8888888888888888, 1<<63, 127, 128, 255, 256",
			note: "each value is one Encode call (singleton: typeid 06, delta 00, value)",
			vals: []any{uint64(0), uint64(0x0F), uint64(0xFF), uint64(0xFFFF), uint64(0xFFFFFF), uint64(0xFFFFFFFF), uint64(0xFFFFFFFFFF), uint64(0xFFFFFFFFFFFF), uint64(0xFFFFFFFFFFFFFF), uint64(0xFFFFFFFFFFFFFFFF), uint64(0x1111), uint64(0x1111111111111111), uint64(0x8888888888888888), uint64(1 << 63), uint64(127), uint64(128), uint64(255), uint64(256)}},
		{name: "uint_small", goSrc: "uint(0), uint(7), uint(256), uint8(255), uint16(65535), uint32(4294967295)", vals: []any{uint(0), uint(7), uint(256), uint8(255), uint16(65535), uint32(4294967295)}},
		// 2. signed boundaries
		{name: "int_boundaries", goSrc: "int(0), 1, -1, 63, -64, 64, -65, 127, -128, 128, -129, 7",
			vals: []any{0, 1, -1, 63, -64, 64, -65, 127, -128, 128, -129, 7}},
		{name: "int_sizes", goSrc: "int8(-128), int8(127), int16(-32768), int16(32767), int32(-2147483648), int32(2147483647)",
			vals: []any{int8(-128), int8(127), int16(-32768), int16(32767), int32(-2147483648), int32(2147483647)}},
		{name: "int64_extremes", goSrc: "int64(math.MinInt64), int64(math.MaxInt64), int64(1<<53), int64(1<<53+1), int64(-(1<<53)), int64(-(1<<53)-1), int64(1<<53-1)",
			note: "values past 2^53 need t.bigInt64 on the TS side",
			vals: []any{int64(math.MinInt64), int64(math.MaxInt64), int64(1 << 53), int64(1<<53 + 1), int64(-(1 << 53)), int64(-(1 << 53) - 1), int64(1<<53 - 1)}},
		{name: "uint64_extremes", goSrc: "uint64(math.MaxUint64), uint64(1<<53), uint64(1<<53+1), uint64(1<<63)",
			vals: []any{uint64(math.MaxUint64), uint64(1 << 53), uint64(1<<53 + 1), uint64(1 << 63)}},
		{name: "bools", goSrc: "true, false", vals: []any{true, false}},
		// 3. floats
		{name: "float64_specials", goSrc: "17.0, 0.0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1.5, math.MaxFloat64, math.SmallestNonzeroFloat64, -2.25",
			note: "-0.0 at top level keeps its sign (ff 80); NaN is 0x7FF8000000000001 from math.NaN()",
			vals: []any{17.0, 0.0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1.5, math.MaxFloat64, math.SmallestNonzeroFloat64, -2.25}},
		{name: "float32_values", goSrc: "float32(0.1), float32(math.MaxFloat32), float32(math.SmallestNonzeroFloat32), float32(math.Inf(-1)), float32(-1.5)",
			note: "float32 is widened to float64 before encoding",
			vals: []any{float32(0.1), float32(math.MaxFloat32), float32(math.SmallestNonzeroFloat32), float32(math.Inf(-1)), float32(-1.5)}},
		{name: "complex_values", goSrc: "complex128(1+2i), complex64(1+2i), complex128(0), complex(math.Inf(1), -0.5)",
			vals: []any{complex128(1 + 2i), complex64(1 + 2i), complex128(0), complex(math.Inf(1), -0.5)}},
		// strings & bytes
		{name: "strings", goSrc: `"hi", "", "héllo, 世界", "\xff\xfe" (invalid UTF-8)`,
			note: "last value is invalid UTF-8: t.string decodes it lossily (U+FFFD), so the TS side checks it with bytes",
			vals: []any{"hi", "", "héllo, 世界", "\xff\xfe"}},
		{name: "bytes", goSrc: "[]byte{1, 2}, []byte{}, []byte(nil), []byte{0xff, 0x00, 0x80}", vals: []any{[]byte{1, 2}, []byte{}, []byte(nil), []byte{0xff, 0x00, 0x80}}},
		{name: "long_string", goSrc: `strings.Repeat("abcdefghij", 30)`, note: "length 300 needs a multi-byte count and a multi-byte message length", vals: []any{long}},
		{name: "long_slice", goSrc: "[]int{0, 1000, 2000, ... 199000} (200 elements)", vals: []any{longSl}},
		// 4. Point stream
		{name: "point_stream", goSrc: "Point{22, 33}; Point{22, 33}; Point{}; Point{X: -1}", note: "doc.go example; the repeat has no type definition",
			vals: []any{Point{22, 33}, Point{22, 33}, Point{}, Point{X: -1}}},
		{name: "point_pointer_toplevel", goSrc: "&Point{1, 2}", note: "pointers are transparent", vals: []any{&Point{1, 2}}},
		// 5. singletons & empty struct
		{name: "empty_struct", goSrc: "struct{}{} (as main.Empty)", vals: []any{Empty{}, Empty{}}},
		{name: "empty_struct_anon", goSrc: "struct{}{}", vals: []any{struct{}{}}},
		// 6. zero omission
		{name: "outer_zero", goSrc: "Outer{}", note: "nested struct and array always sent", vals: []any{Outer{}}},
		{name: "outer_full", goSrc: "Outer{I: Inner{1}, P: &Inner{2}, B: 3}", vals: []any{Outer{I: Inner{1}, P: &Inner{2}, B: 3}}},
		{name: "outer_ptr_to_zero", goSrc: "Outer{P: &Inner{}}", note: "a pointer to a zero struct is still sent as a struct field? (recorded)", vals: []any{Outer{P: &Inner{}}}},
		{name: "f_zero", goSrc: "F{}", vals: []any{F{}}},
		{name: "f_zeroish", goSrc: "F{Fl: math.Copysign(0, -1), By: []byte{}, Sl: []int{}, M: map[string]int{}, P: new(int), Big: new(big.Int)}",
			note: "-0.0 field omitted; empty slices omitted; empty non-nil map sent (count 0); pointer to 0 omitted; zero big.Int omitted",
			vals: []any{F{Fl: math.Copysign(0, -1), By: []byte{}, Sl: []int{}, M: map[string]int{}, P: new(int), Big: new(big.Int)}}},
		{name: "f_full", goSrc: `F{B: true, I: -3, U: 4, Fl: 2.5, C: 1-1i, S: "s", By: []byte{9}, Sl: []int{0, 1}, M: map[string]int{"k": 0}, P: &5, E: Sq{7}, St: Inner{8}, A: [2]int{0, 9}, T: 2009-11-10T23:00:00Z, Big: big.NewInt(-300)}`,
			vals: []any{F{B: true, I: -3, U: 4, Fl: 2.5, C: 1 - 1i, S: "s", By: []byte{9}, Sl: []int{0, 1}, M: map[string]int{"k": 0}, P: five, E: Sq{7}, St: Inner{8}, A: [2]int{0, 9}, T: t2009, Big: big.NewInt(-300)}}},
		// 7. arrays
		{name: "array_int3_zero", goSrc: "[3]int{}", vals: []any{[3]int{}}},
		{name: "array_int3", goSrc: "[3]int{1, -2, 3}", vals: []any{[3]int{1, -2, 3}}},
		{name: "array_string2", goSrc: `[2]string{"", "x"}`, vals: []any{[2]string{"", "x"}}},
		{name: "array_uint8", goSrc: "[4]uint8{1, 2, 0, 255}", note: "[N]byte is an array of uint, not bytes", vals: []any{[4]uint8{1, 2, 0, 255}}},
		{name: "array_empty", goSrc: "[0]int{}", vals: []any{[0]int{}}},
		{name: "bytes_struct", goSrc: "Bytes4{A: [4]uint8{1,2,3,4}, B: [3]byte{0,0,7}, S: []byte{5}}", vals: []any{Bytes4{A: [4]uint8{1, 2, 3, 4}, B: [3]byte{0, 0, 7}, S: []byte{5}}}},
		// 8. maps
		{name: "map_string_int", goSrc: `map[string]int{"a": 1}`, vals: []any{map[string]int{"a": 1}}},
		{name: "map_int_string", goSrc: `map[int]string{-1: ""}`, vals: []any{map[int]string{-1: ""}}},
		{name: "map_nil_and_empty", goSrc: "map[string]int(nil), map[string]int{}", note: "both are sent at top level with count 0", vals: []any{map[string]int(nil), map[string]int{}}},
		{name: "map_struct_key", goSrc: `KeyMap{M: map[Key]string{{1, "a"}: "v"}}`, vals: []any{KeyMap{M: map[Key]string{{1, "a"}: "v"}}}},
		{name: "map_float_nan_key", goSrc: `map[float64]string{math.NaN(): "nan"}`, vals: []any{map[float64]string{math.NaN(): "nan"}}},
		{name: "with_maps", goSrc: `WithMaps{A: map[string][]int{"x": {1, 2}}, B: map[int]Point{3: {4, 5}}}`, vals: []any{WithMaps{A: map[string][]int{"x": {1, 2}}, B: map[int]Point{3: {4, 5}}}}},
		// slices
		{name: "slice_int", goSrc: "[]int{1, 2, 3}", vals: []any{[]int{1, 2, 3}}},
		{name: "slice_nil_toplevel", goSrc: "[]int(nil), []int{}", note: "a top-level nil slice is sent with count 0", vals: []any{[]int(nil), []int{}}},
		{name: "slice_string", goSrc: `[]string{"a", ""}`, vals: []any{[]string{"a", ""}}},
		{name: "slice_nested", goSrc: "[][]int{{1}, {}, nil, {2, 3}}", vals: []any{[][]int{{1}, {}, nil, {2, 3}}}},
		{name: "slice_deep_named", goSrc: "Deep{{{1}}, {}}", vals: []any{Deep{{{1}}, {}}}},
		{name: "slice_points", goSrc: "[]Point{{1, 2}, {}}", vals: []any{[]Point{{1, 2}, {}}}},
		{name: "slice_point_ptrs", goSrc: "[]*Point{{1, 2}, {0, 0}}", note: "pointer elem: the slice's element type is the struct", vals: []any{[]*Point{{1, 2}, {0, 0}}}},
		{name: "with_ptr_slice", goSrc: "WithPtrs{L: []*Point{{1, 2}}}", vals: []any{WithPtrs{L: []*Point{{1, 2}}}}},
		{name: "slice_float32", goSrc: "[]float32{0.5, -0}", vals: []any{[]float32{0.5, float32(math.Copysign(0, -1))}}},
		// 9. named vs unnamed (delta-2)
		{name: "delta2_toplevel_slice", goSrc: "[]int{1}", note: "unnamed top-level type: CommonType has no Name (01 02 <id> 00)", vals: []any{[]int{1}}},
		{name: "delta2_struct_field", goSrc: "WithInts{Xs: []int{1}}", note: "as a struct field the slice type is named \"[]int\"", vals: []any{WithInts{Xs: []int{1}}}},
		{name: "delta2_slice_then_struct", goSrc: "[]int{1}; WithInts{Xs: []int{1}}", note: "same encoder: []int is not sent again", vals: []any{[]int{1}, WithInts{Xs: []int{1}}}},
		{name: "delta2_struct_then_slice", goSrc: "WithInts{Xs: []int{1}}; []int{1}", vals: []any{WithInts{Xs: []int{1}}, []int{1}}},
		{name: "delta2_history_toplevel_first", goSrc: "warm (discarded encoder): []int{1}; then fresh encoder: WithInts{Xs: []int{1}}",
			note: "the name sticks from the first creation in the process: the field's slice type is now sent with an empty name",
			warm: []any{[]int{1}}, vals: []any{WithInts{Xs: []int{1}}}},
		{name: "delta2_history_field_first", goSrc: "warm (discarded encoder): WithInts{Xs: []int{1}}; then fresh encoder: []int{1}",
			note: "the top-level slice now carries the name \"[]int\"",
			warm: []any{WithInts{Xs: []int{1}}}, vals: []any{[]int{1}}},
		{name: "history_point_ids", goSrc: "warm (discarded encoder): Node{}; then fresh encoder: Point{1, 2}", note: "ids continue process-wide: Point is not 64",
			warm: []any{Node{}}, vals: []any{Point{1, 2}}},
		{name: "named_slice", goSrc: "IntList{4, 5}", vals: []any{IntList{4, 5}}},
		{name: "named_map", goSrc: `Dict{"z": 26}`, vals: []any{Dict{"z": 26}}},
		{name: "named_float", goSrc: "Celsius(36.6)", note: "a named basic type is just the basic type on the wire", vals: []any{Celsius(36.6)}},
		// 10. order of type definitions
		{name: "multi_defs", goSrc: `Multi{A: MA{1}, B: []MB{{"b"}}, C: map[string]MC{"c": {true}}, D: [2]MD{{1.5}, {}}, E: &ME{[]byte{1}}, F: []int{2}, G: map[int]string{3: "g"}}`,
			vals: []any{Multi{A: MA{1}, B: []MB{{"b"}}, C: map[string]MC{"c": {true}}, D: [2]MD{{1.5}, {}}, E: &ME{[]byte{1}}, F: []int{2}, G: map[int]string{3: "g"}}, Multi{}}},
		// 11. recursive
		{name: "recursive_node", goSrc: "Node{1, &Node{2, nil}}", vals: []any{Node{1, &Node{2, nil}}}},
		{name: "recursive_rs", goSrc: "RS{RS{}, nil}", vals: []any{RS{RS{}, nilRS}}},
		{name: "recursive_rm", goSrc: `RM{"a": RM{}}`, vals: []any{RM{"a": RM{}}}},
		{name: "recursive_tree", goSrc: "Tree{L: &Tree{V: 1}, R: &Tree{R: &Tree{V: 3}}, V: 2}", vals: []any{Tree{L: &Tree{V: 1}, R: &Tree{R: &Tree{V: 3}}, V: 2}}},
		// 12-14. interfaces
		{name: "interface_holder", goSrc: `Holder{Name: "h", Sh: Sq{3}}; again; Holder{Name: "h"}`,
			note: "Sq registered as main.Sq; its definition is spliced into the value message; the repeat sends no definitions; nil interface is 00... omitted",
			vals: []any{Holder{Name: "h", Sh: Sq{3}}, Holder{Name: "h", Sh: Sq{3}}, Holder{Name: "h"}}},
		{name: "interface_nil", goSrc: `Holder{Name: "h"}`, vals: []any{Holder{Name: "h"}}},
		{name: "interface_builtins", goSrc: `Holder{Sh: 5}; Holder{Sh: "s"}; Holder{Sh: int8(-2)}; Holder{Sh: []int{1}}; Holder{Sh: []byte{1}}; Holder{Sh: 2.5}; Holder{Sh: true}; Holder{Sh: uint(0)}`,
			note: "pre-registered names: int, string, int8, []int, []uint8, float64, bool, uint; a zero value inside an interface is still sent",
			vals: []any{Holder{Sh: 5}, Holder{Sh: "s"}, Holder{Sh: int8(-2)}, Holder{Sh: []int{1}}, Holder{Sh: []byte{1}}, Holder{Sh: 2.5}, Holder{Sh: true}, Holder{Sh: uint(0)}}},
		{name: "interface_slice_mixed", goSrc: `[]interface{}{1, "a", nil}`, vals: []any{[]any{1, "a", nil}}},
		{name: "interface_slice_defs", goSrc: `[]interface{}{Sq{1}, Point{2, 3}, Sq{4}}`, note: "type definitions in the middle of a slice of interfaces", vals: []any{[]any{Sq{1}, Point{2, 3}, Sq{4}}}},
		{name: "interface_nested", goSrc: `Holder{Name: "n", Sh: Box{In: Box{In: Sq{2}}}}; Holder{Sh: Box{In: Point{1, 1}}}`,
			note: "interface in interface: the outer byte count covers only the bytes before the first nested flush",
			vals: []any{Holder{Name: "n", Sh: Box{In: Box{In: Sq{2}}}}, Holder{Sh: Box{In: Point{1, 1}}}}},
		{name: "interface_ptr_name", goSrc: `Holder{Sh: &PtrT{P: 4}}`, note: "gob.Register(&PtrT{}) registers the name \"*main.PtrT\"", vals: []any{Holder{Sh: &PtrT{P: 4}}}},
		{name: "interface_map", goSrc: `Holder{Sh: map[string]int{"m": 1}}`, note: `registered as "map[string]int"`, vals: []any{Holder{Sh: map[string]int{"m": 1}}}},
		{name: "interface_time", goSrc: `Holder{Sh: time.Date(2009, 11, 10, 23, 0, 0, 0, time.UTC)}`, note: `registered as "time.Time"`, vals: []any{Holder{Sh: t2009}}},
		{name: "interface_gobencoder", goSrc: `Holder{Sh: Upper("abc")}`, note: `registered as "main.Upper"; sends "ABC"`, vals: []any{Holder{Sh: Upper("abc")}}},
		{name: "interface_toplevel_ptr", goSrc: `var i interface{} = Sq{2}; enc.Encode(&i)`, note: "top-level *interface{} → the wire type is interface (id 8)", vals: []any{func() any { var i any = Sq{2}; return &i }()}},
		// 17. time
		{name: "time_fields", goSrc: "WithTime{T: time.Date(2009, 11, 10, 23, 0, 0, 0, time.UTC), N: 1}; WithTime{N: 1}",
			vals: []any{WithTime{T: t2009, N: 1}, WithTime{N: 1}}},
		{name: "time_offset", goSrc: `WithTime{T: time.Date(2009, 11, 10, 23, 0, 0, 123456789, time.FixedZone("", 3630)), N: 0}; WithTime{T: time.Date(1969, 12, 31, 23, 59, 59, 1, time.FixedZone("", -7*3600))}`,
			note: "a zone offset with seconds uses version 2 (16 bytes); whole minutes use version 1",
			vals: []any{WithTime{T: time.Date(2009, 11, 10, 23, 0, 0, 123456789, pos)}, WithTime{T: time.Date(1969, 12, 31, 23, 59, 59, 1, neg)}}},
		{name: "time_negative_seconds_offset", goSrc: `WithTime{T: time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", -30))}`,
			note: "encodes offset minutes 0, seconds byte 0xe2 (int8 -30); Go's own Time.UnmarshalBinary reads that byte unsigned and gets +226s (Go bug); a correct decoder gives -30s",
			vals: []any{WithTime{T: time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", -30))}}},
		{name: "time_toplevel", goSrc: "time.Date(2009, 11, 10, 23, 0, 0, 0, time.UTC); time.Time{}", note: "a top-level zero time is still sent", vals: []any{t2009, time.Time{}}},
		// big
		{name: "bigint_toplevel", goSrc: `big.NewInt(1000); big.NewInt(-5); big.NewInt(0); bigint("123456789012345678901234567890")`,
			note: "*big.Int: the type definition message id differs from the CommonType.Id inside (id quirk)",
			vals: []any{big.NewInt(1000), big.NewInt(-5), big.NewInt(0), bi("123456789012345678901234567890")}},
		{name: "bigint_field", goSrc: `&WithBig{B: *big.NewInt(-1), P: big.NewInt(256), R: big.NewRat(3, 4), N: 1}; &WithBig{}`,
			note: "encoded through a pointer: big.Int's GobEncode has a pointer receiver, so Encode(WithBig{...}) by value fails with \"gob: unaddressable value of type *big.Int\"",
			vals: []any{&WithBig{B: *big.NewInt(-1), P: big.NewInt(256), R: big.NewRat(3, 4), N: 1}, &WithBig{}}},
		{name: "bigrat_toplevel", goSrc: "big.NewRat(3, 4); big.NewRat(-1, 3); big.NewRat(0, 1)", vals: []any{big.NewRat(3, 4), big.NewRat(-1, 3), big.NewRat(0, 1)}},
		// marshalers
		{name: "marshalers", goSrc: `WithMarshalers{U: "abc", B: BinM{0x0102}, T: TextM{7}, N: 1}; WithMarshalers{}`,
			note: "Upper: GobEncoderT; BinM: BinaryMarshalerT; TextM: TextMarshaler is ignored by gob, sent as a plain struct",
			vals: []any{WithMarshalers{U: "abc", B: BinM{0x0102}, T: TextM{7}, N: 1}, WithMarshalers{}}},
		{name: "gobencoder_toplevel", goSrc: `Upper("xyz")`, vals: []any{Upper("xyz")}},
		{name: "net_ip", goSrc: "net.IPv4(1, 2, 3, 4); WithIP{IP: net.IPv4(1, 2, 3, 4)}", note: "net.IP has MarshalText but gob sends plain bytes", vals: []any{net.IPv4(1, 2, 3, 4), WithIP{IP: net.IPv4(1, 2, 3, 4)}}},
		// misc structs
		{name: "chan_field_ignored", goSrc: `WithChan{A: 1, C: make(chan int), B: "b", D: 2}`, note: "chan and func fields are not sent and do not take a field number",
			vals: []any{WithChan{A: 1, C: make(chan int), B: "b", D: 2}}},
		{name: "ints_struct_max", goSrc: "Ints{I8: MaxInt8, I16: MaxInt16, I32: MaxInt32, I64: MaxInt64, U8: MaxUint8, U16: MaxUint16, U32: MaxUint32, U64: MaxUint64, I: 1<<53 - 1, U: 1<<53 - 1, P: 0xdeadbeef}",
			vals: []any{Ints{I8: math.MaxInt8, I16: math.MaxInt16, I32: math.MaxInt32, I64: math.MaxInt64, U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxUint64, I: 1<<53 - 1, U: 1<<53 - 1, P: 0xdeadbeef}}},
		{name: "ints_struct_min", goSrc: "Ints{I8: MinInt8, I16: MinInt16, I32: MinInt32, I64: MinInt64, I: -(1<<53 - 1)}",
			vals: []any{Ints{I8: math.MinInt8, I16: math.MinInt16, I32: math.MinInt32, I64: math.MinInt64, I: -(1<<53 - 1)}}},
		{name: "cplx_struct", goSrc: "Cplx{C64: 1.5-2i, C128: complex(math.NaN(), math.Inf(-1))}; Cplx{C128: complex(0, 1)}",
			vals: []any{Cplx{C64: 1.5 - 2i, C128: complex(math.NaN(), math.Inf(-1))}, Cplx{C128: complex(0, 1)}}},
		{name: "flt_struct", goSrc: "Flt{F32: 0.1, F64: -0.5, L32: []float32{MaxFloat32, SmallestNonzeroFloat32, NaN}}",
			vals: []any{Flt{F32: 0.1, F64: -0.5, L32: []float32{math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.NaN())}}}},
		{name: "strs_struct", goSrc: `Strs{S: "a\xffb", L: []string{"", "\xc3\x28", "ok"}}`, note: "invalid UTF-8 in a struct field and a slice; byte-exact only via bytes", vals: []any{Strs{S: "a\xffb", L: []string{"", "\xc3\x28", "ok"}}}},
		{name: "embedded", goSrc: "Emb{Inner: Inner{A: 1}, X: 2}", note: "an embedded struct is a field named after its type", vals: []any{Emb{Inner: Inner{A: 1}, X: 2}}},
		{name: "unexported_field", goSrc: `Priv{A: 1, b: 2, C: "c"}`, note: "unexported fields are not sent", vals: []any{Priv{A: 1, b: 2, C: "c"}}},
		{name: "ptr_ptr", goSrc: "PP{P: &&0}; PP{P: &&7}", note: "**int to 0 is omitted", vals: []any{PP{P: pp}, func() PP { x := 7; px := &x; return PP{P: &px} }()}},
		{name: "sparse_fields", goSrc: "Sparse{F3: 1, F19: 2}; Sparse{F0: 1}", note: "field deltas larger than 1", vals: []any{Sparse{F3: 1, F19: 2}, Sparse{F0: 1}}},
		// multi-value stream
		{name: "stream_mixed", goSrc: `Point{1, 2}; []int{3}; Point{4, 5}; Holder{Sh: Point{6, 7}}; "end"; Node{V: 8}; Holder{Sh: Sq{9}}; Point{}`,
			note: "one encoder: each type is defined once, on first use",
			vals: []any{Point{1, 2}, []int{3}, Point{4, 5}, Holder{Sh: Point{6, 7}}, "end", Node{V: 8}, Holder{Sh: Sq{9}}, Point{}}},
	}
}

type vectorOut struct {
	Name  string   `json:"name"`
	Go    string   `json:"go"`
	Hex   string   `json:"hex"`
	Parts []string `json:"parts"`
	Warm  string   `json:"warm,omitempty"`
	Note  string   `json:"note,omitempty"`
}

func runCase(name string) (vectorOut, error) {
	for _, c := range cases() {
		if c.name != name {
			continue
		}
		out := vectorOut{Name: c.name, Go: c.goSrc, Note: c.note, Parts: []string{}}
		if len(c.warm) > 0 {
			var wb bytes.Buffer
			we := gob.NewEncoder(&wb)
			for _, v := range c.warm {
				if err := we.Encode(v); err != nil {
					return out, fmt.Errorf("warm %T: %w", v, err)
				}
			}
			out.Warm = hex.EncodeToString(wb.Bytes())
		}
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		for _, v := range c.vals {
			before := buf.Len()
			if err := enc.Encode(v); err != nil {
				return out, fmt.Errorf("%T: %w", v, err)
			}
			out.Parts = append(out.Parts, hex.EncodeToString(buf.Bytes()[before:]))
		}
		out.Hex = hex.EncodeToString(buf.Bytes())
		return out, nil
	}
	return vectorOut{}, fmt.Errorf("unknown case %q", name)
}

func allVectors() ([]vectorOut, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var res []vectorOut
	for _, c := range cases() {
		cmd := exec.Command(self, "-case", c.name)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", c.name, err)
		}
		var v vectorOut
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		res = append(res, v)
	}
	return res, nil
}

func jsonBytes(v any) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.SetIndent("", "  ")
	if err := e.Encode(v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func main() {
	caseName := flag.String("case", "", "encode one case (internal)")
	bad := flag.Bool("bad", false, "print bad.json")
	sample := flag.Bool("sample", false, "write sample.gob to stdout")
	write := flag.String("write", "", "write all outputs under this testdata directory")
	flag.Parse()
	switch {
	case *caseName != "":
		v, err := runCase(*caseName)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Stdout.Write(jsonBytes(v))
	case *bad:
		vs, err := allVectors()
		check(err)
		os.Stdout.Write(jsonBytes(badVectors(vs)))
	case *sample:
		os.Stdout.Write(sampleGob())
	case *write != "":
		vs, err := allVectors()
		check(err)
		check(os.MkdirAll(filepath.Join(*write, "gob"), 0o755))
		check(os.WriteFile(filepath.Join(*write, "gob", "vectors.json"), jsonBytes(vs), 0o644))
		check(os.WriteFile(filepath.Join(*write, "gob", "bad.json"), jsonBytes(badVectors(vs)), 0o644))
		check(os.WriteFile(filepath.Join(*write, "sample.gob"), sampleGob(), 0o644))
		check(os.WriteFile(filepath.Join(*write, "sample.go.txt"), []byte(sampleGoSource), 0o644))
	default:
		vs, err := allVectors()
		check(err)
		os.Stdout.Write(jsonBytes(vs))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// ---- bad input ----

type ET2 struct{ X string }
type Small struct{ A [2]int }
type DeepHolder struct {
	R RS
	N int
}
type OnlyN struct{ N int }

type badOut struct {
	Name    string  `json:"name"`
	Hex     string  `json:"hex"`
	Target  string  `json:"target"`
	OkCount int     `json:"okValues"` // values that decode successfully before the failing one
	GoError *string `json:"goError"`  // null: Go accepts the input (a quirk vector)
	GoValue string  `json:"goValue,omitempty"`
	Code    string  `json:"code,omitempty"` // expected GobError code (our mapping, not Go's)
	Note    string  `json:"note,omitempty"`
}

var targets = map[string]func() any{
	"nil":            func() any { return nil },
	"ET2":            func() any { return new(ET2) },
	"Point":          func() any { return new(Point) },
	"int":            func() any { return new(int) },
	"int8":           func() any { return new(int8) },
	"uint":           func() any { return new(uint) },
	"float32":        func() any { return new(float32) },
	"string":         func() any { return new(string) },
	"[]int":          func() any { return new([]int) },
	"[2]int":         func() any { return new([2]int) },
	"[3]int":         func() any { return new([3]int) },
	"Small":          func() any { return new(Small) },
	"map[string]int": func() any { return new(map[string]int) },
	"[]*struct{}":    func() any { return new([]*struct{}) },
	"struct{}":       func() any { return new(struct{}) },
	"Holder":         func() any { return new(Holder) },
	"RS":             func() any { return new(RS) },
	"WithInts":       func() any { return new(WithInts) },
	"OnlyN":          func() any { return new(OnlyN) },
}

func decodeAll(data []byte, target string) (ok int, val any, err error) {
	mk, found := targets[target]
	if !found {
		panic("unknown target " + target)
	}
	dec := gob.NewDecoder(bytes.NewReader(data))
	for {
		p := mk()
		err = dec.Decode(p)
		if err != nil {
			return ok, val, err
		}
		if p != nil {
			val = reflect.ValueOf(p).Elem().Interface()
		}
		ok++
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func encodeHere(vals ...any) []byte {
	var b bytes.Buffer
	e := gob.NewEncoder(&b)
	for _, v := range vals {
		if err := e.Encode(v); err != nil {
			panic(err)
		}
	}
	return b.Bytes()
}

func badVectors(vs []vectorOut) []badOut {
	vec := map[string][]byte{}
	parts := map[string][]string{}
	for _, v := range vs {
		vec[v.Name] = mustHex(v.Hex)
		parts[v.Name] = v.Parts
	}
	type in struct {
		name, target, code, note string
		data                     []byte
		// want: the number of values expected to decode before the error, -1 = read to EOF
		whole bool
	}
	var ins []in
	add := func(name, target, code, note string, data []byte) {
		ins = append(ins, in{name: name, target: target, code: code, note: note, data: data})
	}
	// Go's own badDataTests (encoder_test.go)
	add("go_baddata_0_empty", "nil", "eof", "badDataTests[0]", mustHex(""))
	add("go_baddata_1", "nil", "unexpected-eof", "badDataTests[1]", mustHex("7F6869"))
	add("go_baddata_2", "ET2", "corrupt", "badDataTests[2]: unknown type id", mustHex("036e6f77206973207468652074696d6520666f7220616c6c20676f6f64206d656e"))
	add("go_baddata_3_issue6323", "ET2", "corrupt", "badDataTests[3]: field numbers out of bounds", mustHex("0424666f6f"))
	add("go_baddata_4_issue10270", "nil", "corrupt", "badDataTests[4]", mustHex("05100028557b02027f8302"))
	add("go_baddata_5_issue10273", "nil", "corrupt", "badDataTests[5]: slice length too large", mustHex("130a00fb5dad0bf8ff020263e70002fa28020202a89859"))
	add("go_baddata_6", "nil", "corrupt", "badDataTests[6]", mustHex("0f1000fb285d003316020735ff023a65c5"))
	add("go_baddata_7", "nil", "corrupt", "badDataTests[7]", mustHex("03fffb0616fffc00f902ff02ff03bf005d02885802a311a8120228022c028ee7"))
	add("go_baddata_8_issue10491", "nil", "corrupt", "badDataTests[8]: exceeds input size", mustHex("10fe010f020102fe01100001fe010e000016fe010d030102fe010e00010101015801fe01100000000bfe011000f85555555555555555"))
	add("go_badcount", "nil", "corrupt", "TestBadCount", mustHex("fba5822fca01"))
	add("go_issue9649", "struct{}", "corrupt", "TestErrorInvalidTypeId", mustHex("01000100"))
	add("go_issue55337", "nil", "corrupt", "TestDecoderOverflow", mustHex("12ffff02022000f87fffffffffffffffffffff2020202020"))
	add("go_issue62117", "[]*struct{}", "type-mismatch", "TestLocalRemoteTypesMismatch", mustHex("097f030102ff80000000 03ff8000"))

	// huge counts (TestErrorForHugeSlice and friends)
	{
		b := encodeHere([]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
		b[len(b)-11] = 0xfa
		add("huge_slice_count", "[]int", "corrupt", "count smashed to fa...: slice too big", b)
		add("huge_slice_count_discard", "nil", "corrupt", "same, decoded with Decode(nil)", b)
	}
	{
		// map[string]int{"a":1}: value message ends 07 <id> 00 01 01 61 02
		b := append([]byte(nil), vec["map_string_int"]...)
		n := len(b)
		val := []byte{0x0c, b[n-6], 0x00, 0xfc, 0x7f, 0xff, 0xff, 0xff, 0x01, 0x61, 0x02}
		val[0] = byte(len(val) - 1)
		b = append(b[:n-8], val...)
		add("huge_map_count", "map[string]int", "corrupt", "map count 0x7fffffff with one entry present", b)
	}
	add("huge_string_len", "string", "corrupt", "string length 0x7fffffff, 2 bytes present", mustHex("09 0c 00 fc 7fffffff 6869"))
	add("huge_bytes_len_8byte", "nil", "corrupt", "[]byte length 2^63-1", mustHex("0c 0a 00 f8 7fffffffffffffff 00"))
	add("huge_message_len", "nil", "corrupt", "message length 2^63-1", mustHex("f8 7fffffffffffffff 04 00 0e"))
	add("message_len_9_bytes", "nil", "corrupt", "uint with 9 bytes (f7)", mustHex("f7 000000000000000003 04 00 0e"))
	for _, fb := range []byte{0x80, 0xa0, 0xf7} {
		add(fmt.Sprintf("length_byte_%02x", fb), "int", "corrupt", "first byte 0x80..0xF7 is not a valid uint prefix (message length)", []byte{fb, 0x04, 0x00, 0x0e})
		add(fmt.Sprintf("value_byte_%02x", fb), "int", "corrupt", "first byte 0x80..0xF7 inside a value", []byte{0x03, 0x04, 0x00, fb})
	}

	// truncations at every offset
	for _, vn := range []string{"point_stream", "interface_holder", "time_fields", "slice_int", "interface_nested"} {
		p := mustHex(parts[vn][0])
		target := map[string]string{"point_stream": "Point", "interface_holder": "Holder", "time_fields": "nil", "slice_int": "[]int", "interface_nested": "Holder"}[vn]
		for i := 1; i < len(p); i++ {
			add(fmt.Sprintf("truncated_%s_%d", vn, i), target, "unexpected-eof", fmt.Sprintf("first value of %s cut to %d of %d bytes", vn, i, len(p)), p[:i])
		}
	}
	// stream ends after a complete type-definition message
	{
		p := mustHex(parts["point_stream"][0])
		add("truncated_after_typedef", "Point", "unexpected-eof", "only the type-definition message", p[:int(p[0])+1])
	}

	// duplicate type ids: two encoders' output concatenated
	{
		a := mustHex(parts["point_stream"][0])
		b := append(append([]byte(nil), a...), a...)
		add("duplicate_type_concat", "Point", "corrupt", "two fresh encoders' streams concatenated: the second redefines id 64", b)
	}
	add("define_low_id", "nil", "corrupt", "defining type id 10 (< 64)", mustHex("0c 13 03 01 01 01 58 01 14 00 00 00 0000"))
	// unknown type id in a value message
	add("unknown_type_id_value", "nil", "corrupt", "value of id 72 with no definition", mustHex("03 ff90 00"))
	// field number out of range in a struct value: Point has 2 fields
	{
		p := mustHex(parts["point_stream"][0])
		def := p[:int(p[0])+1]
		b := append(append([]byte(nil), def...), mustHex("05 ff80 03 02 00")...)
		add("field_out_of_range", "Point", "corrupt", "field delta 3 in a 2-field struct", b)
		b2 := append(append([]byte(nil), def...), mustHex("06 ff80 01 02 00 02")...)
		add("value_extra_data", "Point", "", "bytes after the struct terminator inside the value message (recorded)", b2)
		b3 := append(append([]byte(nil), def...), mustHex("04 ff80 01 02")...)
		add("struct_no_terminator", "Point", "", "struct value ends at the message end without 00 (recorded)", b3)
		bd := append([]byte(nil), def...)
		bd[0]++
		bd = append(bd, 0x00)
		add("typedef_extra_data", "Point", "corrupt", "type definition message with a trailing byte: extra data in buffer", bd)
	}
	add("singleton_nonzero_delta", "int", "corrupt", "singleton with delta 01", mustHex("03 04 01 0e"))
	add("interface_unregistered", "Holder", "unregistered", "interface name main.Nope not registered", func() []byte {
		p := mustHex(parts["interface_nil"][0])
		def := p[:int(p[0])+1]
		val := mustHex("ff80 01 01 68 01 09 6d61696e2e4e6f7065 04 02 00 02 00")
		return append(append(append([]byte(nil), def...), byte(len(val))), val...)
	}())
	add("interface_name_too_long", "Holder", "corrupt", "interface name of 2000 bytes", func() []byte {
		p := mustHex(parts["interface_nil"][0])
		def := p[:int(p[0])+1]
		val := append(mustHex("ff80 01 02 fe07d0"), bytes.Repeat([]byte{'a'}, 2000)...)
		val = append(val, 0x00)
		out := append([]byte(nil), def...)
		out = append(out, 0xfe, byte(len(val)>>8), byte(len(val)))
		return append(out, val...)
	}())

	// type compatibility / overflow
	add("mismatch_int_into_uint", "uint", "type-mismatch", "int wire into uint", vec["int_boundaries"][:4])
	add("mismatch_uint_into_int", "int", "type-mismatch", "uint wire into int", mustHex("03 06 00 07"))
	add("mismatch_string_into_int", "int", "type-mismatch", "string into int", mustHex("05 0c 00 02 6869"))
	add("mismatch_int_into_point", "Point", "type-mismatch", "int into struct", mustHex("03 04 00 0e"))
	add("mismatch_field_type", "ET2", "type-mismatch", "Point into ET2{X string}: field X has another type", vec["point_stream"])
	add("mismatch_no_fields_matched", "Small", "type-mismatch", "Point into a struct with no common field", vec["point_stream"])
	add("mismatch_array_len", "[2]int", "type-mismatch", "[3]int into [2]int", vec["array_int3"])
	add("mismatch_slice_into_array", "[3]int", "type-mismatch", "[]int into [3]int", vec["slice_int"])
	add("mismatch_array_into_slice", "[]int", "type-mismatch", "[3]int into []int", vec["array_int3"])
	add("overflow_int8", "int8", "overflow", "300 into int8", mustHex("05 04 00 fe 0258"))
	add("overflow_float32", "float32", "overflow", "1e300 into float32", func() []byte {
		var b bytes.Buffer
		gob.NewEncoder(&b).Encode(1e300)
		return b.Bytes()
	}())
	add("float32_inf_ok", "float32", "", "+Inf into float32 is allowed", mustHex("05 08 00 fe f07f"))

	// deep nesting
	{
		var deep RS
		for i := 0; i < 20000; i++ {
			deep = RS{deep}
		}
		b := encodeHere(deep)
		add("deep_rs_20000_discard", "nil", "", "RS nested 20000 deep, skipped with Decode(nil): ignore depth limit 10000", b)
		add("deep_rs_20000_into_rs", "RS", "", "same stream decoded into RS (recorded)", b)
		var deep2 RS
		for i := 0; i < 20000; i++ {
			deep2 = RS{deep2}
		}
		b2 := encodeHere(DeepHolder{R: deep2, N: 1})
		add("deep_rs_20000_ignored_field", "OnlyN", "", "DeepHolder{R: RS nested 20000 deep, N: 1} into OnlyN{N int}: R is skipped", b2)
	}

	// quirks Go accepts
	add("nonminimal_uint_value", "int", "", "FF 0E is a non-minimal encoding of 14 (int 7): accepted", mustHex("04 04 00 ff 0e"))
	add("nonminimal_message_length", "int", "", "message length FF 03: accepted", mustHex("ff03 04 00 0e"))
	add("nonminimal_type_id", "int", "", "type id FE 00 04: accepted", mustHex("05 fe0004 00 0e"))
	add("bool_nonzero_is_true", "nil", "", "bool value 2 decodes as true", mustHex("03 02 00 02"))

	out := []badOut{}
	for _, t := range ins {
		ok, val, err := decodeAll(t.data, t.target)
		o := badOut{Name: t.name, Hex: hex.EncodeToString(t.data), Target: t.target, OkCount: ok, Code: t.code, Note: t.note}
		if err == io.EOF && ok > 0 {
			// accepted: all values decoded
			o.GoError = nil
			o.Code = ""
			if val != nil {
				o.GoValue = fmt.Sprintf("%#v", val)
				if len(o.GoValue) > 200 {
					o.GoValue = o.GoValue[:200] + "..."
				}
			}
		} else {
			s := err.Error()
			o.GoError = &s
		}
		out = append(out, o)
	}
	return out
}
