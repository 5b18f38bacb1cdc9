package restframework

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// Permission is one of DRF's permission classes (DEFAULT_PERMISSION_CLASSES, a view's
// permission_classes): HasPermission is its has_permission. A Permission that also has a
// Message method gives the detail of the PermissionDenied its refusal raises (DRF's
// message attribute).
type Permission interface {
	HasPermission(r *http.Request, a *Authentication) (bool, error)
}

// AllowAny is DRF's AllowAny, the default permission: every request.
type AllowAny struct{}

// HasPermission implements Permission.
func (AllowAny) HasPermission(*http.Request, *Authentication) (bool, error) { return true, nil }

// IsAuthenticated is DRF's IsAuthenticated: an authenticated user.
type IsAuthenticated struct{}

// HasPermission implements Permission.
func (IsAuthenticated) HasPermission(_ *http.Request, a *Authentication) (bool, error) {
	return a.User != nil, nil
}

// IsAdminUser is DRF's IsAdminUser: a staff user (is_staff).
type IsAdminUser struct{}

// HasPermission implements Permission.
func (IsAdminUser) HasPermission(_ *http.Request, a *Authentication) (bool, error) {
	return a.User != nil && a.User.IsStaff, nil
}

// IsAuthenticatedOrReadOnly is DRF's IsAuthenticatedOrReadOnly: the safe methods (GET,
// HEAD, OPTIONS) for anybody, the others for an authenticated user.
type IsAuthenticatedOrReadOnly struct{}

// HasPermission implements Permission.
func (IsAuthenticatedOrReadOnly) HasPermission(r *http.Request, a *Authentication) (bool, error) {
	switch strings.ToUpper(r.Method) {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true, nil
	}
	return a.User != nil, nil
}

// APIView is DRF's APIView around a Go handler, with DRF's JSONRenderer as its only
// renderer: for each request, as DRF's dispatch, it negotiates the answer's media type
// (the Accept header, ?format=), authenticates (Authenticate), checks the permissions,
// then hands the request to Handler for one of Methods (and answers OPTIONS with DRF's
// SimpleMetadata), or answers the failure as DRF does: the status, {"detail": ...} as DRF's
// JSONRenderer writes it (compact, non-ASCII as is, "indent" of the Accept header
// honoured), the WWW-Authenticate header of the first authenticator on a 401 (none, as
// for SessionAuthentication, turns a 401 into a 403), and the view's Allow header.
//
// Handlers read the outcome with FromContext. As Django's APIView is csrf_exempt, route
// the API's requests past the CSRF middleware's own check (CSRFMiddleware.Exempt):
// SessionAuthentication checks those of logged-in users. Under auth's
// LoginRequiredMiddleware, register the view as auth.LoginNotRequired(view), as DRF 3.16
// and later mark their views.
type APIView struct {
	// Authentication is the view's authentication_classes, in order (DRF's default is
	// SessionAuthentication then BasicAuthentication); none leaves every request
	// anonymous.
	Authentication []Authenticator
	// Permissions is the view's permission_classes; none means AllowAny.
	Permissions []Permission
	// Throttles is the view's throttle_classes (DRF's default: none), asked after the
	// permissions; a refusal is a 429.
	Throttles []Throttle
	// Methods are the methods Handler answers (the view's get, post, ... methods), upper
	// case; GET brings HEAD, as a Django view's. Others get DRF's 405.
	Methods []string
	// Handler answers the requests that pass.
	Handler http.Handler
	// Name and Description are the view's name and description in the answer to OPTIONS
	// (unless Methods lists OPTIONS); DRF makes the name from the class name ("User List"
	// for UserListView) and the description from its docstring, dedented and stripped as
	// DRF does (the view's docstring can be pasted as it is).
	Name, Description string
	// Settings, if set, answers other errors with Django's 500 page and logs them; nil
	// answers a plain 500.
	Settings *django.Settings

	// RESTFramework is the version of DRF the Django site runs ("3.15", "3.16", "3.17";
	// "" for 3.18 and later): 3.17 refuses JSON and form bodies beyond
	// DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) with Django's 400, 3.18 bounds the Accept
	// header (8192 characters, 64 entries of at most 256) and ignores a Content-Type
	// beyond 256 characters; earlier releases do none of that.
	RESTFramework string
	// Python is the version of the Python the Django site runs on ("3.10", "3.12"; ""
	// for 3.13 and later), whose json module words the error of a malformed JSON body
	// (which DRF's parsers read when SessionAuthentication checks a POST's CSRF token):
	// before 3.13 a trailing comma is "Expecting value" (or "Expecting property name
	// enclosed in double quotes") where 3.13 says "Illegal trailing comma before end of
	// array" (or object), and before 3.12 the limit of an int's digits reads "(4300)".
	Python string

	// Actions is what DRF's SimpleMetadata says of a view with a serializer in the answer
	// to OPTIONS: {"POST": {field: {"type": ..., "required": ..., ...}}}; None for a view
	// without one.
	Actions serializer.Value
	// WWWAuthenticate, if set, is the WWW-Authenticate header of 401 answers instead of the
	// first authenticator's (a view overriding get_authenticate_header, as simplejwt's
	// token views do).
	WWWAuthenticate string

	parsers []parser // the view's parser_classes; nil: DEFAULT_PARSER_CLASSES
}

// state is what an APIView leaves on the requests it hands to its authenticators and
// its Handler.
type state struct {
	auth     *Authentication
	attrs    map[any]any // SetRequestAttr's
	view     *APIView
	accepted *mediaType
	parsers  []parser
	python   string // APIView.Python
	drf      string // APIView.RESTFramework
	limits   limits
}

// limits are Django's DATA_UPLOAD_MAX_* settings (-1: None).
type limits struct{ memory, fields, files int }

var defaultLimits = limits{django.DefaultDataUploadMaxMemorySize, django.DefaultDataUploadMaxNumberFields,
	django.DefaultDataUploadMaxNumberFiles}

// limitsOf returns the bounds of s, Django's defaults for nil.
func limitsOf(s *django.Settings) limits {
	if s == nil {
		return defaultLimits
	}
	return limits{s.DataUploadMaxMemorySize, s.DataUploadMaxNumberFields, s.DataUploadMaxNumberFiles}
}

// over reports whether n exceeds the bound max (-1: none).
func over(n, max int) bool { return max >= 0 && n > max }

// drfAtLeast reports whether the site's DRF is 3.minor or later.
func (st *state) drfAtLeast(minor int) bool { return drfAtLeast(st.drf, minor) }

func drfAtLeast(version string, minor int) bool {
	m := 0
	if _, err := fmt.Sscanf(version, "3.%d", &m); err != nil {
		return true // ("": the newest)
	}
	return m >= minor
}

// parser is one of DRF's parsers.
type parser uint8

const (
	jsonParser      parser = iota // JSONParser
	formParser                    // FormParser
	multipartParser               // MultiPartParser
)

// defaultParsers is DEFAULT_PARSER_CLASSES.
var defaultParsers = []parser{jsonParser, formParser, multipartParser}

func (p parser) mediaType() string {
	return [...]string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}[p]
}

type stateKey struct{}

// FromContext returns the authentication of the request whose context ctx is (DRF's
// request.user, request.auth and request.successful_authenticator), inside an APIView's
// Handler; nil elsewhere.
func FromContext(ctx context.Context) *Authentication {
	if rs, ok := ctx.Value(stateKey{}).(*state); ok {
		return rs.auth
	}
	return nil
}

// SetRequestAttr sets an attribute of r, inside an APIView (DRF's request.name = value:
// what an authenticator leaves for its AuthenticateHeader, for one), under key, a value
// of a type of the caller's own as for context keys. Outside an APIView it does nothing.
func SetRequestAttr(r *http.Request, key, value any) {
	if st, ok := r.Context().Value(stateKey{}).(*state); ok {
		if st.attrs == nil {
			st.attrs = map[any]any{}
		}
		st.attrs[key] = value
	}
}

// RequestAttr returns the attribute of r that SetRequestAttr set under key, nil when
// none was.
func RequestAttr(r *http.Request, key any) any {
	if st, ok := r.Context().Value(stateKey{}).(*state); ok {
		return st.attrs[key]
	}
	return nil
}

// methodOrder is Django's View.http_method_names, the order of the Allow header.
var methodOrder = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}

func (v *APIView) has(method string) bool {
	switch method {
	case http.MethodOptions:
		return true
	case http.MethodHead:
		if slices.Contains(v.Methods, http.MethodGet) {
			return true
		}
	}
	return slices.Contains(v.Methods, method)
}

func (v *APIView) allow() string {
	var ms []string
	for _, m := range methodOrder {
		if v.has(m) {
			ms = append(ms, m)
		}
	}
	return strings.Join(ms, ", ")
}

// ServeHTTP implements http.Handler.
func (v *APIView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", v.allow())
	method := strings.ToUpper(r.Method) // (Django's request.method)
	lim := limitsOf(v.Settings)
	accepted, err := negotiate(r, drfAtLeast(v.RESTFramework, 18), lim)
	st := &state{view: v, accepted: accepted, parsers: v.parsers, python: v.Python, drf: v.RESTFramework, limits: lim}
	if st.parsers == nil {
		st.parsers = defaultParsers
	}
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	// (The body a parser read was put back for the handler, maybe from a temporary file:
	// close it, and so remove that, once the view is done.)
	defer func() {
		if r.Body != nil {
			r.Body.Close()
		}
	}()
	if err == nil {
		st.auth, err = Authenticate(r, v.Authentication)
	}
	if err == nil {
		err = v.checkPermissions(r, st.auth)
	}
	if err == nil {
		err = checkThrottles(r, st.auth, v.Throttles)
	}
	if err == nil && !v.has(method) {
		err = ErrMethodNotAllowed.with(`Method "` + method + `" not allowed.`)
	}
	if err != nil {
		v.fail(w, r, accepted, err)
		return
	}
	if method == http.MethodOptions && !slices.Contains(v.Methods, http.MethodOptions) {
		parses := make([]string, len(st.parsers))
		for i, p := range st.parsers {
			parses[i] = p.mediaType()
		}
		meta := object("name", v.Name, "description", dedent(v.Description),
			"renders", []string{"application/json"}, "parses", parses)
		if !v.Actions.IsNone() {
			meta.Dict().Set("actions", v.Actions)
		}
		err := render(w, accepted, http.StatusOK, meta)
		if err != nil {
			v.serverError(w, r, err)
		}
		return
	}
	v.Handler.ServeHTTP(w, r)
}

// checkPermissions is check_permissions and permission_denied: the first permission that
// refuses raises NotAuthenticated when authenticators ran and none authenticated the
// request, PermissionDenied (with the permission's message) otherwise.
func (v *APIView) checkPermissions(r *http.Request, a *Authentication) error {
	perms := v.Permissions
	if len(perms) == 0 {
		perms = []Permission{AllowAny{}}
	}
	for _, p := range perms {
		ok, err := p.HasPermission(r, a)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if len(v.Authentication) > 0 && a.Authenticator == nil {
			return ErrNotAuthenticated
		}
		if m, ok := p.(interface{ Message() string }); ok && m.Message() != "" {
			return ErrPermissionDenied.with(m.Message())
		}
		return ErrPermissionDenied
	}
	return nil
}

// fail is handle_exception and DRF's exception_handler.
func (v *APIView) fail(w http.ResponseWriter, r *http.Request, accepted *mediaType, err error) {
	var e *APIException
	switch {
	case errors.Is(err, errTooBig) || errors.Is(err, errTooManyField) || errors.Is(err, django.ErrDisallowedHost) ||
		errors.Is(err, django.ErrSuspiciousOperation):
		// (Django's own answer to a SuspiciousOperation: the view's headers never reach it)
		w.Header().Del("Allow")
		if v.Settings != nil {
			v.Settings.BadRequest(w, r)
		} else {
			http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		}
		return
	case !errors.As(err, &e):
		v.serverError(w, r, err)
		return
	}
	c := *e
	if c.Code == ErrNotAuthenticated.Code || c.Code == ErrAuthenticationFailed.Code {
		c.AuthHeader, c.StatusCode = "", http.StatusForbidden
		if v.WWWAuthenticate != "" {
			c.AuthHeader, c.StatusCode = v.WWWAuthenticate, http.StatusUnauthorized
		} else if len(v.Authentication) > 0 {
			if h := v.Authentication[0].AuthenticateHeader(r); h != "" {
				c.AuthHeader, c.StatusCode = h, http.StatusUnauthorized
			}
		}
	}
	if c.AuthHeader != "" {
		w.Header().Set("WWW-Authenticate", c.AuthHeader)
	}
	if c.retryAfter != "" {
		w.Header().Set("Retry-After", c.retryAfter)
	}
	if accepted == nil { // (a failed negotiation: DRF's forced one picks the first renderer)
		accepted = &mediaType{full: "application/json"}
	}
	data := c.Data
	if data.IsNone() {
		data = object("detail", c.Detail)
	}
	if err := render(w, accepted, c.StatusCode, data); err != nil {
		v.serverError(w, r, err)
	}
}

// Fail answers err inside an APIView's Handler as DRF's handle_exception does: an
// *APIException (or an error wrapping one) as DRF's exception handler renders it, any
// other error as a server error. Outside an APIView it answers a plain 500.
func Fail(w http.ResponseWriter, r *http.Request, err error) {
	st, ok := r.Context().Value(stateKey{}).(*state)
	if !ok {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	st.view.fail(w, r, st.accepted, err)
}

// serverError answers an error that is not DRF's: Django's 500 (which never gets the
// view's headers).
func (v *APIView) serverError(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Del("Allow")
	if v.Settings != nil {
		v.Settings.Log().ErrorContext(r.Context(), "restframework: view failed", "path", r.URL.Path, "err", err)
		v.Settings.ServerError(w, r)
	} else {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}

// mediaType is the media type an answer is rendered in, and its indent (0 for none).
type mediaType struct {
	full   string
	indent int
}

// negotiate is DRF's DefaultContentNegotiation.select_renderer for a view whose only
// renderer is JSONRenderer (format "json"): the media type of the Accept header's most
// specific entry that application/json satisfies, NotAcceptable when none does, and
// NotFound for a ?format= other than json (and Django's 400 for a query string of more
// than DATA_UPLOAD_MAX_NUMBER_FIELDS fields, which request.GET refuses). (Where DRF picks among several such entries
// of the same specificity in its sets' order, this takes the first.)
func negotiate(r *http.Request, bounded bool, lim limits) (*mediaType, error) {
	if over(strings.Count(r.URL.RawQuery, "&")+1, lim.fields) { // (request.GET: TooManyFieldsSent)
		return nil, errTooManyField
	}
	if f, _ := django.QueryValue(r, "format"); f != "" && f != "json" {
		return nil, ErrNotFound
	}
	header := "*/*"
	if vs := r.Header.Values("Accept"); vs != nil {
		header = strings.Join(vs, ",") // (latin-1 text, one character a byte)
	}
	var best *acceptEntry
	for _, tok := range acceptTokens(header, bounded) {
		e := parseMediaType(tok)
		if (e.main == "*" || e.main == "application") && (e.sub == "*" || e.sub == "json") &&
			(best == nil || e.precedence() > best.precedence()) {
			best = &e
		}
	}
	if best == nil {
		return nil, ErrNotAcceptable
	}
	m := &mediaType{full: best.orig}
	if best.precedence() < 2 { // (*/* or application/*: JSON's own type, with their parameters)
		m.full = "application/json"
		for _, p := range best.params {
			m.full += ";" + p[0] + "=" + p[1]
		}
	}
	if ind, ok := parseMediaType(m.full).param("indent"); ok {
		if n, ok := pyInt(ind); ok {
			m.indent = min(max(n, 0), 8)
		}
	}
	return m, nil
}

// acceptTokens is get_accept_list: the entries of an Accept header, stripped, without
// empty ones; bounded as DRF 3.18 bounds them (the header cut at 8192 characters, at a
// comma; entries longer than 256 skipped; at most 64).
func acceptTokens(header string, bounded bool) []string {
	if !bounded {
		var out []string
		for tok := range strings.SplitSeq(header, ",") {
			if tok = pystr.StripLatin1(tok); tok != "" {
				out = append(out, tok)
			}
		}
		return out
	}
	if len(header) > 8192 {
		header = header[:strings.LastIndexByte(header[:8192], ',')+1]
	}
	var out []string
	for tok := range strings.SplitSeq(header, ",") {
		tok = pystr.StripLatin1(tok)
		if tok == "" || len(tok) > 256 {
			continue
		}
		if out = append(out, tok); len(out) >= 64 {
			break
		}
	}
	return out
}

// acceptEntry is DRF's _MediaType.
type acceptEntry struct {
	orig, main, sub string
	params          [][2]string // in order, a repeated name keeping its first place
}

// precedence is _MediaType.precedence: 0 for */*, 1 for type/*, 2 for type/subtype, 3
// with parameters other than q.
func (e acceptEntry) precedence() int {
	switch {
	case e.main == "*":
		return 0
	case e.sub == "*":
		return 1
	case len(e.params) == 0 || len(e.params) == 1 && e.params[0][0] == "q":
		return 2
	}
	return 3
}

func (e acceptEntry) param(name string) (string, bool) {
	for _, p := range e.params {
		if p[0] == name {
			return p[1], true
		}
	}
	return "", false
}

// parseMediaType is _MediaType(s), with Django's parse_header_parameters: the type before
// the first ";" outside quotes, lower case; then name=value parameters, names lower case,
// a quoted value unquoted.
func parseMediaType(s string) acceptEntry {
	parts := splitParams(";" + s)
	e := acceptEntry{orig: s}
	full := pyLower(parts[0])
	e.main, e.sub, _ = strings.Cut(full, "/")
	for _, p := range parts[1:] {
		i := strings.IndexByte(p, '=')
		if i < 0 {
			continue
		}
		name := pyLower(pystr.StripLatin1(p[:i]))
		if strings.HasSuffix(name, "*") { // (an RFC 2231 name; DRF's media types have none)
			name = name[:len(name)-1]
		}
		value := pystr.StripLatin1(p[i+1:])
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = strings.ReplaceAll(strings.ReplaceAll(value[1:len(value)-1], `\\`, `\`), `\"`, `"`)
		}
		if j := slices.IndexFunc(e.params, func(q [2]string) bool { return q[0] == name }); j >= 0 {
			e.params[j][1] = value
		} else {
			e.params = append(e.params, [2]string{name, value})
		}
	}
	return e
}

// splitParams is Django's _parseparam: s (starting with ";") split on the semicolons
// outside double quotes, each part stripped.
func splitParams(s string) []string {
	var out []string
	for len(s) > 0 && s[0] == ';' {
		s = s[1:]
		end := strings.IndexByte(s, ';')
		for end > 0 && (strings.Count(s[:end], `"`)-strings.Count(s[:end], `\"`))%2 != 0 {
			next := strings.IndexByte(s[end+1:], ';')
			if next < 0 {
				end = -1
				break
			}
			end += 1 + next
		}
		if end < 0 {
			end = len(s)
		}
		out = append(out, pystr.StripLatin1(s[:end]))
		s = s[end:]
	}
	return out
}

// pyLower is str.lower() of latin-1 text held as its bytes.
func pyLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' || 0xc0 <= c && c <= 0xde && c != 0xd7 {
			b[i] = c + 0x20
		}
	}
	return string(b)
}

// pyInt is Python's int(s) for ASCII digits (surrounding whitespace, one sign, single
// underscores between digits), saturated at the largest int.
func pyInt(s string) (int, bool) {
	s = pystr.StripLatin1(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
		case '0' <= c && c <= '9':
			if n > (math.MaxInt-9)/10 {
				n = math.MaxInt // (saturated: Python's int has no bound)
			} else {
				n = n*10 + int(c-'0')
			}
		default:
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// dedent is DRF's formatting.dedent: the leading spaces (else tabs) that the lines after
// the first that are not blank have in common are taken off the start of every line,
// then the text is stripped.
func dedent(s string) string {
	lines := pystr.SplitLines(s)
	spaces, tabs := -1, -1
	for _, line := range lines[min(1, len(lines)):] {
		if pystr.Strip(line) == "" {
			continue
		}
		sp := len(line) - len(strings.TrimLeft(line, " "))
		tb := len(line) - len(strings.TrimLeft(line, "\t"))
		if spaces < 0 || sp < spaces {
			spaces = sp
		}
		if tabs < 0 || tb < tabs {
			tabs = tb
		}
	}
	prefix := ""
	switch {
	case spaces > 0:
		prefix = strings.Repeat(" ", spaces)
	case tabs > 0:
		prefix = strings.Repeat("\t", tabs)
	}
	if prefix != "" { // (re.sub of "^" + prefix, MULTILINE: at the start and after each \n)
		parts := strings.Split(s, "\n")
		for i, p := range parts {
			parts[i] = strings.TrimPrefix(p, prefix)
		}
		s = strings.Join(parts, "\n")
	}
	return pystr.Strip(s)
}
