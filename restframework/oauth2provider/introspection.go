package oauth2provider

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// ErrIntrospection is an answer of the introspection server that the toolkit fails on
// with a server error (a JSON document that is not an object, an exp that is not a
// number or out of range, a null username, a scope that is not a string).
var ErrIntrospection = errors.New("oauth2provider: unusable introspection answer")

// IntrospectionCache is a TokenSource that keeps the tokens an introspection server
// vouches for, as the toolkit does in its own table (SQLTokens is one).
type IntrospectionCache interface {
	TokenSource
	// SaveIntrospected stores the token (update_or_create by its value, or its SHA-256
	// with 3.x) with its user ("" for none), scope, expiry and resources, no
	// application, at now; and returns it as stored.
	SaveIntrospected(ctx context.Context, token, userID, scope string, expires time.Time, resource []string, now time.Time) (*AccessToken, error)
}

// introspects reports whether the toolkit asks an introspection server about the tokens
// it does not know (RESOURCE_SERVER_INTROSPECTION_URL with a token or credentials).
func (s *Settings) introspects() bool {
	return s.IntrospectionURL != "" && (s.IntrospectionToken != "" || s.IntrospectionCredentials != nil)
}

// introspect is the toolkit's _get_token_from_authentication_server: the token as the
// introspection server describes it (RFC 7662), kept in the table; nil when the server
// cannot be reached, answers other than 200 with JSON, or says the token is not active
// (each logged), or describes audiences (aud) that are neither a string nor a list of
// them.
func (a *OAuth2Authentication) introspect(ctx context.Context, token string) (*AccessToken, error) {
	s := a.Settings
	log := slog.Default()
	if a.Django != nil {
		log = a.Django.Log()
	}
	cache, ok := a.Tokens.(IntrospectionCache)
	if !ok {
		return nil, errors.New("oauth2provider: introspection needs Tokens that keep tokens (an IntrospectionCache, as SQLTokens)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.IntrospectionURL,
		strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		log.ErrorContext(ctx, "oauth2provider: introspection: failed POST in token lookup", "url", s.IntrospectionURL, "err", err)
		return nil, nil
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if s.IntrospectionToken != "" {
		bearer, err := latin1("Bearer " + s.IntrospectionToken)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", bearer)
	} else {
		c := s.IntrospectionCredentials
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c[0]+":"+c[1])))
	}
	if u := req.URL.User; u != nil { // (requests takes the URL's credentials over the header)
		user, _ := url.PathUnescape(u.Username())
		pw, _ := u.Password()
		basic, err := basicAuth(user, pw)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", basic)
	}
	resp, err := requestsClient(a.Client).Do(req)
	if err != nil {
		log.ErrorContext(ctx, "oauth2provider: introspection: failed POST in token lookup", "url", s.IntrospectionURL, "err", err)
		return nil, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		log.ErrorContext(ctx, "oauth2provider: introspection: failed POST in token lookup", "url", s.IntrospectionURL, "err", err)
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		log.ErrorContext(ctx, "oauth2provider: introspection: failed to get a valid response from the authentication server",
			"status", resp.StatusCode)
		return nil, nil
	}
	content, err := requestsJSON(body, resp.Header.Get("Content-Type"))
	if err != nil {
		log.ErrorContext(ctx, "oauth2provider: introspection: failed to parse the response as JSON", "err", err)
		return nil, nil
	}
	// ("active" in content and content["active"] is True)
	switch content.Kind() {
	case serializer.KindDict:
	case serializer.KindList:
		for _, v := range content.Items() {
			if s, ok := v.AsStr(); ok && s == "active" {
				return nil, fmt.Errorf("%w: a list holding \"active\" (Python's TypeError)", ErrIntrospection)
			}
		}
		return nil, nil
	case serializer.KindStr:
		if v, _ := content.AsStr(); strings.Contains(v, "active") {
			return nil, fmt.Errorf("%w: a string holding \"active\" (Python's TypeError)", ErrIntrospection)
		}
		return nil, nil
	default:
		return nil, fmt.Errorf("%w: %s (Python's TypeError)", ErrIntrospection, content.Kind())
	}
	d := content.Dict()
	if active, ok := d.Get("active"); !ok || active.Kind() != serializer.KindBool {
		return nil, nil
	} else if b, _ := active.AsBool(); !b {
		return nil, nil
	}
	now := s.now()
	userID := ""
	if v, ok := d.Get("username"); ok {
		username, err := pyStrOf(v)
		if err != nil || hasSurrogate(username) { // (a lone surrogate: the database driver's UnicodeEncodeError)
			return nil, fmt.Errorf("%w: username %s", ErrIntrospection, v)
		}
		users, ok := a.Config.Users.(auth.UserCreator)
		if !ok {
			return nil, auth.ErrNoUserCreator
		}
		u, _, err := users.GetOrCreateUser(ctx, username, now)
		if err != nil {
			return nil, err
		}
		userID = u.ID
	}
	loc, err := a.location()
	if err != nil {
		return nil, err
	}
	expires, err := s.introspectedExpiry(d, now, a.useTZ(), loc)
	if err != nil {
		return nil, err
	}
	var resource []string
	if !s.v24() {
		switch aud, _ := d.Get("aud"); aud.Kind() {
		case serializer.KindStr:
			str, _ := aud.AsStr()
			resource = []string{str}
		case serializer.KindList:
			for _, e := range aud.Items() {
				str, ok := e.AsStr()
				if !ok {
					log.WarnContext(ctx, "oauth2provider: rejecting token: malformed 'aud' claim in introspection response")
					return nil, nil
				}
				resource = append(resource, str)
			}
		case serializer.KindNone:
			if _, present := d.Get("aud"); present {
				log.WarnContext(ctx, "oauth2provider: rejecting token: malformed 'aud' claim in introspection response")
				return nil, nil
			}
		default:
			log.WarnContext(ctx, "oauth2provider: rejecting token: malformed 'aud' claim in introspection response")
			return nil, nil
		}
	}
	// (the scope, read before the audiences, fails only when the row is saved)
	scope := ""
	if v, ok := d.Get("scope"); ok {
		if scope, ok = v.AsStr(); !ok {
			return nil, fmt.Errorf("%w: scope %s", ErrIntrospection, v)
		}
	}
	return cache.SaveIntrospected(ctx, token, userID, scope, expires, resource, now)
}

// useTZ is the site's USE_TZ (true without Django settings).
func (a *OAuth2Authentication) useTZ() bool { return a.Django == nil || a.Django.UseTZ }

// location is the site's TIME_ZONE.
func (a *OAuth2Authentication) location() (*time.Location, error) {
	if a.Django == nil {
		return time.UTC, nil
	}
	return a.Django.Location()
}

// introspectedExpiry is the expiry the toolkit gives an introspected token: exp, but no
// later than RESOURCE_SERVER_TOKEN_CACHING_SECONDS from now. With USE_TZ False the
// toolkit stores the wall clock of that instant in UTC as a naive time, which Django
// reads in TIME_ZONE; 2.4 compares the wall clock of exp in UTC with that of now in
// TIME_ZONE, and with USE_TZ reads the result as UTC: the instant returned is the one
// Django then reads back.
func (s *Settings) introspectedExpiry(d *serializer.Dict, now time.Time, useTZ bool, loc *time.Location) (time.Time, error) {
	var exp *time.Time
	if v, ok := d.Get("exp"); ok {
		t, err := fromTimestamp(v)
		if err != nil {
			return time.Time{}, err
		}
		exp = &t
	}
	if s.v24() {
		// (naive wall clocks: exp's in UTC, now's in TIME_ZONE plus the caching time)
		maxWall, err := addSeconds(wall(now.In(loc)), s.TokenCachingSeconds)
		if err != nil {
			return time.Time{}, err
		}
		chosen := maxWall
		if exp != nil {
			chosen = wall(exp.UTC())
			if chosen.After(maxWall) {
				chosen = maxWall
			}
		}
		if useTZ {
			return chosen, nil // (made aware in UTC)
		}
		return rezone(chosen, loc), nil
	}
	expires, err := addSeconds(now, s.TokenCachingSeconds)
	if err != nil {
		return time.Time{}, err
	}
	if exp != nil && !exp.After(expires) {
		expires = *exp
	}
	if !useTZ {
		return rezone(expires.UTC(), loc), nil
	}
	return expires, nil
}

// addSeconds is t + timedelta(seconds=secs): to the microsecond (half to even), any
// number of seconds, and Python's OverflowError beyond years 1 to 9999.
func addSeconds(t time.Time, secs float64) (time.Time, error) {
	if math.IsNaN(secs) || math.Abs(secs) > 86400*999999999 {
		return time.Time{}, fmt.Errorf("%w: RESOURCE_SERVER_TOKEN_CACHING_SECONDS %v", ErrIntrospection, secs)
	}
	whole := math.Floor(secs)
	micros := math.RoundToEven((secs - whole) * 1e6)
	r := time.Unix(t.Unix()+int64(whole), int64(t.Nanosecond())+int64(micros)*1000).In(t.Location())
	if r.Year() < 1 || r.Year() > 9999 {
		return time.Time{}, fmt.Errorf("%w: an expiry beyond the year 9999 (Python's OverflowError)", ErrIntrospection)
	}
	return r, nil
}

// hasSurrogate reports whether s holds a lone surrogate (in the WTF-8 form the value
// model keeps it in).
func hasSurrogate(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 0xED && s[i+1] >= 0xA0 && s[i+1] <= 0xBF {
			return true
		}
	}
	return false
}

// wall is t's wall clock as a time in UTC.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// rezone is the instant whose wall clock in loc is t's.
func rezone(t time.Time, loc *time.Location) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

// fromTimestamp is datetime.fromtimestamp(v, timezone.utc) for exp: an int, a float or a
// bool, to the microsecond (half to even); other values and years beyond 1-9999 are
// Python's errors.
func fromTimestamp(v serializer.Value) (time.Time, error) {
	var secs float64
	var whole int64
	isInt := false
	switch v.Kind() {
	case serializer.KindBool:
		if b, _ := v.AsBool(); b {
			whole = 1
		}
		isInt = true
	case serializer.KindInt:
		n, ok := v.AsInt()
		if !ok {
			return time.Time{}, fmt.Errorf("%w: exp %s out of range", ErrIntrospection, v)
		}
		whole, isInt = n, true
	case serializer.KindFloat:
		secs, _ = v.AsFloat()
		if math.IsNaN(secs) || math.IsInf(secs, 0) {
			return time.Time{}, fmt.Errorf("%w: exp %s", ErrIntrospection, v)
		}
	default:
		return time.Time{}, fmt.Errorf("%w: exp %s is not a number", ErrIntrospection, v)
	}
	var t time.Time
	if isInt {
		if whole < -62135596800 || whole > 253402300799 {
			return time.Time{}, fmt.Errorf("%w: exp %d out of range", ErrIntrospection, whole)
		}
		t = time.Unix(whole, 0).UTC()
	} else {
		if secs < -62135596800 || secs >= 253402300800 {
			return time.Time{}, fmt.Errorf("%w: exp %v out of range", ErrIntrospection, secs)
		}
		fl := math.Floor(secs)
		micros := math.RoundToEven((secs - fl) * 1e6)
		t = time.Unix(int64(fl), int64(micros)*1000).UTC()
		if t.Year() > 9999 {
			return time.Time{}, fmt.Errorf("%w: exp %v out of range", ErrIntrospection, secs)
		}
	}
	return t, nil
}

// pyStrOf is the username Django's CharField makes of a JSON value: a str, or str() of
// an int, a float or a bool; None and containers are errors here.
func pyStrOf(v serializer.Value) (string, error) {
	switch v.Kind() {
	case serializer.KindStr:
		s, _ := v.AsStr()
		return s, nil
	case serializer.KindInt:
		n, _ := v.AsBigInt()
		return n.String(), nil
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		return serializer.FormatFloat(f), nil
	case serializer.KindBool:
		if b, _ := v.AsBool(); b {
			return "True", nil
		}
		return "False", nil
	}
	return "", ErrIntrospection
}

// SaveIntrospected implements IntrospectionCache: the toolkit's update_or_create of the
// row (by token_checksum with 3.x, by token with 2.4), in a transaction; created and
// updated are now on a new row, updated alone on an existing one.
func (t *SQLTokens) SaveIntrospected(ctx context.Context, token, userID, scope string, expires time.Time, resource []string, now time.Time) (*AccessToken, error) {
	var user any
	if userID != "" {
		arg, err := t.users.KeyArg(userID)
		if err != nil {
			return nil, err
		}
		user = arg
	}
	res, err := resourceJSON(resource)
	if err != nil {
		return nil, err
	}
	key := token
	if !t.v24 {
		key = Checksum(token)
	}
	err = t.inTx(ctx, func(tx auth.SQLDB) error {
		var id int64
		err := tx.QueryRowContext(ctx, t.selID, key).Scan(&id)
		exp, at := t.users.TimeArg(expires), t.users.TimeArg(now)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if t.v24 {
				_, err = tx.ExecContext(ctx, t.insert, token, user, scope, exp, at, at)
			} else {
				_, err = tx.ExecContext(ctx, t.insert, token, user, scope, exp, at, at, key, res)
			}
		case err == nil:
			if t.v24 {
				_, err = tx.ExecContext(ctx, t.update, user, scope, exp, at, id)
			} else {
				_, err = tx.ExecContext(ctx, t.update, token, user, scope, exp, at, res, id)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("oauth2provider: keep the introspected token: %w", err)
	}
	return t.AccessToken(ctx, token)
}

// resourceJSON is resource as the toolkit's JSONField stores it (json.dumps: ", " between
// items, non-ASCII escaped).
func resourceJSON(resource []string) (string, error) {
	items := make([]string, len(resource))
	for i, r := range resource {
		b, err := serializer.EncodeJSON(serializer.Str(r))
		if err != nil {
			return "", err
		}
		items[i] = string(b)
	}
	return "[" + strings.Join(items, ", ") + "]", nil
}
