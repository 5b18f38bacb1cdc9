package memcache_test

import (
	"fmt"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/memcache"
)

// The cache Django builds from
//
//	CACHES = {"default": {
//	    "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
//	    "LOCATION": "10.0.0.1:11211;10.0.0.2:11211;10.0.0.3:11211",
//	    "KEY_PREFIX": "shop",
//	}}
//
// and the server each client picks for a session key.
func Example() {
	opts := memcache.Options{
		Location: memcache.SplitLocation("10.0.0.1:11211;10.0.0.2:11211;10.0.0.3:11211"),
		Keys:     caches.KeyConfig{KeyPrefix: "shop"},
	}
	pym, err := memcache.NewPymemcache(opts)
	if err != nil {
		panic(err)
	}
	plc, err := memcache.NewPylibmc(opts)
	if err != nil {
		panic(err)
	}
	key := pym.MakeKey("django.contrib.sessions.cacheabc123")
	fmt.Println(key)
	fmt.Println("pymemcache:", pym.Selector().Addrs()[pym.Selector().Index(key)])
	fmt.Println("pylibmc:", plc.Selector().Addrs()[plc.Selector().Index(key)])
	fmt.Println("expiration for 3600 s:", pym.Expiration(caches.Seconds(3600)))
	// Output:
	// shop:1:django.contrib.sessions.cacheabc123
	// pymemcache: 10.0.0.2:11211
	// pylibmc: 10.0.0.1:11211
	// expiration for 3600 s: 3600
}
