package migrate

import (
	"context"
	"fmt"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
)

// Sweep deletes from store the sessions of src that match, in the source's order: what a
// site does to log a user out everywhere (match = OfUser(id)), say after an account was
// taken over. Sessions Django would not load (expired, undecodable) are never matched.
// With dryRun nothing is deleted. It returns the keys it deleted (or would delete); on an
// error, those deleted until then.
func Sweep(ctx context.Context, src Source, store engines.Store, match func(Session) bool, dryRun bool) ([]string, error) {
	var keys []string
	err := src.Sessions(ctx, func(s Session, skip error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if skip != nil || !match(s) {
			return nil
		}
		if !dryRun {
			if err := store.Delete(ctx, s.Key); err != nil {
				return fmt.Errorf("delete session %s: %w", s.Key, err)
			}
		}
		keys = append(keys, s.Key)
		return nil
	})
	return keys, err
}

// OfUser matches the sessions logged in as the user whose primary key is id: an
// _auth_user_id equal to id as text (Django stores str(pk); an int stored by other code
// matches its decimal form).
func OfUser(id string) func(Session) bool {
	return func(s Session) bool {
		v, ok := s.Data.Get(auth.SessionKey)
		if !ok {
			return false
		}
		if str, ok := v.AsStr(); ok {
			return str == id
		}
		if n, ok := v.AsBigInt(); ok && v.Kind() == serializer.KindInt {
			return n.String() == id
		}
		return false
	}
}
