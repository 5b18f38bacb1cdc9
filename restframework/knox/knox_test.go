package knox_test

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/knox"
	"github.com/djsession/djsession/serializer"
)

// knoxTable is knox's knox_authtoken as its migrations make it on SQLite.
const knoxTable = `CREATE TABLE "knox_authtoken" ("digest" varchar(128) NOT NULL PRIMARY KEY,
	"created" datetime NOT NULL, "user_id" integer NOT NULL REFERENCES "auth_user" ("id"),
	"expiry" datetime NULL, "token_key" varchar(25) NOT NULL)`

// site is a copy of the example database with knox's table, and knox's views over it.
func site(tb testing.TB) (*sql.DB, *knox.Views, http.Handler) {
	db, users := exampledb.Open(tb)
	views, me, err := siteOn(db, users)
	if err != nil {
		tb.Fatal(err)
	}
	return db, views, me
}

// exampleSite is site for an Example, over exampledb.Copy, which done removes.
func exampleSite() (views *knox.Views, me http.Handler, done func()) {
	db, users, done, err := exampledb.Copy()
	if err == nil {
		views, me, err = siteOn(db, users)
	}
	if err != nil {
		panic(err)
	}
	return views, me, done
}

func siteOn(db *sql.DB, users *auth.SQLUserSource) (*knox.Views, http.Handler, error) {
	if _, err := db.Exec(knoxTable); err != nil {
		return nil, nil, err
	}
	cfg := &auth.Config{SecretKey: "k", Users: users}
	s := knox.Defaults()
	tokens := knox.NewSQLTokens(users, "")
	views := &knox.Views{Settings: s, Tokens: tokens, Config: cfg,
		Authentication: []restframework.Authenticator{&restframework.BasicAuthentication{Config: cfg}}}
	me := &restframework.APIView{
		Authentication: []restframework.Authenticator{&knox.TokenAuthentication{Settings: s, Tokens: tokens, Config: cfg}},
		Permissions:    []restframework.Permission{restframework.IsAuthenticated{}},
		Methods:        []string{"GET"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			restframework.Response(w, r, http.StatusOK, serializer.Str(restframework.FromContext(r.Context()).User.Username))
		}),
	}
	return views, me, nil
}

// An API client logs in with its password (Basic), gets a knox token Django's knox takes
// too, uses it, and logs out.
func Example() {
	views, me, done := exampleSite()
	defer done()
	send := func(h http.Handler, method, authorization string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/", nil)
		r.Header.Set("Authorization", authorization)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := send(views.Login(), "POST", "Basic "+base64.StdEncoding.EncodeToString([]byte("bob:bob-example-password")))
	var login struct{ Expiry, Token string }
	json.Unmarshal(w.Body.Bytes(), &login)
	fmt.Println(w.Code, len(login.Token), login.Expiry != "")

	fmt.Println(send(me, "GET", "Token "+login.Token).Body)
	fmt.Println(send(views.Logout(), "POST", "Token "+login.Token).Code)
	fmt.Println(send(me, "GET", "Token "+login.Token).Body)
	// Output:
	// 200 64 true
	// "bob"
	// 204
	// {"detail":"Invalid token."}
}

// TestTokens: tokens made by Create authenticate until they expire (and are then
// deleted), the user must be active, and malformed headers are refused as knox refuses
// them; without its pieces the authenticator fails instead of panicking.
func TestTokens(t *testing.T) {
	db, views, me := site(t)
	s, tokens := views.Settings, views.Tokens
	now := time.Now()
	s.Now = func() time.Time { return now }
	_, good, err := s.Create(t.Context(), tokens, "2")
	if err != nil {
		t.Fatal(err)
	}
	s.TokenTTL = time.Minute
	_, short, err := s.Create(t.Context(), tokens, "2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE "auth_user" SET "is_active" = 0 WHERE "id" = 3`); err != nil {
		t.Fatal(err)
	}
	_, inactive, err := s.Create(t.Context(), tokens, "3")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		header string
		status int
		body   string
	}{
		{"Token " + good, 200, `"bob"`},
		{"token " + short, 200, `"bob"`},
		{"Token " + inactive, 401, `{"detail":"User inactive or deleted."}`},
		{"Token " + good + "0", 401, `{"detail":"Invalid token."}`},
		{"Token", 401, `{"detail":"Invalid token header. No credentials provided."}`},
		{"Token a b", 401, `{"detail":"Invalid token header. Token string should not contain spaces."}`},
		{"Bearer " + good, 401, `{"detail":"Authentication credentials were not provided."}`},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", c.header)
		w := httptest.NewRecorder()
		me.ServeHTTP(w, r)
		if w.Code != c.status || w.Body.String() != c.body {
			t.Errorf("%.20s: %d %s, want %d %s", c.header, w.Code, w.Body, c.status, c.body)
		}
	}
	now = now.Add(2 * time.Minute) // (the short token has expired: refused, and deleted)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Token "+short)
	w := httptest.NewRecorder()
	me.ServeHTTP(w, r)
	left, err := tokens.ForUser(t.Context(), "2")
	if err != nil {
		t.Fatal(err)
	}
	if w.Code != 401 || len(left) != 1 {
		t.Errorf("an expired token: %d, %d tokens left", w.Code, len(left))
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Token "+good)
	w = httptest.NewRecorder()
	(&restframework.APIView{Authentication: []restframework.Authenticator{&knox.TokenAuthentication{}}, Methods: []string{"GET"},
		Handler: http.NotFoundHandler()}).ServeHTTP(w, r)
	if w.Code != 500 {
		t.Errorf("an authenticator without its pieces: %d", w.Code)
	}
}

// TestHashToken: knox 5 hashes the token's text, knox 4.2 the bytes of its hex digits
// (and refuses what is not hex).
func TestHashToken(t *testing.T) {
	s := knox.Defaults()
	d5, err := s.HashToken("00ff")
	if err != nil || len(d5) != 128 {
		t.Fatal(d5, err)
	}
	s.Version = "4.2"
	d42, err := s.HashToken("00ff")
	if err != nil || d42 == d5 {
		t.Errorf("4.2: %s %v", d42, err)
	}
	if _, err := s.HashToken("0g"); err == nil {
		t.Error("4.2 hashed a token that is not hex")
	}
	if diff := cmp.Diff(128, len(d42)); diff != "" {
		t.Error(diff)
	}
	if strings.ToLower(d5) != d5 {
		t.Error("not lower-case hex")
	}
}

// TestSettingsFromJSON: what SettingsFromJSON takes and what it refuses.
func TestSettingsFromJSON(t *testing.T) {
	for _, c := range []struct {
		restKnox string
		ok       bool
	}{
		{`{}`, true},
		{`{"TOKEN_TTL": null, "TOKEN_LIMIT_PER_USER": null, "USER_SERIALIZER": null}`, true},
		{`{"SECURE_HASH_ALGORITHM": "cryptography.hazmat.primitives.hashes.SHA512", "EXPIRY_DATETIME_FORMAT": "iso-8601"}`, true},
		{`{"SECURE_HASH_ALGORITHM": "hashlib.sha256"}`, false},
		{`{"USER_SERIALIZER": "mysite.UserSerializer"}`, false},
		{`{"EXPIRY_DATETIME_FORMAT": "%Y"}`, false},
		{`{"TOKEN_PREFIX": "12345678901"}`, false},
		{`{"TOKEN_TTL": "x"}`, false},
		{`{"TOKEN_TTLS": 5}`, false},
	} {
		_, err := knox.SettingsFromJSON([]byte(`{"settings": {"REST_KNOX": ` + c.restKnox + `}}`))
		if c.ok && err != nil || !c.ok && !errors.Is(err, knox.ErrSettings) {
			t.Errorf("%s: %v", c.restKnox, err)
		}
	}
}
