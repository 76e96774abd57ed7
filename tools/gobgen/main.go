// Command gobgen loads Go packages with Go's type checker and prints, as JSON,
// what encoding/gob sends for their types: the model `deno task gob gen`
// renders as TypeScript descriptors (tools/gob_gen.ts).
//
//	go run . [-types Name,...] PATTERN...
//
// Patterns are resolved like the go command's, from the working directory.
// The rules it follows are encoding/gob's (type.go, encode.go):
//   - a struct sends its exported fields in declaration order, except fields
//     of chan or func type (or pointers to them), which gob skips like
//     unexported ones; an embedded struct is one field named after its type;
//   - a type (or a pointer to it) implementing GobEncoder is sent by
//     GobEncode, else one implementing encoding.BinaryMarshaler by
//     MarshalBinary; TextMarshaler is never used by gob (golang.org/issue/6760),
//     so such a type is sent by its structure;
//   - names are reflect's: Name() for the wire, PkgPath()+"."+Name() for
//     gob.Register, and "main" is the package path of a main package.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/typeutil"
)

// Model is what the program prints.
type Model struct {
	// Patterns are the package patterns as given.
	Patterns []string `json:"patterns"`
	// Packages are the import paths of the packages loaded.
	Packages []string `json:"packages"`
	// Decls are the named types, the requested ones first, then the ones
	// they reach, each once.
	Decls []*Decl `json:"decls"`
	// Skipped are exported types not generated, with the reason.
	Skipped []Skip `json:"skipped"`
}

// GoName is a named type's name as reflect reports it.
type GoName struct {
	PkgPath string `json:"pkgPath"`
	PkgName string `json:"pkgName"`
	Name    string `json:"name"`
}

// Decl is one named type.
type Decl struct {
	// Ident is the TypeScript identifier of its descriptor.
	Ident string `json:"ident"`
	Go    GoName `json:"go"`
	// Root says the type is declared in a loaded package (not only reached).
	Root bool `json:"root"`
	// Type is what gob sends for it.
	Type *Type `json:"type"`
	// Note explains a choice a reader might not expect.
	Note string `json:"note,omitempty"`

	key types.Type
}

// Type is a type as gob sends it. Kind is one of: scalar (Name is bool, int8,
// string, ...), bytes, interface, slice, array, map, ptr, struct, ref (Ref is
// a Decl's Ident), builtin (Name is time, bigIntValue or bigRatValue: the
// library's ready-made descriptors) and marshaler (Flavor is gob or binary).
type Type struct {
	Kind   string  `json:"kind"`
	Name   string  `json:"name,omitempty"`
	Ref    string  `json:"ref,omitempty"`
	Flavor string  `json:"flavor,omitempty"`
	Len    int64   `json:"len,omitempty"`
	Key    *Type   `json:"key,omitempty"`
	Elem   *Type   `json:"elem,omitempty"`
	Fields []Field `json:"fields,omitempty"`
}

// Field is a struct field gob sends.
type Field struct {
	Name string `json:"name"`
	Type *Type  `json:"type"`
}

// Skip is an exported type that was not generated.
type Skip struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

func main() {
	only := flag.String("types", "", "comma-separated type names to generate (default: every exported type)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gobgen [-types Name,...] PATTERN...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	m, err := generate(flag.Args(), splitList(*only))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gobgen:", err)
		os.Exit(1)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	if err := out.Encode(m); err != nil {
		fmt.Fprintln(os.Stderr, "gobgen:", err)
		os.Exit(1)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func generate(patterns, only []string) (*Model, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading %s:\n  %s", strings.Join(patterns, " "), strings.Join(errs, "\n  "))
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no packages match %s", strings.Join(patterns, " "))
	}
	g := newGen(pkgs)
	m := &Model{Patterns: patterns, Decls: []*Decl{}, Skipped: []Skip{}}
	for _, p := range pkgs {
		m.Packages = append(m.Packages, p.PkgPath)
	}
	var roots []*types.TypeName
	for _, p := range pkgs {
		roots = append(roots, declaredTypes(p)...)
	}
	if len(only) > 0 {
		byName := map[string][]*types.TypeName{}
		for _, tn := range roots {
			byName[tn.Name()] = append(byName[tn.Name()], tn)
		}
		roots = roots[:0]
		for _, name := range only {
			found := byName[name]
			if len(found) == 0 {
				return nil, fmt.Errorf("no exported type %s in %s", name, strings.Join(m.Packages, ", "))
			}
			roots = append(roots, found...)
		}
	}
	for _, tn := range roots {
		if reason := unsupportedTop(tn); reason != "" {
			if len(only) > 0 {
				return nil, fmt.Errorf("type %s: %s", tn.Name(), reason)
			}
			m.Skipped = append(m.Skipped, Skip{Name: tn.Name(), Reason: reason})
			continue
		}
		if err := g.root(tn); err != nil {
			if len(only) > 0 {
				return nil, fmt.Errorf("type %s: %v", tn.Name(), err)
			}
			m.Skipped = append(m.Skipped, Skip{Name: tn.Name(), Reason: err.Error()})
		}
	}
	m.Decls = append(m.Decls, g.decls...)
	return m, nil
}

// declaredTypes lists a package's exported type names in source order.
func declaredTypes(p *packages.Package) []*types.TypeName {
	var out []*types.TypeName
	scope := p.Types.Scope()
	for _, name := range scope.Names() {
		if tn, ok := scope.Lookup(name).(*types.TypeName); ok && tn.Exported() {
			out = append(out, tn)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := p.Fset.Position(out[i].Pos()), p.Fset.Position(out[j].Pos())
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return out
}

// unsupportedTop says why a declared type gets no descriptor, or "".
func unsupportedTop(tn *types.TypeName) string {
	if tn.IsAlias() {
		return "an alias (its target is generated under its own name)"
	}
	named, ok := tn.Type().(*types.Named)
	if !ok {
		return "not a defined type"
	}
	if named.TypeParams().Len() > 0 {
		return "generic: only its instantiations (used in other types) are sent"
	}
	return ""
}

type gen struct {
	roots   map[*types.Package]bool
	decls   []*Decl
	byType  typeutil.Map // types.Type → *Decl
	idents  map[string]bool
	gobEnc  *types.Interface
	binMar  *types.Interface
	textMar *types.Interface
}

func newGen(pkgs []*packages.Package) *gen {
	g := &gen{roots: map[*types.Package]bool{}, idents: map[string]bool{}}
	for _, p := range pkgs {
		g.roots[p.Types] = true
	}
	bytesT := types.NewSlice(types.Typ[types.Byte])
	errT := types.Universe.Lookup("error").Type()
	method := func(name string, result types.Type) *types.Interface {
		res := types.NewTuple(types.NewVar(token.NoPos, nil, "", result), types.NewVar(token.NoPos, nil, "", errT))
		sig := types.NewSignatureType(nil, nil, nil, nil, res, false)
		it := types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, name, sig)}, nil)
		return it.Complete()
	}
	g.gobEnc = method("GobEncode", bytesT)
	g.binMar = method("MarshalBinary", bytesT)
	g.textMar = method("MarshalText", bytesT)
	return g
}

// root generates a declared type and what it reaches; on failure nothing of
// it is kept.
func (g *gen) root(tn *types.TypeName) error {
	mark := len(g.decls)
	if _, err := g.typeOf(tn.Type()); err != nil {
		for _, d := range g.decls[mark:] {
			g.byType.Delete(d.key)
			delete(g.idents, d.Ident)
		}
		g.decls = g.decls[:mark]
		// The message starts with the type's own name, which the caller gives.
		own := types.TypeString(tn.Type(), (*types.Package).Name) + ": "
		return errors.New(strings.TrimPrefix(err.Error(), own))
	}
	return nil
}

// typeOf is what gob sends for t.
func (g *gen) typeOf(t types.Type) (*Type, error) {
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		return g.named(t)
	case *types.Basic:
		return basic(t)
	case *types.Pointer:
		if n, ok := types.Unalias(t.Elem()).(*types.Named); ok {
			if b := builtinFor(n); b == "bigIntValue" {
				return &Type{Kind: "builtin", Name: "bigInt"}, nil
			} else if b == "bigRatValue" {
				return &Type{Kind: "builtin", Name: "bigRat"}, nil
			}
		}
		elem, err := g.typeOf(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Type{Kind: "ptr", Elem: elem}, nil
	case *types.Slice:
		if isByte(t.Elem()) {
			return &Type{Kind: "bytes"}, nil
		}
		elem, err := g.typeOf(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Type{Kind: "slice", Elem: elem}, nil
	case *types.Array:
		elem, err := g.typeOf(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Type{Kind: "array", Len: t.Len(), Elem: elem}, nil
	case *types.Map:
		key, err := g.typeOf(t.Key())
		if err != nil {
			return nil, err
		}
		elem, err := g.typeOf(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Type{Kind: "map", Key: key, Elem: elem}, nil
	case *types.Interface:
		return &Type{Kind: "interface"}, nil
	case *types.Struct:
		return g.structOf(t)
	case *types.Chan:
		return nil, fmt.Errorf("gob cannot send chan type %s", t)
	case *types.Signature:
		return nil, fmt.Errorf("gob cannot send func type %s", t)
	case *types.TypeParam:
		return nil, fmt.Errorf("type parameter %s", t)
	default:
		return nil, fmt.Errorf("gob cannot send type %s", t)
	}
}

func isByte(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.Uint8
}

var scalarNames = map[types.BasicKind]string{
	types.Bool: "bool", types.Int: "int", types.Int8: "int8", types.Int16: "int16",
	types.Int32: "int32", types.Int64: "int64", types.Uint: "uint", types.Uint8: "uint8",
	types.Uint16: "uint16", types.Uint32: "uint32", types.Uint64: "uint64",
	types.Uintptr: "uintptr", types.Float32: "float32", types.Float64: "float64",
	types.Complex64: "complex64", types.Complex128: "complex128", types.String: "string",
}

func basic(t *types.Basic) (*Type, error) {
	if name, ok := scalarNames[t.Kind()]; ok {
		return &Type{Kind: "scalar", Name: name}, nil
	}
	return nil, fmt.Errorf("gob cannot send type %s", t)
}

// builtinFor names the library's ready-made descriptor for a named type.
func builtinFor(n *types.Named) string {
	obj := n.Obj()
	if obj.Pkg() == nil {
		return ""
	}
	switch obj.Pkg().Path() + "." + obj.Name() {
	case "time.Time":
		return "time"
	case "math/big.Int":
		return "bigIntValue"
	case "math/big.Rat":
		return "bigRatValue"
	}
	return ""
}

func (g *gen) named(n *types.Named) (*Type, error) {
	if b := builtinFor(n); b != "" {
		return &Type{Kind: "builtin", Name: b}, nil
	}
	if err := recursivePointer(n); err != nil {
		return nil, err
	}
	if d, ok := g.byType.At(n).(*Decl); ok {
		return &Type{Kind: "ref", Ref: d.Ident}, nil
	}
	obj := n.Obj()
	if obj.Pkg() == nil { // error, comparable
		if _, ok := n.Underlying().(*types.Interface); ok {
			return &Type{Kind: "interface"}, nil
		}
		return nil, fmt.Errorf("gob cannot send type %s", n)
	}
	d := &Decl{Go: goName(n), Root: g.roots[obj.Pkg()], key: n}
	d.Ident = g.ident(d, n)
	g.byType.Set(n, d)
	g.decls = append(g.decls, d)
	under := n.Underlying()
	if _, isIface := under.(*types.Interface); !isIface {
		if flavor := g.marshaler(n); flavor != "" {
			d.Type = &Type{Kind: "marshaler", Flavor: flavor}
			return &Type{Kind: "ref", Ref: d.Ident}, nil
		}
		if g.implements(n, g.textMar) {
			d.Note = "implements encoding.TextMarshaler, which gob does not use: sent by its structure"
		}
	}
	t, err := g.typeOf(under)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", types.TypeString(n, (*types.Package).Name), err)
	}
	if t.Kind == "ptr" || t.Kind == "builtin" {
		// A defined pointer type, or a type defined as time.Time or a big
		// number: gob sends what it points to, or the plain value.
		d.Note = "defined as " + types.TypeString(under, nil)
	}
	d.Type = t
	return &Type{Kind: "ref", Ref: d.Ident}, nil
}

// marshaler is the custom encoding gob uses for n ("gob", "binary" or "").
func (g *gen) marshaler(n *types.Named) string {
	if g.implements(n, g.gobEnc) {
		return "gob"
	}
	if g.implements(n, g.binMar) {
		return "binary"
	}
	return ""
}

// implements is gob's implementsInterface for a defined type: the type or a
// pointer to it has the method.
func (g *gen) implements(t types.Type, it *types.Interface) bool {
	return types.Implements(t, it) || types.Implements(types.NewPointer(t), it)
}

func (g *gen) structOf(s *types.Struct) (*Type, error) {
	out := &Type{Kind: "struct", Fields: []Field{}}
	for i := 0; i < s.NumFields(); i++ {
		f := s.Field(i)
		if !isSent(f) {
			continue
		}
		ft, err := g.typeOf(f.Type())
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name(), err)
		}
		out.Fields = append(out.Fields, Field{Name: f.Name(), Type: ft})
	}
	if s.NumFields() > 0 && len(out.Fields) == 0 {
		// gob's compileEnc refuses such a struct, whatever its value.
		return nil, fmt.Errorf("gob cannot send a struct with no exported fields")
	}
	return out, nil
}

// recursivePointer is gob's validUserType check, with its message: a type
// that is only a cycle of pointers (type T *T) carries no data to send. Go
// finds the cycle as gob does (Knuth's tortoise and hare), so the type it
// names is the one Go names.
func recursivePointer(t types.Type) error {
	base, slow := t, t
	for indir := 0; ; indir++ {
		p, ok := base.Underlying().(*types.Pointer)
		if !ok {
			return nil
		}
		base = p.Elem()
		if types.Identical(base, slow) {
			return fmt.Errorf("can't represent recursive pointer type %s",
				types.TypeString(base, (*types.Package).Name))
		}
		if indir%2 == 0 {
			slow = slow.Underlying().(*types.Pointer).Elem()
		}
	}
}

// isSent is gob's isSent: exported, and not a chan or func (or pointer to one).
// A field of a recursive pointer type is sent (and refused by typeOf): gob's
// own isSent loops forever on one.
func isSent(f *types.Var) bool {
	if !ast.IsExported(f.Name()) {
		return false
	}
	if recursivePointer(f.Type()) != nil {
		return true
	}
	t := f.Type().Underlying()
	for {
		p, ok := t.(*types.Pointer)
		if !ok {
			break
		}
		t = p.Elem().Underlying()
	}
	switch t.(type) {
	case *types.Chan, *types.Signature:
		return false
	}
	return true
}

// reflectPkgPath is reflect's PkgPath: "main" for a main package.
func reflectPkgPath(p *types.Package) string {
	if p.Name() == "main" {
		return "main"
	}
	return p.Path()
}

// goName is reflect's view of a named type: an instantiation's name lists its
// type arguments with full package paths, without spaces (Pair[int,main.T]).
func goName(n *types.Named) GoName {
	obj := n.Obj()
	name := obj.Name()
	if args := n.TypeArgs(); args.Len() > 0 {
		parts := make([]string, args.Len())
		for i := range parts {
			parts[i] = reflectString(args.At(i))
		}
		name += "[" + strings.Join(parts, ",") + "]"
	}
	return GoName{PkgPath: reflectPkgPath(obj.Pkg()), PkgName: obj.Pkg().Name(), Name: name}
}

// reflectString spells a type argument as reflect does inside a name: the
// package path as the linker writes it into symbol names
// (cmd/internal/objabi.PathToPrefix), so "gopkg.in/yaml.v3" is
// "gopkg.in/yaml%2ev3".
func reflectString(t types.Type) string {
	s := types.TypeString(t, func(p *types.Package) string { return pathToPrefix(reflectPkgPath(p)) })
	s = strings.ReplaceAll(s, ", ", ",")
	return strings.ReplaceAll(s, "interface{}", "interface {}")
}

var nonIdent = regexp.MustCompile(`[^\p{L}\p{N}_]+`)

// ident picks the descriptor's TypeScript name: the Go name for a type of a
// loaded package, the package name and type name for one it reaches
// elsewhere, numbered when taken.
func (g *gen) ident(d *Decl, n *types.Named) string {
	// An instantiation is named after its arguments without their packages.
	base := types.TypeString(n, func(*types.Package) string { return "" })
	if !d.Root {
		base = d.Go.PkgName + "_" + base
	}
	base = strings.Trim(nonIdent.ReplaceAllString(base, "_"), "_")
	id := base
	for i := 2; g.idents[id]; i++ {
		id = fmt.Sprintf("%s_%d", base, i)
	}
	g.idents[id] = true
	return id
}

// pathToPrefix is cmd/internal/objabi.PathToPrefix: in a package path, a
// control character, space, '%', '"', a byte of 0x7f or more, and a '.' in
// the last element are written %xx.
func pathToPrefix(s string) string {
	slash := strings.LastIndex(s, "/")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || (c == '.' && i > slash) || c == '%' || c == '"' || c >= 0x7F {
			fmt.Fprintf(&b, "%%%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
