// Package exampledb opens a private copy of fixtures/example/db.sqlite3, the SQLite
// database Django made for the README's example (users, sessions), for the benchmarks
// that compare a package with Django on the same data.
package exampledb

import (
	"database/sql"
	"errors"
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
	db, users, done, err := Copy()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(done)
	return db, users
}

// Copy is Open for code without a testing.TB (an Example): the copy lives in a directory
// of its own, which done removes after closing the database.
func Copy() (db *sql.DB, users *auth.SQLUserSource, done func(), err error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, nil, nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return nil, nil, nil, errors.New("exampledb: no go.mod above the working directory")
		}
		root = parent
	}
	dir, err := os.MkdirTemp("", "exampledb")
	if err != nil {
		return nil, nil, nil, err
	}
	done = func() { os.RemoveAll(dir) }
	path := filepath.Join(dir, "db.sqlite3")
	data, err := os.ReadFile(filepath.Join(root, "fixtures", "example", "db.sqlite3"))
	if err == nil {
		err = os.WriteFile(path, data, 0o600)
	}
	if err == nil {
		db, err = sql.Open(sqlite.DriverName, path)
	}
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	done = func() { db.Close(); os.RemoveAll(dir) }
	if users, err = auth.NewSQLUserSource(db, auth.SQLite, auth.AuthUser, auth.SQLOptions{}); err != nil {
		done()
		return nil, nil, nil, err
	}
	return db, users, done, nil
}
