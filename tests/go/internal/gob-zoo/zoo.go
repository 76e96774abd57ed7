// Package zoo holds one of each kind of type encoding/gob handles, for the
// tests of `deno task gob gen` (tests/tools/gob_gen_test.ts). Its directory,
// gob-zoo, is not its name, so Go spells its types with "zoo" and registers
// them with the path: generated descriptors must keep the two apart.
package zoo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	geo "gopherless.test/peers/internal/gob-zoo/geo.v2"
)

// Kind is a defined scalar type (registered for interface values).
type Kind int8

// Blob is a defined []byte: gob sends it as bytes.
type Blob []byte

// Point is a plain struct.
type Point struct {
	X, Y int
}

// Shape is an interface: its values carry the name of their concrete type.
type Shape interface {
	Area() float64
}

// Circle is registered by value.
type Circle struct {
	Center Point
	R      float64
}

// Area implements Shape.
func (c Circle) Area() float64 { return 3 * c.R * c.R }

// Square is registered as a pointer (*zoo.Square).
type Square struct {
	Side float64
}

// Area implements Shape.
func (s *Square) Area() float64 { return s.Side * s.Side }

// Tags is a named slice.
type Tags []string

// Grid is a named array of arrays.
type Grid [2][3]int8

// Index is a named map.
type Index map[string][]Point

// Node is recursive through a pointer and a slice.
type Node struct {
	Val  int
	Next *Node
	Kids []*Node
}

// Tree is recursive without a struct.
type Tree []Tree

// Money implements GobEncoder (a value receiver: a zero Money field is omitted).
type Money struct {
	cents int64
}

// NewMoney returns an amount in cents.
func NewMoney(cents int64) Money { return Money{cents} }

// GobEncode implements gob.GobEncoder.
func (m Money) GobEncode() ([]byte, error) {
	return []byte(strconv.FormatInt(m.cents, 10)), nil
}

// GobDecode implements gob.GobDecoder.
func (m *Money) GobDecode(b []byte) (err error) {
	m.cents, err = strconv.ParseInt(string(b), 10, 64)
	return err
}

// Version implements encoding.BinaryMarshaler (pointer receivers: always sent).
type Version struct {
	major, minor uint16
}

// NewVersion returns major.minor.
func NewVersion(major, minor uint16) Version { return Version{major, minor} }

// MarshalBinary implements encoding.BinaryMarshaler.
func (v *Version) MarshalBinary() ([]byte, error) {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, v.major), v.minor), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (v *Version) UnmarshalBinary(b []byte) error {
	if len(b) != 4 {
		return errors.New("version: want 4 bytes")
	}
	v.major, v.minor = binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
	return nil
}

// Level implements only encoding.TextMarshaler, which gob ignores: it is sent as an int.
type Level int

// MarshalText implements encoding.TextMarshaler.
func (l Level) MarshalText() ([]byte, error) { return []byte(fmt.Sprint("L", int(l))), nil }

// Base is embedded in Everything: gob sends it as one field named Base.
type Base struct {
	ID      uint64
	Created time.Time
}

// Extra is embedded through a pointer.
type Extra struct {
	Note string
}

// Pair is generic: only its instantiations are sent.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// Everything has a field of every kind.
type Everything struct {
	Base
	*Extra
	B      bool
	I      int
	I8     int8
	I16    int16
	I32    int32
	I64    int64
	U      uint
	U8     uint8
	U16    uint16
	U32    uint32
	U64    uint64
	Uptr   uintptr
	F32    float32
	F64    float64
	C64    complex64
	C128   complex128
	S      string
	Bytes  []byte
	Kind   Kind
	Blob   Blob
	Ints   []int
	Arr    [3]string
	M      map[string]int
	ByPt   map[Point]string
	P      *Point
	PP     **int
	Any    any
	Shape  Shape
	Shapes []Shape
	When   time.Time
	Big    *big.Int
	BigV   big.Int
	Ratio  *big.Rat
	Money  Money
	MoneyP *Money
	Ver    Version
	Level  Level
	Tags   Tags
	Grid   Grid
	Index  Index
	Root   *Node
	Tree   Tree
	Anon   struct {
		A int
		L []Kind
	}
	Pair  Pair[string, Point]
	Kinds []Kind
	Err   error
	Where geo.Coord
	Route []geo.Coord

	hidden int
	Ch     chan int
	Fn     func() int
	PCh    *chan int
}

// Events is a channel type: gob cannot send it, so it gets no descriptor.
type Events chan int

// Clock holds a *time.Location, a struct without exported fields, which gob
// refuses whatever its value: no descriptor either.
type Clock struct {
	Zone *time.Location
}
