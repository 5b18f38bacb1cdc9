package hashers_test

import (
	"fmt"

	"github.com/djsession/djsession/django/auth/hashers"
)

// Check a password against a hash from Django's auth_user.password column.
func Example() {
	set := hashers.ForDjango("5.2") // PASSWORD_HASHERS of Django 5.2
	stored := "pbkdf2_sha256$1000$djsessionSalt0123ABCDE$G1qkYe7sEfny28HGh7DjJFDOlImxTHqtHjL9Tmzq6FY="
	ok, mustUpdate := set.Check("correct horse battery staple", stored)
	fmt.Println(ok, mustUpdate) // 1000 iterations are fewer than 5.2's 1,000,000
	ok, _ = set.Check("wrong", stored)
	fmt.Println(ok)
	// Output:
	// true true
	// false
}

// Make a hash Django accepts, with a fixed salt to show the format.
func ExamplePBKDF2_Encode() {
	enc, _ := hashers.PBKDF2{Iterations: 1000}.Encode("correct horse battery staple", "djsessionSalt0123ABCDE")
	fmt.Println(enc)
	// Output:
	// pbkdf2_sha256$1000$djsessionSalt0123ABCDE$G1qkYe7sEfny28HGh7DjJFDOlImxTHqtHjL9Tmzq6FY=
}
