// Package exampledb opens a private copy of fixtures/example/db.sqlite3, the SQLite
// database Django made for the README's example (users, sessions), for the benchmarks
// that compare a package with Django on the same data.
package exampledb

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/db/sqlite"
)

// Open copies the example database into tb's temporary directory and opens it, with the
// users of its auth_user table; both close when tb ends. The fixture is found by walking
// up from the working directory (a package's) to the module's root.
func Open(tb testing.TB) (*sql.DB, *auth.SQLUserSource) {
	tb.Helper()
	root, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			tb.Fatal("exampledb: no go.mod above the working directory")
		}
		root = parent
	}
	path := filepath.Join(tb.TempDir(), "db.sqlite3")
	data, err := os.ReadFile(filepath.Join(root, "fixtures", "example", "db.sqlite3"))
	if err == nil {
		err = os.WriteFile(path, data, 0o600)
	}
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open(sqlite.DriverName, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	users, err := auth.NewSQLUserSource(db, auth.SQLite, auth.AuthUser, auth.SQLOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return db, users
}
