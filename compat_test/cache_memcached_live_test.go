package compat_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	gomc "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/memcache"
	"github.com/djsession/djsession/serializer"
)

// Live tests of caches/memcache: Go and real Django of every version in the matrix share
// three memcached servers through Django's PyMemcacheCache and PyLibMCCache
// (scripts/peer_ops_cachebackend.py), with the default keys, KEY_PREFIX + a string
// VERSION, and a custom KEY_FUNCTION.

// memcachedAddrs returns the servers started by scripts/services start memcached.
func memcachedAddrs(t testing.TB) []string {
	t.Helper()
	env := os.Getenv("DJSESSION_MEMCACHED_ADDRS")
	if env == "" {
		skipOrFailTB(t, "DJSESSION_MEMCACHED_ADDRS is not set: run eval \"$(scripts/services start memcached)\"")
	}
	addrs := strings.Split(env, ",")
	for _, a := range addrs {
		if err := gomc.New(a).Ping(); err != nil {
			skipOrFailTB(t, "memcached at %s unavailable (scripts/services start memcached): %v", a, err)
		}
	}
	return addrs
}

// customKeyFunc mirrors peer_ops_cachebackend.custom_key_func.
func customKeyFunc(key, prefix, version string) string {
	r := []rune(key)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return "custom|" + prefix + "|v" + version + "|" + string(r)
}

// cacheKeyCase is one key configuration, on both sides.
type cacheKeyCase struct {
	name   string
	keys   caches.KeyConfig
	django map[string]any // KEY_PREFIX, VERSION, KEY_FUNCTION entries
}

func cacheKeyCases() []cacheKeyCase {
	return []cacheKeyCase{
		{name: "default", django: map[string]any{}},
		{name: "prefix-version", keys: caches.KeyConfig{KeyPrefix: "myapp", Version: caches.StringVersion("v2")},
			django: map[string]any{"KEY_PREFIX": "myapp", "VERSION": "v2"}},
		{name: "keyfunc", keys: caches.KeyConfig{KeyPrefix: "kp", Version: caches.IntVersion(3), KeyFunction: customKeyFunc},
			django: map[string]any{"KEY_PREFIX": "kp", "VERSION": 3, "KEY_FUNCTION": "peer_ops_cachebackend.custom_key_func"}},
	}
}

// cacheValues are the values both sides store: a session dict and the other types whose
// flags differ between the clients.
var cacheValues = []string{
	`{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","cart":[1,2.5,"caf\u00e9",null,true],"nested":{"a":{"b":[]}}}`,
	`42`, `123456789012345678901234567890`, `"h\u00e9llo"`, `true`, `null`, `[1,"two"]`, `1.25`,
}

type mcFlavor struct {
	flavor  memcache.Flavor
	backend string
}

var mcFlavors = []mcFlavor{
	{memcache.PyMemcache, "django.core.cache.backends.memcached.PyMemcacheCache"},
	{memcache.PyLibMC, "django.core.cache.backends.memcached.PyLibMCCache"},
}

func flushMemcached(t testing.TB, addrs []string) {
	t.Helper()
	if err := gomc.New(addrs...).FlushAll(); err != nil {
		t.Fatal(err)
	}
}

// cacheSide bundles a Go backend and the same CACHES entry for the peer.
type cacheSide struct {
	t     *testing.T
	p     *peer
	conf  map[string]any
	cache caches.Backend
}

func (s *cacheSide) req(op, key string, extra map[string]any) map[string]any {
	s.t.Helper()
	r := map[string]any{"op": op, "cache": s.conf, "key": key}
	for k, v := range extra {
		r[k] = v
	}
	return s.p.mustOK(s.t, r)
}

func (s *cacheSide) djangoGet(key string) (string, bool) {
	s.t.Helper()
	r := s.req("cb_get", key, nil)
	js, _ := r["json"].(string)
	return js, r["found"] == true
}

func (s *cacheSide) goGetJSON(key string) (string, bool) {
	s.t.Helper()
	v, ok, err := s.cache.Get(context.Background(), key)
	if err != nil {
		s.t.Fatalf("Go Get(%q): %v", key, err)
	}
	if !ok {
		return "", false
	}
	js, err := serializer.EncodeJSON(v)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(js), true
}

func mustJSON(t testing.TB, text string) serializer.Value {
	t.Helper()
	v, err := serializer.DecodeJSONString(text)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pylibmcReads is what pylibmc gives back for a value it stored: True as 1.
func pylibmcReads(f memcache.Flavor, js string) string {
	if f == memcache.PyLibMC && js == "true" {
		return "1"
	}
	return js
}

func TestMemcachedLive(t *testing.T) {
	addrs := memcachedAddrs(t)
	peers := livePeers(t)
	ctx := context.Background()
	for _, p := range peers {
		for _, fl := range mcFlavors {
			for _, kc := range cacheKeyCases() {
				t.Run(fmt.Sprintf("%s/%s/%s", p.Series, fl.flavor, kc.name), func(t *testing.T) {
					flushMemcached(t, addrs)
					conf := map[string]any{"BACKEND": fl.backend, "LOCATION": strings.Join(addrs, ";")}
					for k, v := range kc.django {
						conf[k] = v
					}
					mc, err := memcache.New(fl.flavor, memcache.Options{Location: addrs, Keys: kc.keys})
					if err != nil {
						t.Fatal(err)
					}
					defer mc.Close()
					s := &cacheSide{t: t, p: p, conf: conf, cache: mc}

					// Same full key.
					if full := s.req("cb_make_key", "abc", nil)["full"]; full != mc.MakeKey("abc") {
						t.Fatalf("make_key: Django %q, Go %q", full, mc.MakeKey("abc"))
					}
					for i, js := range cacheValues {
						// Django saves → Go loads equal data; Go reads the TTL Django set.
						k := fmt.Sprintf("dj-%d-sess\u00eftion", i)
						s.req("cb_set", k, map[string]any{"json": js, "timeout": 120})
						got, ok := s.goGetJSON(k)
						if !ok || got != pylibmcReads(fl.flavor, js) {
							t.Errorf("Django set %s; Go got %q (found %v)", js, got, ok)
						}
						ttl, never, ok, err := mc.TTL(ctx, k)
						if err != nil || !ok || never || ttl < 119*time.Second || ttl > 120*time.Second {
							t.Errorf("TTL of Django's 120 s entry: %v never=%v ok=%v err=%v", ttl, never, ok, err)
						}
						// Go saves → Django loads equal data, same TTL and flags on the server.
						k = fmt.Sprintf("go-%d", i)
						if err := mc.Set(ctx, k, mustJSON(t, js), caches.Seconds(200)); err != nil {
							t.Fatal(err)
						}
						dj, ok := s.djangoGet(k)
						if !ok || dj != pylibmcReads(fl.flavor, js) {
							t.Errorf("Go set %s; Django got %q (found %v)", js, dj, ok)
						}
						raw := mcRaw(t, p, addrs, mc.MakeKey(k))
						if raw == nil {
							t.Fatalf("Go's entry %q is on no server", k)
						}
						if ttl := raw["ttl"].(float64); ttl < 199 || ttl > 200 {
							t.Errorf("TTL on the server of Go's 200 s entry: %v", ttl)
						}
						s.req("cb_set", "dj-flags", map[string]any{"json": js})
						djRaw := mcRaw(t, p, addrs, mc.MakeKey("dj-flags"))
						if djRaw["flags"] != raw["flags"] {
							t.Errorf("flags for %s: Django %v, Go %v", js, djRaw["flags"], raw["flags"])
						}
						if djRaw["ttl"].(float64) < 299 { // Django's default TIMEOUT
							t.Errorf("default timeout: TTL %v", djRaw["ttl"])
						}
					}

					// Timeouts: None never expires, over 30 days is absolute, 0 expires at once.
					sess := mustJSON(t, cacheValues[0])
					mc.Set(ctx, "never", sess, caches.Never)
					if raw := mcRaw(t, p, addrs, mc.MakeKey("never")); raw["ttl"].(float64) != -1 {
						t.Errorf("timeout None: TTL %v, want -1", raw["ttl"])
					}
					long := 40 * 24 * 3600.0
					mc.Set(ctx, "long", sess, caches.Seconds(long))
					s.req("cb_set", "dj-long", map[string]any{"json": cacheValues[0], "timeout": long})
					a, b := mcRaw(t, p, addrs, mc.MakeKey("long")), mcRaw(t, p, addrs, mc.MakeKey("dj-long"))
					// Both become int(time.time()) + 40 days; memcached turns an absolute
					// time back into a TTL on its own once-a-second clock, so allow 2 s.
					for _, ttl := range []float64{a["ttl"].(float64), b["ttl"].(float64)} {
						if ttl < long-2 || ttl > long+2 {
							t.Errorf("40-day timeout: Go TTL %v, Django TTL %v, want %v (± 2 s)", a["ttl"], b["ttl"], long)
						}
					}
					s.req("cb_set", "zero", map[string]any{"json": "1"})
					mc.Set(ctx, "zero", sess, caches.Seconds(0))
					if _, ok := s.djangoGet("zero"); ok {
						t.Error("Go set timeout 0: Django still finds the key")
					}

					// Go deletes → Django misses.
					s.req("cb_set", "del", map[string]any{"json": cacheValues[0]})
					if has, _ := mc.Has(ctx, "del"); !has {
						t.Error("Go Has: false for Django's key")
					}
					if err := mc.Delete(ctx, "del"); err != nil {
						t.Fatal(err)
					}
					if _, ok := s.djangoGet("del"); ok {
						t.Error("Go deleted; Django still finds the key")
					}
					if s.req("cb_has", "del", nil)["has"] != false {
						t.Error("Go deleted; Django has_key is true")
					}
					if err := mc.Delete(ctx, "del"); err != nil {
						t.Errorf("Delete of a missing key: %v", err)
					}

					// add on both sides.
					if added, err := mc.Add(ctx, "go-0", sess, caches.Seconds(60)); added || err != nil {
						t.Errorf("Go Add on a taken key: %v %v", added, err)
					}
					if s.req("cb_add", "go-0", map[string]any{"json": "1"})["added"] != false {
						t.Error("Django add on Go's key succeeded")
					}
					if added, err := mc.Add(ctx, "fresh", sess, caches.Seconds(60)); !added || err != nil {
						t.Errorf("Go Add on a free key: %v %v", added, err)
					}
					if js, ok := s.djangoGet("fresh"); !ok || js != cacheValues[0] {
						t.Errorf("Django reads Go's add: %q %v", js, ok)
					}

					// Bad keys: both refuse.
					_, _, err = mc.Get(ctx, "has space")
					if !errors.Is(err, caches.ErrInvalidKey) {
						t.Errorf("Go Get of a key with a space: %v", err)
					}
					r := p.call(t, map[string]any{"op": "cb_get", "cache": conf, "key": "has space"})
					if r["error"] != "InvalidCacheKey" {
						t.Errorf("Django get of a key with a space: %v", r)
					}
				})
			}
		}
	}
}

// mcRaw returns the meta-get reply of the one server that holds fullKey (nil if none),
// as the Python peer reads it over a plain socket; more than one holder fails the test.
func mcRaw(t *testing.T, p *peer, addrs []string, fullKey string) map[string]any {
	t.Helper()
	r := p.mustOK(t, map[string]any{"op": "cb_mc_raw", "addrs": addrs, "full_key": fullKey})
	var hit map[string]any
	for _, s := range r["servers"].([]any) {
		m := s.(map[string]any)
		if m["found"] == true {
			if hit != nil {
				t.Fatalf("%q is on more than one server", fullKey)
			}
			hit = m
		}
	}
	return hit
}

// placementKeys are the user keys of the placement test: session-like keys, plus some
// with non-ASCII characters.
func placementKeys() []string {
	keys := make([]string, 0, 1000)
	for i := 0; i < 1000; i++ {
		switch {
		case i%10 == 9:
			keys = append(keys, fmt.Sprintf("django.contrib.sessions.cache\u00e9t\u00e9-%d-\u65e5\u672c", i))
		default:
			keys = append(keys, fmt.Sprintf("django.contrib.sessions.cache%032x", uint64(i)*0x9e3779b97f4a7c15))
		}
	}
	return keys
}

// TestMemcachedPlacementLive: with three servers, for 1,000 keys Go picks the server the
// Python client picks: Django stores the keys and Go finds each on the server its
// selector names; then Go stores them and Django finds every one.
func TestMemcachedPlacementLive(t *testing.T) {
	addrs := memcachedAddrs(t)
	if len(addrs) < 3 {
		skipOrFail(t, "placement needs 3 memcached servers, DJSESSION_MEMCACHED_ADDRS has %d", len(addrs))
	}
	peers := livePeers(t)
	ctx := context.Background()
	keys := placementKeys()
	single := make([]*gomc.Client, len(addrs))
	for i, a := range addrs {
		single[i] = gomc.New(a)
	}
	for _, p := range peers {
		for _, fl := range mcFlavors {
			t.Run(p.Series+"/"+fl.flavor.String(), func(t *testing.T) {
				mc, err := memcache.New(fl.flavor, memcache.Options{Location: addrs})
				if err != nil {
					t.Fatal(err)
				}
				conf := map[string]any{"BACKEND": fl.backend, "LOCATION": strings.Join(addrs, ",")}
				flushMemcached(t, addrs)
				p.mustOK(t, map[string]any{"op": "cb_set_many_ints", "cache": conf, "keys": keys})
				full := make([]string, len(keys))
				for i, k := range keys {
					full[i] = mc.MakeKey(k)
				}
				holder := make(map[string]int, len(keys))
				for si, c := range single {
					for lo := 0; lo < len(full); lo += 100 {
						items, err := c.GetMulti(full[lo:min(lo+100, len(full))])
						if err != nil {
							t.Fatal(err)
						}
						for k := range items {
							if _, dup := holder[k]; dup {
								t.Fatalf("%q on two servers", k)
							}
							holder[k] = si
						}
					}
				}
				perServer := make([]int, len(addrs))
				mismatches := 0
				for _, k := range full {
					h, ok := holder[k]
					if !ok {
						t.Fatalf("Django's key %q is on no server", k)
					}
					perServer[h]++
					if got := mc.Selector().Index(k); got != h {
						mismatches++
						if mismatches <= 5 {
							t.Errorf("%q: Python put it on server %d, Go picks %d", k, h, got)
						}
					}
				}
				if mismatches > 0 {
					t.Fatalf("%d of %d keys on a different server", mismatches, len(keys))
				}
				t.Logf("Django %s %s: 1000/1000 keys on the same server (spread %v)", p.Django, fl.flavor, perServer)

				// Go stores, Django finds every key (each is on exactly one server).
				flushMemcached(t, addrs)
				for i, k := range keys {
					if err := mc.Set(ctx, k, serializer.Int(int64(i)), caches.Seconds(300)); err != nil {
						t.Fatal(err)
					}
				}
				found := p.mustOK(t, map[string]any{"op": "cb_found", "cache": conf, "keys": keys})["found"].([]any)
				for i, f := range found {
					if f != true {
						t.Fatalf("Go stored %q; Django does not find it", keys[i])
					}
				}
			})
		}
	}
}
