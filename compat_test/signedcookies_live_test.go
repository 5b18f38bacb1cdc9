package compat_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Live tests of engines/signedcookies against Django's signed_cookies engine of every
// version in the matrix (scripts/peer_ops_file.py: signed_cookie_save / _load).

func signedStore(t *testing.T, key string, fallbacks []string, cookieAge int, now float64) *signedcookies.Store {
	t.Helper()
	s, err := signedcookies.New(signedcookies.Config{SecretKey: key, SecretKeyFallbacks: fallbacks},
		engines.Options{Now: clock(now), Expiry: session.Expiry{CookieAge: cookieAge}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func cookieSettings(key string, fallbacks []string, cookieAge int) map[string]any {
	s := map[string]any{"SECRET_KEY": key}
	if fallbacks != nil {
		s["SECRET_KEY_FALLBACKS"] = fallbacks
	}
	if cookieAge != 0 {
		s["SESSION_COOKIE_AGE"] = cookieAge
	}
	return s
}

// djangoCookieLoad returns what Django's signed_cookies load() gives for value.
func djangoCookieLoad(t *testing.T, p *peer, value string, settings map[string]any, at float64) string {
	t.Helper()
	resp := p.mustOK(t, map[string]any{"op": "signed_cookie_load", "value": value, "settings": settings, "time": at})
	return resp["json"].(string)
}

func TestLiveSignedCookies(t *testing.T) {
	const at = 1700000000.75
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, uint64(len(p.Series))))
			store := signedStore(t, liveKey, nil, 0, at)
			set := cookieSettings(liveKey, nil, 0)
			for i := 0; i < 60; i++ {
				d := randomSession(r)
				if i%5 == 0 { // compressible sessions too
					d.Set("blob", serializer.Str(strings.Repeat("abc", 200+i)))
				}
				js := jsonOf(t, d)
				dj := p.mustOK(t, map[string]any{"op": "signed_cookie_save", "json": js, "settings": set, "time": at})
				djValue := dj["key"].(string)

				// Django's cookie → Go loads equal data.
				got, ok := store.Decode(djValue)
				if !ok || jsonOf(t, got) != js {
					t.Fatalf("case %d: Go decoded Django's cookie as %v %v, want %s", i, got, ok, js)
				}
				// Go's cookie → Django loads equal data.
				goValue, err := store.Encode(d)
				if err != nil {
					t.Fatal(err)
				}
				if back := djangoCookieLoad(t, p, goValue, set, at); back != js {
					t.Fatalf("case %d: Django loaded Go's cookie as %s, want %s", i, back, js)
				}
				// Byte-identical, compressed or not (signing deflates exactly as zlib).
				if goValue != djValue {
					t.Fatalf("case %d: cookies differ:\n go     %s\n django %s", i, goValue, djValue)
				}
				// Tampered → empty on both sides.
				for _, tv := range tamper(goValue, r) {
					if back := djangoCookieLoad(t, p, tv, set, at); back != "{}" {
						t.Fatalf("case %d: Django accepted tampered %q", i, tv)
					}
					if _, ok := store.Decode(tv); ok {
						t.Fatalf("case %d: Go accepted tampered %q", i, tv)
					}
				}
			}
		})
	}
}

// tamper returns damaged copies of a cookie value.
func tamper(v string, r *rand.Rand) []string {
	flip := func(i int) string {
		b := []byte(v)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	last := strings.LastIndexByte(v, ':')
	return []string{
		flip(r.IntN(last)),                     // payload or timestamp
		flip(last + 1 + r.IntN(len(v)-last-2)), // signature (not its partial last character)
		v[:len(v)-1],
		v + "A",
		strings.Replace(v, ":", "::", 1),
		"", "x", v[:last],
	}
}

func TestLiveSignedCookieExpiryAndRotation(t *testing.T) {
	const signedAt = 1700000000.25 // timestamp 1700000000 (truncated)
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			d := serializer.NewDict()
			d.Set("_auth_user_id", serializer.Str("42"))
			d.Set(session.ExpiryKey, serializer.Int(5)) // custom expiry: ignored by load
			js := jsonOf(t, d)

			// Max age is SESSION_COOKIE_AGE (60 here) from the truncated signing second.
			for _, signer := range []string{"go", "django"} {
				var value string
				if signer == "go" {
					value, _ = signedStore(t, liveKey, nil, 60, signedAt).Encode(d)
				} else {
					value = p.mustOK(t, map[string]any{"op": "signed_cookie_save", "json": js,
						"settings": cookieSettings(liveKey, nil, 60), "time": signedAt})["key"].(string)
				}
				for _, dt := range []float64{-100, 0, 30, 59.999, 60, 60.001, 61, 3600} {
					now := 1700000000 + dt
					djOK := djangoCookieLoad(t, p, value, cookieSettings(liveKey, nil, 60), now) == js
					_, goOK := signedStore(t, liveKey, nil, 60, now).Decode(value)
					want := dt <= 60
					if djOK != goOK || goOK != want {
						t.Errorf("%s cookie at +%v s: Django %v, Go %v, want %v", signer, dt, djOK, goOK, want)
					}
				}
			}

			// Key rotation (4.1+): signed with the old key, verified with the new key and
			// the old one in SECRET_KEY_FALLBACKS.
			if p.Series == "3.2" {
				return
			}
			const oldKey, newKey = "old-secret-key-for-rotation-test", "new-secret-key-for-rotation-test"
			now := signedAt + 10
			djOld := p.mustOK(t, map[string]any{"op": "signed_cookie_save", "json": js,
				"settings": cookieSettings(oldKey, nil, 0), "time": signedAt})["key"].(string)
			goOld, _ := signedStore(t, oldKey, nil, 0, signedAt).Encode(d)
			for name, fb := range map[string][]string{"with fallback": {"unrelated", oldKey}, "without": {}} {
				goNew := signedStore(t, newKey, fb, 0, now)
				for who, v := range map[string]string{"django": djOld, "go": goOld} {
					djOK := djangoCookieLoad(t, p, v, cookieSettings(newKey, fb, 0), now) == js
					_, goOK := goNew.Decode(v)
					want := len(fb) > 0
					if djOK != want || goOK != want {
						t.Errorf("rotation %s, %s's cookie: Django %v, Go %v, want %v", name, who, djOK, goOK, want)
					}
				}
			}
			// Re-signing after rotation uses the new key only.
			fresh, _ := signedStore(t, newKey, []string{oldKey}, 0, now).Encode(d)
			if djangoCookieLoad(t, p, fresh, cookieSettings(newKey, nil, 0), now) != js {
				t.Error("Django rejects Go's cookie signed with the new key")
			}
		})
	}
}

// Oversized sessions: both sides produce (and accept) values over 4096 bytes; Go warns.
func TestLiveSignedCookieOversized(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			var sb strings.Builder
			for i := 0; i < 200; i++ {
				sb.WriteString(engines.NewKey())
			}
			d := serializer.NewDict()
			d.Set("blob", serializer.Str(sb.String()))
			rec := &recorder{}
			s, _ := signedcookies.New(signedcookies.Config{SecretKey: liveKey}, engines.Options{Logger: newLogger(rec)})
			v, err := s.Encode(d)
			if err != nil || len(v) <= signedcookies.MaxCookieSize || !rec.take() {
				t.Fatalf("len %d, err %v: want a warned oversized value", len(v), err)
			}
			if djangoCookieLoad(t, p, v, cookieSettings(liveKey, nil, 0), float64(time.Now().Unix())) != jsonOf(t, d) {
				t.Fatal("Django rejected the oversized value")
			}
		})
	}
}
