package compat_test

import (
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/messages"
	"github.com/djsession/djsession/signing"
)

// TestLiveMessages holds package messages to Django's own message storages, for every
// version in the matrix: chains of requests with random settings (MESSAGE_STORAGE,
// MESSAGE_LEVEL, MESSAGE_TAGS, the session cookie's attributes, key fallbacks, DEBUG) and
// random work on the storage (adding messages short and long, plain and safe, with and
// without extra tags; reading them, counting them, changing the level), run by Django and
// by Go from the same cookie and session. Each request must give the same messages, the
// same Set-Cookie header byte for byte (the cut of a cookie over 2048 characters
// included), the same session data and flags, and the same messages left out. The next
// request starts from Django's cookie and session, sometimes damaged or replaced by one
// Go made: tampered, signed with a fallback key, Django 3.1's and older formats (which
// only Django 3.2 and 4.0 read), garbage.
func TestLiveMessages(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run("django-"+p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(41, seedOf(p.Django)))
			stats := map[string]int{}
			for chain := range 60 {
				settings := randomMessageSettings(r, p.Series)
				var cookie, session *string
				// A third of the chains pile up long messages, past the cookie's limit.
				heavy := chain%3 == 0
				for step := range 4 {
					ops := randomMessageOps(r)
					if heavy && step < 3 {
						ops = heavyMessageOps(r)
					}
					c := msgCase{Settings: settings, Time: 1700000000 + float64(r.IntN(1000000)) + 0.5,
						Cookie: cookie, Session: session, Ops: ops}
					if step > 0 && r.IntN(4) == 0 {
						c.Cookie = damageMessagesCookie(t, r, p.Django, settings, c.Cookie, stats)
					}
					want := p.call(t, c.request())
					want = normalizeJSON(t, want)
					got := runMessagesGo(t, p.Django, c)
					if d := cmp.Diff(want, got); d != "" {
						t.Fatalf("chain %d step %d: Go differs from Django (-django +go):\n%s\ncase: %s", chain, step, d, caseJSON(c))
					}
					if next := nextCookie(nil, want["set_cookie"]); next != nil {
						s := messageSettings(t, p.Django, settings)
						_, all, err := messages.DecodeCookie(&s, strings.TrimPrefix(*next, "messages="))
						if err != nil {
							t.Fatalf("chain %d step %d: Django's cookie: %v", chain, step, err)
						}
						if !all {
							stats["not finished"]++
						}
					}
					if u, _ := want["unstored"].([]any); len(u) > 0 {
						stats["unstored"]++
					}
					if _, ok := want["set_cookie"].(string); ok {
						stats["set_cookie"]++
					}
					cookie = nextCookie(c.Cookie, want["set_cookie"])
					s := want["session"].(string)
					session = &s
				}
			}
			t.Logf("%v", stats)
			for _, k := range []string{"unstored", "not finished", "set_cookie", "tampered", "fallback key", "3.1 format", "hash format"} {
				if stats[k] == 0 && !(k == "fallback key" && p.Series == "3.2") {
					t.Errorf("no case of %q", k)
				}
			}
		})
	}
}

// randomMessageSettings draws the settings of one chain of requests.
func randomMessageSettings(r *rand.Rand, series string) map[string]any {
	s := map[string]any{
		"SECRET_KEY":      liveKey,
		"MESSAGE_STORAGE": pick(r, messages.FallbackStorage, messages.FallbackStorage, messages.CookieStorage, messages.SessionStorage),
		"MESSAGE_LEVEL":   pick(r, 20, 20, 10, 25, 5),
		"DEBUG":           r.IntN(3) == 0,
	}
	if r.IntN(3) == 0 {
		s["MESSAGE_TAGS"] = map[string]any{"25": "ok", "35": "notice", "20": ""}
	}
	if series != "3.2" && r.IntN(2) == 0 {
		s["SECRET_KEY_FALLBACKS"] = []string{"an older secret"}
	}
	if r.IntN(3) == 0 {
		s["SESSION_COOKIE_DOMAIN"] = ".example.com"
	}
	s["SESSION_COOKIE_SECURE"] = r.IntN(2) == 0
	s["SESSION_COOKIE_HTTPONLY"] = r.IntN(2) == 0
	s["SESSION_COOKIE_SAMESITE"] = pick[any](r, "Lax", "Strict", "None", nil)
	return s
}

// randomMessageOps draws the work of one request.
func randomMessageOps(r *rand.Rand) [][]any {
	ops := [][]any{}
	for range r.IntN(7) {
		switch r.IntN(10) {
		case 0, 1, 2, 3, 4:
			var tags any = pick(r, "", "", "important", "a b")
			if r.IntN(6) == 0 {
				tags = nil
			}
			ops = append(ops, []any{"add", pick(r, 10, 20, 25, 30, 40, 15, 35), randomMessageText(r), tags, r.IntN(5) == 0})
		case 5, 6:
			ops = append(ops, []any{"iter"})
		case 7:
			ops = append(ops, []any{"len"})
		case 8:
			ops = append(ops, []any{"set_level", pick(r, 10, 25, 30)})
		case 9:
			ops = append(ops, []any{"get_level"})
		}
	}
	return ops
}

// heavyMessageOps adds messages, most of them long, and reads none.
func heavyMessageOps(r *rand.Rand) [][]any {
	ops := [][]any{}
	for range 2 + r.IntN(5) {
		text := randomMessageText(r)
		if r.IntN(3) > 0 {
			text = longMessageText(r)
		}
		ops = append(ops, []any{"add", pick(r, 20, 25, 40), text, pick(r, "", "tag"), false})
	}
	return ops
}

// randomMessageText is short text (ASCII, non-ASCII, HTML, empty) or long text that does
// not compress well, so that cookies pass their size limit.
func randomMessageText(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return longMessageText(r)
	}
	return pick(r, "Saved.", "Welcome back, Zoë! ✓", "<b>bold</b> & \"quoted\"", "", "x", "emoji 😀 and \u2028", "a\nb\tc\\d")
}

// longMessageText is 50 to 700 characters that compress poorly.
func longMessageText(r *rand.Rand) string {
	a := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 éü✓")
	b := make([]rune, 50+r.IntN(650))
	for i := range b {
		b[i] = a[r.IntN(len(a))]
	}
	return string(b)
}

// damageMessagesCookie replaces the messages cookie of the next request with a damaged or
// other one, counting the kinds in stats.
func damageMessagesCookie(t *testing.T, r *rand.Rand, version string, settings map[string]any, cookie *string, stats map[string]int) *string {
	t.Helper()
	header := func(v string) *string { h := "other=1; messages=" + django.QuoteCookieValue(v); return &h }
	text := `[["__json_message",0,25,"From an old Django"],["__json_message",1,40,"<i>safe</i>","x"],"__messagesnotfinished__"]`
	s := messageSettings(t, version, settings)
	switch r.IntN(6) {
	case 0:
		if cookie == nil {
			return header("garbage")
		}
		stats["tampered"]++
		b := []byte(*cookie)
		b[len(b)-2] ^= 1
		h := string(b)
		return &h
	case 1:
		if _, ok := settings["SECRET_KEY_FALLBACKS"]; !ok {
			return header("")
		}
		stats["fallback key"]++
		s.SecretKey = "an older secret"
		v, err := messages.EncodeCookie(&s, []messages.Message{{Level: 20, Message: "signed with the old key"}})
		if err != nil {
			t.Fatal(err)
		}
		return header(v)
	case 2:
		stats["3.1 format"]++
		signer, err := s.CookieSigner("django.contrib.messages")
		if err != nil {
			t.Fatal(err)
		}
		return header(signer.Sign(text))
	case 3:
		stats["hash format"]++
		mac, err := signing.SaltedHMAC("django.contrib.messages", text, s.SecretKey, "sha1")
		if err != nil {
			t.Fatal(err)
		}
		return header(hex.EncodeToString(mac) + "$" + text)
	case 4:
		return nil
	}
	return header(pick(r, "garbage", "a:b:c", "[]"))
}

func caseJSON(c msgCase) string {
	b, _ := json.Marshal(c)
	return string(b)
}

// seedOf is a seed that differs for each version string.
func seedOf(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}
