package filecache_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/filecache"
	"github.com/djsession/djsession/serializer"
)

// A FileBasedCache shared with Django's
// CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
// "LOCATION": dir}}.
func Example() {
	dir, _ := os.MkdirTemp("", "djcache")
	defer os.RemoveAll(dir)
	c, err := filecache.New(filecache.Options{Dir: filepath.Join(dir, "cache")})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	d := serializer.NewDict()
	d.Set("cart", serializer.Int(3))
	if err := c.Set(ctx, "django.contrib.sessions.cacheabc", serializer.DictValue(d), caches.Seconds(3600)); err != nil {
		panic(err)
	}
	v, ok, _ := c.Get(ctx, "django.contrib.sessions.cacheabc")
	js, _ := serializer.EncodeJSON(v)
	fmt.Println(ok, string(js))
	fmt.Println(filepath.Base(c.Path("django.contrib.sessions.cacheabc")))
	// Output:
	// true {"cart":3}
	// fd2df627c0e8100d1aeab81a22441980.djcache
}
