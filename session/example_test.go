package session_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Decode a session that Django 5.2 wrote, change it, and encode it for Django.
func ExampleCodec() {
	stored, _ := os.ReadFile("../fixtures/bench/typical-token-compressed.txt")
	codec, err := session.NewCodec(session.Config{
		SecretKey: "django-insecure-perf-anchor-secret-key-0123456789abcdefghijklmnopqrstuv",
	})
	if err != nil {
		panic(err)
	}
	data := codec.Decode(strings.TrimSpace(string(stored)))
	uid, _ := data.Get("_auth_user_id")
	name, _ := data.Get("display_name")
	fmt.Println(uid, name)

	data.Set("visits", serializer.Int(1))
	encoded, err := codec.Encode(data)
	fmt.Println(strings.HasPrefix(encoded, "."), err) // compressed, as Django does for large sessions
	// Output:
	// "42" "Zoë ✓"
	// true <nil>
}

// The hash is the one Django 5.2 computes for a user with that stored password under
// SECRET_KEY "secret".
func ExampleAuthHash() {
	fmt.Println(session.AuthHash("pbkdf2_sha256$1000000$salt$hash", "secret"))
	// Output: 6be9b00d5d5530ea704e86041b512bd4e41b5c2de0708cc3d5cb814722d63327
}
