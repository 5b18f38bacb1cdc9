package simplejwt

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// Views are simplejwt's token views (rest_framework_simplejwt.views) for one site, each an
// http.Handler as its as_view(): POST only (OPTIONS with DRF's metadata), no
// authentication nor permissions, DRF's default parsers (JSON, form, multipart) and
// JSONRenderer. A refused token answers 401 {"detail": simplejwt's message, "code":
// "token_not_valid"} with WWW-Authenticate: Bearer realm="api"; missing or blank fields
// answer 400 with the serializer's errors, as DRF does.
type Views struct {
	// Settings is SIMPLE_JWT.
	Settings *Settings
	// Config authenticates the credentials of the obtain views (its backends, user
	// source and hashers) and finds the users of refresh tokens.
	Config *auth.Config
	// Blacklist, if set, is simplejwt's token_blacklist app: refresh and sliding tokens
	// made are recorded as outstanding, blacklisted ones are refused, and
	// TokenBlacklist (and, with BlacklistAfterRotation, TokenRefresh) blacklist tokens.
	Blacklist Blacklist
	// UsernameField is the user model's USERNAME_FIELD ("" for "username"), the name of
	// the obtain views' first field.
	UsernameField string
	// Throttles are the site's DEFAULT_THROTTLE_CLASSES (DRF's default: none), which each
	// view asks.
	Throttles []restframework.Throttle
	// Django, if set, answers other errors with Django's 500 page and logs them.
	Django *django.Settings
	// RESTFramework and Python are the versions of DRF and Python the site runs (see
	// restframework.APIView's).
	RESTFramework, Python string
}

// field is one of a token serializer's fields: a CharField, required unless optional.
type field struct {
	name               string
	readOnly, optional bool
	helpText           string
}

// view is TokenViewBase with a serializer of fields whose validate is validate (which
// may set headers on w, as a finalize_response does).
func (v *Views) view(name, description string, fields []field,
	validate func(w http.ResponseWriter, r *http.Request, values []string) (serializer.Value, error)) http.Handler {
	post := serializer.NewDict()
	var written []restframework.CharField
	for _, f := range fields {
		info := serializer.NewDict()
		info.Set("type", serializer.Str("string"))
		info.Set("required", serializer.Bool(!f.readOnly && !f.optional))
		info.Set("read_only", serializer.Bool(f.readOnly))
		info.Set("label", serializer.Str(label(f.name)))
		if f.helpText != "" {
			info.Set("help_text", serializer.Str(f.helpText))
		}
		post.Set(f.name, serializer.DictValue(info))
		if !f.readOnly {
			written = append(written, restframework.CharField{Name: f.name, TrimWhitespace: true, Optional: f.optional})
		}
	}
	actions := serializer.NewDict()
	actions.Set("POST", serializer.DictValue(post))
	av := &restframework.APIView{Methods: []string{http.MethodPost}, Name: name, Description: description,
		Actions: serializer.DictValue(actions), WWWAuthenticate: v.Settings.authenticateHeader(), Throttles: v.Throttles,
		Settings: v.Django, RESTFramework: v.RESTFramework, Python: v.Python}
	av.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values, errs, err := restframework.ValidateCharFields(r, written...)
		if err == nil && !errs.IsNone() {
			err = restframework.Response(w, r, http.StatusBadRequest, errs)
		} else if err == nil {
			var data serializer.Value
			if data, err = validate(w, r, values); err == nil {
				err = restframework.Response(w, r, http.StatusOK, data)
			}
		}
		var te *TokenError
		if errors.As(err, &te) {
			err = invalidToken(te.Message)
		}
		if err != nil {
			restframework.Fail(w, r, err)
		}
	})
	return av
}

// label is DRF's label of a field named name (name.replace("_", " ").capitalize()).
func label(name string) string {
	s := strings.ToLower(strings.ReplaceAll(name, "_", " "))
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (v *Views) usernameField() string {
	if v.UsernameField == "" {
		return "username"
	}
	return v.UsernameField
}

// object is a dict of str values, in order.
func object(kv ...string) serializer.Value {
	d := serializer.NewDict()
	for i := 0; i+1 < len(kv); i += 2 {
		d.Set(kv[i], serializer.Str(kv[i+1]))
	}
	return serializer.DictValue(d)
}

// TokenObtainPair is TokenObtainPairView: a POST of username and password answers
// {"refresh": ..., "access": ...} for the user Django's authenticate finds (over
// Config's backends), if active; else 401 "No active account found with the given
// credentials".
func (v *Views) TokenObtainPair() http.Handler {
	return v.view("Token Obtain Pair", "Takes a set of user credentials and returns an access and refresh JSON web\ntoken pair to prove the authentication of those credentials.",
		[]field{{name: v.usernameField()}, {name: "password"}},
		func(_ http.ResponseWriter, r *http.Request, values []string) (serializer.Value, error) {
			u, err := v.obtain(r.Context(), values)
			if err != nil {
				return serializer.Value{}, err
			}
			refresh, err := v.forUser(r.Context(), Refresh, u)
			if err != nil {
				return serializer.Value{}, err
			}
			access, err := refresh.AccessToken()
			if err != nil {
				return serializer.Value{}, err
			}
			rs, err := refresh.Encode()
			if err != nil {
				return serializer.Value{}, err
			}
			as, err := access.Encode()
			if err != nil {
				return serializer.Value{}, err
			}
			return object("refresh", rs, "access", as), v.lastLogin(r.Context(), u)
		})
}

// TokenObtainSliding is TokenObtainSlidingView: as TokenObtainPair, answering
// {"token": ...}, a sliding token.
func (v *Views) TokenObtainSliding() http.Handler {
	return v.view("Token Obtain Sliding", "Takes a set of user credentials and returns a sliding JSON web token to\nprove the authentication of those credentials.",
		[]field{{name: v.usernameField()}, {name: "password"}},
		func(_ http.ResponseWriter, r *http.Request, values []string) (serializer.Value, error) {
			u, err := v.obtain(r.Context(), values)
			if err != nil {
				return serializer.Value{}, err
			}
			tok, err := v.forUser(r.Context(), Sliding, u)
			if err != nil {
				return serializer.Value{}, err
			}
			s, err := tok.Encode()
			if err != nil {
				return serializer.Value{}, err
			}
			return object("token", s), v.lastLogin(r.Context(), u)
		})
}

// obtain is TokenObtainSerializer.validate: the user of the credentials, active.
func (v *Views) obtain(ctx context.Context, values []string) (*auth.User, error) {
	u, _, err := auth.AuthenticateBackends(ctx, values[0], values[1], v.Config)
	if err != nil {
		return nil, err
	}
	if !v.activeRule(u) {
		return nil, noAccount("No active account found with the given credentials")
	}
	return u, nil
}

// activeRule is default_user_authentication_rule.
func (v *Views) activeRule(u *auth.User) bool {
	return u != nil && (!v.Settings.CheckUserIsActive && !v.Settings.v53() || u.IsActive)
}

// noAccount is DRF's AuthenticationFailed(msg, "no_active_account").
func noAccount(msg string) error {
	e := *restframework.ErrAuthenticationFailed
	e.Detail = msg
	return &e
}

// forUser is for_user of the token type, recorded as outstanding with a blacklist.
func (v *Views) forUser(ctx context.Context, typ string, u *auth.User) (*Token, error) {
	t, err := v.Settings.ForUser(typ, u)
	if err != nil {
		return nil, err
	}
	if v.Blacklist != nil {
		o, err := t.Outstanding(u.ID)
		if err != nil {
			return nil, err
		}
		if err := v.Blacklist.Create(ctx, o); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// lastLogin is update_last_login with UpdateLastLogin.
func (v *Views) lastLogin(ctx context.Context, u *auth.User) error {
	if !v.Settings.UpdateLastLogin {
		return nil
	}
	if up, ok := v.Config.Users.(auth.LastLoginUpdater); ok {
		return up.UpdateLastLogin(ctx, u.ID, v.Settings.now())
	}
	return nil
}

// TokenRefresh is TokenRefreshView: a POST of a refresh token answers {"access": ...}, a
// new access token with its claims; with RotateRefreshTokens, also "refresh": the token
// with a new jti, exp and iat (the old one blacklisted first with
// BlacklistAfterRotation). From simplejwt 5.4 on, the token's user must pass the
// authentication rule ("No active account found for the given token.").
func (v *Views) TokenRefresh() http.Handler {
	return v.view("Token Refresh", "Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.",
		[]field{{name: "refresh"}, {name: "access", readOnly: true}},
		func(_ http.ResponseWriter, r *http.Request, values []string) (serializer.Value, error) {
			return v.refresh(r.Context(), values[0])
		})
}

// refresh is TokenRefreshSerializer.validate of the refresh token raw: {"access": ...},
// and "refresh" with RotateRefreshTokens.
func (v *Views) refresh(ctx context.Context, raw string) (serializer.Value, error) {
	refresh, err := v.Settings.ParseWithBlacklist(ctx, v.Blacklist, Refresh, raw)
	if err != nil {
		return serializer.Value{}, err
	}
	if !v.Settings.v53() {
		if id, _ := refresh.Payload.Get(v.Settings.UserIDClaim); id.Truthy() {
			u, err := v.Settings.lookupUser(ctx, v.Config, id)
			if err != nil { // (a user not found too: Django's DoesNotExist, a server error)
				return serializer.Value{}, err
			}
			if !v.activeRule(u) {
				return serializer.Value{}, noAccount("No active account found for the given token.")
			}
		}
	}
	access, err := refresh.AccessToken()
	if err != nil {
		return serializer.Value{}, err
	}
	as, err := access.Encode()
	if err != nil {
		return serializer.Value{}, err
	}
	if !v.Settings.RotateRefreshTokens {
		return object("access", as), nil
	}
	if v.Settings.BlacklistAfterRotation && v.Blacklist != nil {
		if err := v.blacklist(ctx, refresh); err != nil {
			return serializer.Value{}, err
		}
	}
	refresh.SetJTI()
	lifetime, _ := v.Settings.lifetime(Refresh)
	refresh.SetExp("exp", refresh.CurrentTime, lifetime)
	refresh.SetIAT("iat", refresh.CurrentTime)
	if v.Blacklist != nil && !v.Settings.v53() {
		o, err := v.outstanding(ctx, refresh)
		if err != nil {
			return serializer.Value{}, err
		}
		if err := v.Blacklist.GetOrCreate(ctx, o); err != nil {
			return serializer.Value{}, err
		}
	}
	rs, err := refresh.Encode()
	if err != nil {
		return serializer.Value{}, err
	}
	return object("access", as, "refresh", rs), nil
}

// TokenRefreshSliding is TokenRefreshSlidingView: a POST of a sliding token whose refresh
// expiry has not passed answers {"token": ...}, the token with a new exp and iat.
func (v *Views) TokenRefreshSliding() http.Handler {
	return v.view("Token Refresh Sliding", "Takes a sliding JSON web token and returns a new, refreshed version if the\ntoken's refresh period has not expired.",
		[]field{{name: "token"}},
		func(_ http.ResponseWriter, r *http.Request, values []string) (serializer.Value, error) {
			tok, err := v.Settings.ParseWithBlacklist(r.Context(), v.Blacklist, Sliding, values[0])
			if err != nil {
				return serializer.Value{}, err
			}
			if err := tok.CheckExp(v.Settings.SlidingTokenRefreshExpClaim); err != nil {
				return serializer.Value{}, err
			}
			tok.SetExp("exp", tok.CurrentTime, v.Settings.SlidingTokenLifetime)
			tok.SetIAT("iat", tok.CurrentTime)
			s, err := tok.Encode()
			if err != nil {
				return serializer.Value{}, err
			}
			return object("token", s), nil
		})
}

// TokenVerify is TokenVerifyView: a POST of a token of any type answers {} when it is
// valid; with BlacklistAfterRotation and a Blacklist, a blacklisted one answers 400
// {"non_field_errors": ["Token is blacklisted"]}.
func (v *Views) TokenVerify() http.Handler {
	return v.view("Token Verify", "Takes a token and indicates if it is valid.  This view provides no\ninformation about a token's fitness for a particular use.",
		[]field{{name: "token"}},
		func(_ http.ResponseWriter, r *http.Request, values []string) (serializer.Value, error) {
			tok, err := v.Settings.Parse(Untyped, values[0])
			if err != nil {
				return serializer.Value{}, err
			}
			if v.Settings.BlacklistAfterRotation && v.Blacklist != nil {
				jti, _ := tok.Payload.Get(v.Settings.JTIClaim)
				black, err := isBlacklisted(r.Context(), v.Blacklist, jti)
				if err != nil {
					return serializer.Value{}, err
				}
				if black {
					e := *restframework.ErrParse
					e.StatusCode, e.Code, e.Detail = http.StatusBadRequest, "invalid", "Token is blacklisted"
					e.Data = serializer.DictValue(serializer.NewDict())
					e.Data.Dict().Set("non_field_errors", serializer.List(serializer.Str(e.Detail)))
					return serializer.Value{}, &e
				}
			}
			return serializer.DictValue(serializer.NewDict()), nil
		})
}

// TokenBlacklist is TokenBlacklistView: a POST of a refresh token blacklists it (with a
// Blacklist) and answers {}.
func (v *Views) TokenBlacklist() http.Handler {
	return v.view("Token Blacklist", "Takes a token and blacklists it. Must be used with the\n`rest_framework_simplejwt.token_blacklist` app installed.",
		[]field{{name: "refresh"}},
		func(_ http.ResponseWriter, r *http.Request, values []string) (serializer.Value, error) {
			refresh, err := v.Settings.ParseWithBlacklist(r.Context(), v.Blacklist, Refresh, values[0])
			if err != nil {
				return serializer.Value{}, err
			}
			if v.Blacklist != nil {
				if err := v.blacklist(r.Context(), refresh); err != nil {
					return serializer.Value{}, err
				}
			}
			return serializer.DictValue(serializer.NewDict()), nil
		})
}

// blacklist is BlacklistMixin.blacklist: the token recorded as outstanding (if it is not
// yet), then blacklisted.
func (v *Views) blacklist(ctx context.Context, t *Token) error {
	o, err := v.outstanding(ctx, t)
	if err != nil {
		return err
	}
	return v.Blacklist.Blacklist(ctx, o)
}

// outstanding is the OutstandingToken row of t that blacklist and outstand create: its
// user (looked up by the user id claim, nobody when not found; simplejwt 5.3 records no
// user, nor created_at).
func (v *Views) outstanding(ctx context.Context, t *Token) (*OutstandingToken, error) {
	var userID *string
	if !v.Settings.v53() {
		id, _ := t.Payload.Get(v.Settings.UserIDClaim)
		u, err := v.Settings.lookupUser(ctx, v.Config, id)
		switch {
		case err == nil:
			userID = &u.ID
		case !errors.Is(err, auth.ErrUserNotFound):
			return nil, err
		}
	}
	o, err := t.Outstanding("")
	if err != nil {
		return nil, err
	}
	o.UserID = userID
	if v.Settings.v53() {
		o.CreatedAt = nil
	}
	return o, nil
}
