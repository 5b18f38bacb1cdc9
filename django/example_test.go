package django_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/serializer"
)

// The middleware around a handler that counts visits in the session, with Django's file
// engine: the first response creates the session and sets Django's cookie, the second
// request sends the cookie back and sees the stored count.
func ExampleMiddleware() {
	dir, _ := os.MkdirTemp("", "djsession-example")
	defer os.RemoveAll(dir)

	s := django.NewSettings()
	s.SecretKey = "django-insecure-example"
	s.Now = func() time.Time { return time.Date(2024, 3, 5, 17, 0, 0, 0, time.UTC) }
	opts, err := s.EngineOptions()
	if err != nil {
		panic(err)
	}
	if s.SessionEngine, err = file.New(file.Config{Path: dir}, opts); err != nil {
		panic(err)
	}
	mw, err := django.NewMiddleware(s)
	if err != nil {
		panic(err)
	}
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := django.FromContext(r.Context())
		n := int64(0)
		if v, ok := sess.Get("visits"); ok {
			n, _ = v.AsInt()
		}
		sess.Set("visits", serializer.Int(n+1))
		fmt.Fprintf(w, "visit %d\n", n+1)
	}))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Body.String())
	setCookie := rec.Header().Get("Set-Cookie")
	key := setCookie[len("sessionid=") : len("sessionid=")+32]
	fmt.Println(setCookie[len("sessionid=")+32:])
	fmt.Println("Vary:", rec.Header().Get("Vary"))

	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "sessionid="+key)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Print(rec.Body.String())
	// Output:
	// visit 1
	// ; expires=Tue, 19 Mar 2024 17:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax
	// Vary: Cookie
	// visit 2
}

// Cookie prints a Set-Cookie value exactly as Django (Python's Morsel) does.
func ExampleCookie() {
	fmt.Println(django.Cookie{Name: "sessionid", Value: "abc", Path: "/", SameSite: "Lax",
		HttpOnly: true, Secure: true, Domain: ".example.com", MaxAge: 60, HasMaxAge: true,
		Expires: "Tue, 05 Mar 2024 17:01:00 GMT"})
	fmt.Println(django.Cookie{Name: "msg", Value: "a b;c"})
	// Output:
	// sessionid=abc; Domain=.example.com; expires=Tue, 05 Mar 2024 17:01:00 GMT; HttpOnly; Max-Age=60; Path=/; SameSite=Lax; Secure
	// msg="a b\073c"
}

// Settings exported from a Django project by scripts/export_settings.py.
func ExampleSettingsFromJSON() {
	s, err := django.SettingsFromJSON([]byte(`{"django_version": "4.2.30", "settings": {
		"SESSION_COOKIE_NAME": "sid", "SESSION_COOKIE_SAMESITE": false, "USE_TZ": true}}`))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %q %v %v\n", s.SessionCookieName, s.SessionCookieSameSite, s.SessionCookieHttpOnly, s.VaryOnlyWhenAccessed)
	// Output: sid "" true true
}
