package restframework

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// The expectations below are Python's (base64.b64decode) and DRF's (3.18) answers;
// compat_test's live tests hold the package to them on many more inputs.

func TestPyB64Decode(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // hex, or "-" for binascii.Error
	}{
		{"YWJj", "616263"}, {"YWJ", "-"}, {"YW=Jj", "616263"}, {"YQ", "-"}, {"YQ=", "-"}, {"YQ==", "61"},
		{"YQ==YWJj", "61"}, {"Y=Q==", "61"}, {"YWJjZA=", "-"}, {"YWJjZA", "-"}, {"Y", "-"}, {"", ""},
		{"*Y*W*J*j*", "616263"}, {"YWJj=", "616263"}, {"YW Jj", "616263"},
	} {
		got, ok := pyB64Decode(c.in)
		g := hex.EncodeToString(got)
		if !ok {
			g = "-"
		}
		if g != c.want {
			t.Errorf("pyB64Decode(%q) = %s, want %s", c.in, g, c.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		accept string // "<none>" for no header
		query  string
		want   *mediaType
		err    error
	}{
		{accept: "<none>", want: &mediaType{full: "application/json"}},
		{accept: "*/*;q=0.8", want: &mediaType{full: "application/json;q=0.8"}},
		{accept: "*/*; Q=0.5; level=1", want: &mediaType{full: "application/json;q=0.5;level=1"}},
		{accept: "text/html, application/json;indent=2", want: &mediaType{full: "application/json;indent=2", indent: 2}},
		{accept: "application/json;indent=20", want: &mediaType{full: "application/json;indent=20", indent: 8}},
		{accept: "application/json; indent=-1", want: &mediaType{full: "application/json; indent=-1"}},
		{accept: `application/json; indent="3"`, want: &mediaType{full: `application/json; indent="3"`, indent: 3}},
		{accept: "Application/JSON", want: &mediaType{full: "Application/JSON"}},
		{accept: "application/*;indent=1", want: &mediaType{full: "application/json;indent=1", indent: 1}},
		{accept: "text/html", err: ErrNotAcceptable},
		{accept: "", err: ErrNotAcceptable},
		{accept: "<none>", query: "?format=xml", err: ErrNotFound},
		{accept: "<none>", query: "?format=api&format=json", want: &mediaType{full: "application/json"}},
	} {
		r := httptest.NewRequest("GET", "/"+c.query, nil)
		if c.accept != "<none>" {
			r.Header.Set("Accept", c.accept)
		}
		got, err := negotiate(r, true, defaultLimits)
		if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("negotiate(%q, %q) error %v, want %v", c.accept, c.query, err, c.err)
			continue
		}
		if d := cmp.Diff(c.want, got, cmp.AllowUnexported(mediaType{})); d != "" {
			t.Errorf("negotiate(%q, %q): (-want +got)\n%s", c.accept, c.query, d)
		}
	}
}

// staticAuth is an Authenticator answering with fixed results.
type staticAuth struct {
	user   *auth.User
	err    error
	header string
}

func (a *staticAuth) Authenticate(*http.Request) (*auth.User, any, error) { return a.user, nil, a.err }
func (a *staticAuth) AuthenticateHeader(*http.Request) string             { return a.header }

func TestAPIViewRefusals(t *testing.T) {
	alice := &auth.User{ID: "1", IsActive: true}
	none, failing := &staticAuth{header: "Token"}, &staticAuth{err: authFailed("Invalid token.")}
	session := &staticAuth{}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Response(w, r, http.StatusOK, serializer.Str(FromContext(r.Context()).User.ID))
	})
	for _, c := range []struct {
		name       string
		auths      []Authenticator
		perms      []Permission
		method     string
		status     int
		body, www  string
		allowEmpty bool
	}{
		{"anonymous, token first", []Authenticator{none, session}, []Permission{IsAuthenticated{}}, "GET", 401,
			`{"detail":"Authentication credentials were not provided."}`, "Token", false},
		{"anonymous, session first", []Authenticator{session, none}, []Permission{IsAuthenticated{}}, "GET", 403,
			`{"detail":"Authentication credentials were not provided."}`, "", false},
		{"no authenticators", nil, []Permission{IsAuthenticated{}}, "GET", 403,
			`{"detail":"You do not have permission to perform this action."}`, "", false},
		{"bad credentials, header from the first", []Authenticator{none, failing}, nil, "GET", 401,
			`{"detail":"Invalid token."}`, "Token", false},
		{"logged in", []Authenticator{&staticAuth{user: alice}}, []Permission{IsAuthenticated{}}, "GET", 200, `"1"`, "", false},
		{"not staff", []Authenticator{&staticAuth{user: alice}}, []Permission{IsAdminUser{}}, "GET", 403,
			`{"detail":"You do not have permission to perform this action."}`, "", false},
		{"method", []Authenticator{&staticAuth{user: alice}}, nil, "patch", 405, `{"detail":"Method \"PATCH\" not allowed."}`, "", false},
		{"read only", []Authenticator{none}, []Permission{IsAuthenticatedOrReadOnly{}}, "POST", 401,
			`{"detail":"Authentication credentials were not provided."}`, "Token", false},
	} {
		v := &APIView{Authentication: c.auths, Permissions: c.perms, Methods: []string{"GET", "POST"}, Handler: ok}
		rec := httptest.NewRecorder()
		v.ServeHTTP(rec, httptest.NewRequest(c.method, "/", nil))
		if rec.Code != c.status || rec.Body.String() != c.body || rec.Header().Get("WWW-Authenticate") != c.www {
			t.Errorf("%s: %d %s (WWW-Authenticate %q), want %d %s (%q)", c.name, rec.Code, rec.Body, rec.Header().Get("WWW-Authenticate"), c.status, c.body, c.www)
		}
		if got := rec.Header().Get("Allow"); got != "GET, POST, HEAD, OPTIONS" {
			t.Errorf("%s: Allow %q", c.name, got)
		}
	}
}

// FuzzPyB64Decode: no panic; what Go's encoder writes comes back; the output is never
// longer than three quarters of the input.
func FuzzPyB64Decode(f *testing.F) {
	for _, s := range []string{"YWJj", "YW=Jj", "YQ==YWJj", "*Y*W*J*j*", "Y", ""} {
		f.Add(s, []byte(s))
	}
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		if out, _ := pyB64Decode(s); len(out) > len(s)*3/4 {
			t.Fatalf("%q decodes to %d bytes", s, len(out))
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		if out, ok := pyB64Decode(enc); !ok || string(out) != string(raw) {
			t.Fatalf("%q: %x %v, want %x", enc, out, ok, raw)
		}
	})
}

// FuzzNegotiate: no panic on any Accept header and format; a media type is JSON's, with
// an indent within DRF's bounds.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"*/*", "application/json; indent=4", `text/html, application/*;q="0.1;x"`, "", ";;=;"} {
		f.Add(s, "json")
	}
	f.Fuzz(func(t *testing.T, accept, format string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		r.URL.RawQuery = "format=" + format
		m, err := negotiate(r, accept != "", defaultLimits)
		if err == nil && (m.indent < 0 || m.indent > 8 || m.full == "") {
			t.Fatalf("%q: %+v", accept, m)
		}
	})
}

// renderSeeds are pickles of Python values of many kinds.
var renderSeeds = []string{
	"80025d7100284b014740091eb851eb851f5802000000c3a971014e4b014b028671027d710358010000006171048873652e",
	"80027d7100285801000000647101636461746574696d650a6461746574696d650a7102635f636f646563730a656e636f64650a7103580b00000007c3aa0102030405000000710458060000006c6174696e317105867106527107636461746574696d650a74696d657a6f6e650a7108636461746574696d650a74696d6564656c74610a71094b004b004b0087710a52710b85710c52710d86710e52710f580100000078711063646563696d616c0a446563696d616c0a71115803000000312e357112857113527114580100000075711563757569640a555549440a7116298171177d71185803000000696e7471194b057362580100000073711a635f5f6275696c74696e5f5f0a7365740a711b5d711c4b016185711d52711e752e",
}

// FuzzRender: any value a pickle holds renders without panicking, and as valid JSON.
func FuzzRender(f *testing.F) {
	for _, s := range renderSeeds {
		b, _ := hex.DecodeString(s)
		f.Add(b, uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, indent uint8) {
		v, err := serializer.PickleLoads(data)
		if err != nil {
			return
		}
		out, err := appendDRF(nil, v, int(indent%9), 0)
		if err == nil && !json.Valid(out) {
			t.Fatalf("%v renders as %q", v, out)
		}
	})
}

// TestFuzzRenderSeedsDecode keeps FuzzRender's seeds valid pickles that render.
func TestFuzzRenderSeedsDecode(t *testing.T) {
	for _, s := range renderSeeds {
		b, _ := hex.DecodeString(s)
		v, err := serializer.PickleLoads(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := appendDRF(nil, v, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzRequestData: any Content-Type and body is parsed, and its credentials checked, as
// DRF's obtain_auth_token does, without panicking; errors are DRF's exceptions.
func FuzzRequestData(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "username=a&password=b")
	f.Add("application/json; charset=latin-1", `{"username": "jos\xe9", "password": NaN}`)
	f.Add("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\na\r\n--x--\r\n")
	f.Add("*/*", "")
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		data, err := requestData(r)
		var e *APIException
		switch {
		case err != nil && !errors.As(err, &e):
			t.Fatalf("%q %q: %v", ct, body, err)
		case err == nil:
			if _, _, errs := data.credentials(); !errs.IsNone() && errs.Kind() != serializer.KindDict {
				t.Fatalf("%q %q: errors %v", ct, body, errs)
			}
		}
	})
}
