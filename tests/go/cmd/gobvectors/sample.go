package main

import (
	"bytes"
	"encoding/gob"
	"time"
)

// The types of testdata/sample.gob. sampleGoSource is this text, written to
// testdata/sample.go.txt for humans.

type Address struct {
	Street string
	City   string
	Zip    string
}

type Order struct {
	ID    uint64
	Total float64
	Items []string
}

type Person struct {
	Name     string
	Age      int
	Email    string
	Home     Address
	Work     *Address
	Tags     []string
	Scores   map[string]int
	Joined   time.Time
	Extra    any
	Orders   []Order
	Avatar   []byte
	Verified bool
}

type Note struct {
	Text string
	Pri  int8
}

func init() { gob.Register(Note{}) }

const sampleGoSource = `// testdata/sample.gob: three Person values, one gob.Encoder, produced by
// tests/go/cmd/gobvectors (-write). Types (package main):

type Address struct {
	Street string
	City   string
	Zip    string
}

type Order struct {
	ID    uint64
	Total float64
	Items []string
}

type Person struct {
	Name     string
	Age      int
	Email    string
	Home     Address
	Work     *Address
	Tags     []string
	Scores   map[string]int // at most one entry, so the file is reproducible
	Joined   time.Time
	Extra    any            // Note (registered as "main.Note"), string, or nil
	Orders   []Order
	Avatar   []byte
	Verified bool
}

type Note struct {
	Text string
	Pri  int8
}

// Values:
var people = []Person{
	{Name: "Ada Lovelace", Age: 36, Email: "ada@example.com",
		Home: Address{"12 St James's Square", "London", "SW1Y 4JH"},
		Work: &Address{"Analytical Engine Dept.", "London", ""},
		Tags: []string{"math", "poetry"}, Scores: map[string]int{"chess": 1800},
		Joined: time.Date(1843, 7, 10, 9, 30, 0, 0, time.UTC),
		Extra:  Note{Text: "first programmer", Pri: 1},
		Orders: []Order{{ID: 1, Total: 19.99, Items: []string{"notebook", "pen"}}},
		Avatar: []byte{0x89, 'P', 'N', 'G'}, Verified: true},
	{Name: "Alan Turing", Age: 41, Email: "alan@example.com",
		Home: Address{"Hollymeade", "Wilmslow", "SK9 1"},
		Tags: []string{"computing"},
		Joined: time.Date(1936, 11, 12, 14, 0, 0, 500000000, time.FixedZone("", 3600)),
		Extra:  "enigma",
		Orders: []Order{{ID: 2, Total: 5, Items: nil}, {ID: 3, Total: 0.5, Items: []string{"tea"}}}},
	{Name: "Grace Hopper", Age: 85, Home: Address{City: "Arlington"},
		Scores: map[string]int{}, Joined: time.Date(1952, 1, 1, 0, 0, 0, 0, time.FixedZone("", -5*3600)),
		Extra: Note{Text: "COBOL", Pri: -3}},
}
`

func sampleGob() []byte {
	people := []Person{
		{Name: "Ada Lovelace", Age: 36, Email: "ada@example.com",
			Home: Address{"12 St James's Square", "London", "SW1Y 4JH"},
			Work: &Address{"Analytical Engine Dept.", "London", ""},
			Tags: []string{"math", "poetry"}, Scores: map[string]int{"chess": 1800},
			Joined: time.Date(1843, 7, 10, 9, 30, 0, 0, time.UTC),
			Extra:  Note{Text: "first programmer", Pri: 1},
			Orders: []Order{{ID: 1, Total: 19.99, Items: []string{"notebook", "pen"}}},
			Avatar: []byte{0x89, 'P', 'N', 'G'}, Verified: true},
		{Name: "Alan Turing", Age: 41, Email: "alan@example.com",
			Home:   Address{"Hollymeade", "Wilmslow", "SK9 1"},
			Tags:   []string{"computing"},
			Joined: time.Date(1936, 11, 12, 14, 0, 0, 500000000, time.FixedZone("", 3600)),
			Extra:  "enigma",
			Orders: []Order{{ID: 2, Total: 5, Items: nil}, {ID: 3, Total: 0.5, Items: []string{"tea"}}}},
		{Name: "Grace Hopper", Age: 85, Home: Address{City: "Arlington"},
			Scores: map[string]int{}, Joined: time.Date(1952, 1, 1, 0, 0, 0, 0, time.FixedZone("", -5*3600)),
			Extra: Note{Text: "COBOL", Pri: -3}},
	}
	var b bytes.Buffer
	enc := gob.NewEncoder(&b)
	for _, p := range people {
		if err := enc.Encode(p); err != nil {
			panic(err)
		}
	}
	return b.Bytes()
}
