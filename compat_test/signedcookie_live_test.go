package compat_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/signing"
)

// TestLiveSignedCookieValues holds SetSignedCookie / GetSignedCookie to Django's
// set_signed_cookie and get_signed_cookie for every version in the matrix: the same
// value and Set-Cookie header for the same cookie, name, salt and time (Django signs
// under the CVE-2026-6873 salt from 5.2.15 and 6.0.6, under name+salt before), and the
// same verdict on the cookies either side reads: good, tampered, signed for a (name, salt)
// pair whose concatenation collides, signed under the old salt (accepted only with
// SIGNED_COOKIE_LEGACY_SALT_FALLBACK), signed with a fallback key, expired, absent.
func TestLiveSignedCookieValues(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run("django-"+p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(23, uint64(len(p.Django))*131+uint64(p.Django[0])))
			legacy := 0
			for i := range 150 {
				s := django.NewSettings()
				if err := s.ForDjango(p.Django); err != nil {
					t.Fatal(err)
				}
				s.SecretKey = pick(r, liveKey, "another secret ✓")
				dj := map[string]any{"SECRET_KEY": s.SecretKey}
				if p.Series != "3.2" && r.IntN(2) == 0 {
					s.SecretKeyFallbacks = []string{"old secret"}
					dj["SECRET_KEY_FALLBACKS"] = s.SecretKeyFallbacks
				}
				if !s.SignedCookieLegacySalt && r.IntN(2) == 0 {
					s.SignedCookieLegacySaltFallback = !s.SignedCookieLegacySaltFallback
					dj["SIGNED_COOKIE_LEGACY_SALT_FALLBACK"] = s.SignedCookieLegacySaltFallback
				}
				now := 1700000000 + float64(r.IntN(1000000)) + 0.25
				s.Now = func() time.Time { return time.UnixMicro(int64(now * 1e6)) }
				name, salt := pick(r, "prefs", "ab", "a", "remember_me"), pick(r, "", "c", "bc", "ui", "é")
				// (Latin-1 text only: Django cannot send a cookie value beyond it, its
				// headers being latin-1.)
				value := pick(r, "dark", "", "a:b", "Zoë ½", "1", "x y;z\"")

				// The same cookie from both sides.
				set := p.call(t, map[string]any{"op": "signed_cookie_set", "name": name, "value": value, "salt": salt,
					"time": now, "settings": dj})
				signed, err := s.SignCookieValue(name, value, salt)
				if err != nil {
					t.Fatal(err)
				}
				if set["value"] != signed {
					t.Fatalf("case %d: signed %q %q %q: Go %q, Django %q", i, name, value, salt, signed, set["value"])
				}
				rec := httptest.NewRecorder()
				if err := django.SetSignedCookie(rec, &s, django.Cookie{Name: name, Value: value, Path: "/"}, salt); err != nil {
					t.Fatal(err)
				}
				if got := rec.Header().Get("Set-Cookie"); got != set["set_cookie"] {
					t.Fatalf("case %d: Set-Cookie: Go %q, Django %q", i, got, set["set_cookie"])
				}

				// A cookie to read: good, or one of the bad kinds.
				cookie, readName, readSalt := signed, name, salt
				switch r.IntN(8) {
				case 0:
					b := []byte(cookie)
					b[len(b)-1] ^= 1
					cookie = string(b)
				case 1: // signed for another (name, salt) pair, maybe with the same concatenation
					other := s
					readName, readSalt = pick(r, "a", "ab", "prefs"), pick(r, "bc", "c", "")
					cookie, _ = other.SignCookieValue(name, value, salt)
				case 2: // under the old salt
					old := s
					old.SignedCookieLegacySalt = true
					cookie, _ = old.SignCookieValue(name, value, salt)
					legacy++
				case 3: // with the fallback key
					old := s
					old.SecretKey = "old secret"
					cookie, _ = old.SignCookieValue(name, value, salt)
				}
				header := readName + "=" + django.QuoteCookieValue(cookie)
				if r.IntN(10) == 0 {
					header = "other=1"
				}
				o := django.SignedCookieOptions{Salt: readSalt}
				readAt := now
				var maxAge any
				if r.IntN(3) == 0 {
					o.MaxAge, o.HasMaxAge = 10*time.Second, true
					maxAge = 10.0
					readAt = now + pick(r, 5.0, 20.0, -3.0)
				}
				get := p.call(t, map[string]any{"op": "signed_cookie_get", "name": readName, "cookie": latin1Text(header), "salt": readSalt,
					"max_age": maxAge, "time": readAt, "settings": dj})
				reader := s
				reader.Now = func() time.Time { return time.UnixMicro(int64(readAt * 1e6)) }
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Cookie", header)
				v, err := django.GetSignedCookie(req, &reader, readName, o)
				gotKind := "value " + v
				switch {
				case errors.Is(err, django.ErrNoSignedCookie):
					gotKind = "KeyError"
				case errors.Is(err, signing.ErrSignatureExpired):
					gotKind = "SignatureExpired"
				case errors.Is(err, signing.ErrBadSignature):
					gotKind = "BadSignature"
				case err != nil:
					t.Fatalf("case %d: %v", i, err)
				}
				if get["ok"] != true {
					t.Fatalf("case %d: Django: %v", i, get)
				}
				want := fmt.Sprint("value ", get["value"])
				if f, ok := get["failure"].(string); ok {
					want = f
				}
				if gotKind != want {
					t.Errorf("case %d: read %s (salt %q, max_age %v, %v s later) of %q signed for %q/%q: Go %q, Django %q (settings %v)",
						i, readName, readSalt, maxAge, readAt-now, cookie, name, salt, gotKind, want, dj)
				}
			}
			if legacy == 0 {
				t.Error("no case read a cookie under the old salt")
			}
		})
	}
}
