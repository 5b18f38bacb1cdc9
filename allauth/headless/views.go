package headless

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// appContext is allauth's authentication_context for the app client: the request's
// session (a new one, or the session token's) and the token it came by.
type appContext struct {
	session *django.Session
	token   string // the session token the request gave ("" for none)
	browser bool   // the browser client's: the request's own session, no tokens
	// userEvaluated is a browser request whose user was evaluated before the view
	// (UserSessionsMiddleware), as the app client's always is: request.user is then
	// the user found then, whatever the view changes.
	userEvaluated bool
	// loggedIn is set when the view logged the session in (the app client's answer then
	// carries the JWT strategy's tokens, unless preUser, the session's user before the
	// request, was the same user).
	loggedIn bool
	preUser  string
}

// exposeTokens is expose_access_token's test: the app client's session logged in by
// this request, to another user than it had.
func (c *appContext) exposeTokens(u *auth.User) bool {
	return c.loggedIn && !c.browser && u != nil && c.preUser != u.ID
}

// forFallback tells whether err is a request the views hand to their fallback: one
// that needs what this package does not run (a login's stage, a mail).
func forFallback(err error) bool {
	return errors.Is(err, ErrLoginStage)
}

// errGone is the 410 of a session token of no session.
var errGone = errors.New("headless: session token of no session")

// newAppContext finds the session of the request's session token (the X-Session-Token
// header, or with JWTTokenStrategy the sid of a valid access token in the Authorization
// header), and its user, as authentication_context does before the view.
func (h *Headless) newAppContext(r *http.Request) (*appContext, error) {
	ctx := r.Context()
	token := sessionToken(r)
	if token == "" && h.Settings.TokenStrategy == JWTTokenStrategy {
		// (the strategy's get_session_token: the session of a valid access token)
		if parts := authorizationCredential(r, h.Settings.JWTAuthorizationHeaderScheme); parts != "" {
			at, err := h.ValidateAccessToken(ctx, parts)
			switch {
			case errors.Is(err, ErrInvalidToken):
			case err != nil:
				return nil, err
			default:
				sid, _ := strOf(at.Payload, "sid")
				key, _, err := SessionKeyFromSID(h.Settings.SecretKey, sid)
				if err != nil {
					return nil, err
				}
				token = key
			}
		}
	}
	if token == "" {
		return &appContext{session: h.Sessions.NewSession(ctx, "")}, nil
	}
	s, err := h.LookupSession(ctx, token)
	switch {
	case errors.Is(err, ErrInvalidToken):
		return nil, errGone
	case err != nil:
		return nil, err
	}
	// (request.user evaluated: a stale session is flushed, a fallback hash cycles the key)
	u, err := h.SessionUser(ctx, s)
	if err != nil {
		return nil, err
	}
	c := &appContext{session: s, token: token}
	if u != nil {
		c.preUser = u.ID
	}
	return c, h.track(r, s, u)
}

// authorizationCredential is allauth's get_authorization_credential: the credential of
// an "Authorization: <scheme> <credential>" header, or "". The header is split as
// Python splits the str WSGI gives (its bytes as latin-1 characters, split on any
// whitespace: "\x85" and "\xa0" too), into exactly two parts.
func authorizationCredential(r *http.Request, scheme string) string {
	v := strings.Join(r.Header.Values("Authorization"), ",")
	var parts []string
	start := -1
	for i := 0; i <= len(v); i++ {
		if i == len(v) || pystr.IsSpace(rune(v[i])) {
			if start >= 0 {
				parts = append(parts, v[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if len(parts) != 2 || pystr.LowerASCII(parts[0]) != strings.ToLower(scheme) {
		return ""
	}
	return parts[1]
}

// finish is the end of authentication_context: a modified session that holds data is
// saved.
func (c *appContext) finish(r *http.Request) error {
	if c.session.Modified() && !c.session.IsEmpty() {
		return c.session.Save(r.Context())
	}
	return nil
}

// meta is APIResponse's session meta: the session token to use from now on, when the
// request's session changed key (expose_session_token).
func (c *appContext) meta(r *http.Request) (*serializer.Dict, error) {
	if c.browser || !c.session.Modified() || c.session.IsEmpty() {
		return nil, nil
	}
	if c.session.Key() == "" {
		if err := c.session.Save(r.Context()); err != nil {
			return nil, err
		}
	}
	if key := c.session.Key(); key != c.token {
		m := serializer.NewDict()
		m.Set("session_token", serializer.Str(key))
		return m, nil
	}
	return nil, nil
}

// apiResponse is allauth's APIResponse: {"status": status, "data": data, "meta": meta,
// "errors": errors} (each but status when there is one) as Django's JsonResponse writes
// it, with never_cache's headers.
func (h *Headless) apiResponse(w http.ResponseWriter, r *http.Request, status int, data, meta, errs serializer.Value) {
	d := serializer.NewDict()
	d.Set("status", serializer.Int(int64(status)))
	if !data.IsNone() {
		d.Set("data", data)
	}
	if !meta.IsNone() {
		d.Set("meta", meta)
	}
	if errs.Kind() == serializer.KindList && errs.Len() > 0 {
		d.Set("errors", errs)
	}
	body, err := serializer.EncodeJSONSpaced(serializer.DictValue(d))
	if err != nil {
		ds := h.Sessions.Settings()
		ds.ServerError(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Expires", h.now().UTC().Format(http.TimeFormat))
	hd.Set("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// unauthorized is UnauthorizedResponse: the flows of an anonymous session, not
// authenticated.
func (h *Headless) unauthorized(w http.ResponseWriter, r *http.Request, status int) {
	flows, err := h.flows(r.Context(), h.Sessions.NewSession(r.Context(), ""), true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := serializer.NewDict()
	data.Set("flows", flows)
	meta := serializer.NewDict()
	meta.Set("is_authenticated", serializer.None())
	h.apiResponse(w, r, status, serializer.DictValue(data), serializer.DictValue(meta), serializer.None())
}

// emptyResponse is Django's HttpResponse with status and no content.
func emptyResponse(w http.ResponseWriter, status int, allow string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if allow != "" {
		w.Header().Set("Allow", allow)
	}
	if status == http.StatusOK {
		w.Header().Set("Content-Length", "0")
	}
	w.WriteHeader(status)
}

// fieldError is a form field's error as get_json_data gives it, with its param.
func fieldError(msg, code, param string) serializer.Value {
	d := serializer.NewDict()
	d.Set("message", serializer.Str(msg))
	d.Set("code", serializer.Str(code))
	d.Set("param", serializer.Str(param))
	return serializer.DictValue(d)
}

// charField is a required Django forms.CharField reading a JSON value: the text
// (formStr: str() of the value, stripped), or the field's error.
func charField(data *serializer.Dict, name string) (string, serializer.Value) {
	text := formStr(data, name)
	if text == "" {
		return "", fieldError("This field is required.", "required", name)
	}
	if strings.IndexByte(text, 0) >= 0 {
		return "", fieldError("Null characters are not allowed.", "null_characters_not_allowed", name)
	}
	return text, serializer.None()
}

// jsonBody is RESTView._parse_json: the request's body as a JSON object (empty for an
// empty body), or false when it is no UTF-8 JSON object (allauth's empty 400).
func (h *Headless) jsonBody(r *http.Request) (*serializer.Dict, bool, error) {
	ds := h.Sessions.Settings()
	body, err := ds.Body(r)
	if err != nil {
		return nil, false, err
	}
	if len(body) == 0 {
		return serializer.NewDict(), true, nil
	}
	if !utf8.Valid(body) {
		return nil, false, nil
	}
	v, err := serializer.DecodeJSONText(string(body))
	if errors.Is(err, serializer.ErrIntDigits) {
		return nil, false, err // (json.loads's ValueError, which allauth does not catch: a 500)
	}
	if err != nil || v.Kind() != serializer.KindDict {
		return nil, false, nil
	}
	return v.Dict(), true, nil
}

// fail answers a failure as Django does: its 400 page for a body too large, else its 500
// page (logged).
func (h *Headless) fail(w http.ResponseWriter, r *http.Request, err error) {
	ds := h.Sessions.Settings()
	switch {
	case errors.Is(err, django.ErrRequestDataTooBig), errors.Is(err, django.ErrDisallowedHost):
		ds.BadRequest(w, r)
		return
	case errors.Is(err, errNoClientIP):
		ds.PermissionDenied(w, r)
		return
	}
	ds.Log().Error("headless: view", "error", err)
	ds.ServerError(w, r)
}

// hasSurrogate reports whether s (text as the serializer holds it, WTF-8) holds a lone
// surrogate, which Python cannot encode to UTF-8.
func hasSurrogate(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == 0xed && s[i+1] >= 0xa0 && s[i+1] <= 0xbf {
			return true
		}
	}
	return false
}

// RefreshTokenView is the app client's token refresh endpoint (allauth's
// RefreshTokenView, at _allauth/app/v1/tokens/refresh): POST {"refresh_token": ...}
// answers {"status": 200, "data": {"access_token": ..., "refresh_token": ...}} (the
// refresh token only when rotated) as RefreshToken refreshes, or {"status": 400}; a
// request with a session token of no session gets allauth's 410; the body is read as
// allauth's views read JSON (an empty 400 for a body that is not a JSON object, the
// input's errors in a 400 for every method but GET, 405 for methods but POST and
// OPTIONS). The view needs no CSRF token (allauth's app views are csrf_exempt).
func (h *Headless) RefreshTokenView() http.Handler { return h.appView(h.serveRefresh, nil) }

// appView is allauth's app_view around serve: the request's app context (a 410 for a
// session token of no session), serve, fallback for a request handed on (its session
// untouched), then the session saved when the view changed it, even when it failed.
func (h *Headless) appView(serve func(http.ResponseWriter, *http.Request, *appContext) error, fallback http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds := h.Sessions.Settings()
		if err := h.check(); err != nil {
			ds.ServerError(w, r)
			return
		}
		r = upperMethod(r)
		c, err := h.newAppContext(r)
		switch {
		case errors.Is(err, errGone):
			h.unauthorized(w, r, http.StatusGone)
			return
		case err != nil:
			h.fail(w, r, err)
			return
		}
		err = serve(w, r, c)
		switch {
		case forFallback(err) && fallback != nil:
			fallback.ServeHTTP(w, r)
			return
		case err != nil:
			// (a server error: authentication_context's finally saves the session all
			// the same, as the view left it)
			h.fail(w, r, err)
		}
		if err := c.finish(r); err != nil {
			ds.Log().Error("headless: saving the session", "error", err)
		}
	})
}

// upperMethod is r with its method upper-cased, as Django's WSGIRequest has it.
func upperMethod(r *http.Request) *http.Request {
	if m := strings.ToUpper(r.Method); m != r.Method {
		r = r.WithContext(r.Context())
		r.Method = m
	}
	return r
}

// allowPost is the Allow header of allauth's views that take POST alone.
const allowPost = "POST, OPTIONS"

// restInput is the start of RESTView.handle for a view that takes POST: GET is answered
// 405 (no input read), and any other method's body must be a JSON object (an empty 400
// otherwise); ok is false when the request was answered.
func (h *Headless) restInput(w http.ResponseWriter, r *http.Request) (data *serializer.Dict, ok bool, err error) {
	if r.Method == http.MethodGet {
		emptyResponse(w, http.StatusMethodNotAllowed, allowPost)
		return nil, false, nil
	}
	data, ok, err = h.jsonBody(r)
	if err == nil && !ok {
		emptyResponse(w, http.StatusBadRequest, "")
	}
	return data, ok, err
}

// sessionUser is the request's user for a view that needs one (AuthenticatedAPIView's
// dispatch): nil when it answered the anonymous session's 401 itself.
func (h *Headless) sessionUser(w http.ResponseWriter, r *http.Request, c *appContext) (*auth.User, error) {
	u, err := h.SessionUser(r.Context(), c.session)
	if err != nil || u != nil {
		return u, err
	}
	return nil, h.authenticationResponse(w, r, c, nil)
}

// restParse is RESTView.handle's _parse_json for a view without input: any method but
// GET must send a JSON object or nothing (an empty 400 otherwise); false when answered.
func (h *Headless) restParse(w http.ResponseWriter, r *http.Request) (bool, error) {
	_, ok, err := h.restBody(w, r)
	return ok, err
}

// restBody is restParse with the JSON object read (nil for GET).
func (h *Headless) restBody(w http.ResponseWriter, r *http.Request) (*serializer.Dict, bool, error) {
	if r.Method == http.MethodGet {
		return nil, true, nil
	}
	data, ok, err := h.jsonBody(r)
	if err == nil && !ok {
		emptyResponse(w, http.StatusBadRequest, "")
	}
	return data, ok, err
}

// restGet is RESTView.handle and View.dispatch for a view of GET alone: any other
// method's body must be a JSON object (an empty 400), OPTIONS is answered 200 and the
// other methods 405; true for GET and HEAD.
func (h *Headless) restGet(w http.ResponseWriter, r *http.Request) (bool, error) {
	if ok, err := h.restParse(w, r); err != nil || !ok {
		return false, err
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return true, nil
	case http.MethodOptions:
		emptyResponse(w, http.StatusOK, allowGet)
	default:
		emptyResponse(w, http.StatusMethodNotAllowed, allowGet)
	}
	return false, nil
}

// withSessionMeta is meta (a new dict for nil) with the session's meta added after it
// (the session token to use from now on).
func (c *appContext) withSessionMeta(r *http.Request, meta *serializer.Dict) (*serializer.Dict, error) {
	if meta == nil {
		meta = serializer.NewDict()
	}
	sm, err := c.meta(r)
	if err != nil || sm == nil {
		return meta, err
	}
	for k, v := range sm.All() {
		meta.SetKey(k, v)
	}
	return meta, nil
}

// restPost is View.dispatch once the input is valid: true for POST; OPTIONS is answered
// 200 and the other methods 405.
func restPost(w http.ResponseWriter, r *http.Request) bool {
	switch r.Method {
	case http.MethodPost:
		return true
	case http.MethodOptions:
		emptyResponse(w, http.StatusOK, allowPost)
	default:
		emptyResponse(w, http.StatusMethodNotAllowed, allowPost)
	}
	return false
}

// serveRefresh is RESTView.handle and RefreshTokenView.post.
func (h *Headless) serveRefresh(w http.ResponseWriter, r *http.Request, c *appContext) error {
	data, ok, err := h.restInput(w, r)
	if err != nil || !ok {
		return err
	}
	token, ferr := charField(data, "refresh_token")
	meta, err := c.meta(r)
	if err != nil {
		return err
	}
	metaValue := serializer.None()
	if meta != nil {
		metaValue = serializer.DictValue(meta)
	}
	if !ferr.IsNone() {
		h.apiResponse(w, r, http.StatusBadRequest, serializer.None(), metaValue, serializer.List(ferr))
		return nil
	}
	if !restPost(w, r) {
		return nil
	}
	if h.Settings.TokenStrategy == JWTTokenStrategy && hasSurrogate(token) {
		// (PyJWT encodes the token to UTF-8 and raises, uncaught: a 500)
		return errors.New("headless: a refresh token holding a lone surrogate")
	}
	access, refresh, u, s, err := h.refreshToken(r.Context(), token)
	switch {
	case errors.Is(err, ErrInvalidToken):
		h.apiResponse(w, r, http.StatusBadRequest, serializer.None(), metaValue, serializer.None())
		return nil
	case err != nil:
		return err
	}
	if err := h.track(r, s, u); err != nil {
		return err
	}
	d := serializer.NewDict()
	d.Set("access_token", serializer.Str(access))
	if refresh != token {
		d.Set("refresh_token", serializer.Str(refresh))
	}
	h.apiResponse(w, r, http.StatusOK, serializer.DictValue(d), metaValue, serializer.None())
	return nil
}
