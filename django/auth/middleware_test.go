package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
)

// countingUsers counts the loads of its users.
type countingUsers struct {
	users
	loads int
}

func (c *countingUsers) User(ctx context.Context, id string) (*auth.User, error) {
	c.loads++
	return c.users.User(ctx, id)
}

// TestRequestUser: behind AuthenticationMiddleware (and the decorators) the user is read
// once per request, and a Login or Logout in the request replaces it, as Django's
// request.user; without the session middleware, a clear error.
func TestRequestUser(t *testing.T) {
	s, mw := newSite(t, "request-user-test-secret")
	src := &countingUsers{users: users{"1": {ID: "1", IsActive: true}, "2": {ID: "2", IsActive: true}}}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: src}
	var seen []string
	who := func(r *http.Request) {
		u, err := auth.RequestUser(r, cfg)
		switch {
		case err != nil:
			seen = append(seen, err.Error())
		case u == nil:
			seen = append(seen, "anonymous")
		default:
			seen = append(seen, u.ID)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/as/{id}", func(w http.ResponseWriter, r *http.Request) {
		who(r)
		if err := auth.Login(r.Context(), django.FromContext(r.Context()), src.users[r.PathValue("id")], "", cfg); err != nil {
			t.Fatal(err)
		}
		who(r)
	})
	mux.HandleFunc("/out", func(w http.ResponseWriter, r *http.Request) {
		who(r)
		if err := auth.Logout(r.Context(), django.FromContext(r.Context())); err != nil {
			t.Fatal(err)
		}
		who(r)
	})
	mux.Handle("/private", auth.LoginRequired(s, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who(r)
		who(r)
	})))
	h := mw.Handler(auth.AuthenticationMiddleware(cfg, mux))
	do := func(target, cookie string) string {
		rec := get(h, target, cookie)
		if c := rec.Result().Cookies(); len(c) == 1 {
			return c[0].Name + "=" + c[0].Value
		}
		return cookie
	}
	cookie := do("/as/1", "")
	loads := src.loads
	do("/private", cookie)
	if src.loads != loads+1 {
		t.Errorf("LoginRequired and two RequestUser calls loaded the user %d times, want 1", src.loads-loads)
	}
	cookie = do("/as/2", cookie)
	do("/out", cookie)
	want := []string{"anonymous", "1", "1", "1", "1", "2", "2", "anonymous"}
	if strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Errorf("users seen %v, want %v", seen, want)
	}
	// Without the session middleware.
	req := httptest.NewRequest("GET", "http://example.com/", nil)
	if _, err := auth.RequestUser(req, cfg); !errors.Is(err, auth.ErrNoSessionMiddleware) {
		t.Errorf("RequestUser without a session: %v", err)
	}
}
