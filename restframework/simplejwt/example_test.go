package simplejwt_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework/simplejwt"
)

// A Go service makes the token pair simplejwt's TokenObtainPairView would hand out for a
// user, and reads an access token as Django's JWTAuthentication reads it.
func Example() {
	s := simplejwt.Defaults("the site's SECRET_KEY")
	refresh, err := s.ForUser(simplejwt.Refresh, &auth.User{ID: "42", IsActive: true})
	if err != nil {
		panic(err)
	}
	access, err := refresh.AccessToken()
	if err != nil {
		panic(err)
	}

	tok, err := s.Parse(simplejwt.Access, access.String())
	if err != nil {
		panic(err)
	}
	user, _ := tok.Payload.Get("user_id")
	id, _ := user.AsStr()
	fmt.Println("user:", id)

	_, err = s.Parse(simplejwt.Access, refresh.String())
	fmt.Println(err, errors.Is(err, simplejwt.ErrToken))

	s.Now = func() time.Time { return time.Now().Add(time.Hour) }
	_, err = s.Parse(simplejwt.Access, access.String())
	fmt.Println(errors.Is(err, simplejwt.ErrTokenExpired))
	// Output:
	// user: 42
	// simplejwt: Token has wrong type true
	// true
}
