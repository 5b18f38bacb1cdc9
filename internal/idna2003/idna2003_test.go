package idna2003

import (
	"encoding/json"
	"os"
	"testing"
)

// TestPythonCases holds ToASCII to Python's "idna" codec on the names of
// fixtures/idna2003/cases.json (scripts/gen_idna2003_fixtures.py): the same ASCII text,
// or an error where Python raises UnicodeError.
func TestPythonCases(t *testing.T) {
	data, err := os.ReadFile("../../fixtures/idna2003/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name  string
		ASCII *string
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, c := range cases {
		got, err := ToASCII(c.Name)
		switch {
		case c.ASCII == nil && err == nil:
			t.Errorf("%+q: %q, Python refuses it", c.Name, got)
		case c.ASCII != nil && err != nil:
			t.Errorf("%+q: %v, Python gives %q", c.Name, err, *c.ASCII)
		case c.ASCII != nil && got != *c.ASCII:
			t.Errorf("%+q: %q, Python gives %q", c.Name, got, *c.ASCII)
		case c.ASCII != nil:
			ok++
		}
	}
	if ok < 500 {
		t.Errorf("only %d of %d cases encode: the fixture tests too little", ok, len(cases))
	}
}

func FuzzToASCII(f *testing.F) {
	for _, s := range []string{"b\u00fccher.de", "\u0627\u0628", "xn--\u00e9", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := ToASCII(s); err == nil && !isASCII(a) {
			t.Errorf("%q: %q is not ASCII", s, a)
		}
	})
}
