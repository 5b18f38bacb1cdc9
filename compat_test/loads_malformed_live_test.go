package compat_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// TestLiveLoadsMalformedPayloads holds signing.Loads to each Django version's
// signing.loads on validly signed tokens whose payload is damaged: the base64 text (with
// characters Python's lenient decoder skips or stops at: padding, non-alphabet bytes, the
// other alphabet's '+' and '/', a leading '.'), or the compressed bytes under it
// (flipped, cut, or with bytes added after the zlib stream). Where Django raises, Go must
// fail, with ErrBadSignature exactly when Django raises BadSignature; where Django reads a
// value, Go must read the same value.
func TestLiveLoadsMalformedPayloads(t *testing.T) {
	const salt = "djsession.malformed"
	const fixedTime = 1700000000.5
	ts, err := signing.NewTimestampSigner(signing.Options{Key: liveKey, Salt: salt, Now: clock(fixedTime)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(13, seriesSeed(p.Series)))
			var read, refused int
			const n = 1500
			for i := range n {
				v := serializer.DictValue(randomSession(r))
				tok, err := ts.SignObject(v, i%3 != 0)
				if err != nil {
					t.Fatal(err)
				}
				payload := tok[:strings.IndexByte(tok, ':')]
				token := ts.Sign(damagePayload(r, payload))
				goV, goErr := signing.Loads(token, signing.LoadsOptions{Key: liveKey, Salt: salt})
				resp := p.call(t, map[string]any{"op": "loads", "token": token, "key": liveKey, "salt": salt})
				djOK, _ := resp["ok"].(bool)
				switch {
				case !djOK && goErr == nil:
					t.Fatalf("case %d: %q: Django raises %v (%v); Go reads %v", i, token, resp["error"], resp["message"], goV)
				case !djOK:
					if bad := resp["error"] == "BadSignature"; bad != errors.Is(goErr, signing.ErrBadSignature) {
						t.Fatalf("case %d: %q: Django raises %v (%v); Go: %v", i, token, resp["error"], resp["message"], goErr)
					}
					refused++
				case goErr != nil:
					t.Fatalf("case %d: %q: Go: %v; Django reads %v", i, token, goErr, resp["json"])
				default:
					js, err := serializer.EncodeJSON(goV)
					if err != nil || string(js) != resp["json"] {
						t.Fatalf("case %d: %q read differently:\n go     %s (%v)\n django %s", i, token, js, err, resp["json"])
					}
					read++
				}
			}
			t.Logf("%d damaged payloads: %d read alike, %d refused alike", n, read, refused)
		})
	}
}

// damagePayload makes one to three random edits to the payload of a token ("." for a
// compressed one, then URL-safe base64): to its text, or to the bytes it encodes.
func damagePayload(r *rand.Rand, payload string) string {
	compressed := strings.HasPrefix(payload, ".")
	text := strings.TrimPrefix(payload, ".")
	if r.IntN(2) == 0 {
		raw, err := signing.B64Decode(text)
		if err != nil {
			panic(err) // (a payload Go just made)
		}
		for n := 1 + r.IntN(3); n > 0; n-- {
			i := r.IntN(len(raw) + 1)
			switch r.IntN(4) {
			case 0:
				if i < len(raw) {
					raw[i] ^= byte(1 << r.IntN(8))
				}
			case 1:
				raw = raw[:i]
			case 2:
				raw = append(raw, []byte("\x00garbage")[:1+r.IntN(8)]...)
			default:
				raw = append(raw[:i], append([]byte{byte(r.IntN(256))}, raw[i:]...)...)
			}
		}
		text = base64.RawURLEncoding.EncodeToString(raw)
	} else {
		pieces := []string{"=", "==", "===", "!", " ", "\n", "+", "/", "-", "_", ".", "A", "\x00", "é", "*"}
		for n := 1 + r.IntN(3); n > 0; n-- {
			i := r.IntN(len(text) + 1)
			switch r.IntN(3) {
			case 0:
				text = text[:i] + pieces[r.IntN(len(pieces))] + text[i:]
			case 1:
				text = text[:i] + text[min(len(text), i+1+r.IntN(2)):]
			default:
				if i < len(text) {
					text = text[:i] + pieces[r.IntN(len(pieces))] + text[i+1:]
				}
			}
		}
	}
	// (A token travels to Django as a JSON string: a cut "é" is made valid text first.)
	text = strings.ToValidUTF8(text, "*")
	if compressed {
		return "." + text
	}
	return text
}

// TestLiveLoadsMalformedTimestamps does the same with a validly signed token whose
// timestamp is damaged (signs, spaces, characters outside base62, huge or empty values),
// loaded with and without max_age at a fixed time: the same refused (BadSignature,
// SignatureExpired or another error, alike), the same values read.
func TestLiveLoadsMalformedTimestamps(t *testing.T) {
	const salt = "djsession.malformed"
	const fixedTime = 1700000000.5
	plain, err := signing.NewSigner(signing.Options{Key: liveKey, Salt: salt})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := signing.NewTimestampSigner(signing.Options{Key: liveKey, Salt: salt, Now: clock(fixedTime)})
	if err != nil {
		t.Fatal(err)
	}
	stamps := []string{"", "-", "--", "+1", "-1", "0", "00", "1r31eq", "1r31er", "1R31EQ", " 1r31eq", "1r31eq ",
		"1r31eq\n", "zzzzzzzzzzzz", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "1r3_1eq", "1r3.1eq", "é", "٣", "-1r31eq", "1r31eq:"}
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(17, seriesSeed(p.Series)))
			outcomes := map[string]int{}
			for i := range 200 {
				tok, err := ts.SignObject(serializer.DictValue(randomSession(r)), i%2 == 0)
				if err != nil {
					t.Fatal(err)
				}
				payload := tok[:strings.IndexByte(tok, ':')]
				stamp := stamps[r.IntN(len(stamps))]
				token := plain.Sign(payload + ":" + stamp)
				for _, maxAge := range []float64{0, 3600} {
					o := signing.LoadsOptions{Key: liveKey, Salt: salt, Now: clock(fixedTime), MaxAge: time.Duration(maxAge * float64(time.Second))}
					req := map[string]any{"op": "loads", "token": token, "key": liveKey, "salt": salt, "time": fixedTime}
					if maxAge > 0 {
						req["max_age"] = maxAge
					}
					goV, goErr := signing.Loads(token, o)
					resp := p.call(t, req)
					djOK, _ := resp["ok"].(bool)
					outcomes[fmt.Sprint(resp["error"])]++
					switch {
					case djOK != (goErr == nil):
						t.Fatalf("timestamp %q, max_age %v: Django ok=%v (%v: %v); Go %v, %v", stamp, maxAge, djOK, resp["error"], resp["message"], goV, goErr)
					case !djOK:
						bad := resp["error"] == "BadSignature" || resp["error"] == "SignatureExpired"
						expired := resp["error"] == "SignatureExpired"
						if bad != errors.Is(goErr, signing.ErrBadSignature) || expired != errors.Is(goErr, signing.ErrSignatureExpired) {
							t.Fatalf("timestamp %q, max_age %v: Django raises %v (%v); Go: %v", stamp, maxAge, resp["error"], resp["message"], goErr)
						}
					default:
						js, _ := serializer.EncodeJSON(goV)
						if string(js) != resp["json"] {
							t.Fatalf("timestamp %q: read differently:\n go     %s\n django %s", stamp, js, resp["json"])
						}
					}
				}
			}
			t.Logf("400 loads, alike; Django's outcomes: %v", outcomes)
		})
	}
}
