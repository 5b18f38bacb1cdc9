package headless

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
)

// UserSession is a row of allauth.usersessions' UserSession model.
type UserSession struct {
	ID                    int64
	UserID, SessionKey    string
	IP, UserAgent         string
	CreatedAt, LastSeenAt time.Time
}

// UserSessionStore is allauth.usersessions' UserSession model as Go records the logins
// it makes (SQLUserSessions implements it).
type UserSessionStore interface {
	// UserSessions are the user's rows, in the database's order.
	UserSessions(ctx context.Context, userID string) ([]UserSession, error)
	// DeleteUserSession deletes the row id.
	DeleteUserSession(ctx context.Context, id int64) error
	// RecordUserSession is create_from_request's get_or_create by the session's key:
	// a new row of the user, address and user agent (created and last seen now), or
	// the row of that key given them, last seen now.
	RecordUserSession(ctx context.Context, s UserSession, now time.Time) error
}

// SQLUserSessions is allauth.usersessions' table (usersessions_usersession) on the user
// source's database.
type SQLUserSessions struct {
	users *auth.SQLUserSource
	table string
}

// NewSQLUserSessions returns the table (name "" for "usersessions_usersession") on
// users's database.
func NewSQLUserSessions(users *auth.SQLUserSource, table string) *SQLUserSessions {
	if table == "" {
		table = "usersessions_usersession"
	}
	return &SQLUserSessions{users: users, table: table}
}

// UserSessions implements UserSessionStore.
func (e *SQLUserSessions) UserSessions(ctx context.Context, userID string) ([]UserSession, error) {
	u := e.users
	key, err := u.KeyArg(userID)
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf(`SELECT %s, %s, %s, %s, %s, %s FROM %s WHERE %s = %s`, u.Quote("id"), u.Quote("session_key"),
		u.Quote("ip"), u.Quote("user_agent"), u.Quote("created_at"), u.Quote("last_seen_at"), u.Quote(e.table),
		u.Quote("user_id"), u.Param(1))
	rows, err := u.DB().QueryContext(ctx, q, key)
	if err != nil {
		return nil, fmt.Errorf("headless: user sessions: %w", err)
	}
	defer rows.Close()
	var out []UserSession
	for rows.Next() {
		s := UserSession{UserID: userID}
		var created, seen any
		if err := rows.Scan(&s.ID, &s.SessionKey, &s.IP, &s.UserAgent, &created, &seen); err != nil {
			return nil, fmt.Errorf("headless: user sessions: %w", err)
		}
		if s.CreatedAt, err = u.ScanTime(created); err != nil {
			return nil, err
		}
		if s.LastSeenAt, err = u.ScanTime(seen); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("headless: user sessions: %w", err)
	}
	return out, nil
}

// DeleteUserSession implements UserSessionStore.
func (e *SQLUserSessions) DeleteUserSession(ctx context.Context, id int64) error {
	u := e.users
	q := fmt.Sprintf(`DELETE FROM %s WHERE %s = %s`, u.Quote(e.table), u.Quote("id"), u.Param(1))
	if _, err := u.DB().ExecContext(ctx, q, id); err != nil {
		return fmt.Errorf("headless: user sessions: %w", err)
	}
	return nil
}

// RecordUserSession implements UserSessionStore, in the statements of get_or_create
// and save.
func (e *SQLUserSessions) RecordUserSession(ctx context.Context, s UserSession, now time.Time) error {
	u := e.users
	key, err := u.KeyArg(s.UserID)
	if err != nil {
		return err
	}
	t := u.Quote(e.table)
	var n int
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s = %s`, t, u.Quote("session_key"), u.Param(1))
	if err := u.DB().QueryRowContext(ctx, q, s.SessionKey).Scan(&n); err != nil {
		return fmt.Errorf("headless: user sessions: %w", err)
	}
	if n == 0 {
		q = fmt.Sprintf(`INSERT INTO %s (%s, %s, %s, %s, %s, %s, %s) VALUES (%s, %s, %s, %s, %s, %s, %s)`, t,
			u.Quote("created_at"), u.Quote("ip"), u.Quote("last_seen_at"), u.Quote("session_key"), u.Quote("user_agent"),
			u.Quote("data"), u.Quote("user_id"), u.Param(1), u.Param(2), u.Param(3), u.Param(4), u.Param(5), u.Param(6),
			u.Param(7))
		_, err = u.DB().ExecContext(ctx, q, u.TimeArg(now), s.IP, u.TimeArg(now), s.SessionKey, s.UserAgent, "{}", key)
	} else {
		q = fmt.Sprintf(`UPDATE %s SET %s = %s, %s = %s, %s = %s, %s = %s WHERE %s = %s`, t, u.Quote("user_id"), u.Param(1),
			u.Quote("ip"), u.Param(2), u.Quote("user_agent"), u.Param(3), u.Quote("last_seen_at"), u.Param(4),
			u.Quote("session_key"), u.Param(5))
		_, err = u.DB().ExecContext(ctx, q, key, s.IP, s.UserAgent, u.TimeArg(now), s.SessionKey)
	}
	if err != nil {
		return fmt.Errorf("headless: user sessions: %w", err)
	}
	return nil
}

// errUserSessions is a login handed on for want of Headless.UserSessions.
var errUserSessions = fmt.Errorf("%w: allauth.usersessions installed, without Headless.UserSessions", ErrLoginStage)

// userSessionsHandOn reports whether a login (or a password change that keeps the
// session) goes to fallback for want of the UserSessions its record needs.
func (h *Headless) userSessionsHandOn() bool {
	return h.Settings.UserSessionsEnabled && h.UserSessions == nil
}

// recordLogin is allauth.usersessions' on_user_logged_in for the session just logged in
// as u: purge_and_list (the user's rows whose session is gone, or no longer logs
// anyone in, deleted), then create_from_request.
func (h *Headless) recordLogin(r *http.Request, c *appContext, u *auth.User) error {
	if !h.Settings.UserSessionsEnabled {
		return nil
	}
	if _, err := h.purgeUserSessions(r.Context(), u); err != nil {
		return err
	}
	return h.recordUserSession(r, c, u)
}

// purgeUserSessions is UserSession.objects.purge_and_list: the user's rows whose
// session is gone or logs no one in deleted, the others returned.
func (h *Headless) purgeUserSessions(ctx context.Context, u *auth.User) ([]UserSession, error) {
	if h.UserSessions == nil {
		return nil, ErrLoginStage
	}
	rows, err := h.UserSessions.UserSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	var kept []UserSession
	for _, row := range rows {
		exists, err := h.Sessions.SessionExists(ctx, row.SessionKey)
		if err != nil {
			return nil, err
		}
		if exists {
			su, err := h.SessionUser(ctx, h.Sessions.NewSession(ctx, row.SessionKey))
			if err != nil {
				return nil, err
			}
			exists = su != nil
		}
		if !exists {
			if err := h.UserSessions.DeleteUserSession(ctx, row.ID); err != nil {
				return nil, err
			}
			continue
		}
		kept = append(kept, row)
	}
	return kept, nil
}

// recordUserSession is create_from_request for the request's session (its key, given
// one), its user u: the client's address as allauth's adapter finds it, the User-Agent
// (its first 200 characters).
func (h *Headless) recordUserSession(r *http.Request, c *appContext, u *auth.User) error {
	if h.UserSessions == nil {
		return ErrLoginStage
	}
	ctx := r.Context()
	if c.session.Key() == "" {
		if err := c.session.Save(ctx); err != nil {
			return err
		}
	}
	addr, err := h.clientAddr(r)
	if err != nil {
		return err
	}
	ua := pystr.Head(pystr.Latin1(strings.Join(r.Header.Values("User-Agent"), ",")), 200)
	return h.UserSessions.RecordUserSession(ctx, UserSession{UserID: u.ID, SessionKey: c.session.Key(), IP: addr.String(),
		UserAgent: ua}, h.now())
}
