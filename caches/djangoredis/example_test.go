package djangoredis_test

import (
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/djangoredis"
)

// A django-redis cache with the JSON serializer and zlib compressor, on any go-redis
// UniversalClient (here a plain client; a cluster or failover client works the same).
func Example() {
	client := goredis.NewUniversalClient(&goredis.UniversalOptions{Addrs: []string{"127.0.0.1:6379"}})
	defer client.Close()
	c, err := djangoredis.New([]goredis.UniversalClient{client}, djangoredis.Options{
		KeyConfig: caches.KeyConfig{KeyPrefix: "shop"},
		Codec:     caches.DjangoRedis{Serializer: caches.JSONSerializer, Compressor: caches.Zlib},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.MakeKey("django.contrib.sessions.cacheabc"))
	// Output: shop:1:django.contrib.sessions.cacheabc
}

// Sentinel, as django-redis's SentinelClient: writes to the master, reads from a replica.
func ExampleNewSentinel() {
	c, err := djangoredis.NewSentinel(&goredis.FailoverOptions{
		MasterName:    "mymaster",
		SentinelAddrs: []string{"127.0.0.1:26379"},
	}, djangoredis.Options{})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(len(c.Clients()))
	// Output: 2
}
