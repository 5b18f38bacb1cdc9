package respwriter

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWriter: the Committer runs once, before the header, at the first final WriteHeader,
// Write, ReadFrom, Flush or Finish; 1xx statuses pass through; a replaced response drops
// the handler's writes; a failed Hijack leaves the response to be processed.
func TestWriter(t *testing.T) {
	for _, c := range []struct {
		name    string
		replace bool
		do      func(w *Writer)
		want    []int // the statuses Commit saw
		code    int
		body    string
	}{
		{"write", false, func(w *Writer) { io.WriteString(w, "a"); io.WriteString(w, "b") }, []int{200}, 200, "ab"},
		{"header", false, func(w *Writer) { w.WriteHeader(404); w.WriteHeader(500); io.WriteString(w, "x") }, []int{404}, 404, "x"},
		// (httptest's recorder keeps the 103 as the code: -1 skips that check.)
		{"informational", false, func(w *Writer) { w.WriteHeader(103); w.WriteHeader(201) }, []int{201}, -1, ""},
		{"readfrom", false, func(w *Writer) { w.ReadFrom(strings.NewReader("rf")) }, []int{200}, 200, "rf"},
		{"flush", false, func(w *Writer) { w.Flush(); io.WriteString(w, "f") }, []int{200}, 200, "f"},
		{"nothing", false, func(w *Writer) {}, []int{200}, 200, ""},
		{"failed hijack", false, func(w *Writer) {
			if _, _, err := w.Hijack(); err == nil {
				t.Error("a recorder hijacked")
			}
			io.WriteString(w, "h")
		}, []int{200}, 200, "h"},
		{"replaced", true, func(w *Writer) {
			w.WriteHeader(201)
			if _, err := io.WriteString(w, "handler"); !errors.Is(err, ErrReplaced) {
				t.Errorf("write after replacement: %v", err)
			}
		}, []int{201}, 500, "error\n"},
	} {
		rec := httptest.NewRecorder()
		var seen []int
		w := &Writer{ResponseWriter: rec, Committer: CommitFunc(func(status int) bool {
			seen = append(seen, status)
			rec.Header().Set("X-Committed", "1")
			if c.replace {
				http.Error(rec, "error", http.StatusInternalServerError)
				return false
			}
			return true
		})}
		c.do(w)
		w.Finish()
		if len(seen) != len(c.want) || seen[0] != c.want[0] || c.code >= 0 && rec.Code != c.code || rec.Body.String() != c.body ||
			rec.Header().Get("X-Committed") != "1" || !w.Committed() {
			t.Errorf("%s: commits %v, %d %q %q", c.name, seen, rec.Code, rec.Body, rec.Header())
		}
	}
}
