package auth

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/engines/db/sqlite"
)

// A custom user model as Django creates it on SQLite: UUID primary key (char(32) hex),
// email as USERNAME_FIELD, no is_active. The auth_user table itself is tested against
// Django's own migrate in compat_test/auth_live_test.go.
func TestSQLUserSourceCustomModel(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "u.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE "accounts_member" ("uid" char(32) NOT NULL PRIMARY KEY, "pw" varchar(128) NOT NULL, "email" varchar(254) NOT NULL UNIQUE, "last_seen" datetime NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO accounts_member VALUES ('0b6f0c2e1c7a4c5b9d6e1234567890ab', 'md5$salt$x', 'a@example.com', '2024-01-02 03:04:05.000006')`); err != nil {
		t.Fatal(err)
	}
	src, err := NewSQLUserSource(db, SQLite, Table{
		Name: "accounts_member", PKColumn: "uid", PasswordColumn: "pw",
		UsernameColumn: "email", LastLoginColumn: "last_seen", EmailColumn: "email",
	}, SQLOptions{PK: PKUUID})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab", "0B6F0C2E1C7A4C5B9D6E1234567890AB"} {
		u, err := src.User(ctx, id)
		if err != nil {
			t.Fatalf("User(%s): %v", id, err)
		}
		if u.ID != "0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab" || !u.IsActive || u.Username != "a@example.com" || u.Email != "a@example.com" ||
			u.LastLogin == nil || !u.LastLogin.Equal(time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)) {
			t.Errorf("User = %+v", u)
		}
	}
	if _, err := src.User(ctx, "not-a-uuid"); !errors.Is(err, ErrInvalidUserID) {
		t.Errorf("bad id: %v", err)
	}
	if _, err := src.UserByUsername(ctx, "b@example.com"); !errors.Is(err, ErrUserNotFound) {
		t.Errorf("unknown email: %v", err)
	}
	when := time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600))
	if err := src.UpdateLastLogin(ctx, "0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab", when); err != nil {
		t.Fatal(err)
	}
	var stored string
	db.QueryRow(`SELECT last_seen || '' FROM accounts_member`).Scan(&stored)
	if stored != "2024-12-31 23:00:00" { // UTC, no microseconds: Python's str(datetime)
		t.Errorf("last_seen stored as %q", stored)
	}
	if _, err := NewSQLUserSource(db, SQLite, Table{Name: "x"}, SQLOptions{}); err == nil {
		t.Error("incomplete Table accepted")
	}
}

// TestGetOrCreateUserCustomModel: a custom model whose USERNAME_FIELD is its EMAIL_FIELD
// (named once in the INSERT), whose is_active defaults to False and with a required
// field of its own (SQLOptions.CreateColumns), with a UUID key made as uuid.uuid4 makes
// it; a second call finds the user. (auth_user on each database is held to Django's
// get_or_create by compat_test's TestLiveRemoteUserMiddleware.)
func TestGetOrCreateUserCustomModel(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "u.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE "accounts_member" ("uid" char(32) NOT NULL PRIMARY KEY, "pw" varchar(128) NOT NULL, "email" varchar(254) NOT NULL UNIQUE, "is_active" bool NOT NULL, "team" varchar(20) NOT NULL, "joined" datetime NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	table := Table{Name: "accounts_member", PKColumn: "uid", PasswordColumn: "pw", UsernameColumn: "email",
		EmailColumn: "email", IsActiveColumn: "is_active", DateJoinedColumn: "joined"}
	plain, err := NewSQLUserSource(db, SQLite, table, SQLOptions{PK: PKUUID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := plain.GetOrCreateUser(ctx, "x@example.com", time.Now()); err == nil {
		t.Error("created a user without its required team")
	}
	src, err := NewSQLUserSource(db, SQLite, table, SQLOptions{PK: PKUUID, CreateColumns: map[string]any{"is_active": false, "team": "blue"}})
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 27, 1, 2, 3, 456789000, time.UTC)
	u, created, err := src.GetOrCreateUser(ctx, "a@example.com", when)
	if err != nil || !created {
		t.Fatal(u, created, err)
	}
	if u.IsActive || u.Username != "a@example.com" || u.Email != "a@example.com" || u.PasswordHash != "" || len(u.ID) != 36 || u.ID[14] != '4' || !strings.ContainsRune("89ab", rune(u.ID[19])) {
		t.Errorf("created %+v", u)
	}
	var uid, team, joined string
	db.QueryRow(`SELECT uid, team, joined || '' FROM accounts_member`).Scan(&uid, &team, &joined)
	if uid != strings.ReplaceAll(u.ID, "-", "") || team != "blue" || joined != "2026-11-27 01:02:03.456789" {
		t.Errorf("stored %q %q %q", uid, team, joined)
	}
	again, created, err := src.GetOrCreateUser(ctx, "a@example.com", when)
	if err != nil || created || again.ID != u.ID {
		t.Errorf("second call: %+v %v %v", again, created, err)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM accounts_member`).Scan(&n)
	if n != 1 {
		t.Errorf("%d users", n)
	}
}
