package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// A Go service sharing Django's SQLite database: create a session, read it back, and see
// the row exactly as Django writes it (Django 6.1 encodes the same session_data for this
// key, data and time).
func Example() {
	dir, _ := os.MkdirTemp("", "djsession-example")
	defer os.RemoveAll(dir)
	conn, err := sqlite.Open(filepath.Join(dir, "db.sqlite3")) // Django's DATABASES NAME
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	now := func() time.Time { return time.Date(2024, 3, 5, 17, 0, 0, 250000000, time.UTC) }
	codec, err := session.NewCodec(session.Config{SecretKey: "django-insecure-example", Now: now})
	if err != nil {
		panic(err)
	}
	store, err := sqlite.New(conn, db.Options{Options: engines.Options{Codec: codec, Now: now}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := store.CreateTable(ctx); err != nil { // Django's migrate does this on a Django site
		panic(err)
	}

	data := serializer.NewDict()
	data.Set("_auth_user_id", serializer.Str("42"))
	if err := store.Save(ctx, "examplekeyexamplekeyexamplekey00", data, true); err != nil {
		panic(err)
	}
	got, ok, err := store.Load(ctx, "examplekeyexamplekeyexamplekey00")
	if err != nil {
		panic(err)
	}
	user, _ := got.Get("_auth_user_id")
	fmt.Println(ok, user)

	var stored, expire string
	conn.QueryRow(`SELECT session_data, CAST(expire_date AS TEXT) FROM django_session`).Scan(&stored, &expire)
	fmt.Println(stored)
	fmt.Println(expire)
	// Output:
	// true "42"
	// eyJfYXV0aF91c2VyX2lkIjoiNDIifQ:1rhY92:IvbJFl1LjWoUdCZTdrRhW4F-CVu-zKeZ6aiQoqSjLTU
	// 2024-03-19 17:00:00.250000
}
