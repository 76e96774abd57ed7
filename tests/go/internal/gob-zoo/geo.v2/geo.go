// Package geo is reached from package zoo (tests/go/internal/gob-zoo): its
// types are generated too, named after their package. Its path ends in
// "geo.v2", like gopkg.in/yaml.v3, so the path holds a dot and is not the name.
package geo

// Coord is a point on the globe.
type Coord struct {
	Lat, Lon float64
}
