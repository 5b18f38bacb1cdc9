package compat_test

import (
	"encoding/base64"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// TestLiveSessionDecodeDamaged holds session.Codec to each Django version's
// SessionBase.decode on damaged session_data: validly signed data with a damaged payload,
// data signed with another key, and for Django 3.2, which also reads the pre-3.1 format,
// legacy data damaged in its base64 text or in the bytes under it (with the legacy hash
// made again over them, or left). Django's result (the value it returns, or {}) and its
// "Session data corrupted" warning must be Go's; where Django 3.2 raises (unreadable
// base64 after a valid signature, which it then decodes as legacy data), Go must report
// an error, and so give the empty session.
func TestLiveSessionDecodeDamaged(t *testing.T) {
	const class = "SessionStore"
	signer, err := signing.NewTimestampSigner(signing.Options{Key: liveKey, Salt: "django.contrib.sessions." + class})
	if err != nil {
		t.Fatal(err)
	}
	other, err := signing.NewTimestampSigner(signing.Options{Key: "another key", Salt: "django.contrib.sessions." + class})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			rec := &recorder{}
			codec := codecFor(t, p.Series, class, liveKey, nil, slog.New(rec))
			r := rand.New(rand.NewPCG(19, seriesSeed(p.Series)))
			outcomes := map[string]int{}
			const n = 600
			for i := range n {
				d := randomSession(r)
				var input string
				switch kind := i % 4; {
				case kind == 0 || kind == 1 && p.Series != "3.2":
					tok, err := signer.SignObject(serializer.DictValue(d), r.IntN(2) == 0)
					if err != nil {
						t.Fatal(err)
					}
					input = signer.Sign(damagePayload(r, tok[:strings.IndexByte(tok, ':')]))
				case kind == 1:
					tok, err := other.SignObject(serializer.DictValue(d), r.IntN(2) == 0)
					if err != nil {
						t.Fatal(err)
					}
					input = tok
				default:
					input = damageLegacy(t, r, codec, d)
				}
				rec.records = nil
				goV, goErr := codec.DecodeValue(input)
				goDict := codec.Decode(input)
				warned := len(rec.records) > 0
				resp := p.call(t, map[string]any{"op": "decode", "input": input, "key": liveKey, "store_class": class})
				if ok, _ := resp["ok"].(bool); !ok {
					outcomes["raised "+resp["error"].(string)]++
					if goErr == nil || goDict.Len() != 0 {
						t.Fatalf("case %d: %q: Django raises %v (%v); Go reads %v", i, input, resp["error"], resp["message"], goV)
					}
					continue
				}
				want := resp["json"].(string)
				got := serializer.DictValue(serializer.NewDict())
				if goErr == nil {
					got = goV
				}
				js, err := serializer.EncodeJSON(got)
				if err != nil || string(js) != want || warned != (resp["warning"] == true) {
					t.Fatalf("case %d: %q:\n go     %s, warning %v (%v)\n django %s, warning %v", i, input, js, warned, goErr, want, resp["warning"])
				}
				outcomes[map[bool]string{true: "read", false: "empty"}[want != "{}"]+map[bool]string{true: " with warning", false: ""}[warned]]++
			}
			t.Logf("%d damaged session_data, alike: %v", n, outcomes)
		})
	}
}

// damageLegacy returns the pre-3.1 form of d, damaged: in its base64 text, or in the
// bytes under it, with the hash made again over them half the time.
func damageLegacy(t *testing.T, r *rand.Rand, codec *session.Codec, d *serializer.Dict) string {
	t.Helper()
	enc, err := codec.EncodeLegacy(d)
	if err != nil {
		t.Fatal(err)
	}
	if r.IntN(2) == 0 {
		pieces := []string{"=", "==", "-", "_", "!", " ", "\n", ":", "A", "é"}
		i := r.IntN(len(enc) + 1)
		return strings.ToValidUTF8(enc[:i]+pieces[r.IntN(len(pieces))]+enc[min(len(enc), i+r.IntN(2)):], "*")
	}
	raw, _ := base64.StdEncoding.DecodeString(enc)
	hash, data, _ := strings.Cut(string(raw), ":")
	switch r.IntN(4) {
	case 0: // the serialized data damaged
		data = mutateJSON(r, data)
	case 1: // no ':'
		return base64.StdEncoding.EncodeToString([]byte(hash + data))
	case 2: // the hash damaged
		hash = hash[:r.IntN(len(hash))] + "x"
	default: // a hash in capitals, or with bytes that are not UTF-8
		hash = []string{strings.ToUpper(hash), hash[:10] + "\xff" + hash[11:]}[r.IntN(2)]
	}
	if r.IntN(2) == 0 && hash == strings.ToLower(hash) && !strings.Contains(hash, "\xff") {
		// The hash made again over the damaged data: only the data is wrong.
		mac, _ := signing.SaltedHMAC("django.contrib.sessionsSessionStore", data, liveKey, "sha1")
		hash = ""
		for _, b := range mac {
			hash += string("0123456789abcdef"[b>>4]) + string("0123456789abcdef"[b&15])
		}
	}
	return base64.StdEncoding.EncodeToString([]byte(hash + ":" + data))
}
