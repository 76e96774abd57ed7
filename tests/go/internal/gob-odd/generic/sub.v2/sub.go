// Package sub lives in a directory whose name has a dot (as gopkg.in/yaml.v3
// does): reflect writes that dot as %2e in the names of generic types
// instantiated with its types.
package sub

// Key is a type argument from a dotted package path.
type Key struct{ N int }
