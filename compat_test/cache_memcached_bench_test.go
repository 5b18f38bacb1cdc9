package compat_test

import (
	"context"
	"testing"

	gomc "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/memcache"
)

// BenchmarkMemcached compares caches/memcache Get/Set of a session dict with a bare
// gomemcache Get/Set of the same bytes and flags, on the same servers in the same run.
func BenchmarkMemcached(b *testing.B) {
	addrs := memcachedAddrs(b)
	ctx := context.Background()
	sess := mustJSON(b, cacheValues[0])
	for _, fl := range mcFlavors {
		mc, err := memcache.New(fl.flavor, memcache.Options{Location: addrs, MaxIdleConns: 8})
		if err != nil {
			b.Fatal(err)
		}
		bare := gomc.NewFromSelector(mc.Selector())
		bare.MaxIdleConns = 8
		var data []byte
		var flags uint32
		if fl.flavor == memcache.PyLibMC {
			data, flags, _ = caches.Pylibmc{}.Encode(sess)
		} else {
			data, flags, _ = caches.Pymemcache{}.Encode(sess)
		}
		key := "django.contrib.sessions.cacheabcdefghijklmnopqrstuvwxyz012345"
		full := mc.MakeKey(key)
		name := fl.flavor.String()
		b.Run(name+"/backend-set", func(b *testing.B) {
			for b.Loop() {
				if err := mc.Set(ctx, key, sess, caches.Seconds(300)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/bare-set", func(b *testing.B) {
			for b.Loop() {
				if err := bare.Set(&gomc.Item{Key: full, Value: data, Flags: flags, Expiration: 300}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/backend-get", func(b *testing.B) {
			for b.Loop() {
				if _, ok, err := mc.Get(ctx, key); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run(name+"/bare-get", func(b *testing.B) {
			for b.Loop() {
				if _, err := bare.Get(full); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
