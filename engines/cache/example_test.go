package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/serializer"
)

// memCache is a caches.Backend in memory (timeouts ignored), standing in for
// caches/redis or caches/djangoredis in examples.
type memCache struct {
	caches.KeyConfig
	mu sync.Mutex
	m  map[string]serializer.Value
}

func (c *memCache) Get(_ context.Context, k string) (serializer.Value, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[c.MakeKey(k)]
	return v, ok, nil
}

func (c *memCache) Set(_ context.Context, k string, v serializer.Value, _ caches.Timeout) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[c.MakeKey(k)] = v
	return nil
}

func (c *memCache) Add(ctx context.Context, k string, v serializer.Value, t caches.Timeout) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[c.MakeKey(k)]; ok {
		return false, nil
	}
	c.m[c.MakeKey(k)] = v
	return true, nil
}

func (c *memCache) Delete(_ context.Context, k string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, c.MakeKey(k))
	return nil
}

func (c *memCache) Has(ctx context.Context, k string) (bool, error) {
	_, ok, err := c.Get(ctx, k)
	return ok, err
}

func Example() {
	ctx := context.Background()
	backend := &memCache{m: map[string]serializer.Value{}} // e.g. redis.New(...) in a service
	st, err := cache.New(backend, cache.Options{})
	if err != nil {
		panic(err)
	}
	data := serializer.NewDict()
	data.Set("_auth_user_id", serializer.Str("42"))
	key, err := engines.Create(ctx, st, data)
	if err != nil {
		panic(err)
	}
	got, ok, _ := st.Load(ctx, key)
	v, _ := got.Get("_auth_user_id")
	fmt.Println(ok, v, st.FullKey(key) == ":1:django.contrib.sessions.cache"+key)

	// An update of a session that is gone is Django's UpdateError.
	st.Delete(ctx, key)
	err = st.Save(ctx, key, data, false)
	fmt.Println(errors.Is(err, engines.ErrUpdate))
	// Output:
	// true "42" true
	// true
}
