package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/django/auth"
	djengines "github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// discardLogger silences the engines' own warnings: the commands report problems
// themselves.
var discardLogger = slog.New(slog.DiscardHandler)

// errNoSession: inspect found no session under the key (exit status 1).
var errNoSession = errors.New("no such session")

func init() {
	commands["inspect"] = &command{
		synopsis: "inspect [--engine db|file|signed_cookies|cache|cached_db] (--db URL | --file-path DIR | --cache-backend B --location L) [--check-login] [--json] [settings flags] KEY",
		help: `Prints a stored session: the data as Django's serializer writes it (tagged JSON with
--serializer pickle), its expiry and, when logged in, _auth_user_id and _auth_user_backend.
Expiry: db: the row's expire_date; file: what Django's file engine computes (the stored
_session_expiry, else the file's mtime + SESSION_COOKIE_AGE; a positive int
_session_expiry never expires there); signed_cookies: the signing time + SESSION_COOKIE_AGE,
KEY being the cookie value. An expired session is still shown, marked expired (Django
would not load it). KEY "-": standard input. A missing session exits 1, a key Django
could not use 2, data with a bad signature 3.
--check-login (db engine): also whether Django's get_user logs the session in, with the
user read from the same database (--user-table), and if not why; nothing is changed.

cache and cached_db (--engine, or --cache-backend alone for cache): the CACHES entry is
--cache-backend, --location (repeatable), --key-prefix, --version and, for django-redis,
--cache-serializer and --cache-compressor. Prints the session dict the cache holds (tagged
JSON: the cache pickles it whatever SESSION_SERIALIZER says), the full cache key it read
and the remaining TTL (expire date = now + TTL; "never" for timeout None). Redis: read
from the first --location, where Django writes; memcached: from the server the Python
client picks for the key. cached_db: the cache first, then, with --db URL, the database
row (shown from the row when the cache misses, as Django's load falls back). No secret key
is needed unless --db is given.`,
		arg:         "KEY",
		setup:       setupInspect,
		keyOptional: true, // the cache engine needs no secret key
	}
	commands["list"] = &command{
		synopsis: "list [--engine db|file|cache|cached_db] (--db URL | --file-path DIR | --cache-backend B --location L) [--all] [--user ID] [--json] [settings flags]",
		help: `Prints one line per session: key, expiry, user id ("-" when not logged in) and the size
in bytes of the stored data, in key order. Only sessions Django would load (not expired)
unless --all. --json prints one JSON object per line: key, expire_date, expired,
user_id (null when not logged in), size. Sessions whose data cannot be decoded are listed
without a user (Django loads them as empty sessions) with a warning on standard error.

cache and cached_db: the cache's session entries. redis and django-redis: SCAN of the
first --location for make_key(cache_key_prefix + "*") (the cache engine's list leaves out
cached_db keys, whose prefix extends it); --json adds cache_key, ttl, never_expires. db:
the rows of --cache-table whose key has that prefix. file: FileBasedCache keeps no keys
(files are named md5(key).djcache), so every file holding a dict is listed by file name,
whichever engine wrote it. memcached cannot list keys: a usage error (exit 2).`,
		setup:       setupList,
		keyOptional: true, // the cache engine needs no secret key
	}
	commands["clearsessions"] = &command{
		synopsis: "clearsessions [--engine db|file] (--db URL | --file-path DIR) [--json] [settings flags]",
		help: `Deletes expired sessions as Django's "manage.py clearsessions" does (db: DELETE the rows
whose expire_date is before now; file: load every session file, which removes the
expired ones) and prints how many were removed. signed_cookies stores nothing: 0.`,
		setup: setupClearSessions,
	}
}

// storeContext is the context of a store command, cancelled by Ctrl-C. There is no time
// limit: clearsessions on a large table may take long; add connect_timeout (PostgreSQL)
// or timeout (MySQL) to the URL to bound connecting.
func storeContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// entry is one session as the commands report it.
type entry struct {
	Key         string          `json:"key"`
	Engine      string          `json:"engine,omitempty"`
	Session     json.RawMessage `json:"session,omitempty"`
	ExpireDate  string          `json:"expire_date"`
	Expired     bool            `json:"expired"`
	SignedAt    string          `json:"signed_at,omitempty"`
	Modified    string          `json:"modified,omitempty"`
	UserID      json.RawMessage `json:"user_id"`
	UserBackend json.RawMessage `json:"user_backend,omitempty"`
	Login       *loginCheck     `json:"login,omitempty"`
	Size        int64           `json:"size"`

	userText, backendText string // for text output; "" when absent
}

// fill sets the user fields from the decoded session; inspect also gets the data.
func (e *entry) fill(d *serializer.Dict, ser *serializerChoice, withData bool) error {
	if d == nil {
		return nil
	}
	var err error
	if e.UserID, e.userText, err = field(d, "_auth_user_id", ser); err != nil {
		return err
	}
	if !withData {
		return nil
	}
	if e.UserBackend, e.backendText, err = field(d, "_auth_user_backend", ser); err != nil {
		return err
	}
	if e.UserID == nil {
		e.UserID = json.RawMessage("null") // inspect --json always has both fields
	}
	if e.UserBackend == nil {
		e.UserBackend = json.RawMessage("null")
	}
	out, err := ser.format(serializer.DictValue(d))
	if err != nil {
		return err
	}
	e.Session = out
	return nil
}

// field returns a session value as JSON and as text (a str as it is).
func field(d *serializer.Dict, k string, ser *serializerChoice) (json.RawMessage, string, error) {
	v, ok := d.Get(k)
	if !ok {
		return nil, "", nil
	}
	out, err := ser.format(v)
	if err != nil {
		return nil, "", err
	}
	if s, isStr := v.AsStr(); isStr {
		return out, s, nil
	}
	return out, string(out), nil
}

// isoUTC writes t as Django holds it: aware UTC with USE_TZ, else naive in TIME_ZONE.
func isoUTC(e session.Expiry, t time.Time) string { return e.FormatISO(t.UTC()) }

// wallUTC returns the wall clock of t in loc, as a UTC time.
func wallUTC(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// ---------------------------------------------------------------- db

// dbExpired is the db engine's load condition negated: expire_date > now fails. With
// USE_TZ = False both sides are wall clocks in TIME_ZONE, as Django compares them.
func dbExpired(st *storeSettings, exp time.Time) bool {
	now := st.now().Round(0).Truncate(time.Microsecond)
	if st.expiry.NaiveTimes {
		return !wallUTC(exp, st.expiry.Location).After(wallUTC(now, st.expiry.Location))
	}
	return !exp.After(now)
}

func dbEntry(st *storeSettings, r db.Record) entry {
	return entry{Key: r.Key, ExpireDate: isoUTC(st.expiry, r.ExpireDate), Expired: dbExpired(st, r.ExpireDate),
		Size: int64(len(r.Data))}
}

// ---------------------------------------------------------------- file

func validKeyChars(key string) bool {
	for i := 0; i < len(key); i++ {
		if c := key[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------- inspect

func setupInspect(fs *flag.FlagSet) runner {
	f := defineStoreFlags(fs, "db, file, signed_cookies, cache or cached_db")
	cf := defineCacheFlags(fs)
	checkLoginFlag := fs.Bool("check-login", false, "db engine: also read the session's user from the same database and say whether Django logs the session in (and if not, why)")
	userTable := fs.String("user-table", auth.AuthUser.Name, "with --check-login: the user model's `table`")
	return func(a *app, cfg *config, arg string) error {
		engine := cacheEngineName(f, cf)
		if isCacheEngine(engine) {
			return inspectCacheEngine(a, cfg, f, cf, engine, arg)
		}
		if err := rejectCacheFlags(cf, engine); err != nil {
			return err
		}
		if err := f.checkEngineFlags(engine); err != nil {
			return err
		}
		key, err := a.readArg(arg, true, false)
		if err != nil {
			return err
		}
		st, err := f.settings(cfg)
		if err != nil {
			return err
		}
		ctx, cancel := storeContext()
		defer cancel()
		var e entry
		if *checkLoginFlag && engine != "db" {
			return usagef("--check-login needs the db engine (the users are in its database)")
		}
		switch engine {
		case "db":
			var d *serializer.Dict
			e, d, err = inspectDB(ctx, f, st, key)
			if err == nil && *checkLoginFlag {
				loc, _ := time.LoadLocation(f.timeZone)
				e.Login, err = checkLogin(ctx, cfg, f.dbURL, *userTable, f.useTZ, loc, e.Expired, d)
			}
		case "file":
			e, err = inspectFile(f, st, key)
		default:
			e, err = inspectCookie(f, cfg, st, key)
		}
		if err != nil {
			return err
		}
		e.Engine = engine
		return printInspect(a, f, e)
	}
}

// checkKey rejects what Django could not take for a session key.
func checkKey(key string, maxLen int) error {
	switch {
	case !djengines.ValidKey(key):
		return usagef("invalid session key %q: Django treats keys shorter than 8 characters as no key", key)
	case !utf8.ValidString(key) || strings.IndexByte(key, 0) >= 0:
		return usagef("invalid session key %q", key)
	case maxLen > 0 && utf8.RuneCountInString(key) > maxLen:
		return usagef("invalid session key %q: longer than %d characters", key, maxLen)
	}
	return nil
}

// inspectDB reads the session key of the db engine, and returns it decoded too.
func inspectDB(ctx context.Context, f *storeFlags, st *storeSettings, key string) (entry, *serializer.Dict, error) {
	if err := checkKey(key, db.MaxKeyLength); err != nil {
		return entry{}, nil, err
	}
	s, closeDB, err := f.openDB(ctx, st, false)
	if err != nil {
		return entry{}, nil, err
	}
	defer closeDB()
	r, ok, err := s.Get(ctx, key)
	if err != nil {
		return entry{}, nil, err
	}
	if !ok {
		return entry{}, nil, fmt.Errorf("%w %q in table %s", errNoSession, key, s.Table())
	}
	d, err := st.codec.DecodeErr(r.Data)
	if err != nil {
		return entry{}, nil, fmt.Errorf("session %q: %w", key, err)
	}
	e := dbEntry(st, r)
	return e, d, e.fill(d, f.ser, true)
}

func inspectFile(f *storeFlags, st *storeSettings, key string) (entry, error) {
	if err := checkKey(key, 0); err != nil {
		return entry{}, err
	}
	if !validKeyChars(key) {
		return entry{}, usagef("invalid session key %q: the file engine accepts only a-z and 0-9", key)
	}
	s, err := f.openFile(st)
	if err != nil {
		return entry{}, err
	}
	p, ok, err := s.Peek(context.Background(), key)
	if err != nil {
		return entry{}, err
	}
	if !ok {
		return entry{}, fmt.Errorf("%w %q in %s", errNoSession, key, s.Dir())
	}
	if p.DecodeErr != nil {
		return entry{}, fmt.Errorf("session %q: %w", key, p.DecodeErr)
	}
	e := entry{Key: key, ExpireDate: isoUTC(st.expiry, p.Expires), Expired: p.Expired,
		Modified: isoUTC(st.expiry, p.ModTime), Size: p.Size}
	return e, e.fill(p.Data, f.ser, true)
}

// inspectCookie reads a signed_cookies value: the signature is checked (SECRET_KEY, then
// the fallbacks) without an age limit, so that an expired value can still be shown.
func inspectCookie(f *storeFlags, cfg *config, st *storeSettings, value string) (entry, error) {
	ts, err := signing.NewTimestampSigner(signing.Options{Key: cfg.key, FallbackKeys: cfg.fallbackKeys,
		Salt: signedCookiesSalt, AcceptSHA1: f.acceptSHA1, Now: st.now, Serializer: f.ser.serializer()})
	if err != nil {
		return entry{}, err
	}
	v, err := ts.UnsignObject(value)
	if err != nil {
		return entry{}, err
	}
	d := v.Dict()
	if d == nil {
		return entry{}, fmt.Errorf("%w: %s", session.ErrNotDict, v.Kind())
	}
	// The signature is valid, so the timestamp before it is the one Django signed.
	rest := value[:strings.LastIndexByte(value, ':')]
	stamp, err := signing.B62Decode(rest[strings.LastIndexByte(rest, ':')+1:])
	if err != nil {
		return entry{}, fmt.Errorf("%w: timestamp: %w", signing.ErrBadSignature, err)
	}
	signed := time.Unix(stamp, 0)
	age := time.Duration(st.expiry.CookieAge) * time.Second
	e := entry{Key: value, ExpireDate: isoUTC(st.expiry, signed.Add(age)),
		Expired: st.now().Sub(signed) > age, SignedAt: isoUTC(st.expiry, signed), Size: int64(len(value))}
	return e, e.fill(d, f.ser, true)
}

func printInspect(a *app, f *storeFlags, e entry) error {
	if f.jsonOut {
		return a.printJSON(e)
	}
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-13s %s\n", k, v) }
	row("engine", e.Engine)
	row("key", e.Key)
	if e.SignedAt != "" {
		row("signed at", e.SignedAt)
	}
	if e.Modified != "" {
		row("modified", e.Modified)
	}
	row("expire date", e.ExpireDate)
	row("expired", map[bool]string{true: "yes (Django would not load it)", false: "no"}[e.Expired])
	row("user id", orDash(e.userText, e.UserID))
	row("user backend", orDash(e.backendText, e.UserBackend))
	if e.Login != nil {
		row("login", e.Login.String())
	}
	row("size", fmt.Sprintf("%d bytes", e.Size))
	row("session", string(e.Session))
	_, err := io.WriteString(a.stdout, b.String())
	return err
}

func orDash(text string, raw json.RawMessage) string {
	if raw == nil || string(raw) == "null" && text == "" {
		return "-"
	}
	return text
}

// printJSON writes v as one line of JSON, without HTML escaping.
func (a *app) printJSON(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := a.stdout.Write(buf.Bytes())
	return err
}

// ---------------------------------------------------------------- list

func setupList(fs *flag.FlagSet) runner {
	f := defineStoreFlags(fs, "db, file, cache or cached_db")
	cf := defineCacheFlags(fs)
	all := fs.Bool("all", false, "also list expired sessions")
	fs.Var(&f.listUser, "user", "only the sessions logged in as this user `id` (_auth_user_id), e.g. to find all of a user's sessions")
	return func(a *app, cfg *config, _ string) error {
		engine := cacheEngineName(f, cf)
		if isCacheEngine(engine) {
			return listCacheEngine(a, cfg, f, cf, engine, *all)
		}
		if err := rejectCacheFlags(cf, engine); err != nil {
			return err
		}
		if err := f.checkEngineFlags(engine); err != nil {
			return err
		}
		if engine == "signed_cookies" {
			return usagef("signed_cookies keeps sessions in the browser: there is nothing to list")
		}
		st, err := f.settings(cfg)
		if err != nil {
			return err
		}
		ctx, cancel := storeContext()
		defer cancel()
		var entries []entry
		warn := func(key string, err error) {
			fmt.Fprintln(a.stderr, oneLine(fmt.Sprintf("djsession: list: warning: session %q: %v", key, err)))
		}
		if engine == "db" {
			s, closeDB, err := f.openDB(ctx, st, false)
			if err != nil {
				return err
			}
			defer closeDB()
			err = s.Records(ctx, func(r db.Record) error {
				e := dbEntry(st, r)
				if e.Expired && !*all {
					return nil
				}
				d, derr := st.codec.DecodeErr(r.Data)
				if derr != nil {
					//lint:ignore ST1005 the words of Django's own warning
					warn(r.Key, fmt.Errorf("Session data corrupted: %w", derr))
				} else if err := e.fill(d, f.ser, false); err != nil {
					return err
				}
				entries = append(entries, e)
				return nil
			})
			if err != nil {
				return err
			}
		} else {
			s, err := f.openFile(st)
			if err != nil {
				return err
			}
			keys, err := s.Keys(ctx)
			if err != nil {
				return err
			}
			for _, key := range keys {
				p, ok, err := s.Peek(ctx, key)
				if err != nil {
					warn(key, err)
					continue
				}
				if !ok || p.Expired && !*all {
					continue // (removed since the scan)
				}
				e := entry{Key: key, ExpireDate: isoUTC(st.expiry, p.Expires), Expired: p.Expired, Size: p.Size}
				if p.DecodeErr != nil {
					//lint:ignore ST1005 the words of Django's own warning
					warn(key, fmt.Errorf("Session data corrupted: %w", p.DecodeErr))
				} else if err := e.fill(p.Data, f.ser, false); err != nil {
					return err
				}
				entries = append(entries, e)
			}
		}
		return printList(a, f, entries)
	}
}

func printList(a *app, f *storeFlags, entries []entry) error {
	entries = slices.DeleteFunc(entries, func(e entry) bool { return !f.wantUser(e) })
	if f.jsonOut {
		for _, e := range entries {
			if err := a.printJSON(e); err != nil {
				return err
			}
		}
		return nil
	}
	keyW, expW, userW := 0, 0, 0
	for _, e := range entries {
		keyW = max(keyW, len(e.Key))
		expW = max(expW, len(e.ExpireDate))
		userW = max(userW, len(orDash(e.userText, e.UserID)))
	}
	var b strings.Builder
	for _, e := range entries {
		user := oneLine(orDash(e.userText, e.UserID))
		if strings.ContainsAny(user, " \t") {
			user = fmt.Sprintf("%q", user)
		}
		fmt.Fprintf(&b, "%-*s  %-*s  %-*s  %d\n", keyW, e.Key, expW, e.ExpireDate, userW, user, e.Size)
	}
	_, err := io.WriteString(a.stdout, b.String())
	return err
}

// ---------------------------------------------------------------- clearsessions

func setupClearSessions(fs *flag.FlagSet) runner {
	f := defineStoreFlags(fs, "db, file or signed_cookies")
	return func(a *app, cfg *config, _ string) error {
		engine := f.engineName()
		if err := f.checkEngineFlags(engine); err != nil {
			return err
		}
		st, err := f.settings(cfg)
		if err != nil {
			return err
		}
		ctx, cancel := storeContext()
		defer cancel()
		var removed int64
		var clearErr error
		switch engine {
		case "db":
			s, closeDB, err := f.openDB(ctx, st, true)
			if err != nil {
				return err
			}
			defer closeDB()
			if removed, err = s.ClearExpiredCount(ctx); err != nil {
				return err
			}
		case "file":
			s, err := f.openFile(st)
			if err != nil {
				return err
			}
			before, err := s.Keys(ctx)
			if err != nil {
				return err
			}
			clearErr = s.ClearExpired(ctx) // the engine's own clear_expired: it decides
			for _, key := range before {
				if _, err := os.Lstat(filepath.Join(s.Dir(), f.cookieName+key)); errors.Is(err, os.ErrNotExist) {
					removed++
				}
			}
		}
		if f.jsonOut {
			err = a.printJSON(map[string]int64{"removed": removed})
		} else {
			noun := "sessions"
			if removed == 1 {
				noun = "session"
			}
			err = a.printLine(fmt.Sprintf("%d expired %s removed", removed, noun))
		}
		if clearErr != nil {
			return clearErr
		}
		return err
	}
}
