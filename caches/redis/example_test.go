package redis_test

import (
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/redis"
)

// A RedisCache with two LOCATIONs (a primary and its replica), KEY_PREFIX and VERSION:
// the full keys are Django's. Creating the clients does not connect.
func Example() {
	servers := redis.SplitLocation("redis://127.0.0.1:6379/0;redis://127.0.0.1:6380/0")
	var clients []goredis.UniversalClient
	for _, s := range servers {
		o, err := goredis.ParseURL(s)
		if err != nil {
			panic(err)
		}
		clients = append(clients, goredis.NewClient(o))
	}
	c, err := redis.New(clients, redis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: "myapp", Version: caches.IntVersion(3)}})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(servers), c.MakeKey("django.contrib.sessions.cacheabc"))
	// Output: 2 myapp:3:django.contrib.sessions.cacheabc
}
