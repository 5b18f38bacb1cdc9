package compat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/serializer"
)

// sessionEngine is one of the two cache-backed session engines on a backend.
type sessionEngine interface {
	engines.Store
	FullKey(key string) string
}

// TestCacheRedisMatrix runs the cache and cached_db engines against real Django of every
// series in scripts/matrix, on every Redis cache flavour (Django's RedisCache from 4.0,
// django-redis with several serializers/compressors, KEY_PREFIX/VERSION/KEY_FUNCTION,
// primary+replica LOCATIONs, Sentinel): Django saves → Go loads equal data with the same
// full key; Go saves → Django loads equal data, same bytes as Django writes for the same
// dict, same TTL (± 1 s); updates both ways; Go deletes → Django misses; ErrCreate and
// ErrUpdate as Django; cached_db repopulates an evicted cache entry from the database
// with the row's remaining age.
func TestCacheRedisMatrix(t *testing.T) {
	e := needRedis(t)
	aliases := redisAliases(e)
	for _, series := range matrix(t) {
		t.Run("django-"+series, func(t *testing.T) {
			t.Parallel()
			major := int(series[0] - '0')
			cs := map[string]any{"default": map[string]any{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
			var use []redisAlias
			for _, a := range aliases {
				if major >= a.minMajor {
					cs[a.name] = a.django
					use = append(use, a)
				}
			}
			dbPath := filepath.Join(t.TempDir(), "db.sqlite3")
			p := startCachePeer(t, series, cs, dbPath)
			opts, dbs := cacheEngineOptions(t, dbPath)
			for _, a := range use {
				b := a.backend(t, e)
				for _, engine := range []string{"cache", "cached_db"} {
					var st sessionEngine
					if engine == "cache" {
						s, err := cache.New(b, cache.Options{Options: opts})
						if err != nil {
							t.Fatal(err)
						}
						st = s
					} else {
						s, err := cacheddb.New(dbs, b, cacheddb.Options{Options: opts})
						if err != nil {
							t.Fatal(err)
						}
						st = s
					}
					t.Run(a.name+"/"+engine, func(t *testing.T) {
						redisScenario(t, e, p, a, engine, st)
					})
				}
			}
		})
	}
}

func redisScenario(t *testing.T, e *redisEnv, p *peer, a redisAlias, engine string, st sessionEngine) {
	ctx := context.Background()
	req := func(op string, kv ...any) map[string]any {
		m := map[string]any{"op": op, "alias": a.name, "engine": engine}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	sync := func() {
		if a.replicas {
			e.waitReplica(t)
		}
	}
	data := serializer.NewDict()
	data.Set("_auth_user_id", serializer.Str("42"))
	data.Set("cart", serializer.List(serializer.Int(1), serializer.Int(2), serializer.Str("é")))
	data.Set("flag", serializer.Bool(true))
	data.Set("n", serializer.Int(1<<40))
	data.Set("f", serializer.Float(0.5))
	data.Set("none", serializer.None())
	data.Set(sessionExpiryKey, serializer.Int(600))
	js := dbJSON(t, data)

	// Django saves → Go loads, same full key, TTL 600 s.
	r := p.mustOK(t, req("cache_session_save", "json", js))
	dkey := r["key"].(string)
	if got := st.FullKey(dkey); got != r["cache_key"] {
		t.Fatalf("full key: Go %q, Django %q", got, r["cache_key"])
	}
	sync()
	got, ok, err := st.Load(ctx, dkey)
	if err != nil || !ok {
		t.Fatalf("Go load of Django's session: ok=%v err=%v", ok, err)
	}
	if dbJSON(t, got) != js {
		t.Fatalf("Go loaded %s, Django saved %s", dbJSON(t, got), js)
	}
	checkTTL(t, e.pttl(t, a, st.FullKey(dkey)), 600, "Django's save")

	// Go saves the same dict → same bytes as Django's, same TTL, Django loads it.
	gkey, err := engines.Create(ctx, st, data)
	if err != nil {
		t.Fatal(err)
	}
	checkTTL(t, e.pttl(t, a, st.FullKey(gkey)), 600, "Go's save")
	dbytes, _ := e.raw(a).Get(ctx, st.FullKey(dkey)).Bytes()
	gbytes, _ := e.raw(a).Get(ctx, st.FullKey(gkey)).Bytes()
	if !bytes.Equal(dbytes, gbytes) {
		t.Fatalf("stored bytes differ:\nDjango %x\nGo     %x", dbytes, gbytes)
	}
	sync()
	r = p.mustOK(t, req("cache_session_load", "key", gkey))
	if r["found"] != true || r["json"] != js {
		t.Fatalf("Django load of Go's session: %v", r)
	}
	if r := p.mustOK(t, req("cache_session_exists", "key", gkey)); r["exists"] != true {
		t.Fatalf("Django exists: %v", r)
	}

	// Updates both ways.
	data2 := data.Clone()
	data2.Set("step", serializer.Int(2))
	if err := st.Save(ctx, gkey, data2, false); err != nil {
		t.Fatal(err)
	}
	sync()
	if r := p.mustOK(t, req("cache_session_load", "key", gkey)); r["json"] != dbJSON(t, data2) {
		t.Fatalf("Django after Go's update: %v", r)
	}
	data3 := data2.Clone()
	data3.Set("step", serializer.Int(3))
	p.mustOK(t, req("cache_session_save", "key", gkey, "json", dbJSON(t, data3)))
	sync()
	if got, ok, _ := st.Load(ctx, gkey); !ok || dbJSON(t, got) != dbJSON(t, data3) {
		t.Fatalf("Go after Django's update: %v %v", ok, got)
	}

	// Create on a taken key, update of a missing key.
	if err := st.Save(ctx, gkey, data, true); !errors.Is(err, engines.ErrCreate) {
		t.Fatalf("create on a taken key: %v", err)
	}
	if engine == "cache" {
		if err := st.Save(ctx, engines.NewKey(), data, false); !errors.Is(err, engines.ErrUpdate) {
			t.Fatalf("update of a missing key: %v", err)
		}
	}

	if engine == "cached_db" {
		// Evict Django's entry: Go reads the row and refills the cache with its remaining age.
		if err := e.raw(a).Del(ctx, st.FullKey(dkey)).Err(); err != nil {
			t.Fatal(err)
		}
		sync()
		got, ok, err := st.Load(ctx, dkey)
		if err != nil || !ok || dbJSON(t, got) != js {
			t.Fatalf("Go load from the database: %v %v", ok, err)
		}
		checkTTL(t, e.pttl(t, a, st.FullKey(dkey)), 600, "Go's repopulation")
		sync()
		if r := p.mustOK(t, req("cache_get", "key", cacheddb.KeyPrefix+dkey)); r["found"] != true || r["json"] != js {
			t.Fatalf("Django cache.get of the repopulated entry: %v", r)
		}
		// And the other way: Django repopulates, Go reads its entry.
		e.raw(a).Del(ctx, st.FullKey(gkey))
		sync()
		p.mustOK(t, req("cache_session_load", "key", gkey))
		if ttl := e.pttl(t, a, st.FullKey(gkey)); ttl <= 0 {
			t.Fatalf("Django did not repopulate: pttl %v", ttl)
		}
	}

	// Go deletes → Django misses.
	if err := st.Delete(ctx, gkey); err != nil {
		t.Fatal(err)
	}
	sync()
	if r := p.mustOK(t, req("cache_session_load", "key", gkey)); r["found"] != false {
		t.Fatalf("Django load after Go's delete: %v", r)
	}
	if r := p.mustOK(t, req("cache_session_exists", "key", gkey)); r["exists"] != false {
		t.Fatalf("Django exists after Go's delete: %v", r)
	}
	// Django deletes → Go misses.
	p.mustOK(t, req("cache_session_delete", "key", dkey))
	sync()
	if _, ok, _ := st.Load(ctx, dkey); ok {
		t.Fatal("Go loads a session Django deleted")
	}

	// No expiry at browser close (_session_expiry 0 → SESSION_COOKIE_AGE) and a past
	// expiry (negative age: the cache deletes the key).
	d0 := data.Clone()
	d0.Set(sessionExpiryKey, serializer.Int(0))
	k0, err := engines.Create(ctx, st, d0)
	if err != nil {
		t.Fatal(err)
	}
	checkTTL(t, e.pttl(t, a, st.FullKey(k0)), 1209600, "cookie age")
	dneg := data.Clone()
	dneg.Set(sessionExpiryKey, serializer.Int(-5))
	if engine == "cache" {
		kneg := engines.NewKey()
		gotErr := st.Save(ctx, kneg, dneg, true)
		rr := p.call(t, req("cache_session_save", "key", engines.NewKey(), "json", dbJSON(t, dneg), "must_create", true))
		// Django's RedisCache: SET NX then DEL (created, gone); django-redis: nothing stored,
		// "created" when absent. Both: no error, no key.
		if gotErr != nil || rr["ok"] != true {
			t.Fatalf("negative age create: Go %v, Django %v", gotErr, rr)
		}
		if n := e.raw(a).Exists(ctx, st.FullKey(kneg)).Val(); n != 0 {
			t.Fatal("a session with a negative age is in the cache")
		}
	}
}

const sessionExpiryKey = "_session_expiry"

func checkTTL(t *testing.T, got time.Duration, wantSec int64, what string) {
	t.Helper()
	want := time.Duration(wantSec) * time.Second
	if got > want || got < want-time.Second-500*time.Millisecond {
		t.Fatalf("%s: TTL %v, want %v (± 1 s)", what, got, want)
	}
}

// TestCacheRedisReplicaReads checks the server choice with a primary and a replica: Go
// and Django write to the first server and read from the replica.
func TestCacheRedisReplicaReads(t *testing.T) {
	e := needRedis(t)
	if e.replica == nil {
		skipOrFailTB(t, "DJSESSION_REDIS_REPLICA_URL is not set: run eval \"$(scripts/services start redis)\"")
	}
	ctx := context.Background()
	hits := func() (primary, replica int64) { return infoHits(t, e.primary), infoHits(t, e.replica) }
	for _, a := range redisAliases(e) {
		if a.name != "redis_replicas" && a.name != "djredis_replicas" {
			continue
		}
		b := a.backend(t, e)
		if err := b.Set(ctx, "replica-check", serializer.Int(7), caches.Seconds(60)); err != nil {
			t.Fatal(err)
		}
		e.waitReplica(t)
		p0, r0 := hits()
		for i := 0; i < 10; i++ {
			if _, ok, err := b.Get(ctx, "replica-check"); err != nil || !ok {
				t.Fatalf("%s: get from the replica: %v %v", a.name, ok, err)
			}
		}
		p1, r1 := hits()
		// Other test binaries may read the primary meanwhile; the replica is ours.
		if r1-r0 != 10 {
			t.Fatalf("%s: reads: primary hits +%d, replica hits +%d; want the 10 reads on the replica", a.name, p1-p0, r1-r0)
		}
		// A write to the replica would fail (read-only): writes going through proves they
		// reach the first server.
		if err := b.Delete(ctx, "replica-check"); err != nil {
			t.Fatalf("%s: delete: %v", a.name, err)
		}
	}
}

// infoHits is keyspace_hits of INFO stats.
func infoHits(t *testing.T, c *goredis.Client) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "keyspace_hits:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no keyspace_hits in INFO stats")
	return 0
}

// TestCacheRedisCluster runs the cache engine on a real Redis Cluster of three primaries,
// Go through a go-redis ClusterClient and Django through django-redis with redis-py's
// cluster client (peer_ops_cache.RedisClusterClient): 24 sessions made on each side land
// on every node, each on the node that holds its key's slot, and each side loads every
// session of the other with equal data; Go's deletes reach Django.
func TestCacheRedisCluster(t *testing.T) {
	e := needRedis(t)
	if e.cluster == nil {
		skipOrFailTB(t, "DJSESSION_REDIS_CLUSTER is not set: run eval \"$(scripts/services start redis-cluster)\"")
	}
	var a redisAlias
	for _, x := range redisAliases(e) {
		if x.cluster {
			a = x
		}
	}
	series := matrix(t)
	latest := series[len(series)-1]
	p := startCachePeer(t, latest, map[string]any{"default": a.django}, filepath.Join(t.TempDir(), "db.sqlite3"))
	codecOpts, _ := cacheEngineOptions(t, filepath.Join(t.TempDir(), "go.sqlite3"))
	st, err := cache.New(a.backend(t, e), cache.Options{Options: codecOpts})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// The node that holds each full key, asked of every primary in turn.
	nodeOf := func(full string) string {
		var mu sync.Mutex
		var holders []string
		err := e.cluster.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			n, err := c.Do(ctx, "exists", full).Int64() // (not routed: this node's own keys)
			if err != nil {
				if strings.HasPrefix(err.Error(), "MOVED") {
					return nil
				}
				return err
			}
			if n == 1 {
				mu.Lock()
				holders = append(holders, c.Options().Addr)
				mu.Unlock()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(holders) != 1 {
			t.Fatalf("%s is held by %v, want one node", full, holders)
		}
		return holders[0]
	}

	nodes := map[string]int{}
	var goKeys, djKeys []string
	for i := range 24 {
		d := serializer.NewDict()
		d.Set("i", serializer.Int(int64(i)))
		d.Set("side", serializer.Str("go"))
		k, err := engines.Create(ctx, st, d)
		if err != nil {
			t.Fatal(err)
		}
		goKeys = append(goKeys, k)
		nodes[nodeOf(st.FullKey(k))]++
		r := p.mustOK(t, map[string]any{"op": "cache_session_save", "json": fmt.Sprintf(`{"i":%d,"side":"django"}`, i)})
		djKeys = append(djKeys, r["key"].(string))
		if r["cache_key"] != st.FullKey(r["key"].(string)) {
			t.Fatalf("full key: Django %v, Go %q", r["cache_key"], st.FullKey(r["key"].(string)))
		}
		nodes[nodeOf(r["cache_key"].(string))]++
	}
	if len(nodes) != 3 {
		t.Fatalf("48 sessions landed on %d nodes (%v), want all 3", len(nodes), nodes)
	}
	for i, k := range goKeys {
		r := p.mustOK(t, map[string]any{"op": "cache_session_load", "key": k})
		if r["found"] != true || r["json"] != fmt.Sprintf(`{"i":%d,"side":"go"}`, i) {
			t.Fatalf("Django load of Go's session %d: %v", i, r)
		}
	}
	for i, k := range djKeys {
		d, ok, err := st.Load(ctx, k)
		if err != nil || !ok || dbJSON(t, d) != fmt.Sprintf(`{"i":%d,"side":"django"}`, i) {
			t.Fatalf("Go load of Django's session %d: %v %v %v", i, ok, err, d)
		}
		checkTTL(t, e.pttl(t, a, st.FullKey(k)), 1209600, "Django's save")
	}
	for _, k := range goKeys {
		if err := st.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if r := p.mustOK(t, map[string]any{"op": "cache_session_exists", "key": k}); r["exists"] != false {
			t.Fatalf("Django sees a session Go deleted: %v", r)
		}
	}
	t.Logf("sessions per node: %v", nodes)
}
