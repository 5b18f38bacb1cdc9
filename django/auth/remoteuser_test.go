package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/signedcookies"
)

// creatingUsers is an in-memory UserCreator.
type creatingUsers struct {
	users
	created []string
}

func (c *creatingUsers) UserByUsername(_ context.Context, name string) (*auth.User, error) {
	for _, u := range c.users {
		if u.Username == name {
			return u, nil
		}
	}
	return nil, auth.ErrUserNotFound
}

func (c *creatingUsers) GetOrCreateUser(ctx context.Context, name string, now time.Time) (*auth.User, bool, error) {
	if u, err := c.UserByUsername(ctx, name); err == nil {
		return u, false, nil
	}
	u := &auth.User{ID: strconv.Itoa(len(c.users) + 1), Username: name, IsActive: true}
	c.users[u.ID] = u
	c.created = append(c.created, name)
	return u, true, nil
}

// TestRemoteUserMiddleware covers what the live test (TestLiveRemoteUserMiddleware) does
// not: the hooks (ConfigureUser refusing or failing), a repeated header, a backend that
// AuthenticationBackends does not list, and sources that cannot find or create users.
func TestRemoteUserMiddleware(t *testing.T) {
	s, mw := newSite(t, "remote-user-test-secret")
	s.Logger = slog.New(slog.DiscardHandler)
	src := &creatingUsers{users: users{"1": {ID: "1", Username: "alice", IsActive: true}}}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: src, AuthenticationBackends: []string{auth.ModelBackend, auth.RemoteUserBackend}}
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequestUser(r, cfg)
		if err != nil {
			t.Error(err)
		}
		if u != nil {
			fmt.Fprint(w, u.Username)
		}
	})
	serve := func(opts auth.RemoteUserOptions, c *auth.Config, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "http://example.com/", nil)
		for _, h := range header {
			req.Header.Add("X-Remote-User", h)
		}
		rec := httptest.NewRecorder()
		mw.Handler(auth.RemoteUserMiddleware(s, c, opts, whoami)).ServeHTTP(rec, req)
		return rec
	}
	opts := auth.RemoteUserOptions{Header: "x-remote-user"}
	if rec := serve(opts, cfg, "alice"); rec.Body.String() != "alice" || len(rec.Result().Cookies()) != 1 {
		t.Errorf("alice: %q %v", rec.Body, rec.Result().Cookies())
	}
	if rec := serve(opts, cfg, "bob", "ann"); rec.Body.String() != "bob,ann" {
		t.Errorf("a repeated header: %q, want the values joined as a WSGI server joins them", rec.Body)
	}
	if rec := serve(auth.RemoteUserOptions{}, cfg, "carl"); rec.Body.String() != "" {
		t.Errorf("another header than the default one logged %q in", rec.Body)
	}
	if rec := serve(auth.RemoteUserOptions{Header: "HTTP_X_REMOTE_USER"}, cfg, "alice"); rec.Body.String() != "alice" {
		t.Errorf("the header named as in request.META: %q", rec.Body)
	}
	if rec := serve(opts, cfg, "Jos\xc3\xa9"); rec.Body.String() != "Jos\u00c3\u00a9" {
		t.Errorf("a UTF-8 header: %q, want its bytes read as latin-1 as WSGI does", rec.Body)
	}

	// A project's own backend: ConfigureUser sees the creation, and may refuse the user
	// or fail.
	own := &auth.Config{SecretKey: s.SecretKey, Users: src, AuthenticationBackends: []string{auth.ModelBackend, "my.RemoteBackend"}}
	opts.Backend = "my.RemoteBackend"
	var seen []string
	opts.ConfigureUser = func(_ context.Context, r *http.Request, u *auth.User, created bool) (*auth.User, error) {
		seen = append(seen, fmt.Sprintf("%s %v", u.Username, created))
		switch u.Username {
		case "nobody":
			return nil, nil
		case "broken":
			return nil, errors.New("the directory is down")
		}
		return u, nil
	}
	serve(opts, own, "dora")
	serve(opts, own, "dora")
	if fmt.Sprint(seen) != "[dora true dora false]" {
		t.Errorf("ConfigureUser saw %v", seen)
	}
	if rec := serve(opts, own, "nobody"); rec.Code != 200 || rec.Body.String() != "" {
		t.Errorf("ConfigureUser refused the user: %d %q", rec.Code, rec.Body)
	}
	if rec := serve(opts, own, "broken"); rec.Code != http.StatusInternalServerError {
		t.Errorf("ConfigureUser failed: %d, want 500", rec.Code)
	}

	// A backend AuthenticationBackends does not list logs nobody in, as in Django.
	modelOnly := &auth.Config{SecretKey: s.SecretKey, Users: src}
	if rec := serve(auth.RemoteUserOptions{Header: "X-Remote-User"}, modelOnly, "alice"); rec.Body.String() != "" {
		t.Errorf("without a remote-user backend: %q logged in", rec.Body)
	}
	if rec := serve(auth.RemoteUserOptions{Header: "X-Remote-User", Backend: "my.Backend"}, modelOnly, "alice"); rec.Body.String() != "" {
		t.Errorf("with an unlisted backend: %q logged in", rec.Body)
	}

	// Sources that cannot create or find users: a 500 naming the gap.
	plain := &auth.Config{SecretKey: s.SecretKey, Users: users{}, AuthenticationBackends: cfg.AuthenticationBackends}
	if rec := serve(auth.RemoteUserOptions{Header: "X-Remote-User"}, plain, "eve"); rec.Code != http.StatusInternalServerError {
		t.Errorf("no UserCreator: %d", rec.Code)
	}
	if rec := serve(auth.RemoteUserOptions{Header: "X-Remote-User", SkipCreateUnknownUser: true}, plain, "eve"); rec.Code != http.StatusInternalServerError {
		t.Errorf("no UsernameSource: %d", rec.Code)
	}
	if fmt.Sprint(src.created) != "[bob,ann Jos\u00c3\u00a9 dora nobody broken]" {
		t.Errorf("created %v", src.created)
	}
}

// TestPersistentRemoteUserLeavesSessionAlone: PersistentRemoteUserMiddleware does not
// look at a request without the header: its user is not read (nor its session).
func TestPersistentRemoteUserLeavesSessionAlone(t *testing.T) {
	s, mw := newSite(t, "remote-user-test-secret")
	src := &countingUsers{users: users{"1": {ID: "1", Username: "alice", IsActive: true}}}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: src, AuthenticationBackends: []string{auth.ModelBackend, auth.RemoteUserBackend}}
	mux := http.NewServeMux()
	mux.HandleFunc("/in", func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Login(r.Context(), django.FromContext(r.Context()), src.users["1"], auth.RemoteUserBackend, cfg); err != nil {
			t.Fatal(err)
		}
	})
	mux.HandleFunc("/page", func(http.ResponseWriter, *http.Request) {})
	for _, persistent := range []bool{true, false} {
		h := mw.Handler(auth.RemoteUserMiddleware(s, cfg, auth.RemoteUserOptions{Persistent: persistent}, mux))
		c := get(h, "/in", "").Result().Cookies()
		if len(c) != 1 {
			t.Fatal("no login")
		}
		loads := src.loads
		rec := get(h, "/page", c[0].Name+"="+c[0].Value)
		if read := src.loads > loads; read == persistent {
			t.Errorf("persistent %v: the user was read: %v", persistent, read)
		}
		if out := len(rec.Result().Cookies()) == 1; out == persistent {
			t.Errorf("persistent %v: logged out: %v", persistent, out)
		}
	}
}

// Log in the user a single sign-on proxy names in a header, as Django's
// RemoteUserMiddleware with RemoteUserBackend does (creating the users it does not know).
func ExampleRemoteUserMiddleware() {
	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts = "example-secret-key", []string{"example.com"}
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		panic(err)
	}
	s.SessionEngine = store
	users := &creatingUsers{users: users{}}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: users,
		AuthenticationBackends: []string{auth.ModelBackend, auth.RemoteUserBackend}}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := auth.RequestUser(r, cfg)
		backend, _ := auth.Backend(django.FromContext(r.Context()))
		fmt.Fprintf(w, "%s (%s)", u.Username, backend)
	})
	mw, err := django.NewMiddleware(s)
	if err != nil {
		panic(err)
	}
	// (the proxy sets X-Remote-User, and removes any a client sends)
	h := mw.Handler(auth.RemoteUserMiddleware(&s, cfg, auth.RemoteUserOptions{Header: "X-Remote-User"}, page))

	req := httptest.NewRequest("GET", "http://example.com/", nil)
	req.Header.Set("X-Remote-User", "jdoe")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Body, users.created)
	// Output: jdoe (django.contrib.auth.backends.RemoteUserBackend) [jdoe]
}
