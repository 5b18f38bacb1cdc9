package auth_test

import (
	"context"
	"fmt"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
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
