package compat_test

import (
	"context"
	"errors"
	"testing"

	gomc "github.com/bradfitz/gomemcache/memcache"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/djangoredis"
	"github.com/djsession/djsession/caches/memcache"
	credis "github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/serializer"
)

// cacheBench is one cache session store with the bare client operations moving the same
// bytes: get fetches the stored value, set writes it back with the same flags and TTL.
type cacheBench struct {
	st       *cache.Store
	key      string
	data     *serializer.Dict
	get, set func() error
	// getDecode is get followed by the value codec's decode of what it fetched;
	// encodeSet is the value codec's encode of data followed by set.
	getDecode, encodeSet func() error
}

func (x *cacheBench) run(b *testing.B) {
	ctx := context.Background()
	load := func() error {
		_, ok, err := x.st.Load(ctx, x.key)
		if err == nil && !ok {
			err = errors.New("session not found")
		}
		return err
	}
	save := func() error { return x.st.Save(ctx, x.key, x.data, false) }
	b.Run("load", func(b *testing.B) { pairBench(b, load, x.get) })
	// The same pair with the decode added to the bare side: what the engine costs beyond
	// the round trip and the (unavoidable) decoding of the value.
	b.Run("load-vs-get+decode", func(b *testing.B) { pairBench(b, load, x.getDecode) })
	// Saving an existing session is, as in Django, a get (is it still there?) and a set.
	b.Run("save", func(b *testing.B) {
		pairBench(b, save, func() error {
			if err := x.get(); err != nil {
				return err
			}
			return x.set()
		})
	})
	b.Run("save-vs-get+encode+set", func(b *testing.B) {
		pairBench(b, save, func() error {
			if err := x.get(); err != nil {
				return err
			}
			return x.encodeSet()
		})
	})
	x.st.Delete(ctx, x.key)
}

// BenchmarkOverheadRedis measures the cache session engine on Redis (Django's RedisCache
// and django-redis value formats) against bare go-redis GET / GET + SET EX of the same
// bytes, interleaved in one loop (see pairBench). The session is the typical one of
// fixtures/bench.
func BenchmarkOverheadRedis(b *testing.B) {
	e := needRedis(b)
	ctx := context.Background()
	data := typicalSession(b)
	rc, _ := credis.New([]goredis.UniversalClient{e.primary}, credis.Options{})
	dr, _ := djangoredis.New([]goredis.UniversalClient{e.primary}, djangoredis.Options{})
	for _, c := range []struct {
		name    string
		backend caches.Backend
		decode  func([]byte) (serializer.Value, error)
		encode  func(serializer.Value) ([]byte, error)
	}{
		{"django", rc, caches.RedisSerializer{}.Decode, caches.RedisSerializer{}.Encode},
		{"djangoredis", dr, caches.DjangoRedis{}.Decode, caches.DjangoRedis{}.Encode},
	} {
		st, err := cache.New(c.backend, cache.Options{})
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
		x := &cacheBench{st: st, key: key, data: data,
			get: func() error { return e.primary.Get(ctx, full).Err() },
			set: func() error { return e.primary.Set(ctx, full, raw, 1209600e9).Err() },
			getDecode: func() error {
				data, err := e.primary.Get(ctx, full).Bytes()
				if err == nil {
					_, err = c.decode(data)
				}
				return err
			},
			encodeSet: func() error {
				enc, err := c.encode(serializer.DictValue(data))
				if err != nil {
					return err
				}
				return e.primary.Set(ctx, full, enc, 1209600e9).Err()
			},
		}
		b.Run(c.name, x.run)
	}
}

// BenchmarkOverheadMemcached measures the cache session engine on memcached (pymemcache's
// and pylibmc's value formats, three servers) against bare gomemcache get / get + set of
// the same bytes and flags on the same server, interleaved in one loop (see pairBench).
func BenchmarkOverheadMemcached(b *testing.B) {
	addrs := memcachedAddrs(b)
	ctx := context.Background()
	data := typicalSession(b)
	for _, fl := range mcFlavors {
		mc, err := memcache.New(fl.flavor, memcache.Options{Location: addrs, MaxIdleConns: 8})
		if err != nil {
			b.Fatal(err)
		}
		st, err := cache.New(mc, cache.Options{})
		if err != nil {
			b.Fatal(err)
		}
		key, err := engines.Create(ctx, st, data)
		if err != nil {
			b.Fatal(err)
		}
		decode, encode := caches.Pymemcache{}.Decode, caches.Pymemcache{}.Encode
		if fl.flavor == memcache.PyLibMC {
			decode, encode = caches.Pylibmc{}.Decode, caches.Pylibmc{}.Encode
		}
		bare := gomc.NewFromSelector(mc.Selector())
		bare.MaxIdleConns = 8
		full := st.FullKey(key)
		it, err := bare.Get(full)
		if err != nil {
			b.Fatal(err)
		}
		x := &cacheBench{st: st, key: key, data: data,
			get: func() error { _, err := bare.Get(full); return err },
			set: func() error {
				return bare.Set(&gomc.Item{Key: full, Value: it.Value, Flags: it.Flags, Expiration: 1209600})
			},
			getDecode: func() error {
				got, err := bare.Get(full)
				if err == nil {
					_, err = decode(got.Value, got.Flags)
				}
				return err
			},
			encodeSet: func() error {
				enc, flags, err := encode(serializer.DictValue(data))
				if err != nil {
					return err
				}
				return bare.Set(&gomc.Item{Key: full, Value: enc, Flags: flags, Expiration: 1209600})
			},
		}
		b.Run(fl.flavor.String(), x.run)
	}
}

// BenchmarkCacheRedisCodec is the CPU the engine adds to a round trip: the value codec
// of each flavour on the typical session, without the network.
func BenchmarkCacheRedisCodec(b *testing.B) {
	v := serializer.DictValue(typicalSession(b))
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
