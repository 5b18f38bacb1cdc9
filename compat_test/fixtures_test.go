// Package compat_test holds djsession against real Django: every case that real Django
// versions wrote into fixtures/django-<series>/, and live round trips through a Django
// process per version (scripts/peer.py).
package compat_test

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/djsession/djsession/serializer"
)

// fixtureFile is one fixtures/django-<series>/<name>.json file.
type fixtureFile struct {
	Series string            // "5.2"
	Django string            `json:"django"`
	Python string            `json:"python"`
	Cases  []json.RawMessage `json:"cases"`
}

// loadFixtures returns the named fixture file of every Django series; it fails the test
// when none exist, since they are committed.
func loadFixtures(t *testing.T, name string) []fixtureFile {
	t.Helper()
	dirs, _ := filepath.Glob("../fixtures/django-*")
	sort.Strings(dirs)
	var out []fixtureFile
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		var f fixtureFile
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s/%s.json: %v", dir, name, err)
		}
		f.Series = filepath.Base(dir)[len("django-"):]
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatal("no fixtures under fixtures/django-*: run scripts/gen-fixtures")
	}
	return out
}

// caseHead holds the fields every case has.
type caseHead struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// eachCase decodes every case of kind into a fresh T and runs fn in a subtest named
// <series>/<case name>.
func eachCase[T any](t *testing.T, files []fixtureFile, kind string, fn func(t *testing.T, f fixtureFile, c T)) {
	t.Helper()
	n := 0
	for _, f := range files {
		for _, raw := range f.Cases {
			var h caseHead
			if err := json.Unmarshal(raw, &h); err != nil {
				t.Fatal(err)
			}
			if h.Kind != kind {
				continue
			}
			var c T
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatalf("%s %s: %v", f.Series, h.Name, err)
			}
			n++
			t.Run(f.Series+"/"+h.Name, func(t *testing.T) { fn(t, f, c) })
		}
	}
	if n == 0 {
		t.Fatalf("no %q cases in the fixtures", kind)
	}
}

// typed is the fixtures' exact description of a Python value (see fixtures/README.md).
type typed struct {
	T  string          `json:"t"`
	V  json.RawMessage `json:"v"`
	U8 string          `json:"u8"`
}

// toValue builds the Value a typed description stands for, without using our JSON
// reader.
func (x typed) toValue(t *testing.T) serializer.Value {
	t.Helper()
	switch x.T {
	case "none":
		return serializer.None()
	case "bool":
		var b bool
		mustUnmarshal(t, x.V, &b)
		return serializer.Bool(b)
	case "int":
		var s string
		mustUnmarshal(t, x.V, &s)
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			t.Fatalf("bad int %q", s)
		}
		return serializer.BigInt(b)
	case "float":
		var s string
		mustUnmarshal(t, x.V, &s)
		return serializer.Float(pyFloat(t, s))
	case "str":
		b, err := hex.DecodeString(x.U8)
		if err != nil {
			t.Fatalf("bad u8 %q", x.U8)
		}
		return serializer.Str(string(b))
	case "bytes":
		b, err := hex.DecodeString(x.U8)
		if err != nil {
			t.Fatalf("bad bytes %q", x.U8)
		}
		return serializer.Bytes(b)
	case "list", "tuple":
		var elems []typed
		mustUnmarshal(t, x.V, &elems)
		vs := make([]serializer.Value, len(elems))
		for i, e := range elems {
			vs[i] = e.toValue(t)
		}
		if x.T == "tuple" {
			return serializer.Tuple(vs...)
		}
		return serializer.List(vs...)
	case "dict":
		var pairs [][2]typed
		mustUnmarshal(t, x.V, &pairs)
		d := serializer.NewDict()
		for _, p := range pairs {
			d.SetKey(p[0].toValue(t), p[1].toValue(t))
		}
		return serializer.DictValue(d)
	}
	t.Fatalf("unknown typed value %q", x.T)
	return serializer.Value{}
}

// pyFloat reads Python's float repr, including nan and inf.
func pyFloat(t *testing.T, s string) float64 {
	switch s {
	case "nan":
		return math.NaN()
	case "inf":
		return math.Inf(1)
	case "-inf":
		return math.Inf(-1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad float %q", s)
	}
	return f
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("fixture: %v in %s", err, data)
	}
}

// clock returns a fixed clock at Unix time f (float seconds, as Python's time.time()).
func clock(f float64) func() time.Time {
	sec := math.Floor(f)
	t := time.Unix(int64(sec), int64(math.Round((f-sec)*1e9)))
	return func() time.Time { return t }
}

// sameValue fails the test unless got equals want (same types, same order).
func sameValue(t *testing.T, what string, got, want serializer.Value) {
	t.Helper()
	if !serializer.Equal(got, want) {
		t.Errorf("%s:\n got  %v\n want %v", what, got, want)
	}
}
