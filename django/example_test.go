package django_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
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

// The CSRF middleware in front of a form: the GET hands out a token (and sets Django's
// csrftoken cookie), the POST that sends them back passes, and one without the token is
// refused with Django's reason.
func ExampleCSRFMiddleware() {
	s := django.NewSettings()
	s.SecretKey = "django-insecure-example"
	s.AllowedHosts = []string{"example.com"}
	s.Now = func() time.Time { return time.Date(2024, 3, 5, 17, 0, 0, 0, time.UTC) }
	csrf, err := django.NewCSRFMiddleware(s)
	if err != nil {
		panic(err)
	}
	h := csrf.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			token, _ := django.CSRFToken(r) // {% csrf_token %}
			fmt.Fprintf(w, `<input type="hidden" name="csrfmiddlewaretoken" value="%s">`, token)
			return
		}
		fmt.Fprintln(w, "saved")
	}))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com/form", nil))
	cookie, attrs, _ := strings.Cut(rec.Header().Get("Set-Cookie"), ";")
	token := strings.TrimSuffix(strings.Split(rec.Body.String(), `value="`)[1], `">`)
	fmt.Println(len(strings.TrimPrefix(cookie, "csrftoken=")), len(token), attrs)

	post := func(form string) string {
		req := httptest.NewRequest("POST", "http://example.com/form", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return fmt.Sprint(rec.Code, " ", rec.Body.String())
	}
	fmt.Print(post("csrfmiddlewaretoken=" + token + "&name=x"))
	fmt.Print(post("name=x"))
	// Output:
	// 32 64  expires=Tue, 04 Mar 2025 17:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax
	// 200 saved
	// 403 Forbidden (CSRF verification failed): CSRF token missing.
}

// A signed cookie as Django's set_signed_cookie writes it (Django 6.1 writes the same
// header for this key, salt and time), read back as get_signed_cookie reads it.
func ExampleSetSignedCookie() {
	s := django.NewSettings()
	s.SecretKey = "django-insecure-example"
	s.Now = func() time.Time { return time.Date(2024, 3, 5, 17, 0, 0, 0, time.UTC) }

	rec := httptest.NewRecorder()
	if err := django.SetSignedCookie(rec, &s, django.Cookie{Name: "theme", Value: "dark", Path: "/"}, "prefs"); err != nil {
		panic(err)
	}
	fmt.Println(rec.Header().Get("Set-Cookie"))

	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", strings.TrimSuffix(rec.Header().Get("Set-Cookie"), "; Path=/"))
	theme, err := django.GetSignedCookie(req, &s, "theme", django.SignedCookieOptions{Salt: "prefs"})
	fmt.Println(theme, err)
	// Output:
	// theme=dark:1rhY92:gCNf6KVacs5w_PEwzk2LPHs4oqs8LVSy4Jv-S5LkCmg; Path=/
	// dark <nil>
}
