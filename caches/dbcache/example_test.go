package dbcache_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/dbcache"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
)

// A DatabaseCache on SQLite, as Django's
// CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
// "LOCATION": "my_cache_table"}} after manage.py createcachetable.
func Example() {
	dir, _ := os.MkdirTemp("", "dbcache")
	defer os.RemoveAll(dir)
	sdb, err := sqlite.Open(filepath.Join(dir, "db.sqlite3"))
	if err != nil {
		panic(err)
	}
	defer sdb.Close()
	c, err := dbcache.New(db.SQLConn(sdb), sqlite.Dialect{}, dbcache.Options{Table: "my_cache_table"})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := c.CreateTable(ctx); err != nil {
		panic(err)
	}
	c.Set(ctx, "greeting", serializer.Str("hello"), caches.Seconds(60))
	v, ok, _ := c.Get(ctx, "greeting")
	s, _ := v.AsStr()
	fmt.Println(ok, s)
	var value string
	sdb.QueryRow(`SELECT value FROM my_cache_table WHERE cache_key = ':1:greeting'`).Scan(&value)
	fmt.Println(value)
	// Output:
	// true hello
	// gAWVCQAAAAAAAACMBWhlbGxvlC4=
}
