// Package arith holds the services the net/rpc interop peers serve and call.
// The gopherless tests register the same shapes (tests/rpc/_services.ts).
package arith

import (
	"errors"
	"time"
)

// Args is the argument of Arith.Multiply and Arith.Divide (Go's net/rpc docs).
type Args struct{ A, B int }

// Quotient is the reply of Arith.Divide.
type Quotient struct{ Quo, Rem int }

// SleepArgs asks Arith.Sleep to wait Ms milliseconds, then reply Tag.
type SleepArgs struct {
	Ms  int
	Tag string
}

// Inner is nested inside Echo.
type Inner struct {
	Name string
	Vals []float64
}

// Echo exercises more of gob through net/rpc.
type Echo struct {
	S     string
	I     int64
	U     uint64
	F     float64
	B     bool
	Bytes []byte
	List  []string
	Map   map[string]int
	In    Inner
	Ptr   *Inner
}

// Arith is the service of Go's net/rpc documentation, plus helpers.
type Arith int

func (t *Arith) Multiply(args *Args, reply *int) error {
	*reply = args.A * args.B
	return nil
}

func (t *Arith) Divide(args *Args, quo *Quotient) error {
	if args.B == 0 {
		return errors.New("divide by zero")
	}
	quo.Quo = args.A / args.B
	quo.Rem = args.A % args.B
	return nil
}

func (t *Arith) Sleep(args *SleepArgs, reply *string) error {
	time.Sleep(time.Duration(args.Ms) * time.Millisecond)
	*reply = args.Tag
	return nil
}

func (t *Arith) Echo(args *Echo, reply *Echo) error {
	*reply = *args
	return nil
}

func (t *Arith) Fail(msg string, reply *int) error {
	return errors.New(msg)
}

// Svc is registered under a dotted name ("Dot.Svc") to prove the last-dot split.
type Svc int

func (s *Svc) Ping(n int, reply *int) error {
	*reply = n + 1
	return nil
}
