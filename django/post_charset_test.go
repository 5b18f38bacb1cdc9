package django

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFormCharsetError: Django 5.2 refuses a form body in a charset Python knows other
// than "utf-8" (spelt so, in any case); earlier versions, other methods and bodies, and
// charsets Python does not know pass.
func TestFormCharsetError(t *testing.T) {
	for _, c := range []struct {
		method, ctype string
		legacy, bad   bool
	}{
		{"POST", "application/x-www-form-urlencoded; charset=latin-1", false, true},
		{"POST", `application/x-www-form-urlencoded; charset="utf-16"`, false, true},
		{"POST", "application/x-www-form-urlencoded;charset=utf8", false, true},
		{"post", "Application/X-WWW-Form-Urlencoded; Charset=latin1", false, true},
		{"POST", "application/x-www-form-urlencoded; charset=UTF-8", false, false},
		{"POST", "application/x-www-form-urlencoded; charset=bogus", false, false},
		{"POST", "application/x-www-form-urlencoded", false, false},
		{"POST", "multipart/form-data; boundary=b; charset=latin-1", false, false},
		{"PUT", "application/x-www-form-urlencoded; charset=latin-1", false, false},
		{"POST", "application/x-www-form-urlencoded; charset=latin-1", true, false},
	} {
		s := NewSettings()
		s.FormLegacyCharset = c.legacy
		r := httptest.NewRequest(c.method, "http://example.com/", strings.NewReader("a=1"))
		r.Header.Set("Content-Type", c.ctype)
		err := s.FormCharsetError(r)
		if (err != nil) != c.bad || err != nil && !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s %q (legacy %v): %v", c.method, c.ctype, c.legacy, err)
		}
	}
}
