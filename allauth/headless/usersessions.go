package headless

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
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

// UserSessionsMiddleware is allauth.usersessions' UserSessionsMiddleware with
// USERSESSIONS_TRACK_ACTIVITY: each request of a session logged in (the session
// middleware's, its cookie's) records the session's client and time
// (create_from_request), before next. Put it where Django's is: behind the session
// middleware (django.Middleware), in front of the CSRF middleware and the handlers.
// Without USERSESSIONS_TRACK_ACTIVITY (or allauth.usersessions) it does nothing; a
// failure to record is a server error, as in Django.
func (h *Headless) UserSessionsMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evaluated, err := h.trackActivity(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if evaluated { // (request.user evaluated, and cached, before the view)
			r = r.WithContext(context.WithValue(r.Context(), userEvaluatedKey{}, true))
		}
		next.ServeHTTP(w, r)
	})
}

// userEvaluatedKey marks a request whose user UserSessionsMiddleware evaluated.
type userEvaluatedKey struct{}

// trackActivity is the middleware's track_activity for the request's session; whether
// it evaluated the request's user.
func (h *Headless) trackActivity(r *http.Request) (bool, error) {
	s := h.Settings
	if s == nil || !s.UserSessionsEnabled || !s.UserSessionsTrackActivity {
		return false, nil
	}
	sess := django.FromContext(r.Context())
	if sess == nil {
		return false, nil
	}
	if err := h.check(); err != nil {
		return false, err
	}
	u, err := h.SessionUser(r.Context(), sess)
	if err != nil {
		return false, err
	}
	return true, h.track(r, sess, u)
}

// track is usersessionkit.track_activity with USERSESSIONS_TRACK_ACTIVITY, as allauth
// runs it for a session token's session (authentication_context, the DRF classes, a
// refresh): the session's row recorded for a session of a user u.
func (h *Headless) track(r *http.Request, s *django.Session, u *auth.User) error {
	st := h.Settings
	if !st.UserSessionsEnabled || !st.UserSessionsTrackActivity || s == nil || u == nil || s.Key() == "" {
		return nil
	}
	if h.UserSessions == nil {
		return errors.New("headless: USERSESSIONS_TRACK_ACTIVITY needs Headless.UserSessions")
	}
	return h.recordUserSession(r, &appContext{session: s}, u)
}

// SessionsView is the app client's list of the user's sessions (allauth's
// SessionsView, at _allauth/app/v1/auth/sessions, with allauth.usersessions): GET lists
// the user's sessions as UserSession records them ({"user_agent", "ip", "created_at"
// (a POSIX time), "is_current", "id"}, the rows of sessions gone or logging no one in
// purged first); DELETE {"sessions": [id, ...]} ends those of the user's sessions (each
// deleted from the session store, its row with it), logging the request's session out
// when it is among them (then allauth's 401), and lists the others. It answers
// allauth's 400 for ids that are not the user's sessions (ModelMultipleChoiceField's
// errors) and its 401 for an anonymous session. A site without allauth.usersessions
// (which has no such URL) hands every request to fallback.
func (h *Headless) SessionsView(fallback http.Handler) http.Handler {
	return h.appView(h.serveSessions, fallback)
}

// BrowserSessionsView is the browser client's (_allauth/browser/v1/auth/sessions):
// SessionsView's answers for the request's own session, behind the session and CSRF
// middleware.
func (h *Headless) BrowserSessionsView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveSessions, fallback)
}

// allowSessions is SessionsView's Allow header.
const allowSessions = "GET, DELETE, HEAD, OPTIONS"

// serveSessions is AuthenticatedAPIView's dispatch, RESTView.handle with
// SelectSessionsInput for DELETE, and SessionsView's get and delete.
func (h *Headless) serveSessions(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if !h.Settings.UserSessionsEnabled || h.UserSessions == nil {
		return ErrLoginStage
	}
	u, err := h.sessionUser(w, r, c)
	if err != nil || u == nil {
		return err
	}
	data, ok, err := h.restBody(w, r)
	if err != nil || !ok {
		return err
	}
	switch r.Method {
	case http.MethodDelete:
		return h.endSessions(w, r, c, u, data)
	case http.MethodGet, http.MethodHead:
		return h.sessionList(w, r, c, u)
	case http.MethodOptions:
		emptyResponse(w, http.StatusOK, allowSessions)
	default:
		emptyResponse(w, http.StatusMethodNotAllowed, allowSessions)
	}
	return nil
}

// sessionList is _respond_session_list: purge_and_list, as SessionsResponse gives it.
func (h *Headless) sessionList(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) error {
	rows, err := h.purgeUserSessions(r.Context(), u)
	if err != nil {
		return err
	}
	ds := h.Sessions.Settings()
	list := make([]serializer.Value, 0, len(rows))
	for _, row := range rows {
		created, err := pyTimestamp(row.CreatedAt, ds)
		if err != nil {
			return err
		}
		d := serializer.NewDict()
		d.Set("user_agent", serializer.Str(row.UserAgent))
		d.Set("ip", serializer.Str(row.IP))
		d.Set("created_at", serializer.Float(created))
		d.Set("is_current", serializer.Bool(row.SessionKey == c.session.Key()))
		d.Set("id", serializer.Int(row.ID))
		if h.Settings.UserSessionsTrackActivity {
			seen, err := pyTimestamp(row.LastSeenAt, ds)
			if err != nil {
				return err
			}
			d.Set("last_seen_at", serializer.Float(seen))
		}
		list = append(list, serializer.DictValue(d))
	}
	return h.dataResponse(w, r, c, http.StatusOK, serializer.List(list...), serializer.None())
}

// pyTimestamp is a stored datetime's timestamp(): an aware one's POSIX time, a naive
// one's (USE_TZ off) as the wall clock of TIME_ZONE.
func pyTimestamp(t time.Time, ds django.Settings) (float64, error) {
	if !ds.UseTZ {
		loc, err := ds.Location()
		if err != nil {
			return 0, err
		}
		y, mo, d := t.Date()
		hh, mi, ss := t.Clock()
		t = time.Date(y, mo, d, hh, mi, ss, t.Nanosecond(), loc)
	}
	return float64(t.UnixMicro()) / 1e6, nil
}

// endSessions is SelectSessionsInput (a ModelMultipleChoiceField of the user's rows)
// and SessionsView.delete (end_sessions).
func (h *Headless) endSessions(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User, data *serializer.Dict) error {
	rows, err := h.UserSessions.UserSessions(r.Context(), u.ID)
	if err != nil {
		return err
	}
	v, _ := data.Get("sessions")
	chosen, ferr := sessionChoices(v, rows)
	if !ferr.IsNone() {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
	}
	ctx := r.Context()
	current := false
	for _, row := range chosen { // (end: the session deleted, then its row)
		current = current || row.SessionKey == c.session.Key()
		if err := h.Sessions.DeleteSession(ctx, row.SessionKey); err != nil {
			return err
		}
		if err := h.UserSessions.DeleteUserSession(ctx, row.ID); err != nil {
			return err
		}
	}
	if current {
		if err := auth.Logout(ctx, c.session); err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, nil)
	}
	return h.sessionList(w, r, c, u)
}

// sessionChoices is ModelMultipleChoiceField.clean of the JSON value v over the user's
// rows: the rows chosen (in the rows' order), or the field's error.
func sessionChoices(v serializer.Value, rows []UserSession) ([]UserSession, serializer.Value) {
	const param = "sessions"
	var values []serializer.Value
	switch v.Kind() {
	case serializer.KindList:
		values = v.Items()
	case serializer.KindDict: // (prepare_value iterates a dict's keys)
		values = v.Dict().Keys()
	default:
		if !v.Truthy() {
			return nil, fieldError("This field is required.", "required", param)
		}
		return nil, fieldError("Enter a list of values.", "invalid_list", param)
	}
	if len(values) == 0 {
		return nil, fieldError("This field is required.", "required", param)
	}
	// _check_values: each value's null characters and int() (in the values' order; a
	// frozenset's, for strs, is the hash seed's), then each one's str() among the pks.
	for _, x := range values {
		switch x.Kind() {
		case serializer.KindList, serializer.KindDict: // (frozenset: unhashable)
			return nil, fieldError("Enter a list of values.", "invalid_list", param)
		case serializer.KindStr:
			s, _ := x.AsStr()
			if strings.IndexByte(s, 0) >= 0 {
				return nil, fieldError("Null characters are not allowed.", "null_characters_not_allowed", param)
			}
			if !pyIntText(s) {
				return nil, fieldError("“"+s+"” is not a valid value.", "invalid_pk_value", param)
			}
		}
	}
	ids := map[int64]bool{}
	for _, x := range values {
		text := pyStr(x)
		if x.IsNone() {
			text = "None"
		}
		found := false
		for _, row := range rows {
			if strconv.FormatInt(row.ID, 10) == text {
				found, ids[row.ID] = true, true
			}
		}
		if !found {
			return nil, fieldError(fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", text), "invalid_choice", param)
		}
	}
	var out []UserSession
	for _, row := range rows {
		if ids[row.ID] {
			out = append(out, row)
		}
	}
	return out, serializer.None()
}

// pyIntText tells whether int(s) takes the text s (blanks around it, a sign, digits
// with single underscores between them).
func pyIntText(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "+-")
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}
