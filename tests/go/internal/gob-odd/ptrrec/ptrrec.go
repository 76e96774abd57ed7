// Package ptrrec declares a recursive pointer type, which gob cannot
// represent, and a struct that uses it.
package ptrrec

// PtrRec points only to itself.
type PtrRec *PtrRec

// HasPtrRec has a field of the recursive pointer type.
type HasPtrRec struct {
	P PtrRec
	X int
}
