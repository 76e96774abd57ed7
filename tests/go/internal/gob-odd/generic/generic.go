// Package generic instantiates a generic type with a type argument from a
// package whose path's last element has a dot.
package generic

import sub "gopherless.test/peers/internal/gob-odd/generic/sub.v2"

// Pair is a generic struct.
type Pair[K any, V any] struct {
	K K
	V V
}

// Holder holds an instantiation whose name Go spells with %2e.
type Holder struct {
	P Pair[sub.Key, int]
}
