package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
)

// mapSession stands in for the django package's request.session.
type mapSession struct{ d *serializer.Dict }

func (s *mapSession) Get(k string) (serializer.Value, bool) { return s.d.Get(k) }
func (s *mapSession) Set(k string, v serializer.Value)      { s.d.Set(k, v) }
func (s *mapSession) Flush(context.Context) error           { s.d = serializer.NewDict(); return nil }
func (s *mapSession) CycleKey(context.Context) error        { return nil }

// users is a one-user UserSource; real services use auth.NewSQLUserSource over auth_user.
type users map[string]*auth.User

func (u users) User(_ context.Context, id string) (*auth.User, error) {
	if x, ok := u[id]; ok {
		return x, nil
	}
	return nil, auth.ErrUserNotFound
}

// Log a user in from Go, then read the login back as Django's AuthenticationMiddleware
// does, and see a password change log the session out.
func Example() {
	ctx := context.Background()
	pw, _ := hashers.PBKDF2{Iterations: 1000}.Encode("s3cret", "abcdefghijklmnopqrstuv")
	alice := &auth.User{ID: "42", PasswordHash: pw, IsActive: true}
	cfg := &auth.Config{SecretKey: "django-insecure-example", Users: users{"42": alice}}

	s := &mapSession{d: serializer.NewDict()}
	if err := auth.Login(ctx, s, alice, "", cfg); err != nil {
		panic(err)
	}
	id, _ := auth.UserID(s)
	backend, _ := auth.Backend(s)
	fmt.Println(id, backend)

	u, _ := auth.GetUser(ctx, s, cfg)
	fmt.Println("logged in:", u != nil)

	alice.PasswordHash, _ = hashers.PBKDF2{Iterations: 1000}.Encode("new", "abcdefghijklmnopqrstuv")
	u, _ = auth.GetUser(ctx, s, cfg)
	fmt.Println("after password change:", u != nil, s.d.Len())
	// Output:
	// 42 django.contrib.auth.backends.ModelBackend
	// logged in: true
	// after password change: false 0
}

// The session hash Django stores in _auth_user_hash.
func ExampleSessionAuthHash() {
	h, _ := auth.SessionAuthHash("pbkdf2_sha256$260000$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"djsession-fixture-key-one-0123456789abcdefghijklmnopqrstuvwxyz", "")
	fmt.Println(h)
	// Output:
	// 8fa4fc8ddab3a3efba30bed9ac5cd0b101128963eaf756fccf9c0b0aed192d12
}

// A Go endpoint makes the link of Django's password reset e-mail, which Django's
// PasswordResetConfirmView accepts, and checks a link Django sent.
func ExamplePasswordResetTokenGenerator() {
	s := django.NewSettings()
	s.SecretKey = "your SECRET_KEY"
	s.TimeZone = "UTC"
	s.Now = func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) } // for the example
	tokens, err := auth.NewPasswordResetTokenGenerator(&s)
	if err != nil {
		log.Fatal(err)
	}
	// The user as a UserSource loads it (password hash, last_login and email matter).
	user := &auth.User{ID: "42", PasswordHash: "pbkdf2_sha256$870000$...", Email: "ada@example.com"}
	token, err := tokens.MakeToken(user)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("/reset/%s/%s/\n", auth.EncodeUID(user.ID), token[:7]+"…")

	// Checking the link's parts, as PasswordResetConfirmView does.
	id, err := auth.DecodeUID("NDI")
	fmt.Println(id, err, tokens.CheckToken(user, token))
	user.PasswordHash = "pbkdf2_sha256$870000$changed" // the password was reset: the link is spent
	fmt.Println(tokens.CheckToken(user, token))
	// Output:
	// /reset/NDI/cqpw00-…/
	// 42 <nil> true
	// false
}

// Check what a Django user may do, as user.has_perm and the admin's has_module_perms
// answer, in the database Django made for fixtures/example: alice is staff with the
// permission sessions.view_session; bob is in the group "editors", which has
// auth.view_user and auth.change_user.
func ExampleHasPerm() {
	ctx := context.Background()
	db, err := sql.Open(sqlite.DriverName, "file:../../fixtures/example/db.sqlite3?mode=ro")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	src, err := auth.NewSQLUserSource(db, auth.SQLite, auth.AuthUser, auth.SQLOptions{})
	if err != nil {
		panic(err)
	}
	cfg := &auth.Config{SecretKey: "django-insecure-example", Users: src}

	bob, err := src.UserByUsername(ctx, "bob")
	if err != nil {
		panic(err)
	}
	may, _ := auth.HasPerm(ctx, bob, "auth.change_user", cfg)
	fmt.Println("bob may change users:", may)
	perms, _ := auth.GetAllPermissions(ctx, bob, cfg)
	fmt.Println("bob's permissions:", perms)

	alice, err := src.UserByUsername(ctx, "alice")
	if err != nil {
		panic(err)
	}
	app, _ := auth.HasModulePerms(ctx, alice, "auth", cfg)
	fmt.Println("alice is staff:", alice.IsStaff, "and sees the auth app:", app)
	// Output:
	// bob may change users: true
	// bob's permissions: [auth.change_user auth.view_user]
	// alice is staff: true and sees the auth app: false
}

// Check a new password as Django's AUTH_PASSWORD_VALIDATORS of a default project do,
// before storing its hash (the common-passwords list is Django's own file, from the
// installed Django; here a short list of ours). The answers are Django's for the same
// validators and user.
func ExampleValidatePassword() {
	list := filepath.Join(os.TempDir(), "djsession-example-common-passwords.txt")
	if err := os.WriteFile(list, []byte("password\n123456\nqwerty\n"), 0o600); err != nil {
		panic(err)
	}
	defer os.Remove(list)
	common, err := auth.NewCommonPasswordValidator(list)
	if err != nil {
		panic(err)
	}
	validators := []auth.PasswordValidator{
		auth.UserAttributeSimilarityValidator{}, auth.MinimumLengthValidator{},
		common, auth.NumericPasswordValidator{},
	}
	user := &auth.PasswordUser{Attributes: map[string]string{"username": "alice", "email": "alice.smith@example.com"}}
	for _, pw := range []string{"Password", "Alice1", "12345678", "correct horse battery"} {
		err := auth.ValidatePassword(pw, user, validators)
		var errs auth.PasswordErrors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Printf("%q: %s (%s)\n", pw, e.Message, e.Code)
			}
			continue
		}
		fmt.Printf("%q: ok\n", pw)
	}
	// Output:
	// "Password": This password is too common. (password_too_common)
	// "Alice1": The password is too similar to the username. (password_too_similar)
	// "Alice1": This password is too short. It must contain at least 8 characters. (password_too_short)
	// "12345678": This password is entirely numeric. (password_entirely_numeric)
	// "correct horse battery": ok
}
