package migrate_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/engines/migrate"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Move a site's file sessions to another directory under a new SECRET_KEY, with the old
// key among the source's fallbacks: the session keeps its key and its expiry, and the new
// site (without the old key) reads it. (With a user table, migrate.AuthHashes also
// re-signs the _auth_user_hash of logged-in sessions.)
func ExampleCopy() {
	oldDir, _ := os.MkdirTemp("", "old-sessions")
	newDir, _ := os.MkdirTemp("", "new-sessions")
	defer os.RemoveAll(oldDir)
	defer os.RemoveAll(newDir)
	ctx := context.Background()

	oldCodec, _ := session.NewCodec(session.Config{SecretKey: "old-key"})
	oldSite, _ := file.New(file.Config{Path: oldDir}, engines.Options{Codec: oldCodec})
	data := serializer.NewDict()
	data.Set("cart", serializer.List(serializer.Int(7)))
	key, _ := engines.Create(ctx, oldSite, data)

	// The source decodes with the new key, then the old one (SECRET_KEY_FALLBACKS).
	readCodec, _ := session.NewCodec(session.Config{SecretKey: "new-key", SecretKeyFallbacks: []string{"old-key"}})
	source, _ := file.New(file.Config{Path: oldDir}, engines.Options{Codec: readCodec})
	newCodec, _ := session.NewCodec(session.Config{SecretKey: "new-key"})
	newSite, _ := file.New(file.Config{Path: newDir}, engines.Options{Codec: newCodec})

	report, err := migrate.Copy(ctx, migrate.FromFiles(source), newSite, migrate.Options{})
	fmt.Println(report.Copied, report.Expired, report.Unreadable, err)

	back, ok, _ := newSite.Load(ctx, key)
	fmt.Println(serializer.DictValue(back), ok)
	was, _, _ := source.Peek(ctx, key)
	now, _, _ := newSite.Peek(ctx, key)
	fmt.Println(now.Expires.Sub(was.Expires).Abs() < time.Second)
	// Output:
	// 1 0 0 <nil>
	// {"cart": [7]} true
	// true
}
