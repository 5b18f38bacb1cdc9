package headless

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// ReauthenticateView is the app client's reauthentication endpoint (allauth's
// ReauthenticateView, at _allauth/app/v1/auth/reauthenticate), which a logged-in app
// calls before a sensitive action: POST {"password": ...} checks the password of the
// session's user as allauth's adapter.reauthenticate does (by username and primary
// email address, counting a failed login as a login does), records the
// reauthentication in the session ({"method": "password", "at": ...,
// "reauthenticated": true}) and answers the user (a 200); a wrong password is allauth's
// 400 ("incorrect_password"), an anonymous session its 401 with the flows, a site
// without "password" among ACCOUNT_REAUTHENTICATION_METHODS its 403, and the
// "reauthenticate" rate (per user) used up its 429.
func (h *Headless) ReauthenticateView() http.Handler { return h.appView(h.serveReauthenticate, nil) }

// BrowserReauthenticateView is the browser client's reauthentication endpoint
// (_allauth/browser/v1/auth/reauthenticate): ReauthenticateView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserReauthenticateView() http.Handler {
	return h.browserView(h.serveReauthenticate, nil)
}

// serveReauthenticate is ReauthenticationAPIView's dispatch, the "reauthenticate" rate
// limit, RESTView.handle with ReauthenticateInput, and ReauthenticateView.post.
func (h *Headless) serveReauthenticate(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.loginCheck(); err != nil {
		return err
	}
	u, err := h.sessionUser(w, r, c)
	if err != nil || u == nil {
		return err
	}
	if !slices.Contains(h.Settings.ReauthenticationMethods, "password") {
		return h.metaResponse(w, r, c, http.StatusForbidden, serializer.None())
	}
	data, ok, err := h.reauthInput(w, r, c, u)
	if err != nil || !ok {
		return err
	}
	// ReauthenticateForm's password: a PasswordField (not stripped), then clean_password.
	var errs []serializer.Value
	password := ""
	if v, given := data.Get("password"); given {
		password = pyStr(v)
	}
	switch {
	case password == "":
		errs = append(errs, fieldError("This field is required.", "required", "password"))
	case strings.IndexByte(password, 0) >= 0:
		errs = append(errs, fieldError("Null characters are not allowed.", "null_characters_not_allowed", "password"))
	default:
		ok, limited, err := h.reauthenticate(r, u, password)
		switch {
		case err != nil:
			return err
		case limited:
			errs = append(errs, fieldError("Too many failed login attempts. Try again later.", "too_many_login_attempts", "password"))
		case !ok:
			errs = append(errs, fieldError("Incorrect password.", "incorrect_password", "password"))
		}
	}
	if len(errs) > 0 {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
	}
	if !restPost(w, r) {
		return nil
	}
	h.recordAuthentication(c.session, u, "reauthenticated", "")
	return h.authenticationResponse(w, r, c, u)
}

// reauthInput is the "reauthenticate" rate limit of u (its 429 once used up), then
// restInput; ok is false when the request was answered.
func (h *Headless) reauthInput(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) (data *serializer.Dict, ok bool, err error) {
	if _, ok, err := h.consume(r.Context(), r, "reauthenticate", "", u.ID); err != nil {
		return nil, false, err
	} else if !ok {
		return nil, false, h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
	}
	return h.restInput(w, r)
}

// reauthenticate is allauth's adapter.reauthenticate: authenticate with u's username
// and primary email address; whether it gives u, or limited when the failed logins'
// rate is used up.
func (h *Headless) reauthenticate(r *http.Request, u *auth.User, password string) (ok, limited bool, err error) {
	var c credentials
	if h.Settings.UserModelUsernameField != "" && u.Username != "" {
		c.username, c.hasUsername = u.Username, true
	}
	if c.email, err = h.primaryEmail(r.Context(), u); err != nil {
		return false, false, err
	}
	found, _, allowed, err := h.adapterAuthenticate(r, c, password)
	if err != nil || !allowed {
		return false, !allowed && err == nil, err
	}
	return found != nil && found.ID == u.ID, false, nil
}

// primaryEmail is EmailAddress.objects.get_primary_email: the user's primary address,
// else the user's own, lowercased ("" for none).
func (h *Headless) primaryEmail(ctx context.Context, u *auth.User) (string, error) {
	if h.Emails != nil {
		e, ok, err := h.Emails.PrimaryEmail(ctx, u.ID)
		if err != nil || ok {
			return e, err
		}
	}
	if h.Settings.UserModelEmailField != "" {
		return pystr.Lower(u.Email), nil
	}
	return "", nil
}
