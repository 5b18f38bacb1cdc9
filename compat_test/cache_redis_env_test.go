package compat_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/djangoredis"
	credis "github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/session"
)

// Helpers of the Redis live tests: the servers of scripts/services (primary, replica,
// Sentinel), the cache aliases both sides configure, and Django peers on them.

type redisEnv struct {
	url, replicaURL, sentinel string
	primary, replica          *goredis.Client
	// cluster is a client of the Redis Cluster of `scripts/services start redis-cluster`
	// (nil when DJSESSION_REDIS_CLUSTER is not set), clusterURL the URL of its first node.
	cluster    *goredis.ClusterClient
	clusterURL string
}

// raw is the client that reaches the alias's keys directly: the cluster client for the
// cluster alias, else the primary.
func (e *redisEnv) raw(a redisAlias) goredis.UniversalClient {
	if a.cluster {
		return e.cluster
	}
	return e.primary
}

// needRedis returns the servers of `scripts/services start redis`, or skips (fails with
// DJSESSION_REQUIRE_LIVE=1).
func needRedis(t testing.TB) *redisEnv {
	t.Helper()
	if testing.Short() {
		skipOrFailTB(t, "live Redis tests skipped in -short mode")
	}
	u := os.Getenv("DJSESSION_REDIS_URL")
	if u == "" {
		skipOrFailTB(t, "DJSESSION_REDIS_URL is not set: run eval \"$(scripts/services start redis)\"")
	}
	e := &redisEnv{url: u, replicaURL: os.Getenv("DJSESSION_REDIS_REPLICA_URL"), sentinel: os.Getenv("DJSESSION_REDIS_SENTINEL")}
	e.primary = redisClient(t, u)
	if e.replicaURL != "" {
		e.replica = redisClient(t, e.replicaURL)
	}
	if addrs := os.Getenv("DJSESSION_REDIS_CLUSTER"); addrs != "" {
		e.cluster = goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: strings.Split(addrs, ",")})
		t.Cleanup(func() { e.cluster.Close() })
		if err := e.cluster.Ping(context.Background()).Err(); err != nil {
			skipOrFailTB(t, "Redis Cluster at %s unavailable (scripts/services start redis-cluster): %v", addrs, err)
		}
		e.clusterURL = "redis://" + strings.Split(addrs, ",")[0]
	}
	// (Without a cluster the matrix has no cluster alias; TestCacheRedisCluster then
	// skips, or fails with DJSESSION_REQUIRE_LIVE=1.)
	return e
}

func redisClient(t testing.TB, u string) *goredis.Client {
	t.Helper()
	o, err := goredis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		skipOrFailTB(t, "Redis at %s unavailable (scripts/services start redis): %v", u, err)
	}
	return c
}

// redisAlias is one CACHES entry, configured the same way on both sides.
type redisAlias struct {
	name     string
	django   map[string]any // the CACHES entry for the peer
	minMajor int            // first Django major version that has it
	replicas bool           // reads go to the replica
	cluster  bool           // on the Redis Cluster
	backend  func(t testing.TB, e *redisEnv) caches.Backend
}

func redisAliases(e *redisEnv) []redisAlias {
	djr := func(opts map[string]any) map[string]any {
		m := map[string]any{"BACKEND": "django_redis.cache.RedisCache", "LOCATION": e.url}
		if opts != nil {
			m["OPTIONS"] = opts
		}
		return m
	}
	single := func(o credis.Options) func(t testing.TB, e *redisEnv) caches.Backend {
		return func(t testing.TB, e *redisEnv) caches.Backend {
			c, err := credis.New([]goredis.UniversalClient{e.primary}, o)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	dsingle := func(o djangoredis.Options) func(t testing.TB, e *redisEnv) caches.Backend {
		return func(t testing.TB, e *redisEnv) caches.Backend {
			c, err := djangoredis.New([]goredis.UniversalClient{e.primary}, o)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	customKey := func(key, prefix, version string) string { return "v" + version + "/" + prefix + "/" + key }
	as := []redisAlias{
		{name: "redis", minMajor: 4, django: map[string]any{"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": e.url},
			backend: single(credis.Options{})},
		{name: "redis_prefix", minMajor: 4, django: map[string]any{"BACKEND": "django.core.cache.backends.redis.RedisCache",
			"LOCATION": e.url, "KEY_PREFIX": "myapp", "VERSION": "v2"},
			backend: single(credis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: "myapp", Version: caches.StringVersion("v2")}})},
		{name: "redis_keyfunc", minMajor: 4, django: map[string]any{"BACKEND": "django.core.cache.backends.redis.RedisCache",
			"LOCATION": e.url, "KEY_PREFIX": "cf", "VERSION": 3, "KEY_FUNCTION": "peer_ops_cache.custom_key_func"},
			backend: single(credis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: "cf", Version: caches.IntVersion(3), KeyFunction: customKey}})},
		{name: "djredis", django: djr(nil), backend: dsingle(djangoredis.Options{})},
		{name: "djredis_json_zlib", django: djr(map[string]any{"SERIALIZER": "django_redis.serializers.json.JSONSerializer",
			"COMPRESSOR": "django_redis.compressors.zlib.ZlibCompressor"}),
			backend: dsingle(djangoredis.Options{Codec: caches.DjangoRedis{Serializer: caches.JSONSerializer, Compressor: caches.Zlib}})},
		{name: "djredis_msgpack_lz4_prefix", django: func() map[string]any {
			m := djr(map[string]any{"SERIALIZER": "django_redis.serializers.msgpack.MSGPackSerializer",
				"COMPRESSOR": "django_redis.compressors.lz4.Lz4Compressor"})
			m["KEY_PREFIX"], m["VERSION"] = "dr", 7
			return m
		}(),
			backend: dsingle(djangoredis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: "dr", Version: caches.IntVersion(7)},
				Codec: caches.DjangoRedis{Serializer: caches.MsgPackSerializer, Compressor: caches.Lz4}})},
		{name: "djredis_keyfunc", django: func() map[string]any {
			m := djr(nil)
			m["KEY_FUNCTION"], m["KEY_PREFIX"] = "peer_ops_cache.custom_key_func", "kf"
			return m
		}(), backend: dsingle(djangoredis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: "kf", KeyFunction: customKey}})},
	}
	if e.replica != nil {
		as = append(as,
			redisAlias{name: "redis_replicas", minMajor: 4, replicas: true, django: map[string]any{
				"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": []string{e.url, e.replicaURL}},
				backend: func(t testing.TB, e *redisEnv) caches.Backend {
					c, err := credis.New([]goredis.UniversalClient{e.primary, e.replica}, credis.Options{})
					if err != nil {
						t.Fatal(err)
					}
					return c
				}},
			redisAlias{name: "djredis_replicas", replicas: true, django: map[string]any{
				"BACKEND": "django_redis.cache.RedisCache", "LOCATION": []string{e.url, e.replicaURL}},
				backend: func(t testing.TB, e *redisEnv) caches.Backend {
					c, err := djangoredis.New([]goredis.UniversalClient{e.primary, e.replica}, djangoredis.Options{})
					if err != nil {
						t.Fatal(err)
					}
					return c
				}})
	}
	if e.cluster != nil {
		as = append(as, redisAlias{name: "djredis_cluster", cluster: true, django: map[string]any{
			"BACKEND": "django_redis.cache.RedisCache", "LOCATION": e.clusterURL,
			"OPTIONS": map[string]any{"CLIENT_CLASS": "peer_ops_cache.RedisClusterClient"}},
			backend: func(t testing.TB, e *redisEnv) caches.Backend {
				c, err := djangoredis.New([]goredis.UniversalClient{e.cluster}, djangoredis.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}})
	}
	if e.sentinel != "" {
		host, port, _ := strings.Cut(e.sentinel, ":")
		p, _ := strconv.Atoi(port)
		as = append(as, redisAlias{name: "djredis_sentinel", replicas: true, django: map[string]any{
			"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://djsession/0",
			"OPTIONS": map[string]any{"CLIENT_CLASS": "django_redis.client.SentinelClient",
				"CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
				"SENTINELS":          [][]any{{host, p}}}},
			backend: func(t testing.TB, e *redisEnv) caches.Backend {
				c, err := djangoredis.NewSentinel(&goredis.FailoverOptions{MasterName: "djsession", SentinelAddrs: []string{e.sentinel}}, djangoredis.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			}})
	}
	return as
}

// startCachePeer starts a Django peer of one series with the given CACHES and an SQLite
// database at dbPath (for cached_db), migrated.
func startCachePeer(t *testing.T, series string, cachesSetting map[string]any, dbPath string) *peer {
	t.Helper()
	py := filepath.Join(venvDir(), "django-"+series, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		skipOrFailTB(t, "no virtualenv for Django %s at %s: run scripts/venvs", series, py)
	}
	if err := exec.Command(py, "-c", "import redis, django_redis").Run(); err != nil {
		skipOrFailTB(t, "Django %s venv lacks redis-py/django-redis: run scripts/venv-extras-redis (scripts/services start redis does)", series)
	}
	settings, _ := json.Marshal(map[string]any{
		"SECRET_KEY": liveKey, "USE_TZ": true, "CACHES": cachesSetting,
		"DATABASES": map[string]any{"default": map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": dbPath}},
	})
	p, err := startPeerEnv(series, py, []string{"DJSESSION_PEER_SETTINGS=" + string(settings)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	p.mustOK(t, map[string]any{"op": "db_migrate"})
	return p
}

// cacheEngineOptions are the Go settings matching the peer (SECRET_KEY liveKey, USE_TZ,
// real clock) and the sqlite db Store on dbPath.
func cacheEngineOptions(t testing.TB, dbPath string) (engines.Options, *db.Store) {
	t.Helper()
	codec, err := session.NewCodec(session.Config{SecretKey: liveKey})
	if err != nil {
		t.Fatal(err)
	}
	opts := engines.Options{Codec: codec}
	sdb, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	st, err := sqlite.New(sdb, db.Options{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return opts, st
}

// pttl is the remaining lifetime of a full key of the alias (on the primary, or the
// cluster).
func (e *redisEnv) pttl(t testing.TB, a redisAlias, full string) time.Duration {
	t.Helper()
	d, err := e.raw(a).PTTL(context.Background(), full).Result()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// waitReplica blocks until the replica has every write made so far on the primary.
func (e *redisEnv) waitReplica(t testing.TB) {
	t.Helper()
	if e.replica == nil {
		return
	}
	if err := e.primary.Do(context.Background(), "wait", 1, 2000).Err(); err != nil {
		t.Fatal(err)
	}
}
