package cacheddb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// memCache is a caches.Backend in memory (timeouts recorded, not enforced), standing in
// for caches/redis or caches/djangoredis in the example.
type memCache struct {
	caches.KeyConfig
	mu sync.Mutex
	m  map[string]serializer.Value
	t  map[string]caches.Timeout
}

func (c *memCache) Get(_ context.Context, k string) (serializer.Value, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[c.MakeKey(k)]
	return v, ok, nil
}

func (c *memCache) Set(_ context.Context, k string, v serializer.Value, t caches.Timeout) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[c.MakeKey(k)], c.t[c.MakeKey(k)] = v, t
	return nil
}

func (c *memCache) Add(ctx context.Context, k string, v serializer.Value, t caches.Timeout) (bool, error) {
	if ok, _ := c.Has(ctx, k); ok {
		return false, nil
	}
	return true, c.Set(ctx, k, v, t)
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

// The database row is the truth; an evicted cache entry is refilled on load with the
// row's remaining age.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "cacheddb-example")
	defer os.RemoveAll(dir)
	sdb, err := sqlite.Open(filepath.Join(dir, "db.sqlite3"))
	if err != nil {
		panic(err)
	}
	defer sdb.Close()
	codec, _ := session.NewCodec(session.Config{SecretKey: "example-secret-key"})
	opts := engines.Options{Codec: codec}
	dbs, err := sqlite.New(sdb, db.Options{Options: opts})
	if err != nil {
		panic(err)
	}
	dbs.CreateTable(ctx)
	backend := &memCache{m: map[string]serializer.Value{}, t: map[string]caches.Timeout{}}
	st, err := cacheddb.New(dbs, backend, cacheddb.Options{Options: opts})
	if err != nil {
		panic(err)
	}

	data := serializer.NewDict()
	data.Set("cart", serializer.List(serializer.Int(1), serializer.Int(2)))
	data.Set("_session_expiry", serializer.Int(600))
	key, err := engines.Create(ctx, st, data)
	if err != nil {
		panic(err)
	}
	backend.Delete(ctx, st.CacheKey(key)) // evicted
	got, ok, _ := st.Load(ctx, key)
	cart, _ := got.Get("cart")
	full := st.FullKey(key)
	fmt.Println(ok, cart, backend.t[full].Seconds() >= 599)
	// Output: true [1, 2] true
}
