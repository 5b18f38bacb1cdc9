package compat_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// Property-style live tests: random nested values made in Go go through a real Django of
// every version in both directions.

const liveKey = "django-insecure-live-peer-key-for-djsession-tests-0123456789"

// randomValue returns a random JSON-able Python value of at most the given depth.
func randomValue(r *rand.Rand, depth int) serializer.Value {
	n := 8
	if depth <= 0 {
		n = 6
	}
	switch r.IntN(n) {
	case 0:
		return serializer.None()
	case 1:
		return serializer.Bool(r.IntN(2) == 0)
	case 2:
		switch r.IntN(3) {
		case 0:
			return serializer.Int(int64(r.IntN(2000) - 1000))
		case 1:
			return serializer.Int(int64(r.Uint64()))
		}
		b := new(big.Int).Lsh(big.NewInt(1), uint(r.IntN(200)))
		if r.IntN(2) == 0 {
			b.Neg(b)
		}
		return serializer.BigInt(b.Add(b, big.NewInt(int64(r.IntN(1000)))))
	case 3:
		switch r.IntN(4) {
		case 0:
			return serializer.Float(math.Float64frombits(r.Uint64())) // any double, NaN and inf included
		case 1:
			return serializer.Float(float64(r.IntN(10000)) / 4)
		case 2:
			return serializer.Float(r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20)))
		}
		return serializer.Float(float64(r.IntN(100)))
	case 4, 5:
		return serializer.Str(randomString(r))
	case 6:
		vs := make([]serializer.Value, r.IntN(5))
		for i := range vs {
			vs[i] = randomValue(r, depth-1)
		}
		return serializer.List(vs...)
	}
	d := serializer.NewDict()
	for i := r.IntN(6); i > 0; i-- {
		d.Set(randomString(r), randomValue(r, depth-1))
	}
	return serializer.DictValue(d)
}

var alphabets = [][]rune{
	[]rune("abcdefghijklmnopqrstuvwxyz_0123456789"),
	[]rune(" \"\\/<>&'\n\r\t\b\f\x00\x1f\x7f:.,{}[]"),
	[]rune("éèçàüößÆØÅñ¡¿€£¥©®"),
	[]rune("✓★☃中文日本語한국어עבריתالعربية\u2028\u2029\ufeff\ufffd"),
	[]rune("😀🎉𝄞𐍈🇪🇺"),
}

func randomString(r *rand.Rand) string {
	var b strings.Builder
	for i := r.IntN(12); i > 0; i-- {
		if r.IntN(40) == 0 {
			b.WriteString("\xed\xa0\x80") // a lone surrogate (WTF-8), which Python strings can hold
			continue
		}
		a := alphabets[r.IntN(len(alphabets))]
		b.WriteRune(a[r.IntN(len(a))])
	}
	return b.String()
}

func randomSession(r *rand.Rand) *serializer.Dict {
	d := serializer.NewDict()
	for i := r.IntN(8) + 1; i > 0; i-- {
		d.Set(randomString(r), randomValue(r, 4))
	}
	return d
}

func TestLiveJSONAndSigning(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(p.Series))))
			const fixedTime = 1700000000.25
			for i := 0; i < 200; i++ {
				v := serializer.DictValue(randomSession(r))
				js, err := serializer.EncodeJSON(v)
				if err != nil {
					t.Fatal(err)
				}
				// Django reads our JSON and writes the same bytes.
				resp := p.mustOK(t, map[string]any{"op": "json_roundtrip", "json": string(js)})
				if resp["json"] != string(js) {
					t.Fatalf("case %d: Django re-serialized differently:\n go     %s\n django %s", i, js, resp["json"])
				}
				salt := []string{"", "django.contrib.sessions.SessionStore", "sålt ✓"}[i%3]
				// Uncompressed tokens are byte-identical.
				goTok, err := signing.Dumps(v, signing.DumpsOptions{Key: liveKey, Salt: saltFor(salt), Now: clock(fixedTime)})
				if err != nil {
					t.Fatal(err)
				}
				dj := p.mustOK(t, map[string]any{"op": "dumps", "json": string(js), "key": liveKey, "salt": salt, "compress": false, "time": fixedTime})
				if dj["token"] != goTok {
					t.Fatalf("case %d: dumps differ:\n go     %s\n django %s", i, goTok, dj["token"])
				}
				// Compressed: byte-identical too; and each side loads the other's.
				goZ, err := signing.Dumps(v, signing.DumpsOptions{Key: liveKey, Salt: saltFor(salt), Compress: true, Now: clock(fixedTime)})
				if err != nil {
					t.Fatal(err)
				}
				back := p.mustOK(t, map[string]any{"op": "loads", "token": goZ, "key": liveKey, "salt": salt})
				if back["json"] != string(js) {
					t.Fatalf("case %d: Django loaded Go's compressed token as %s, want %s", i, back["json"], js)
				}
				djZ := p.mustOK(t, map[string]any{"op": "dumps", "json": string(js), "key": liveKey, "salt": salt, "compress": true, "time": fixedTime})
				if djZ["token"] != goZ {
					t.Fatalf("case %d: compressed dumps differ:\n go     %s\n django %s", i, goZ, djZ["token"])
				}
				got, err := signing.Loads(djZ["token"].(string), signing.LoadsOptions{Key: liveKey, Salt: saltFor(salt)})
				if err != nil {
					t.Fatalf("case %d: Go could not load Django's token: %v", i, err)
				}
				sameValue(t, fmt.Sprintf("case %d: Go loads of Django's compressed token", i), got, v)
			}
		})
	}
}

// saltFor maps a salt as passed to Django to the DumpsOptions salt: Django treats "" as
// its class default.
func saltFor(s string) string {
	if s == "" {
		return signing.TimestampSignerClass
	}
	return s
}

const sessTime = 1712345678.5

// encodeAt is Codec.Encode with the clock at sessTime.
func encodeAt(t *testing.T, class string, d *serializer.Dict) string {
	t.Helper()
	c, err := session.NewCodec(session.Config{SecretKey: liveKey, StoreClass: class, Now: clock(sessTime)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLiveSessionCodec(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(2, uint64(len(p.Series))))
			for i := 0; i < 100; i++ {
				d := randomSession(r)
				class := []string{"SessionStore", "MyStore", "Outer.Inner"}[i%3]
				codec, err := session.NewCodec(session.Config{SecretKey: liveKey, StoreClass: class})
				if err != nil {
					t.Fatal(err)
				}
				js, _ := serializer.EncodeJSON(serializer.DictValue(d))
				enc, err := codec.Encode(d)
				if err != nil {
					t.Fatal(err)
				}
				resp := p.mustOK(t, map[string]any{"op": "decode", "input": enc, "key": liveKey, "store_class": class})
				if resp["json"] != string(js) || resp["warning"] == true {
					t.Fatalf("case %d (%s): Django decoded Go's session as %v (warning %v), want %s", i, class, resp["json"], resp["warning"], js)
				}
				dj := p.mustOK(t, map[string]any{"op": "encode", "json": string(js), "key": liveKey, "store_class": class, "time": sessTime})
				if goEnc := encodeAt(t, class, d); dj["output"] != goEnc {
					t.Fatalf("case %d (%s): encode differs:\n go     %s\n django %s", i, class, goEnc, dj["output"])
				}
				got, err := codec.DecodeErr(dj["output"].(string))
				if err != nil {
					t.Fatalf("case %d (%s): Go could not decode Django's session: %v", i, class, err)
				}
				sameValue(t, fmt.Sprintf("case %d", i), serializer.DictValue(got), serializer.DictValue(d))
			}
		})
	}
}

// TestLiveSigners signs random strings with random salts, separators, algorithms and key
// rotations on both sides; outputs must be identical and each side must verify the other's.
func TestLiveSigners(t *testing.T) {
	algs := signing.Algorithms()
	seps := []string{":", "::", "#sep#", "/", "!", "~", "é"}
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(len(p.Series))))
			for i := 0; i < 150; i++ {
				value := strings.ReplaceAll(randomString(r), "\xed\xa0\x80", "") // Django cannot sign lone surrogates
				kind := []string{"Signer", "TimestampSigner"}[i%2]
				salt, sep, alg := randomString(r), seps[r.IntN(len(seps))], algs[r.IntN(len(algs))]
				salt = strings.ReplaceAll(salt, "\xed\xa0\x80", "")
				const at = 1700000000.75
				req := map[string]any{"op": "sign", "signer": kind, "key": liveKey, "salt": salt, "sep": sep,
					"algorithm": alg, "value": value, "time": at}
				o := signing.Options{Key: liveKey, Salt: salt, Sep: sep, Algorithm: alg, Now: clock(at)}
				var goSigned string
				var verify func(string) (string, error)
				if kind == "Signer" {
					s, err := signing.NewSigner(o)
					if err != nil {
						t.Fatal(err)
					}
					goSigned, verify = s.Sign(value), s.Unsign
				} else {
					s, err := signing.NewTimestampSigner(o)
					if err != nil {
						t.Fatal(err)
					}
					goSigned, verify = s.Sign(value), s.Unsign
				}
				dj := p.mustOK(t, req)
				if dj["output"] != goSigned {
					t.Fatalf("case %d (%s sep %q alg %s salt %q): Go %q, Django %v", i, kind, sep, alg, salt, goSigned, dj)
				}
				// Django verifies Go's signature with the key as a fallback after a new key
				// (4.1+), and with the key itself on 3.2.
				unsign := map[string]any{"op": "unsign", "signer": kind, "key": liveKey, "salt": salt, "sep": sep,
					"algorithm": alg, "input": goSigned}
				if p.Series != "3.2" {
					unsign["key"] = "a-brand-new-key"
					unsign["fallback_keys"] = []string{"older", liveKey}
				}
				back := p.mustOK(t, unsign)
				if back["value"] != value {
					t.Fatalf("case %d: Django unsign = %v, want %q", i, back["value"], value)
				}
				if got, err := verify(goSigned); err != nil || got != value {
					t.Fatalf("case %d: Go unsign = %q, %v", i, got, err)
				}
			}
		})
	}
}
