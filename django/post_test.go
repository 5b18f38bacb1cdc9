package django

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSettingsPostValue: request.POST's fields as Django reads them, the bounds of
// DATA_UPLOAD_MAX_* and MultiPartParser's boundary check as their errors, and the body
// put back for the handler.
func TestSettingsPostValue(t *testing.T) {
	s := NewSettings()
	s.DataUploadMaxNumberFields, s.DataUploadMaxMemorySize, s.DataUploadMaxNumberFiles = 3, 64, 1
	part := func(disp, value string) string {
		return "--b\r\nContent-Disposition: " + disp + "\r\n\r\n" + value + "\r\n"
	}
	for _, c := range []struct {
		method, ct, body string
		value            string
		found            bool
		err              error
	}{
		{"POST", "application/x-www-form-urlencoded", "a=1&t=x&t=y", "y", true, nil},
		{"post", "Application/X-WWW-Form-Urlencoded; charset=utf-8", "t=%C3%A9+z", "é z", true, nil},
		{"PUT", "application/x-www-form-urlencoded", "t=x", "", false, nil},
		{"POST", "application/json", `{"t": "x"}`, "", false, nil},
		{"POST", "application/x-www-form-urlencoded", "a&b&c&t=x", "", false, ErrTooManyFieldsSent},
		{"POST", "application/x-www-form-urlencoded", "t=" + strings.Repeat("x", 70), "", false, ErrRequestDataTooBig},
		{"POST", "multipart/form-data; boundary=b", part(`form-data; name="t"`, "x") + part(`attachment; name="t"`, "y") + "--b--\r\n", "y", true, nil},
		{"POST", "multipart/form-data; boundary=b", part(`form-data; name="t"; filename="f"`, "x") + "--b--\r\n", "", false, nil},
		{"POST", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"t\"\r\nContent-Transfer-Encoding: base64\r\n\r\neA==\r\n--b--\r\n", "x", true, nil},
		{"POST", "multipart/form-data; boundary=b", strings.Repeat(part(`form-data; name="a"`, "1"), 4) + "--b--\r\n", "", false, ErrTooManyFieldsSent},
		{"POST", "multipart/form-data; boundary=b", part(`form-data; name="t"`, strings.Repeat("x", 70)) + "--b--\r\n", "", false, ErrRequestDataTooBig},
		{"POST", "multipart/form-data; boundary=b", strings.Repeat(part(`form-data; name="a"; filename="f"`, "1"), 2) + "--b--\r\n", "", false, ErrTooManyFilesSent},
		{"POST", "multipart/form-data", "x", "", false, ErrMultiPartParser},
		{"POST", `multipart/form-data; boundary="é"`, "x", "", false, ErrMultiPartParser},
	} {
		r := httptest.NewRequest(c.method, "/?t=query", strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.ct)
		v, found, err := s.PostValue(r, "t")
		if v != c.value || found != c.found || !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
			t.Errorf("%s %s %.40q: %q %v %v", c.method, c.ct, c.body, v, found, err)
		}
		if rest, _ := io.ReadAll(r.Body); string(rest) != c.body {
			t.Errorf("%s %.40q: the handler reads %.40q", c.ct, c.body, rest)
		}
	}
	if !errors.Is(ErrTooManyFieldsSent, ErrSuspiciousOperation) || errors.Is(ErrMultiPartParser, ErrSuspiciousOperation) {
		t.Error("the errors' kinds")
	}
}
