package auth_test

import (
	"context"
	"testing"

	"github.com/djsession/djsession/django/auth"
)

// BenchmarkPermissions reads a user of the example database Django made (bob, in a group
// with two permissions) and its permissions, as a request that checks them does:
// "load" (the user, then Permissions) and "has_perm" (the user, then HasPerm).
// scripts/bench_perms.py runs Django's user.get_all_permissions() and user.has_perm on
// the same database next to it.
func BenchmarkPermissions(b *testing.B) {
	ctx := context.Background()
	src, cfg := exampleUsers(b)
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			u, err := src.User(ctx, "2")
			if err != nil {
				b.Fatal(err)
			}
			p, err := auth.Permissions(ctx, u, cfg)
			if err != nil || len(p.All()) != 2 {
				b.Fatal(err, p)
			}
		}
	})
	b.Run("has_perm", func(b *testing.B) {
		for b.Loop() {
			u, err := src.User(ctx, "2")
			if err != nil {
				b.Fatal(err)
			}
			if ok, err := auth.HasPerm(ctx, u, "auth.view_user", cfg); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}
