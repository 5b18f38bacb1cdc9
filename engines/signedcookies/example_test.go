package signedcookies_test

import (
	"context"
	"fmt"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/serializer"
)

// Make the cookie value Django's signed_cookies engine makes for the same session at the
// same second, and read it back.
func Example() {
	signedAt := time.Unix(1700000000, 500_000_000)
	store, err := signedcookies.New(signedcookies.Config{SecretKey: "k"},
		engines.Options{Now: func() time.Time { return signedAt }})
	if err != nil {
		panic(err)
	}
	data := serializer.NewDict()
	data.Set("a", serializer.Int(1))
	value, err := store.SaveKey(context.Background(), data)
	fmt.Println(value, err)

	back, ok, _ := store.Load(context.Background(), value)
	fmt.Println(serializer.DictValue(back), ok)

	_, ok, _ = store.Load(context.Background(), value+"x")
	fmt.Println(ok)
	// Output:
	// eyJhIjoxfQ:1r31eq:oO0NWqq93YS0fwPSk-pNHwHCos2sDyPFNHZsXkRTJDQ <nil>
	// {"a": 1} true
	// false
}
