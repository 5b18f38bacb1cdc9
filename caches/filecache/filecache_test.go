package filecache

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/serializer"
)

func TestExpiryAndCull(t *testing.T) {
	now := time.Unix(1700000000, 0)
	c, err := New(Options{Dir: t.TempDir(), MaxEntries: 10, CullFrequency: 2, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c.Set(ctx, "k", serializer.Int(1), caches.Seconds(10))
	if ok, _ := c.Has(ctx, "k"); !ok {
		t.Fatal("fresh entry missing")
	}
	if ttl, _, _, _ := c.TTL(ctx, "k"); ttl != 10*time.Second {
		t.Errorf("TTL %v", ttl)
	}
	now = now.Add(11 * time.Second)
	if _, ok, _ := c.Get(ctx, "k"); ok {
		t.Fatal("expired entry found")
	}
	for i := 0; i < 12; i++ {
		c.Set(ctx, fmt.Sprint(i), serializer.Int(int64(i)), caches.Never)
	}
	files, _ := filepath.Glob(filepath.Join(c.Dir(), "*.djcache"))
	// 10 files reach MAX_ENTRIES: the 11th set culls 10/2 = 5, then two more are added.
	if len(files) != 7 {
		t.Errorf("%d files after culling, want 7", len(files))
	}
}
