package restframework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// TokenMaker gives a user a token, as Token.objects.get_or_create(user=user); SQLTokens
// is one.
type TokenMaker interface {
	GetOrCreate(ctx context.Context, userID string, now time.Time) (tok *Token, created bool, err error)
}

// ObtainAuthToken is DRF's obtain_auth_token view (rest_framework.authtoken.views): a POST
// of username and password (an urlencoded or multipart form, or JSON) checked as its
// AuthTokenSerializer checks them (the fields' errors, then Django's authenticate over
// Config's backends) answers {"token": key}, the user's token, made when there is none;
// failures answer 400 with the serializer's errors, as DRF does. The view has no
// permissions and DRF's parsers (form, multipart, JSON); Authentication is the project's
// DEFAULT_AUTHENTICATION_CLASSES, which DRF runs here too (so a logged-in session's POST
// needs its CSRF token).
//
// A malformed JSON body's error has Python's json text ("Expecting value: line 1 column
// 1 (char 0)"; see APIView.Python). The package's known differences apply (multipart
// bodies, charsets).
type ObtainAuthToken struct {
	// Tokens makes the tokens (SQLTokens).
	Tokens TokenMaker
	// Config authenticates the credentials (its AuthenticationBackends, Users, Hashers).
	Config *auth.Config
	// Authentication is the project's DEFAULT_AUTHENTICATION_CLASSES (DRF's default:
	// SessionAuthentication, then BasicAuthentication).
	Authentication []Authenticator
	// Settings, if set, answers other errors with Django's 500 page and logs them.
	Settings *django.Settings
	// RESTFramework and Python are the versions of DRF and Python the site runs (see
	// APIView's).
	RESTFramework, Python string
}

// ServeHTTP implements http.Handler.
func (o *ObtainAuthToken) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := &APIView{Authentication: o.Authentication, Methods: []string{http.MethodPost},
		Name: "Obtain Auth Token", Settings: o.Settings, Python: o.Python, RESTFramework: o.RESTFramework,
		parsers: []parser{formParser, multipartParser, jsonParser},
		Actions: object("POST", object( // (SimpleMetadata's of AuthTokenSerializer)
			"username", charFieldInfo(true, "Username"),
			"password", charFieldInfo(true, "Password"),
			"token", charFieldInfo(false, "Token")))}
	v.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := o.post(w, r); err != nil {
			Fail(w, r, err)
		}
	})
	v.ServeHTTP(w, r)
}

// charFieldInfo is SimpleMetadata's description of AuthTokenSerializer's CharFields:
// username and password (written), token (read only).
func charFieldInfo(written bool, label string) serializer.Value {
	return object("type", "string", "required", serializer.Bool(written), "read_only", serializer.Bool(!written),
		"label", label)
}

// post is ObtainAuthToken.post.
func (o *ObtainAuthToken) post(w http.ResponseWriter, r *http.Request) error {
	m := r.Context().Value(stateKey{}).(*state).accepted
	data, err := requestData(r)
	if err != nil {
		return err
	}
	username, password, errs := data.credentials()
	if errs.IsNone() {
		u, _, err := auth.AuthenticateBackends(r.Context(), username, password, o.Config)
		if err != nil {
			return err
		}
		if u == nil {
			errs = object("non_field_errors", []string{"Unable to log in with provided credentials."})
		} else {
			tok, _, err := o.Tokens.GetOrCreate(r.Context(), u.ID, time.Now())
			if err != nil {
				return err
			}
			return render(w, m, http.StatusOK, object("token", tok.Key))
		}
	}
	return render(w, m, http.StatusBadRequest, errs)
}

// requestBody is request.data as DRF's parsers read it: form fields (an urlencoded or
// multipart body: the last value of each, as a QueryDict gives it) or a JSON value.
type requestBody struct {
	form     func(name string) (string, bool) // a form's fields (nil for JSON)
	files    map[string]bool                  // the names of a multipart body's files, which request.data holds last
	json     serializer.Value
	isForm   bool
	formType bool // the Content-Type is a form's (is_form_media_type): request.POST holds the fields
}

// post is DRF's Request.POST.get(name, ""): a form field when the Content-Type is a form's.
func (b *requestBody) post(name string) string {
	if !b.formType || b.form == nil {
		return ""
	}
	v, _ := b.form(name)
	return v
}

// requestData is Request._parse with the view's parsers (DRF's JSONParser, FormParser
// and MultiPartParser, in the view's order): an empty body (or one without a
// Content-Length) is empty data; else the first parser whose media type the
// Content-Type satisfies reads it (none: UnsupportedMediaType; a malformed body:
// ParseError).
func requestData(r *http.Request) (*requestBody, error) {
	ct := strings.Join(r.Header.Values("Content-Type"), ",") // (request.content_type, as it came)
	e := parseMediaType(ct)
	formType := e.main == "application" && e.sub == "x-www-form-urlencoded" || e.main == "multipart" && e.sub == "form-data"
	st, _ := r.Context().Value(stateKey{}).(*state)
	if st == nil {
		st = &state{parsers: defaultParsers, limits: defaultLimits}
	}
	if r.Body == nil || r.ContentLength <= 0 { // (no CONTENT_LENGTH: WSGI gives DRF no body)
		return &requestBody{isForm: true, formType: formType}, nil
	}
	charset, _ := e.param("charset")
	for _, p := range st.parsers {
		main, sub, _ := strings.Cut(p.mediaType(), "/")
		if !(e.main == "*" || e.main == main) || !(e.sub == "*" || e.sub == sub) || st.drfAtLeast(18) && len(ct) > 256 {
			continue
		}
		if p == multipartParser {
			b, err := multipartData(r, ct, pystr.Codec(charset), st.limits)
			if b != nil {
				b.formType = formType
			}
			return b, err
		}
		// (DRF 3.17 and later read request.body, which Django bounds)
		if st.drfAtLeast(17) && st.limits.memory >= 0 && r.ContentLength > int64(st.limits.memory) {
			return nil, errTooBig
		}
		body, err := readBack(r, maxRead)
		if err != nil {
			return nil, err
		}
		if p == formParser {
			if over(bytes.Count(body, []byte("&"))+1, st.limits.fields) {
				return nil, errTooManyField
			}
			return &requestBody{form: func(name string) (string, bool) { return django.FormValueCharset(body, name, charset) },
				isForm: true, formType: formType}, nil
		}
		return jsonData(body, charset, st.python)
	}
	return nil, ErrUnsupportedMediaType.with(`Unsupported media type "` + pystr.Latin1(ct) + `" in request.`)
}

// maxRead bounds the JSON and form bodies read before DRF 3.17 (which reads them whole);
// a larger one is refused as 3.17 refuses a body beyond 2.5 MB.
const maxRead = 64 << 20

// readBack reads r's body (at most limit bytes, else errTooBig) and puts it back for the
// next reader: the handler, after SessionAuthentication's CSRF check read it.
func readBack(r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	if err == nil && int64(len(body)) > limit {
		err = errTooBig
	}
	return body, err
}

// jsonData is JSONParser.parse of body in charset (the Content-Type's).
func jsonData(body []byte, charset, python string) (*requestBody, error) {
	text := string(body)
	switch pystr.Codec(charset) {
	case pystr.Latin1Codec:
		text = pystr.Latin1(text)
	case pystr.ASCII:
		for i := 0; i < len(text); i++ {
			if text[i] >= utf8.RuneSelf {
				return nil, ErrParse.with(fmt.Sprintf("JSON parse error - 'ascii' codec can't decode byte 0x%02x in position %d: ordinal not in range(128)", text[i], i))
			}
		}
	default:
		var err error
		if text, err = pyStreamUTF8(body); err != nil {
			return nil, err
		}
	}
	v, err := serializer.DecodeJSONText(text)
	var je *serializer.JSONError
	if errors.As(err, &je) {
		// (Python stops at a NaN or Infinity before it reaches a later error)
		if c := firstConstant(text[:je.Offset]); c != "" {
			return nil, ErrParse.with("JSON parse error - Out of range float values are not JSON compliant: '" + c + "'")
		}
	}
	if err != nil {
		msg, err := pyJSONError(text, err, python)
		if err != nil {
			return nil, err
		}
		return nil, ErrParse.with("JSON parse error - " + msg)
	}
	if c := firstConstant(text); c != "" && hasNonFinite(v) {
		return nil, ErrParse.with("JSON parse error - Out of range float values are not JSON compliant: '" + c + "'")
	}
	return &requestBody{json: v}, nil
}

// multipartData reads a multipart/form-data body as Django's MultiPartParser (with enc,
// the charset's codec): the Content-Type checked as Django checks it, the fields (parts
// without a filename) as text, invalid bytes replaced, and the names of the files (which
// DRF's request.data holds after the fields); Django's bounds on the fields' size and
// number and on the number of files. The body is kept (in memory, on disk when large)
// for the next reader.
func multipartData(r *http.Request, ct string, enc pystr.Encoding, lim limits) (*requestBody, error) {
	fail := func(msg string) (*requestBody, error) {
		return nil, ErrParse.with("Multipart form parse error - " + msg)
	}
	switch {
	case !strings.HasPrefix(ct, "multipart/"):
		return fail("Invalid Content-Type: " + pystr.Latin1(ct))
	case !isASCII(ct):
		return fail("Invalid non-ASCII Content-Type in multipart: " + pystr.Latin1(ct))
	}
	boundary, ok := parseMediaType(ct).param("boundary")
	if !ok {
		return fail("Invalid boundary in multipart: None")
	}
	if !validBoundary(boundary) {
		return fail("Invalid boundary in multipart: " + boundary)
	}
	sp := &spool{ctx: r.Context()}
	defer sp.putBack(r)
	mr := multipart.NewReader(io.TeeReader(r.Body, sp), boundary)
	fail = func(msg string) (*requestBody, error) {
		if sp.err != nil { // (the spool could not keep the body: the server's failure)
			return nil, sp.err
		}
		return nil, ErrParse.with("Multipart form parse error - " + msg)
	}
	form, files := map[string]string{}, map[string]bool{}
	size, parts, nfiles := 0, 0, 0
	decode := func(b []byte) string {
		switch enc {
		case pystr.Latin1Codec:
			return pystr.Latin1(string(b))
		case pystr.ASCII:
			out := []rune(pystr.Latin1(string(b)))
			for i, c := range out {
				if c >= utf8.RuneSelf {
					out[i] = utf8.RuneError
				}
			}
			return string(out)
		}
		return django.ValidUTF8(string(b))
	}
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err.Error())
		}
		if parts++; lim.fields >= 0 && parts > lim.fields+2 {
			return nil, errTooManyField
		}
		name := pystr.Strip(decode([]byte(p.FormName())))
		if p.FileName() != "" {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return fail(err.Error())
			}
			if nfiles++; over(nfiles, lim.files) {
				return nil, errTooManyField
			}
			if name != "" {
				files[name] = true
			}
			continue
		}
		bound := int64(maxRead)
		if lim.memory >= 0 {
			bound = int64(lim.memory) + 1
		}
		value, err := io.ReadAll(io.LimitReader(p, bound))
		if err != nil {
			return fail(err.Error())
		}
		if size += len(name) + 2 + len(value); over(size, lim.memory) {
			return nil, errTooBig
		}
		if name != "" {
			form[name] = decode(value)
		}
	}
	return &requestBody{form: func(name string) (string, bool) {
		v, ok := form[name]
		return v, ok
	}, files: files, isForm: true}, nil
}

// validBoundary is Django's boundary_re: 1 to 201 printable ASCII characters, the last
// not a space.
func validBoundary(b string) bool {
	if b == "" || len(b) > 201 || b[len(b)-1] == ' ' {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] < ' ' || b[i] > '~' {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// spool keeps the bytes written to it: in memory, then in a temporary file past
// spoolMemory, which is removed when the request's body is closed or its context ends
// (net/http ends it when the handler returns), whichever comes first.
type spool struct {
	ctx     context.Context
	mem     bytes.Buffer
	f       *os.File
	err     error
	cleanup func()
}

const spoolMemory = 4 << 20

func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && s.mem.Len()+len(p) > spoolMemory && s.err == nil {
		if s.f, s.err = os.CreateTemp("", "djsession-body-*"); s.err == nil {
			f := s.f
			var once sync.Once
			s.cleanup = func() {
				once.Do(func() {
					f.Close()
					os.Remove(f.Name())
				})
			}
			context.AfterFunc(s.ctx, s.cleanup)
			_, s.err = s.f.Write(s.mem.Bytes())
			s.mem = bytes.Buffer{}
		}
	}
	switch {
	case s.err != nil:
		return 0, s.err
	case s.f != nil:
		return s.f.Write(p)
	}
	return s.mem.Write(p)
}

// putBack gives r a body that reads what the spool kept, then the rest; closing it closes
// (and removes) the spool's file too.
func (s *spool) putBack(r *http.Request) {
	var kept io.Reader = bytes.NewReader(s.mem.Bytes())
	closeAll := r.Body.Close
	if s.f != nil {
		orig := r.Body
		s.f.Seek(0, io.SeekStart)
		kept = s.f
		closeAll = func() error {
			s.cleanup()
			return orig.Close()
		}
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(kept, r.Body), closer(closeAll)}
}

type closer func() error

func (c closer) Close() error { return c() }

// firstConstant is the first NaN, Infinity or -Infinity outside strings of valid JSON
// text, "" when there is none.
func firstConstant(s string) string {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == 'N':
			return "NaN"
		case c == 'I':
			return "Infinity"
		case c == '-' && i+1 < len(s) && s[i+1] == 'I':
			return "-Infinity"
		}
	}
	return ""
}

// hasNonFinite reports whether v holds a float that is NaN or infinite.
func hasNonFinite(v serializer.Value) bool {
	switch v.Kind() {
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		return math.IsNaN(f) || math.IsInf(f, 0)
	case serializer.KindList, serializer.KindTuple:
		for _, x := range v.Items() {
			if hasNonFinite(x) {
				return true
			}
		}
	case serializer.KindDict:
		for k, x := range v.Dict().All() {
			if hasNonFinite(k) || hasNonFinite(x) {
				return true
			}
		}
	}
	return false
}

// credentials is AuthTokenSerializer's field validation: the username (stripped) and
// password, or the errors by field (None when there are none).
func (b *requestBody) credentials() (username, password string, errs serializer.Value) {
	vs, _, errs := b.charFields([]CharField{{Name: "username", TrimWhitespace: true}, {Name: "password"}})
	if !errs.IsNone() {
		return "", "", errs
	}
	return vs[0], vs[1], errs
}

// CharField is one of a DRF serializer's fields: a CharField (serializers.CharField: by
// default required, no null, no blank, trim_whitespace only when TrimWhitespace is set).
type CharField struct {
	// Name is the field's name in request.data.
	Name string
	// TrimWhitespace strips the value as the field's trim_whitespace does.
	TrimWhitespace bool
	// Optional is required=False: a field absent from request.data is left out (its
	// value ""), as is one that is "" in a form (unless AllowBlank), as DRF's get_value
	// leaves it out.
	Optional bool
	// AllowBlank is allow_blank=True: "" (or white space, trimmed) is a value ("").
	AllowBlank bool
	// Partial is the serializer's partial=True (a PATCH): a field absent from
	// request.data is left out, required or not.
	Partial bool
	// Validators are the field's validators= argument, run first on a value that is not
	// blank: each returns the message of its refusal, or "" (a model field's
	// validators: UnicodeUsernameValidator, UniqueValidator, ...).
	Validators []func(value string) string
	// MaxLength is max_length (0 for None): "Ensure this field has no more than N
	// characters." (run after Validators).
	MaxLength int
	// Validate, if set, is the field class's own validator, run after DRF's (null
	// characters, surrogates) on a value that is not blank: the message of its refusal,
	// or "" (an EmailField's "Enter a valid email address.").
	Validate func(value string) string
	// Invalid is the field class's "invalid" message, for a value that is not a string
	// nor a number ("" for CharField's "Not a valid string."; an EmailField's is "Enter a
	// valid email address.").
	Invalid string
}

// ValidateCharFields is a DRF serializer of fields (in order) run over request.data inside
// an APIView's Handler (serializer.is_valid): the body read by the view's parsers, then
// each field validated as DRF's CharField validates it. It returns the fields' values, or
// the serializer's errors by field ({"username": ["This field is required."]}, or
// non_field_errors for data that is not a dictionary; None when there are none), or an
// error reading the body (a ParseError, an UnsupportedMediaType, ...: hand it to Fail).
func ValidateCharFields(r *http.Request, fields ...CharField) (values []string, errs serializer.Value, err error) {
	data, err := requestData(r)
	if err != nil {
		return nil, serializer.None(), err
	}
	values, _, errs = data.charFields(fields)
	return values, errs, nil
}

// ValidateCharFieldsSet is ValidateCharFields that also reports, for each field, whether
// it is set: false for an Optional field left out (absent, or "" in a form), which a
// serializer's update leaves as it is.
func ValidateCharFieldsSet(r *http.Request, fields ...CharField) (values []string, set []bool, errs serializer.Value, err error) {
	data, err := requestData(r)
	if err != nil {
		return nil, nil, serializer.None(), err
	}
	values, set, errs = data.charFields(fields)
	return values, set, errs, nil
}

// ErrDataNotMapping: request.data is not a dictionary (a JSON body of a list, a string, a
// number, null), so request.data[name] is Python's TypeError.
var ErrDataNotMapping = errors.New("restframework: request.data is not a dictionary")

// DataItem is request.data[name] inside an APIView's Handler: the body read by the view's
// parsers (a ParseError, an UnsupportedMediaType, ...: hand it to Fail), then the value of
// name: a JSON value, a form field's last value as a str, an uploaded file as an empty
// list (a value that is not a str); found is false when request.data has no such key
// (Python's KeyError), and the error ErrDataNotMapping when request.data is not a
// dictionary.
func DataItem(r *http.Request, name string) (v serializer.Value, found bool, err error) {
	data, err := requestData(r)
	if err != nil {
		return serializer.None(), false, err
	}
	switch {
	case data.files[name]:
		return serializer.List(), true, nil
	case data.isForm && data.form == nil:
		return serializer.None(), false, nil
	case data.isForm:
		s, ok := data.form(name)
		return serializer.Str(s), ok, nil
	case data.json.Kind() != serializer.KindDict:
		return serializer.None(), false, ErrDataNotMapping
	}
	v, found = data.json.Dict().Get(name)
	return v, found, nil
}

// PostValue is DRF's request.POST.get(name) inside an APIView's Handler or authenticator:
// the last value of a form field, when the body is a form (urlencoded or multipart; for
// other bodies request.POST is empty), and whether it is there. Reading request.POST
// parses the body with the view's parsers, whatever its Content-Type: their errors (a
// ParseError, an UnsupportedMediaType) are returned.
func PostValue(r *http.Request, name string) (v string, found bool, err error) {
	data, err := requestData(r)
	if err != nil || !data.formType || data.form == nil {
		return "", false, err
	}
	v, found = data.form(name)
	return v, found, nil
}

// charFields is the validation of fields (CharFields) over b: their values, or the errors
// by field (None when there are none).
func (b *requestBody) charFields(fields []CharField) ([]string, []bool, serializer.Value) {
	var kv []any
	get := func(name string) (serializer.Value, bool) {
		if b.files[name] { // (an UploadedFile: not a string)
			return serializer.List(), true
		}
		if b.isForm {
			if b.form == nil {
				return serializer.Value{}, false
			}
			v, ok := b.form(name)
			return serializer.Str(v), ok
		}
		return b.json.Dict().Get(name)
	}
	if !b.isForm && b.json.Kind() != serializer.KindDict {
		msg := "No data provided"
		if !b.json.IsNone() {
			msg = "Invalid data. Expected a dictionary, but got " + b.json.Kind().String() + "."
		}
		return nil, nil, object("non_field_errors", []string{msg})
	}
	values := make([]string, len(fields))
	set := make([]bool, len(fields))
	for i, f := range fields {
		raw, present := get(f.Name)
		if s, _ := raw.AsStr(); (f.Optional || f.Partial) && !present ||
			f.Optional && b.isForm && present && !b.files[f.Name] && s == "" && !f.AllowBlank {
			continue // (get_value's empty: the field is skipped)
		}
		v, errs := f.validate(raw, present)
		if errs != nil {
			kv = append(kv, f.Name, errs)
		}
		values[i], set[i] = v, true
	}
	if kv == nil {
		return values, set, serializer.None()
	}
	return nil, nil, object(kv...)
}

// validate is the field's run_validation of value v (present): the internal value, or
// its error messages.
func (f CharField) validate(v serializer.Value, present bool) (string, []string) {
	trim := f.TrimWhitespace
	if !present {
		return "", []string{"This field is required."}
	}
	text := pyStr(v)
	s, isStr := v.AsStr()
	if isStr && s == "" || trim && pystr.Strip(text) == "" {
		if f.AllowBlank {
			return "", nil
		}
		return "", []string{"This field may not be blank."}
	}
	switch v.Kind() {
	case serializer.KindNone:
		return "", []string{"This field may not be null."}
	case serializer.KindStr, serializer.KindInt, serializer.KindFloat:
	default:
		if f.Invalid != "" {
			return "", []string{f.Invalid}
		}
		return "", []string{"Not a valid string."}
	}
	if trim {
		text = pystr.Strip(text)
	}
	var errs []string
	for _, val := range f.Validators {
		if msg := val(text); msg != "" {
			errs = append(errs, msg)
		}
	}
	if f.MaxLength > 0 && pyLen(text) > f.MaxLength {
		errs = append(errs, fmt.Sprintf("Ensure this field has no more than %d characters.", f.MaxLength))
	}
	if strings.ContainsRune(text, 0) {
		errs = append(errs, "Null characters are not allowed.")
	}
	for i := 0; i < len(text); {
		if isSurrogate(text[i:]) {
			errs = append(errs, fmt.Sprintf("Surrogate characters are not allowed: U+%X.", surrogate(text[i:])))
			break
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		i += n
	}
	if f.Validate != nil {
		if msg := f.Validate(text); msg != "" {
			errs = append(errs, msg)
		}
	}
	return text, errs
}

// pyLen is len() of the str s (a lone surrogate, three bytes in WTF-8, is one character).
func pyLen(s string) int {
	n := 0
	for i := 0; i < len(s); n++ {
		if isSurrogate(s[i:]) {
			i += 3
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return n
}

// isSurrogate reports whether s starts with the WTF-8 form of a lone surrogate (ED A0-BF
// xx), as the value model holds one.
func isSurrogate(s string) bool {
	return len(s) >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && s[2] >= 0x80 && s[2] <= 0xBF
}

// surrogate is the code point of the WTF-8 surrogate s starts with.
func surrogate(s string) int {
	return 0xD000 | int(s[1]&0x3F)<<6 | int(s[2]&0x3F)
}

// pyStr is str(v) for the JSON values a CharField sees.
func pyStr(v serializer.Value) string {
	switch v.Kind() {
	case serializer.KindStr:
		s, _ := v.AsStr()
		return s
	case serializer.KindNone:
		return "None"
	case serializer.KindBool:
		if b, _ := v.AsBool(); b {
			return "True"
		}
		return "False"
	case serializer.KindInt:
		n, _ := v.AsBigInt()
		return n.String()
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		return serializer.FormatFloat(f)
	}
	return v.String() // (lists and dicts: never blank, and refused as not a string)
}
