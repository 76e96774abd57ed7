// Package names declares unexported types named like JavaScript and
// TypeScript keywords, predeclared TypeScript types and the names a
// generated module uses itself, each reached from one exported struct:
// `gob gen` must give each a valid TypeScript name and keep its Go name on
// the wire (tests/tools/gob_odd_test.ts).
package names

type any struct{ N int }
type arguments struct{ N int }
type as struct{ N int }
type await struct{ N int }
type bigint struct{ N int }
type boolean struct{ N int }
type catch struct{ N int }
type class struct{ N int }
type debugger struct{ N int }
type delete struct{ N int }
type do struct{ N int }
type enum struct{ N int }
type eval struct{ N int }
type export struct{ N int }
type extends struct{ N int }
type false struct{ N int }
type finally struct{ N int }
type function struct{ N int }
type implements struct{ N int }
type in struct{ N int }
type infer struct{ N int }
type instanceof struct{ N int }
type keyof struct{ N int }
type let struct{ N int }
type never struct{ N int }
type new struct{ N int }
type null struct{ N int }
type number struct{ N int }
type object struct{ N int }
type private struct{ N int }
type protected struct{ N int }
type public struct{ N int }
type readonly struct{ N int }
type static struct{ N int }
type string struct{ N int }
type super struct{ N int }
type symbol struct{ N int }
type this struct{ N int }
type throw struct{ N int }
type true struct{ N int }
type try struct{ N int }
type typeof struct{ N int }
type undefined struct{ N int }
type unique struct{ N int }
type unknown struct{ N int }
type void struct{ N int }
type while struct{ N int }
type with struct{ N int }
type yield struct{ N int }
type t struct{ N int }
type codecs struct{ N int }
type globalThis struct{ N int }
type class_ struct{ N int }

// Names holds one field of each.
type Names struct {
	F0  any
	F1  arguments
	F2  as
	F3  await
	F4  bigint
	F5  boolean
	F6  catch
	F7  class
	F8  debugger
	F9  delete
	F10 do
	F11 enum
	F12 eval
	F13 export
	F14 extends
	F15 false
	F16 finally
	F17 function
	F18 implements
	F19 in
	F20 infer
	F21 instanceof
	F22 keyof
	F23 let
	F24 never
	F25 new
	F26 null
	F27 number
	F28 object
	F29 private
	F30 protected
	F31 public
	F32 readonly
	F33 static
	F34 string
	F35 super
	F36 symbol
	F37 this
	F38 throw
	F39 true
	F40 try
	F41 typeof
	F42 undefined
	F43 unique
	F44 unknown
	F45 void
	F46 while
	F47 with
	F48 yield
	F49 t
	F50 codecs
	F51 globalThis
	F52 class_
}

// Sample is a Names with every field set (field i holds i+1).
func Sample() Names {
	return Names{
		F0:  any{N: 1},
		F1:  arguments{N: 2},
		F2:  as{N: 3},
		F3:  await{N: 4},
		F4:  bigint{N: 5},
		F5:  boolean{N: 6},
		F6:  catch{N: 7},
		F7:  class{N: 8},
		F8:  debugger{N: 9},
		F9:  delete{N: 10},
		F10: do{N: 11},
		F11: enum{N: 12},
		F12: eval{N: 13},
		F13: export{N: 14},
		F14: extends{N: 15},
		F15: false{N: 16},
		F16: finally{N: 17},
		F17: function{N: 18},
		F18: implements{N: 19},
		F19: in{N: 20},
		F20: infer{N: 21},
		F21: instanceof{N: 22},
		F22: keyof{N: 23},
		F23: let{N: 24},
		F24: never{N: 25},
		F25: new{N: 26},
		F26: null{N: 27},
		F27: number{N: 28},
		F28: object{N: 29},
		F29: private{N: 30},
		F30: protected{N: 31},
		F31: public{N: 32},
		F32: readonly{N: 33},
		F33: static{N: 34},
		F34: string{N: 35},
		F35: super{N: 36},
		F36: symbol{N: 37},
		F37: this{N: 38},
		F38: throw{N: 39},
		F39: true{N: 40},
		F40: try{N: 41},
		F41: typeof{N: 42},
		F42: undefined{N: 43},
		F43: unique{N: 44},
		F44: unknown{N: 45},
		F45: void{N: 46},
		F46: while{N: 47},
		F47: with{N: 48},
		F48: yield{N: 49},
		F49: t{N: 50},
		F50: codecs{N: 51},
		F51: globalThis{N: 52},
		F52: class_{N: 53},
	}
}
