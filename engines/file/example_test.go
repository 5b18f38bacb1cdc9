package file_test

import (
	"context"
	"fmt"
	"os"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Share a session directory with Django (SESSION_ENGINE =
// "django.contrib.sessions.backends.file"): create a session, read it back, and see the
// file Django would read.
func Example() {
	dir, _ := os.MkdirTemp("", "sessions")
	defer os.RemoveAll(dir)

	codec, err := session.NewCodec(session.Config{SecretKey: "django-insecure-example"})
	if err != nil {
		panic(err)
	}
	store, err := file.New(file.Config{Path: dir}, engines.Options{Codec: codec})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	data := serializer.NewDict()
	data.Set("cart", serializer.List(serializer.Int(7), serializer.Int(9)))
	key, err := engines.Create(ctx, store, data)
	if err != nil {
		panic(err)
	}
	name, _ := store.FileName(key)
	fmt.Println(name == dir+"/sessionid"+key)

	back, ok, err := store.Load(ctx, key)
	fmt.Println(serializer.DictValue(back), ok, err)

	err = store.Save(ctx, key, data, true)
	fmt.Println(err == engines.ErrCreate)

	_, ok, _ = store.Load(ctx, "../../etc/passwd")
	fmt.Println(ok)
	// Output:
	// true
	// {"cart": [7, 9]} true <nil>
	// true
	// false
}
