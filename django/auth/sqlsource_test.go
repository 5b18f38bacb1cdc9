package auth

import (
	"context"
	"errors"
	"path/filepath"
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
