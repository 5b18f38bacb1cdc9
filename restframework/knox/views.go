package knox

import (
	"errors"
	"net/http"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// Views are knox's views (knox.urls: login/, logout/, logoutall/) for one site, each an
// http.Handler as its as_view(): POST for an authenticated user (IsAuthenticated), DRF's
// parsers, JSONRenderer and refusals.
type Views struct {
	// Settings is REST_KNOX; Tokens the knox_authtoken table.
	Settings *Settings
	Tokens   *SQLTokens
	// Config loads the tokens' users, and records last_login.
	Config *auth.Config
	// Authentication is the site's DEFAULT_AUTHENTICATION_CLASSES, which Login uses
	// (knox's LoginView takes them: often BasicAuthentication, for a client that has a
	// password and no token yet). Logout and LogoutAll use knox's TokenAuthentication.
	Authentication []restframework.Authenticator
	// Throttles are the site's DEFAULT_THROTTLE_CLASSES (DRF's default: none).
	Throttles []restframework.Throttle
	// UsernameField is the user model's USERNAME_FIELD ("" for "username"), the key of
	// the user in Login's answer with UserSerializer.
	UsernameField string
	// Django, if set, is the site's settings: TIME_ZONE and USE_TZ for the expiry in
	// Login's answer, and Django's 500 page for other errors.
	Django *django.Settings
	// RESTFramework and Python are the versions of DRF and Python the site runs (see
	// restframework.APIView's).
	RESTFramework, Python string
}

func (v *Views) apiView(name, description string, auths []restframework.Authenticator,
	handle func(w http.ResponseWriter, r *http.Request, a *restframework.Authentication) error) http.Handler {
	av := &restframework.APIView{Authentication: auths, Permissions: []restframework.Permission{restframework.IsAuthenticated{}},
		Throttles: v.Throttles, Methods: []string{http.MethodPost}, Name: name, Description: description,
		Settings: v.Django, RESTFramework: v.RESTFramework, Python: v.Python}
	av.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := errors.New("knox: Views needs Settings, Tokens and Config")
		if v.Settings != nil && v.Tokens != nil && v.Config != nil {
			err = handle(w, r, restframework.FromContext(r.Context()))
		}
		if err != nil {
			restframework.Fail(w, r, err)
		}
	})
	return av
}

func (v *Views) tokenAuthentication() []restframework.Authenticator {
	return []restframework.Authenticator{&TokenAuthentication{Settings: v.Settings, Tokens: v.Tokens, Config: v.Config}}
}

// Login is knox's LoginView: for the user the site's default authentication found, a
// new token (refused with 403 {"error": "Maximum amount of tokens allowed per user
// exceeded."} when TokenLimitPerUser live tokens exist), the user's last_login set, and
// the answer {"expiry": the token's expiry as DRF's DateTimeField writes it (null when it
// never expires), "token": the token, and with UserSerializer "user": {USERNAME_FIELD:
// ...}}.
func (v *Views) Login() http.Handler {
	return v.apiView("Login", "", v.Authentication, func(w http.ResponseWriter, r *http.Request, a *restframework.Authentication) error {
		ctx, s := r.Context(), v.Settings
		if s.TokenLimitPerUser != nil {
			tokens, err := v.Tokens.forUser(ctx, a.User.ID)
			if err != nil {
				return err
			}
			now, live := s.now(), 0
			for _, t := range tokens {
				if t.Expiry != nil && t.Expiry.After(now) || t.Expiry == nil && !s.v42() {
					live++
				}
			}
			if live >= *s.TokenLimitPerUser {
				d := serializer.NewDict()
				d.Set("error", serializer.Str("Maximum amount of tokens allowed per user exceeded."))
				return restframework.Response(w, r, http.StatusForbidden, serializer.DictValue(d))
			}
		}
		instance, token, err := s.Create(ctx, v.Tokens, a.User.ID)
		if err != nil {
			return err
		}
		if up, ok := v.Config.Users.(auth.LastLoginUpdater); ok { // (user_logged_in: update_last_login)
			if err := up.UpdateLastLogin(ctx, a.User.ID, s.now()); err != nil {
				return err
			}
		}
		d := serializer.NewDict()
		d.Set("expiry", serializer.None())
		if instance.Expiry != nil {
			exp, err := restframework.DateTimeField(*instance.Expiry, v.Django)
			if err != nil {
				return err
			}
			d.Set("expiry", exp)
		}
		d.Set("token", serializer.Str(token))
		if s.UserSerializer {
			u := serializer.NewDict()
			field := v.UsernameField
			if field == "" {
				field = "username"
			}
			u.Set(field, serializer.Str(a.User.Username))
			d.Set("user", serializer.DictValue(u))
		}
		return restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
	})
}

// Logout is knox's LogoutView: the request's token (knox's TokenAuthentication) deleted,
// 204.
func (v *Views) Logout() http.Handler {
	return v.apiView("Logout", "", v.tokenAuthentication(), func(w http.ResponseWriter, r *http.Request, a *restframework.Authentication) error {
		t, ok := a.Auth.(*AuthToken)
		if !ok {
			return errors.New("knox: Logout without a knox token")
		}
		if err := v.Tokens.delete(r.Context(), t.Digest); err != nil {
			return err
		}
		return restframework.Response(w, r, http.StatusNoContent, serializer.None())
	})
}

// LogoutAll is knox's LogoutAllView: every token of the request's user (knox's
// TokenAuthentication) deleted, 204.
func (v *Views) LogoutAll() http.Handler {
	return v.apiView("Logout All", `
    Log the user out of all sessions
    I.E. deletes all auth tokens for the user
    `, v.tokenAuthentication(), func(w http.ResponseWriter, r *http.Request, a *restframework.Authentication) error {
		if err := v.Tokens.DeleteForUser(r.Context(), a.User.ID); err != nil {
			return err
		}
		return restframework.Response(w, r, http.StatusNoContent, serializer.None())
	})
}
