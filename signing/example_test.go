package signing_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// The token below is the one Django 5.2 returns for signing.dumps({"price": 3.0, "user": 42},
// key="secret") at that time.
func ExampleDumps() {
	at := func() time.Time { return time.Unix(1700000000, 0) }
	v := serializer.MustValueOf(map[string]any{"user": 42, "price": 3.0})
	token, err := signing.Dumps(v, signing.DumpsOptions{Key: "secret", Now: at})
	if err != nil {
		panic(err)
	}
	fmt.Println(token)

	back, err := signing.Loads(token, signing.LoadsOptions{Key: "secret", MaxAge: time.Hour, Now: at})
	fmt.Println(back, err)
	// Output:
	// eyJwcmljZSI6My4wLCJ1c2VyIjo0Mn0:1r31eq:CMi_N97siwryqXelMOLc62yNUJYzgVMMwW5LCubQL_M
	// {"price": 3.0, "user": 42} <nil>
}

func ExampleTimestampSigner_UnsignMaxAge() {
	now := time.Unix(1700000000, 0)
	s, err := signing.NewTimestampSigner(signing.Options{
		Key:          "new secret",
		FallbackKeys: []string{"old secret"}, // SECRET_KEY_FALLBACKS
		Now:          func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	signed := s.Sign("hello")
	now = now.Add(90 * time.Second)
	_, err = s.UnsignMaxAge(signed, time.Minute)
	fmt.Println(errors.Is(err, signing.ErrSignatureExpired), errors.Is(err, signing.ErrBadSignature))
	v, err := s.UnsignMaxAge(signed, 2*time.Minute)
	fmt.Println(v, err)
	// Output:
	// true true
	// hello <nil>
}
