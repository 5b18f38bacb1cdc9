package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/djsession/djsession/caches"
)

// TestExampleLogoutUser logs each user of the example database (made by Django) out
// everywhere: exactly the live sessions Django logs in as that user go, --keep spares one,
// --dry-run deletes nothing.
func TestExampleLogoutUser(t *testing.T) {
	f := loadExample(t)
	byUser := map[string][]string{}
	for _, s := range f.Sessions {
		if s.UserID != nil && !s.Expired {
			byUser[*s.UserID] = append(byUser[*s.UserID], s.Key)
		}
	}
	if len(byUser) < 2 {
		t.Fatalf("the fixture has sessions of %d users", len(byUser))
	}
	for id, keys := range byUser {
		path := copyExampleDB(t)
		before := sqliteKeys(t, path)
		var dry struct{ Deleted []string }
		if err := json.Unmarshal([]byte(ok(t, cli("logout-user", "--json", "--dry-run", "--db", "sqlite:"+path, id))), &dry); err != nil {
			t.Fatal(err)
		}
		if !sameSet(dry.Deleted, keys) || !slices.Equal(sqliteKeys(t, path), before) {
			t.Errorf("user %s, dry run: %v (left %v); want %v and nothing deleted", id, dry.Deleted, sqliteKeys(t, path), keys)
		}
		ok(t, cli("logout-user", "--db", "sqlite:"+path, "--keep", keys[0], id))
		want := slices.DeleteFunc(slices.Clone(before), func(k string) bool { return k != keys[0] && slices.Contains(keys, k) })
		if got := sqliteKeys(t, path); !slices.Equal(got, want) {
			t.Errorf("user %s, keeping %s: left %v, want %v", id, keys[0], got, want)
		}
	}
}

// TestLogoutUserCache logs a user out of the cache engine on a database cache: its
// session goes, the other stays.
func TestLogoutUserCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.sqlite3")
	c := newSQLiteCache(t, path, caches.KeyConfig{})
	if err := c.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, _ := writeCacheSessions(t, c) // sessionA is user 42's, sessionB anonymous
	flags := []string{"--cache-backend", "db", "--location", "sqlite:" + path, "--cache-table", "my_cache_table"}
	ok(t, call(nil, "", append(append([]string{"logout-user"}, flags...), "42")...))
	left, users := cacheListKeys(t, flags...)
	if len(left) != 1 || users[left[0]] != "" || !slices.Contains(keys, left[0]) {
		t.Errorf("left %v (users %v) of %v; want the anonymous session only", left, users, keys)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
