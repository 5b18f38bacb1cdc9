package compat_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/djangoredis"
	credis "github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/serializer"
)

// benchSession is a typical logged-in session.
func benchSession() *serializer.Dict {
	d := serializer.NewDict()
	d.Set("_auth_user_id", serializer.Str("1234"))
	d.Set("_auth_user_backend", serializer.Str("django.contrib.auth.backends.ModelBackend"))
	d.Set("_auth_user_hash", serializer.Str("4b1c8f0c1e0f3a6a0c5bb1d1e7c5e8f2a9d0b3c4e5f60718293a4b5c6d7e8f90"))
	d.Set("_session_expiry", serializer.Int(1209600))
	d.Set("cart", serializer.List(serializer.Int(17), serializer.Int(42), serializer.Int(99)))
	d.Set("csrf_ok", serializer.Bool(true))
	d.Set("theme", serializer.Str("dark"))
	return d
}

// BenchmarkCacheRedis compares the cache session engine on Redis (Django's RedisCache and
// django-redis value formats) with bare go-redis commands moving the same bytes, in the
// same run: Load = GET + decode; Save (an update, as Django: GET, then SET EX) = two round
// trips + encode, against a bare GET + SET EX.
func BenchmarkCacheRedis(b *testing.B) {
	e := needRedis(b)
	ctx := context.Background()
	data := benchSession()
	backends := map[string]caches.Backend{}
	rc, _ := credis.New([]goredis.UniversalClient{e.primary}, credis.Options{})
	backends["django"] = rc
	dr, _ := djangoredis.New([]goredis.UniversalClient{e.primary}, djangoredis.Options{})
	backends["djangoredis"] = dr
	for _, name := range []string{"django", "djangoredis"} {
		st, err := cache.New(backends[name], cache.Options{})
		if err != nil {
			b.Fatal(err)
		}
		key, err := engines.Create(ctx, st, data)
		if err != nil {
			b.Fatal(err)
		}
		full := st.FullKey(key)
		raw, err := e.primary.Get(ctx, full).Bytes()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/load/engine", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := st.Load(ctx, key); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run(name+"/load/bare", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.primary.Get(ctx, full).Bytes(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/save/engine", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := st.Save(ctx, key, data, false); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/save/bare", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := e.primary.Get(ctx, full).Err(); err != nil {
					b.Fatal(err)
				}
				if err := e.primary.Set(ctx, full, raw, 1209600e9).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
		st.Delete(ctx, key)
	}
}

// BenchmarkCacheRedisCodec is the CPU the engine adds to a round trip: the value codec
// of each flavour on benchSession, without the network.
func BenchmarkCacheRedisCodec(b *testing.B) {
	v := serializer.DictValue(benchSession())
	for _, c := range []struct {
		name string
		enc  func(serializer.Value) ([]byte, error)
		dec  func([]byte) (serializer.Value, error)
	}{
		{"django", caches.RedisSerializer{}.Encode, caches.RedisSerializer{}.Decode},
		{"djangoredis", caches.DjangoRedis{}.Encode, caches.DjangoRedis{}.Decode},
	} {
		data, _ := c.enc(v)
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.enc(v)
			}
		})
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.dec(data)
			}
		})
	}
}
