package messages

import (
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

var testNow = time.Unix(1700000000, 0)

func testSettings(t testing.TB, storage string) django.Settings {
	t.Helper()
	s := django.NewSettings()
	s.SecretKey = "messages-test-secret"
	s.MessageStorage = storage
	s.Now = func() time.Time { return testNow }
	s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts, err := s.EngineOptions()
	if err != nil {
		t.Fatal(err)
	}
	st, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = st
	return s
}

// server is the session middleware around the messages middleware around h, as Django's
// MIDDLEWARE orders them.
func server(t testing.TB, s django.Settings, h http.HandlerFunc) http.Handler {
	t.Helper()
	sm, err := django.NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	return sm.Handler(mm.Handler(h))
}

// browser sends requests to h keeping the cookies it sets, as a browser does.
type browser struct {
	h       http.Handler
	cookies map[string]string
}

func (b *browser) get(path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	var pairs []string
	for k, v := range b.cookies {
		pairs = append(pairs, k+"="+v)
	}
	req.Header.Set("Cookie", strings.Join(pairs, "; "))
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, line := range rec.Header()["Set-Cookie"] {
		pair, _, _ := strings.Cut(line, "; ")
		k, v, _ := strings.Cut(pair, "=")
		if v == `""` {
			delete(b.cookies, k)
		} else {
			b.cookies[k] = v
		}
	}
	return rec
}

// TestMiddlewareFlow: a message added by one request is shown by the next, then gone, in
// each storage; long messages overflow the cookie into the session under FallbackStorage.
func TestMiddlewareFlow(t *testing.T) {
	for _, storage := range []string{FallbackStorage, CookieStorage, SessionStorage} {
		t.Run(storage[strings.LastIndexByte(storage, '.')+1:], func(t *testing.T) {
			s := testSettings(t, storage)
			h := server(t, s, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/add":
					if err := Success(r, "Saved."); err != nil {
						t.Error(err)
					}
					AddMessage(r, WARNING, "Check <b>this</b>", "important")
					Debug(r, "not recorded below MESSAGE_LEVEL")
				}
				for _, m := range GetMessages(r) {
					io.WriteString(w, m.Tags()+": "+m.Message+"\n")
				}
			})
			b := &browser{h: h, cookies: map[string]string{}}
			if got := b.get("/add").Body.String(); got != "success: Saved.\nimportant warning: Check <b>this</b>\n" {
				t.Errorf("first request shows %q", got)
			}
			b.get("/nothing") // read already: nothing stored
			if _, ok := b.cookies[CookieName]; ok {
				t.Errorf("messages cookie kept after reading: %q", b.cookies)
			}

			// Added without reading: shown by the next request.
			h2 := server(t, s, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/add" {
					Success(r, "Saved.")
					return
				}
				for _, m := range GetMessages(r) {
					io.WriteString(w, m.Message)
				}
			})
			b.h = h2
			b.get("/add")
			_, inCookie := b.cookies[CookieName]
			if inCookie != (storage != SessionStorage) {
				t.Errorf("cookies after adding: %q", b.cookies)
			}
			if got := b.get("/show").Body.String(); got != "Saved." {
				t.Errorf("next request shows %q", got)
			}
			if got := b.get("/show").Body.String(); got != "" {
				t.Errorf("third request shows %q", got)
			}

			// More than the cookie holds.
			if storage == SessionStorage {
				return
			}
			b.h = server(t, s, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/add" {
					for i := range 8 {
						Info(r, randomish(i))
					}
					return
				}
				io.WriteString(w, strings.Repeat("x", len(GetMessages(r))))
			})
			b.get("/add")
			cookie := b.cookies[CookieName]
			c, _ := newCodec(&s)
			msgs, all, err := c.decodeCookie(cookie)
			if err != nil || all || len(msgs) == 0 || len(msgs) == 8 {
				t.Fatalf("cookie of 8 long messages: %d messages, all %v, %v", len(msgs), all, err)
			}
			if storedLength(cookie) > MaxCookieSize {
				t.Errorf("cookie of %d characters", storedLength(cookie))
			}
			want := 8
			if storage == CookieStorage {
				want = len(msgs) // the oldest are lost
			}
			if got := b.get("/show").Body.String(); len(got) != want {
				t.Errorf("shown %d messages, want %d", len(got), want)
			}
		})
	}
}

// randomish is 400 characters that compress poorly.
func randomish(seed int) string {
	var b strings.Builder
	x := uint32(seed*7919 + 1)
	for range 400 {
		x = x*1664525 + 1013904223
		b.WriteByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[(x>>26)%62])
	}
	return b.String()
}

// TestMiddlewareDebugNotAllStored: with DEBUG, messages CookieStorage cannot hold turn the
// response into a 500, which drops the handler's headers; without DEBUG they are lost
// silently (oldest first).
func TestMiddlewareDebugNotAllStored(t *testing.T) {
	for _, debug := range []bool{false, true} {
		s := testSettings(t, CookieStorage)
		s.Debug = debug
		h := server(t, s, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Handler", "1")
			for i := range 8 {
				Info(r, randomish(i))
			}
			io.WriteString(w, "body")
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if debug {
			if rec.Code != 500 || rec.Header().Get("X-Handler") != "" || strings.Contains(rec.Body.String(), "body") {
				t.Errorf("DEBUG: %d %q %q", rec.Code, rec.Header(), rec.Body)
			}
			continue
		}
		if rec.Code != 200 || rec.Body.String() != "body" || !strings.HasPrefix(rec.Header().Get("Set-Cookie"), CookieName+"=") {
			t.Errorf("%d %q %q", rec.Code, rec.Header(), rec.Body)
		}
	}
}

// TestMiddlewareConfig: the settings and the session middleware are checked.
func TestMiddlewareConfig(t *testing.T) {
	s := testSettings(t, "myapp.storage.Custom")
	if _, err := NewMiddleware(s); !errors.Is(err, django.ErrInvalidSettings) {
		t.Errorf("custom MESSAGE_STORAGE: %v", err)
	}
	for _, storage := range []string{FallbackStorage, SessionStorage, CookieStorage} {
		s := testSettings(t, storage)
		mm, err := NewMiddleware(s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = mm.NewStorage(httptest.NewRequest("GET", "/", nil))
		if (err != nil) != (storage != CookieStorage) || err != nil && !errors.Is(err, ErrNoSession) {
			t.Errorf("%s without a session: %v", storage, err)
		}
		rec := httptest.NewRecorder()
		mm.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if (rec.Code == 500) != (storage != CookieStorage) {
			t.Errorf("%s without a session: status %d", storage, rec.Code)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	if err := Success(r, "x"); !errors.Is(err, ErrNoMiddleware) {
		t.Errorf("Success outside the middleware: %v", err)
	}
	if _, err := GetLevel(r); !errors.Is(err, ErrNoMiddleware) {
		t.Errorf("GetLevel outside the middleware: %v", err)
	}
	if GetMessages(r) != nil || SetLevel(r, 10) {
		t.Error("GetMessages or SetLevel outside the middleware")
	}
}

// TestStorageLevel: the level filters what Add records; SetLevel and ResetLevel change it.
func TestStorageLevel(t *testing.T) {
	s := testSettings(t, CookieStorage)
	s.MessageLevel = 25
	s.MessageTags = map[int]string{25: "ok", 35: "notice", 40: ""}
	mm, _ := NewMiddleware(s)
	st, _ := mm.NewStorage(httptest.NewRequest("GET", "/", nil))
	st.Add(INFO, "dropped", "")
	st.Add(SUCCESS, "kept", "")
	st.Add(SUCCESS, "", "empty text is dropped")
	st.SetLevel(10)
	st.Add(DEBUG, "kept after SetLevel", "x")
	st.ResetLevel()
	st.Add(20, "dropped after ResetLevel", "")
	st.AddMessage(Message{Level: 35, Message: "custom", NoExtraTags: true, Safe: true})
	st.AddMessage(Message{Level: 40, Message: "error", ExtraTags: "big"})
	want := []Message{
		{Level: 25, Message: "kept", LevelTag: "ok"},
		{Level: 10, Message: "kept after SetLevel", ExtraTags: "x", LevelTag: "debug"},
		{Level: 35, Message: "custom", NoExtraTags: true, Safe: true, LevelTag: "notice"},
		{Level: 40, Message: "error", ExtraTags: "big"},
	}
	if st.Len() != 4 || st.Used() {
		t.Errorf("Len %d, Used %v", st.Len(), st.Used())
	}
	got := st.Messages()
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
	tags := []string{}
	for _, m := range got {
		tags = append(tags, m.Tags())
	}
	if d := cmp.Diff([]string{"ok", "x debug", "notice", "big"}, tags); d != "" {
		t.Error(d)
	}
}

// TestDecodeErrors: cookies and session data Django would not read are errors that say
// why; good ones round-trip.
func TestDecodeErrors(t *testing.T) {
	s := testSettings(t, FallbackStorage)
	msgs := []Message{{Level: 20, Message: "é ✓ \U0001F600", ExtraTags: ""}, {Level: 40, Message: "<b>", Safe: true, NoExtraTags: true}}
	v, err := EncodeCookie(&s, msgs)
	if err != nil {
		t.Fatal(err)
	}
	got, all, err := DecodeCookie(&s, v)
	msgs[0].LevelTag, msgs[1].LevelTag = "info", "error"
	if err != nil || !all || cmp.Diff(msgs, got) != "" {
		t.Errorf("round trip: %v %v %s", all, err, cmp.Diff(msgs, got))
	}
	text, err := EncodeSession(&s, msgs)
	if err != nil || text != `[["__json_message", 0, 20, "\u00e9 \u2713 \ud83d\ude00", ""], ["__json_message", 1, 40, "<b>"]]` {
		t.Errorf("EncodeSession: %q %v", text, err)
	}
	if got, err := DecodeSession(&s, text); err != nil || cmp.Diff(msgs, got) != "" {
		t.Errorf("DecodeSession: %v %s", err, cmp.Diff(msgs, got))
	}

	signer, _ := s.CookieSigner(cookieSalt)
	signed := func(json string) string {
		tok, err := signer.SignObject(mustJSONValue(t, json), true)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, c := range []struct {
		value string
		want  error
	}{
		{v[:len(v)-1] + "x", signing.ErrBadSignature},
		{"garbage", ErrBadCookie},
		{signer.Sign("not base64 !"), ErrBadCookie},
		{signed(`{"a": 1}`), ErrBadData},
		{signed(`[["__json_message", 0, 20]]`), ErrBadData},
		{signed(`[["__json_message", 0, "x", "text"]]`), ErrBadData},
		{signed(`[["__json_message", 0, 20, 5]]`), ErrBadData},
		{signed(`[["other"]]`), ErrBadData},
		{signed(`["__messagesnotfinished__", "__messagesnotfinished__"]`), ErrBadData},
	} {
		if _, _, err := DecodeCookie(&s, c.value); !errors.Is(err, c.want) {
			t.Errorf("DecodeCookie(%q) = %v, want %v", c.value, err, c.want)
		}
	}
	// What Django's Message() takes as a level, and the not-finished mark.
	got, all, err = DecodeCookie(&s, signed(`[["__json_message", 1, " 25 ", "a", null], ["__json_message", 0, 30.9, "b"], ["__json_message", "", true, "c", "t"], "__messagesnotfinished__"]`))
	want := []Message{{Level: 25, Message: "a", NoExtraTags: true, Safe: true, LevelTag: "success"},
		{Level: 30, Message: "b", NoExtraTags: true, LevelTag: "warning"}, {Level: 1, Message: "c", ExtraTags: "t"}}
	if err != nil || all || cmp.Diff(want, got) != "" {
		t.Errorf("lenient levels: %v %v %s", all, err, cmp.Diff(want, got))
	}
	if _, err := DecodeSession(&s, "[1"); !errors.Is(err, ErrBadData) {
		t.Errorf("DecodeSession of bad JSON: %v", err)
	}
}

// TestCookieAttributes: the messages cookie carries the SESSION_COOKIE_* attributes (but
// always Path=/), and its deletion Django's delete_cookie form.
func TestCookieAttributes(t *testing.T) {
	s := testSettings(t, CookieStorage)
	s.SessionCookieDomain, s.SessionCookieSecure, s.SessionCookieHttpOnly = ".example.com", true, false
	s.SessionCookieSameSite, s.SessionCookiePath = "None", "/app"
	mm, _ := NewMiddleware(s)
	req := httptest.NewRequest("GET", "/", nil)
	st, _ := mm.NewStorage(req)
	st.Add(INFO, "hi", "")
	rec := httptest.NewRecorder()
	if _, err := st.Update(rec); err != nil {
		t.Fatal(err)
	}
	value, _ := EncodeCookie(&s, []Message{{Level: INFO, Message: "hi"}})
	if got, want := rec.Header().Get("Set-Cookie"), "messages="+value+"; Domain=.example.com; Path=/; SameSite=None; Secure"; got != want {
		t.Errorf("Set-Cookie\n got %s\nwant %s", got, want)
	}
	req.Header.Set("Cookie", "messages="+value)
	st, _ = mm.NewStorage(req)
	st.Messages()
	rec = httptest.NewRecorder()
	st.Update(rec)
	if got, want := rec.Header().Get("Set-Cookie"), `messages=""; Domain=.example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure`; got != want {
		t.Errorf("deletion\n got %s\nwant %s", got, want)
	}
}

func mustJSONValue(t *testing.T, text string) serializer.Value {
	t.Helper()
	v, err := serializer.DecodeJSONText(text)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMessageHTML(t *testing.T) {
	for _, c := range []struct {
		m    Message
		want template.HTML
	}{
		{Message{Message: `<b>"Tom" & Jerry's</b>`}, `&lt;b&gt;&#34;Tom&#34; &amp; Jerry&#39;s&lt;/b&gt;`},
		{Message{Message: `<b>bold</b>`, Safe: true}, `<b>bold</b>`},
	} {
		if got := c.m.HTML(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.m, got, c.want)
		}
	}
}

// TestIllFormedText: request data echoed into a message (a query with "%ff") is stored
// with U+FFFD as Django, whose request data is decoded so, would store it, instead of
// failing the response.
func TestIllFormedText(t *testing.T) {
	for _, storage := range []string{FallbackStorage, CookieStorage, SessionStorage} {
		s := testSettings(t, storage)
		h := server(t, s, func(w http.ResponseWriter, r *http.Request) {
			if u := r.FormValue("u"); u != "" {
				Error(r, "No user "+u)
				AddMessage(r, INFO, "tags", "x\xe2\x82")
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return
			}
			for _, m := range GetMessages(r) {
				io.WriteString(w, m.Message+"|"+m.ExtraTags+"\n")
			}
		})
		b := &browser{h: h, cookies: map[string]string{}}
		if rec := b.get("/?u=%ff"); rec.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d %q", storage, rec.Code, rec.Body)
		}
		if got := b.get("/").Body.String(); got != "No user \ufffd|\ntags|x\ufffd\n" {
			t.Errorf("%s: shown %q", storage, got)
		}
	}
}
