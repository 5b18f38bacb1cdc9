// Package migrate copies a Django site's sessions from one store to another, so that its
// users stay logged in through changes that would otherwise log everybody out:
//
//   - a new SESSION_ENGINE (db to cached_db or cache, file to db, one database to
//     another), the session keys and expiry dates kept;
//   - a new SESSION_SERIALIZER: PickleSerializer, which Django 5.0 removed, to
//     JSONSerializer (sessions holding values JSON cannot hold are reported, not copied;
//     an _session_expiry datetime becomes the text Django 4.1+ stores, see ExpiryAsText);
//   - a new SECRET_KEY: the source decodes with the old key among its fallbacks, the
//     target encodes with the new one, and AuthHashes re-signs the _auth_user_hash of
//     every logged-in session, so the old key can then leave SECRET_KEY_FALLBACKS.
//
// A Source gives the sessions of a store (FromDB, FromFiles, FromCache), each with the
// instant it expires there; Copy writes each to an engines.ExpiringSaver (the db, file,
// cache and cached_db stores) so that it expires at the same instant, after the
// Transforms. Sessions Django would not load (expired, undecodable) are counted and
// skipped. The source is only read.
//
// Sweep walks a Source the same way to delete sessions: OfUser's, to log a user out
// everywhere.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
)

// Session is a stored session as a Source gives it.
type Session struct {
	// Key is the session key (the cookie value).
	Key string
	// Data is the session dict.
	Data *serializer.Dict
	// Expires is the instant the source stops giving the session out.
	Expires time.Time
}

var (
	// ErrExpired marks a session the source holds but Django would not load: it has
	// expired.
	ErrExpired = errors.New("migrate: session has expired")
	// ErrUnreadable marks a session whose data cannot be decoded (a bad signature, another
	// key, damaged data): Django reads it as an empty session.
	ErrUnreadable = errors.New("migrate: session data cannot be decoded")
	// ErrIncomplete is returned by Copy when some sessions could not be copied; the
	// Report lists them.
	ErrIncomplete = errors.New("migrate: some sessions were not copied")
)

// A Source gives the sessions of a store.
type Source interface {
	// Sessions calls fn with every session of the store. skip is nil for a session to
	// copy; for one Django would not load it wraps ErrExpired or ErrUnreadable (and
	// Session has the key, and what else is known). An error from fn stops the walk and
	// is returned.
	Sessions(ctx context.Context, fn func(s Session, skip error) error) error
}

// A Transform changes a session on its way to the target (see AuthHashes and
// ExpiryAsText). An error keeps the session out of the target and is reported.
type Transform func(ctx context.Context, s *Session) error

// Options configure Copy.
type Options struct {
	// Overwrite replaces sessions the target already holds under the same key; by default
	// they are left as they are (and counted in Report.Existing), unless Django would not
	// load them (expired, undecodable).
	Overwrite bool
	// Transforms run in order on every session before it is written.
	Transforms []Transform
	// Now is the clock that decides what has expired by the time of writing; nil means
	// time.Now. (Sources and targets have their own clocks, in their engines.Options.)
	Now func() time.Time
	// Logger receives a line per session that is not copied; nil means no log.
	Logger *slog.Logger
	// Workers is how many sessions are transformed and written at once (the source is
	// read by one goroutine); 0 or 1 means one at a time, in the source's order. Against a
	// database or cache server, a few workers hide the round trips. Transforms must then
	// be safe for concurrent use (AuthHashes is).
	Workers int
	// DryRun writes nothing: each session is read and transformed, encoded when the target
	// encodes (Encoder: the db, file and cached_db stores), and looked up in the target;
	// the Report says what a real run would do (Copied: would be copied), except that it
	// counts as Existing a session the target holds but Django would not load (expired,
	// undecodable), which a real run replaces.
	DryRun bool
}

// Encoder is a target that encodes sessions before it stores them (with its
// SESSION_SERIALIZER and SECRET_KEY): a dry run finds with it the sessions the target
// could not hold.
type Encoder interface {
	Encode(data *serializer.Dict) (string, error)
}

// Report counts what Copy did.
type Report struct {
	// Copied sessions were written to the target.
	Copied int
	// Existing sessions were already in the target and left alone (without Overwrite).
	Existing int
	// Expired sessions were not copied: Django would not load them any more.
	Expired int
	// Unreadable sessions were not copied: Django reads them as empty sessions.
	Unreadable int
	// Failed lists the sessions that could not be copied, and why.
	Failed []Failure
}

// Failure is a session Copy could not copy.
type Failure struct {
	Key string
	Err error
}

func (f Failure) Error() string { return fmt.Sprintf("session %s: %v", f.Key, f.Err) }

// Copy copies the sessions of src to dst. Each session keeps its key and its expiry
// instant; sessions that expire before they are written are counted as expired. Per
// session failures (a transform's error, data the target's serializer cannot hold, a
// refused write) are collected in the Report, and Copy goes on; it then returns an error
// wrapping ErrIncomplete. A failure of the source, or ctx ending, stops Copy.
func Copy(ctx context.Context, src Source, dst engines.ExpiringSaver, opts Options) (Report, error) {
	c := &copier{dst: dst, opts: opts, now: opts.Now}
	if c.now == nil {
		c.now = time.Now
	}
	var err error
	if opts.Workers > 1 {
		err = c.parallel(ctx, src)
	} else {
		err = src.Sessions(ctx, func(s Session, skip error) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return c.one(ctx, s, skip)
		})
	}
	if err != nil {
		return c.rep, err
	}
	if len(c.rep.Failed) > 0 {
		return c.rep, fmt.Errorf("%w: %d of them (the first: %v)", ErrIncomplete, len(c.rep.Failed), c.rep.Failed[0])
	}
	return c.rep, nil
}

// copier is one Copy.
type copier struct {
	dst  engines.ExpiringSaver
	opts Options
	now  func() time.Time
	mu   sync.Mutex // guards rep (workers)
	rep  Report
}

// count adds one to a counter of the report.
func (c *copier) count(n *int) {
	c.mu.Lock()
	*n++
	c.mu.Unlock()
}

func (c *copier) fail(key string, err error) {
	c.mu.Lock()
	c.rep.Failed = append(c.rep.Failed, Failure{Key: key, Err: err})
	c.mu.Unlock()
	if c.opts.Logger != nil {
		c.opts.Logger.Warn("session not copied", "key", key, "error", err)
	}
}

// one copies a session (or counts why not); only ctx ending is an error.
func (c *copier) one(ctx context.Context, s Session, skip error) error {
	switch {
	case errors.Is(skip, ErrExpired):
		c.count(&c.rep.Expired)
		return nil
	case errors.Is(skip, ErrUnreadable):
		c.count(&c.rep.Unreadable)
		if c.opts.Logger != nil {
			c.opts.Logger.Info("session not copied: Django reads it as an empty session", "key", s.Key, "reason", skip)
		}
		return nil
	case skip != nil:
		c.fail(s.Key, skip)
		return nil
	}
	// Less than a second left is expired: Django gives a cache such a session with the
	// timeout 0, which deletes it.
	if s.Expires.Sub(c.now()) < time.Second {
		c.count(&c.rep.Expired)
		return nil
	}
	for _, t := range c.opts.Transforms {
		if err := t(ctx, &s); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.fail(s.Key, err)
			return nil
		}
	}
	if c.opts.DryRun {
		return c.dryRun(ctx, s)
	}
	err := c.dst.SaveExpiring(ctx, s.Key, s.Data, s.Expires, true)
	if errors.Is(err, engines.ErrCreate) {
		// The key is taken. Without Overwrite the target's session stays, unless it is
		// one Django would not load (expired, undecodable): that one is replaced.
		replace := c.opts.Overwrite
		if !replace {
			var live bool
			if _, live, err = c.dst.Load(ctx, s.Key); err == nil && live {
				c.count(&c.rep.Existing)
				return nil
			}
			replace = err == nil
		}
		if replace {
			err = c.dst.SaveExpiring(ctx, s.Key, s.Data, s.Expires, false)
			if errors.Is(err, engines.ErrUpdate) { // (gone meanwhile: the file engine's load removes an expired file)
				err = c.dst.SaveExpiring(ctx, s.Key, s.Data, s.Expires, true)
			}
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.fail(s.Key, err)
		return nil
	}
	c.count(&c.rep.Copied)
	return nil
}

// parallel runs one with Workers goroutines, the source read by this one.
func (c *copier) parallel(ctx context.Context, src Source) error {
	type item struct {
		s    Session
		skip error
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	items := make(chan item)
	var wg sync.WaitGroup
	for range c.opts.Workers {
		wg.Go(func() {
			for it := range items {
				if err := c.one(ctx, it.s, it.skip); err != nil {
					cancel(err)
				}
			}
		})
	}
	err := src.Sessions(ctx, func(s Session, skip error) error {
		select {
		case items <- item{s, skip}:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(items)
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx) // a worker's, or the caller's ctx ending
	}
	return err
}

// dryRun counts what writing s would do.
func (c *copier) dryRun(ctx context.Context, s Session) error {
	if enc, ok := c.dst.(Encoder); ok {
		if _, err := enc.Encode(s.Data); err != nil {
			c.fail(s.Key, err)
			return nil
		}
	}
	// (Exists, not Load: the file engine's load removes an expired file.)
	exists, err := c.dst.Exists(ctx, s.Key)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		c.fail(s.Key, err)
	case exists && !c.opts.Overwrite:
		c.count(&c.rep.Existing)
	default:
		c.count(&c.rep.Copied)
	}
	return nil
}
