package compat_test

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/signing"
)

// TestLivePasswordResetTokens holds auth.PasswordResetTokenGenerator to Django's
// default_token_generator of every version in the matrix: for random users (integer and
// UUID keys, last logins with microseconds or none, emails or none), settings (TIME_ZONE,
// USE_TZ, PASSWORD_RESET_TIMEOUT, fallback keys, DEFAULT_HASHING_ALGORITHM on 3.2) and
// instants, both make the same token, and both give the same verdict on tokens checked
// later: Django's and Go's, at and around the timeout, after the password or the last
// login changed, tampered, made with a fallback key, non-canonical, malformed, and, for
// Django 3.2, SHA-1 and pre-3.1 day-counting tokens (which the others refuse).
func TestLivePasswordResetTokens(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run("django-"+p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(77, seedOf(p.Django)))
			valid, invalid := 0, 0
			for i := range 300 {
				dj := map[string]any{
					"SECRET_KEY":             pick(r, liveKey, "another secret ✓"),
					"PASSWORD_RESET_TIMEOUT": pick(r, 259200, 3600, 60, 0),
					"TIME_ZONE":              pick(r, "UTC", "America/Chicago", "Asia/Kolkata", "Pacific/Chatham"),
					"USE_TZ":                 r.IntN(2) == 0,
				}
				if p.Series != "3.2" && r.IntN(2) == 0 {
					dj["SECRET_KEY_FALLBACKS"] = []string{"an older secret"}
				}
				sha1Site := p.Series == "3.2" && r.IntN(4) == 0
				if sha1Site {
					dj["DEFAULT_HASHING_ALGORITHM"] = "sha1"
				}
				now := 1600000000 + r.Float64()*2e8
				g := tokenGenerator(t, p.Django, dj, now)
				loc := g.Location
				user := map[string]any{"pk": pick(r, "1", "42", "0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab"),
					"password": pick(r, "pbkdf2_sha256$870000$salt$hash=", "!unusable", ""), "last_login": nil, "email": nil}
				if r.IntN(4) > 0 {
					user["last_login"] = now - r.Float64()*1e6
				}
				if e := pick(r, "", "a@example.com", "Zoë@exämple.org", "none"); e != "none" {
					user["email"] = e
				}
				u := tokenUser(g, user)

				// The same token from both sides.
				made := p.call(t, map[string]any{"op": "password_reset_token", "settings": dj, "now": now, "user": user})
				tok, err := g.MakeToken(u)
				if err != nil {
					t.Fatal(err)
				}
				if made["token"] != tok {
					t.Fatalf("case %d: make_token: Go %q, Django %v (settings %v, user %v)", i, tok, made["token"], dj, user)
				}

				// A token to check, later.
				check, checkUser, checkU := tok, user, u
				timeout := float64(g.Timeout)
				later := now + pick(r, 0, 1, timeout-1, timeout, timeout+1, timeout+0.5, -10)
				switch r.IntN(12) {
				case 0:
					b := []byte(check)
					b[len(b)-1] ^= 1
					check = string(b)
				case 1: // the password changed
					checkUser = copyMap(user)
					checkUser["password"] = "pbkdf2_sha256$870000$salt$other="
					checkU = tokenUser(g, checkUser)
				case 2: // the user logged in since
					checkUser = copyMap(user)
					checkUser["last_login"] = now + 5
					checkU = tokenUser(g, checkUser)
				case 3: // made with the fallback key
					old := *g
					old.Secret = "an older secret"
					check, _ = old.MakeToken(u)
				case 4: // SHA-1 (Django 3.2 accepts it)
					old := *g
					old.Algorithm = "sha1"
					check, _ = old.MakeToken(u)
				case 5: // Django < 3.1: days since 2001 and SHA-1
					days := int64(now-978307200) / 86400
					if loc != nil {
						_, off := time.Unix(int64(now), 0).In(loc).Zone()
						days = (int64(now) + int64(off) - 978307200) / 86400
					}
					check = dayToken(t, g.Secret, u, days)
				case 6:
					check = pick(r, "", "abc", "a-b-c", "-", "0"+check, strings.ToUpper(check[:1])+check[1:],
						" "+check, strings.Replace(check, "-", "_", 1), "zzzzzzzzzzzzzz-"+check[strings.IndexByte(check, '-')+1:])
				}
				got := p.call(t, map[string]any{"op": "password_reset_token", "settings": dj, "now": later, "user": checkUser,
					"check": check})
				if ok := tokenGenerator(t, p.Django, dj, later).CheckToken(checkU, check); got["valid"] != ok {
					t.Fatalf("case %d: check_token(%q) %+.1f s later: Go %v, Django %v (settings %v, user %v)",
						i, check, later-now, ok, got["valid"], dj, checkUser)
				}
				if got["valid"] == true {
					valid++
				} else {
					invalid++
				}
			}
			if valid < 50 || invalid < 50 {
				t.Errorf("%d valid and %d invalid checks: too few of one", valid, invalid)
			}
		})
	}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// dayToken is a token as Django before 3.1 made it: days since 2001-01-01, SHA-1.
func dayToken(t *testing.T, secret string, u *auth.User, days int64) string {
	t.Helper()
	login := ""
	if u.LastLogin != nil {
		login = u.LastLogin.Format("2006-01-02 15:04:05")
	}
	mac, err := signing.SaltedHMAC(auth.PasswordResetKeySalt, u.ID+u.PasswordHash+login+strconv.FormatInt(days, 10)+u.Email, secret, "sha1")
	if err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(mac)
	var half []byte
	for i := 0; i < len(h); i += 2 {
		half = append(half, h[i])
	}
	return strconv.FormatInt(days, 36) + "-" + string(half)
}

// TestLiveUIDB64 holds EncodeUID / DecodeUID to Django's urlsafe_base64_encode and
// urlsafe_base64_decode (as PasswordResetConfirmView reads a link's uidb64) on keys and
// on damaged text: the same text, or an error where Django fails.
func TestLiveUIDB64(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run("django-"+p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(78, seedOf(p.Django)))
			for i := range 400 {
				pk := pick(r, "1", "42", "12345678901234567890", "0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab", "ü", "")
				enc := p.call(t, map[string]any{"op": "uidb64", "encode": pk})
				if got := auth.EncodeUID(pk); enc["value"] != got {
					t.Fatalf("encode %q: Go %q, Django %v", pk, got, enc["value"])
				}
				text := got(enc)
				for range r.IntN(3) {
					b := []rune(text)
					pos := r.IntN(len(b) + 1)
					ins := []rune(pick(r, "=", "==", "A", "-", "_", "+", "/", "!", "é", "\n"))
					b = append(b[:pos], append(ins, b[pos:]...)...)
					if len(b) > 1 && r.IntN(3) == 0 {
						b = b[:len(b)-1]
					}
					text = string(b)
				}
				dec := p.call(t, map[string]any{"op": "uidb64", "decode": text})
				v, err := auth.DecodeUID(text)
				want := fmt.Sprint(dec["value"])
				if e, ok := dec["error"]; ok {
					want = fmt.Sprint("error ", e)
				}
				gotText := v
				if err != nil {
					gotText = "error ValueError"
				}
				if want == "error UnicodeDecodeError" {
					want = "error ValueError" // a ValueError too, which the view catches alike
				}
				if gotText != want {
					t.Fatalf("case %d: decode %q: Go %q (%v), Django %q", i, text, gotText, err, want)
				}
			}
		})
	}
}

func got(m map[string]any) string { s, _ := m["value"].(string); return s }
