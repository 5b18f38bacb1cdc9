package compat_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	gomc "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/memcache"
	"github.com/djsession/djsession/serializer"
)

// Live test of pylibmc's zlib compression (flag 8) through a real memcached: pylibmc
// compresses a value when set() is given min_compress_len and the serialized value is at
// least that long, keeping it as it is when compressing does not shrink it. Django's
// PyLibMCCache never passes min_compress_len, so the peer calls its pylibmc.Client
// directly (cb_pylibmc_set / cb_pylibmc_get in scripts/peer_ops_cachebackend.py); the Go
// side is caches/memcache's PyLibMC flavour with Options.Pylibmc.MinCompressLen.

// pylibmcMinCompressLen is min_compress_len on both sides.
const pylibmcMinCompressLen = 300

// pylibmcZlibCase is one value: its kind's pylibmc type flag and whether pylibmc compresses
// it with min_compress_len = pylibmcMinCompressLen.
type pylibmcZlibCase struct {
	name       string
	value      serializer.Value
	pyType     string // type(value).__name__ on the Python side
	typeFlag   uint32 // flags without FlagZlib
	compressed bool
}

// incompressible returns n bytes that zlib cannot shrink (a SHA-256 chain).
func incompressible(n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	sum := sha256.Sum256([]byte("djsession pylibmc zlib"))
	for len(out) < n {
		out = append(out, sum[:]...)
		sum = sha256.Sum256(sum[:])
	}
	return out[:n]
}

func pylibmcZlibCases(t testing.TB) []pylibmcZlibCase {
	t.Helper()
	// A typical session after login plus a cart and a message: ~1 KB pickled, repetitive.
	var items []string
	for i := 0; i < 12; i++ {
		items = append(items, fmt.Sprintf(`{"sku":"SKU-%04d","name":"Caf\u00e9 cr\u00e8me %d","qty":%d,"price":"%d.99"}`, 1000+i, i, i%3+1, 4+i))
	}
	session := mustJSON(t, `{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend",`+
		`"_auth_user_hash":"5f0c2b2b8b1d3c6f4f0e8a1c9d2e7b6a5f4e3d2c1b0a99887766554433221100",`+
		`"_session_expiry":1209600,"django_language":"fr","cart":[`+strings.Join(items, ",")+`],`+
		`"_messages":"[[\"__json_message\",0,25,\"Welcome back, Ren\u00e9e!\"]]"}`)

	longText := strings.Repeat("Le c\u0153ur a ses raisons que la raison ne conna\u00eet point. \u65e5\u672c\u8a9e. ", 40)
	var longBytes []byte
	for i := 0; i < 16; i++ {
		for b := 0; b < 256; b++ {
			longBytes = append(longBytes, byte(b))
		}
	}
	// A str of exactly min_compress_len UTF-8 bytes, and one byte shorter.
	atMin := strings.Repeat("ab", pylibmcMinCompressLen/2)
	small := mustJSON(t, `{"_auth_user_id":"7","n":[1,2,3]}`)
	blob := serializer.NewDict()
	blob.Set("blob", serializer.Bytes(incompressible(2*pylibmcMinCompressLen)))
	blob.Set("n", serializer.Int(1))

	return []pylibmcZlibCase{
		{"session-dict", session, "dict", caches.FlagPickle, true},
		{"long-str", serializer.Str(longText), "str", caches.FlagText, true},
		{"long-bytes", serializer.Bytes(longBytes), "bytes", caches.FlagBytes, true},
		{"str-at-min-len", serializer.Str(atMin), "str", caches.FlagText, true},
		{"str-below-min-len", serializer.Str(atMin[1:]), "str", caches.FlagText, false},
		{"small-dict", small, "dict", caches.FlagPickle, false},
		{"incompressible-dict", serializer.DictValue(blob), "dict", caches.FlagPickle, false},
		{"incompressible-bytes", serializer.Bytes(incompressible(4 * pylibmcMinCompressLen)), "bytes", caches.FlagBytes, false},
	}
}

// pylibmcRawItem is an item as the memcached server holds it, fetched with gomemcache.
func pylibmcRawItem(t *testing.T, mc *memcache.Cache, key string) *gomc.Item {
	t.Helper()
	it, err := mc.Client().Get(mc.MakeKey(key))
	if err != nil {
		t.Fatalf("gomemcache Get(%q): %v", mc.MakeKey(key), err)
	}
	return it
}

// checkPylibmcRaw checks an item's flags, and that a compressed value is a zlib stream of
// the value's serialized form, shorter than it and at least min_compress_len long; it
// returns the serialized form (the value decompressed).
func checkPylibmcRaw(t *testing.T, who string, it *gomc.Item, c pylibmcZlibCase) []byte {
	t.Helper()
	if got := it.Flags&caches.FlagZlib != 0; got != c.compressed {
		t.Errorf("%s: flags %d: zlib bit 8 set = %v, want %v (%d bytes stored)", who, it.Flags, got, c.compressed, len(it.Value))
	}
	if tf := it.Flags &^ caches.FlagZlib; tf != c.typeFlag {
		t.Errorf("%s: flags %d: type flags %d, want %d", who, it.Flags, tf, c.typeFlag)
	}
	payload := it.Value
	if it.Flags&caches.FlagZlib != 0 {
		zr, err := zlib.NewReader(bytes.NewReader(it.Value))
		if err != nil {
			t.Fatalf("%s: flag 8 but not a zlib stream: %v", who, err)
		}
		if payload, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: flag 8 but a bad zlib stream: %v", who, err)
		}
		if len(payload) < pylibmcMinCompressLen || len(it.Value) >= len(payload) {
			t.Errorf("%s: compressed %d bytes to %d (min_compress_len %d)", who, len(payload), len(it.Value), pylibmcMinCompressLen)
		}
	}
	// The (decompressed) payload is the value in pylibmc's serialization.
	var got serializer.Value
	var err error
	switch c.typeFlag {
	case caches.FlagPickle:
		got, err = serializer.PickleLoads(payload)
	case caches.FlagText:
		got = serializer.Str(string(payload))
	default:
		got = serializer.Bytes(payload)
	}
	if err != nil || !serializer.Equal(got, c.value) {
		t.Errorf("%s: the stored payload (%d bytes) does not hold the value: %v", who, len(payload), err)
	}
	return payload
}

// pylibmcPeerGet is pylibmc's get() of a user key, through the peer.
func pylibmcPeerGet(t *testing.T, s *cacheSide, key string) (serializer.Value, string, bool) {
	t.Helper()
	r := s.req("cb_pylibmc_get", key, nil)
	if r["found"] != true {
		return serializer.Value{}, "", false
	}
	raw, err := hex.DecodeString(r["pickle_hex"].(string))
	if err != nil {
		t.Fatal(err)
	}
	v, err := serializer.PickleLoads(raw)
	if err != nil {
		t.Fatalf("pylibmc get(%q): unpickling the peer's answer: %v", key, err)
	}
	typ, _ := r["type"].(string)
	return v, typ, true
}

// TestPylibmcZlibLive: for every Django series (with pylibmc installed), values set by real
// pylibmc with min_compress_len on a live memcached are read back equal by Go's PyLibMC
// flavour (with and without MinCompressLen), and values Go sets with MinCompressLen are
// read back equal by pylibmc's get() (and Django's cache.get); on both ways the raw item's
// flags have bit 8 exactly when pylibmc compresses, and Go stores the flags pylibmc does.
func TestPylibmcZlibLive(t *testing.T) {
	addrs := memcachedAddrs(t)
	peers := livePeers(t)
	ctx := context.Background()
	cases := pylibmcZlibCases(t)
	backend := "django.core.cache.backends.memcached.PyLibMCCache"
	for _, p := range peers {
		t.Run(p.Series, func(t *testing.T) {
			// A prefix of our own instead of flush_all: other tests may share the servers.
			prefix := fmt.Sprintf("pylibmczlib%d.%d", os.Getpid(), time.Now().UnixNano())
			conf := map[string]any{"BACKEND": backend, "LOCATION": strings.Join(addrs, ";"), "KEY_PREFIX": prefix}
			keys := caches.KeyConfig{KeyPrefix: prefix}
			r := p.call(t, map[string]any{"op": "cb_make_key", "cache": conf, "key": "probe"})
			if r["ok"] != true {
				if e, _ := r["error"].(string); e == "ModuleNotFoundError" || e == "ImportError" {
					skipOrFail(t, "Django %s: pylibmc is not installed (scripts/venv-extras-caches): %v", p.Series, r["message"])
				}
				t.Fatalf("Django %s cb_make_key: %v: %v", p.Series, r["error"], r["message"])
			}
			mc, err := memcache.New(memcache.PyLibMC, memcache.Options{Location: addrs, Keys: keys,
				Pylibmc: caches.Pylibmc{MinCompressLen: pylibmcMinCompressLen}})
			if err != nil {
				t.Fatal(err)
			}
			defer mc.Close()
			plain, err := memcache.New(memcache.PyLibMC, memcache.Options{Location: addrs, Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			defer plain.Close()
			if full := r["full"]; full != mc.MakeKey("probe") {
				t.Fatalf("make_key: Django %q, Go %q", full, mc.MakeKey("probe"))
			}
			s := &cacheSide{t: t, p: p, conf: conf, cache: mc}

			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					s.t = t
					pk, err := serializer.PickleDumps(c.value)
					if err != nil {
						t.Fatal(err)
					}

					// 1. pylibmc sets with min_compress_len → Go gets an equal value.
					pyKey := "py-" + c.name
					r := s.req("cb_pylibmc_set", pyKey, map[string]any{
						"pickle_hex": hex.EncodeToString(pk), "min_compress_len": pylibmcMinCompressLen, "timeout": 300})
					if r["stored"] != true || r["full"] != mc.MakeKey(pyKey) {
						t.Fatalf("pylibmc set: %v", r)
					}
					pyItem := pylibmcRawItem(t, mc, pyKey)
					pyPayload := checkPylibmcRaw(t, "pylibmc set", pyItem, c)
					for _, g := range []struct {
						name string
						mc   *memcache.Cache
					}{{"MinCompressLen", mc}, {"no MinCompressLen", plain}} {
						got, ok, err := g.mc.Get(ctx, pyKey)
						if err != nil || !ok {
							t.Fatalf("Go Get (%s) of pylibmc's item: ok=%v err=%v", g.name, ok, err)
						}
						if !serializer.Equal(got, c.value) {
							t.Errorf("Go Get (%s) of pylibmc's item:\n got  %.200v\n want %.200v", g.name, got, c.value)
						}
					}

					// 2. Go sets with MinCompressLen → pylibmc gets an equal value.
					goKey := "go-" + c.name
					if err := mc.Set(ctx, goKey, c.value, caches.Seconds(300)); err != nil {
						t.Fatal(err)
					}
					goItem := pylibmcRawItem(t, mc, goKey)
					goPayload := checkPylibmcRaw(t, "Go set", goItem, c)
					if goItem.Flags != pyItem.Flags {
						t.Errorf("flags: pylibmc %d, Go %d", pyItem.Flags, goItem.Flags)
					}
					got, typ, ok := pylibmcPeerGet(t, s, goKey)
					if !ok {
						t.Fatalf("pylibmc get: Go's item %q not found", mc.MakeKey(goKey))
					}
					if typ != c.pyType || !serializer.Equal(got, c.value) {
						t.Errorf("pylibmc get of Go's item: %s\n got  %.200v\n want %.200v", typ, got, c.value)
					}
					// Django's own cache.get (the peer answers in JSON, which has no bytes).
					if js, err := serializer.EncodeJSON(c.value); err == nil {
						if dj, ok := s.djangoGet(goKey); !ok || dj != string(js) {
							t.Errorf("Django cache.get of Go's item: found=%v %.200s", ok, dj)
						}
					}
					// Also pylibmc's own item, back through pylibmc (sanity of the transport).
					if got, typ, ok := pylibmcPeerGet(t, s, pyKey); !ok || typ != c.pyType || !serializer.Equal(got, c.value) {
						t.Errorf("pylibmc get of its own item: found=%v %s %.200v", ok, typ, got)
					}

					// Same bytes on the server: the serialized payloads (pickle protocol 5,
					// UTF-8, raw bytes), then the zlib streams (level 6, as pylibmc's
					// Z_DEFAULT_COMPRESSION).
					if !bytes.Equal(goPayload, pyPayload) {
						t.Errorf("serialized payloads differ: pylibmc %d bytes, Go %d bytes", len(pyPayload), len(goPayload))
					} else if !bytes.Equal(goItem.Value, pyItem.Value) {
						t.Errorf("zlib output differs: pylibmc %d bytes, Go %d bytes", len(pyItem.Value), len(goItem.Value))
					}
					t.Logf("flags %2d: %4d-byte payload stored as %4d bytes (pylibmc), %4d (Go)",
						pyItem.Flags, len(pyPayload), len(pyItem.Value), len(goItem.Value))
				})
			}
		})
	}
}
