// Package fixtureseed collects strings from the committed Django fixtures to seed fuzz
// targets, so fuzzing starts from real Django output.
package fixtureseed

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Strings returns every string value found under any of the given field names in the
// fixture files fixtures/django-*/*.json and fixtures/bench/*.txt, found from dir (a
// package directory) by walking up to the repository root. Missing fixtures give nil.
func Strings(dir string, fields ...string) []string {
	root := dir
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return nil
		}
		root = parent
	}
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
	}
	seen := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(root, "fixtures", "django-*", "*.json"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var doc any
		if json.Unmarshal(data, &doc) != nil {
			continue
		}
		walk(doc, want, seen)
	}
	txts, _ := filepath.Glob(filepath.Join(root, "fixtures", "bench", "*"))
	for _, f := range txts {
		if data, err := os.ReadFile(f); err == nil {
			seen[strings.TrimSpace(string(data))] = true
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func walk(x any, want, seen map[string]bool) {
	switch t := x.(type) {
	case map[string]any:
		for k, v := range t {
			if s, ok := v.(string); ok && want[k] {
				seen[s] = true
			}
			walk(v, want, seen)
		}
	case []any:
		for _, v := range t {
			walk(v, want, seen)
		}
	}
}
