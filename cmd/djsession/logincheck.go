package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// loginCheck is what inspect --check-login says of a session's login: whether Django's
// AuthenticationMiddleware would see its user, and if not, why.
type loginCheck struct {
	Username string `json:"username,omitempty"`
	Valid    bool   `json:"valid"`
	Reason   string `json:"reason,omitempty"`
}

func (c *loginCheck) String() string {
	switch {
	case c.Valid && c.Reason != "":
		return "valid, as " + c.Username + " (" + c.Reason + ")"
	case c.Valid:
		return "valid, as " + c.Username
	}
	return "not valid: " + c.Reason
}

// readOnlySession is a session's data for auth.GetUser that records, instead of doing,
// the flush (a stale login) and the key cycle (a hash under a fallback key).
type readOnlySession struct {
	d               *serializer.Dict
	flushed, cycled bool
}

func (s *readOnlySession) Get(k string) (serializer.Value, bool) { return s.d.Get(k) }
func (s *readOnlySession) Set(string, serializer.Value)          {}
func (s *readOnlySession) Flush(context.Context) error           { s.flushed = true; return nil }
func (s *readOnlySession) CycleKey(context.Context) error        { s.cycled = true; return nil }

// checkLogin runs Django's get_user on the session data d against the user table in the
// database of dbURL, changing nothing, and says why a login is not valid. nil when the
// session has no _auth_user_id.
func checkLogin(ctx context.Context, cfg *config, dbURL, userTable string, useTZ bool, loc *time.Location, expired bool, d *serializer.Dict) (*loginCheck, error) {
	if d == nil || !d.Has(auth.SessionKey) {
		return nil, nil
	}
	if expired {
		return &loginCheck{Reason: "the session has expired (Django does not load it)"}, nil
	}
	table := auth.AuthUser
	table.Name = userTable
	users, closeDB, err := openUsers(dbURL, table, useTZ, loc, auth.PKInt, false)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	acfg := &auth.Config{SecretKey: cfg.key, SecretKeyFallbacks: cfg.fallbackKeys, Users: users}
	rs := &readOnlySession{d: d}
	u, err := auth.GetUser(ctx, rs, acfg)
	switch {
	case errors.Is(err, auth.ErrInvalidUserID):
		return &loginCheck{Reason: "_auth_user_id is not a key of " + userTable + " (Django fails with a server error)"}, nil
	case err != nil:
		return nil, err
	case u != nil && rs.cycled:
		return &loginCheck{Username: u.Username, Valid: true, Reason: "its hash is under a SECRET_KEY_FALLBACKS key: Django re-signs it under SECRET_KEY"}, nil
	case u != nil:
		return &loginCheck{Username: u.Username, Valid: true}, nil
	case rs.flushed:
		return &loginCheck{Reason: "_auth_user_hash does not match the user's password (changed since the login?): Django flushes the session"}, nil
	}
	// GetUser left it alone: say which of its checks failed.
	id, _ := auth.UserID(rs)
	backend, _ := auth.Backend(rs)
	if backend != auth.ModelBackend { // (AUTHENTICATION_BACKENDS is Django's default here)
		return &loginCheck{Reason: fmt.Sprintf("the backend %q is not ModelBackend", backend)}, nil
	}
	u, err = users.User(ctx, id)
	switch {
	case errors.Is(err, auth.ErrUserNotFound):
		return &loginCheck{Reason: fmt.Sprintf("no user %s in %s", id, userTable)}, nil
	case err != nil:
		return nil, err
	case !u.IsActive:
		return &loginCheck{Username: u.Username, Reason: "the user is inactive (ModelBackend refuses it)"}, nil
	}
	return &loginCheck{Username: u.Username, Reason: "Django does not log it in"}, nil
}
