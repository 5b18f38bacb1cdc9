// Package file is Django's file session engine (django.contrib.sessions.backends.file):
// one file per session in SESSION_FILE_PATH, named SESSION_COOKIE_NAME + session key,
// holding exactly the encoded session string (ASCII, no newline).
//
// A Go service and a Django site pointed at the same directory share sessions: each
// reads what the other writes, and both agree on which sessions have expired. Writes go
// through a temporary file in the same directory and an atomic rename, as Django's do, so a
// reader sees either the old or the new content, never a torn file.
//
// Expiry is decided on load as Django's file engine decides it: the stored
// _session_expiry if it is truthy, else the file's modification time plus
// SESSION_COOKIE_AGE. A truthy int _session_expiry is a relative age and is returned as is
// by get_expiry_age, so such a session never expires through this check (unless the int is
// negative); only absolute expiries (ISO strings, Django 4.1+) and the mtime fallback are
// compared with the clock. All arithmetic comes from session.Expiry.
package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// DefaultCookieName is SESSION_COOKIE_NAME's default, the prefix of every session file.
const DefaultCookieName = "sessionid"

// ErrCorrupt is returned by Load for a session file Django could not read either: content
// that is not ASCII (Django's open(..., encoding="ascii") raises UnicodeDecodeError) or a
// _session_expiry that get_expiry_age cannot use. Django answers such requests with a
// server error; the file is left alone.
var ErrCorrupt = errors.New("file: unreadable session file")

// Config holds the file engine's own settings.
type Config struct {
	// Path is SESSION_FILE_PATH. Empty means the system temporary directory, as Django's
	// tempfile.gettempdir() (here os.TempDir(): $TMPDIR or /tmp on Unix). The directory
	// must exist.
	Path string
	// CookieName is SESSION_COOKIE_NAME, the prefix of the file names; default
	// DefaultCookieName.
	CookieName string
}

// Store is the file engine. It implements engines.Store and is safe for concurrent use,
// also with Django processes sharing the directory.
type Store struct {
	dir    string
	prefix string
	opts   engines.Options
}

var _ engines.Store = (*Store)(nil)

// New returns a Store for cfg. It fails, as Django raises ImproperlyConfigured, when the
// directory does not exist or is not a directory, and when opts.Codec is nil.
func New(cfg Config, opts engines.Options) (*Store, error) {
	if opts.Codec == nil {
		return nil, errors.New("file: engines.Options.Codec is required")
	}
	dir := cfg.Path
	if dir == "" {
		dir = os.TempDir()
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("file: the session storage path %q doesn't exist: set SESSION_FILE_PATH (Config.Path) to an existing directory in which sessions can be stored", dir)
	}
	prefix := cfg.CookieName
	if prefix == "" {
		prefix = DefaultCookieName
	}
	return &Store{dir: dir, prefix: prefix, opts: opts}, nil
}

// Dir returns the directory holding the session files.
func (s *Store) Dir() string { return s.dir }

// validChars reports whether every byte of key is in engines.KeyChars ([a-z0-9]), the
// check Django's file engine makes against directory traversal.
func validChars(key string) bool {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// FileName returns the path of the file that holds the session key, or an error matching
// engines.ErrInvalidKey when key has a character outside [a-z0-9] (Django's
// InvalidSessionKey). It does not check the key's length.
func (s *Store) FileName(key string) (string, error) {
	if !validChars(key) {
		return "", fmt.Errorf("%w: invalid characters in session key", engines.ErrInvalidKey)
	}
	return filepath.Join(s.dir, s.prefix+key), nil
}

// sessionFile is FileName for a key that must also be a session key at all (8 characters
// or more; Django turns shorter keys into "no key").
func (s *Store) sessionFile(key string) (string, error) {
	if !engines.ValidKey(key) {
		return "", fmt.Errorf("%w: session keys have at least 8 characters", engines.ErrInvalidKey)
	}
	return s.FileName(key)
}

// notThere reports whether err from opening a session file means "no such session":
// a missing file or a name too long to exist.
func notThere(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, syscall.ENOTDIR)
}

// Load returns the session stored under key, as Django's load():
//   - a missing file or an invalid key is no session;
//   - an empty file (the placeholder a concurrent create leaves for an instant) is an
//     existing session without data: an empty dict and ok true, since Django keeps the
//     key in that case;
//   - undecodable content is no session, after the expiry check below (Django keeps the
//     key, returns {} and logs "Session data corrupted" for signature failures);
//   - an expired session is no session and its file is deleted. Django's load also
//     creates a fresh empty session under a new key at that point; here creating is left
//     to the caller (engines.Create).
//
// Other I/O failures (permissions, say) are returned as errors, where Django would quietly
// start a new session; content that is not ASCII gives ErrCorrupt.
func (s *Store) Load(ctx context.Context, key string) (*serializer.Dict, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	name, err := s.sessionFile(key)
	if err != nil {
		return nil, false, nil
	}
	content, mtime, err := readSession(name)
	if err != nil {
		if notThere(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("file: load session: %w", err)
	}
	if len(content) == 0 {
		return serializer.NewDict(), true, nil
	}
	for i := 0; i < len(content); i++ {
		if content[i] >= 0x80 {
			return nil, false, fmt.Errorf("%w: %s: byte 0x%02x at offset %d is not ASCII", ErrCorrupt, name, content[i], i)
		}
	}
	text := string(content)
	data, derr := s.opts.Codec.DecodeErr(text)
	if derr != nil {
		s.opts.Codec.Decode(text) // logs "Session data corrupted" exactly when Django does
		data = serializer.NewDict()
	}
	expired, err := s.expired(data, mtime)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
	}
	if expired {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.opts.Log().Warn("file: cannot remove expired session file", "file", name, "error", err)
		}
		return nil, false, nil
	}
	if derr != nil {
		return nil, false, nil
	}
	return data, true, nil
}

// Peeked is a session file as Peek reads it.
type Peeked struct {
	// Data is the decoded session; nil when DecodeErr is set.
	Data *serializer.Dict
	// DecodeErr is why the content could not be decoded (Django goes on with an empty
	// session, and Load gives no session).
	DecodeErr error
	// ModTime is the file's modification time.
	ModTime time.Time
	// Size is the file's length in bytes.
	Size int64
	// Expires is get_expiry_date(modification=ModTime): when the session expires, judged
	// from the stored _session_expiry or else from ModTime plus SESSION_COOKIE_AGE.
	Expires time.Time
	// Expired is Load's verdict (see Expired): such a file is no session.
	Expired bool
}

// Peek reads the session file of key as Load does, without its side effects (Load deletes
// an expired file): for tools that look at a store or copy it. ok is false when there is
// no such file. Content that is not ASCII or an unusable _session_expiry gives ErrCorrupt.
// The placeholder file of a session being created (empty) reads as an empty session that
// has not expired, as Django loads it.
func (s *Store) Peek(ctx context.Context, key string) (p Peeked, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return Peeked{}, false, err
	}
	name, err := s.sessionFile(key)
	if err != nil {
		return Peeked{}, false, nil
	}
	content, mtime, err := readSession(name)
	if err != nil {
		if notThere(err) {
			return Peeked{}, false, nil
		}
		return Peeked{}, false, fmt.Errorf("file: read session: %w", err)
	}
	p, err = s.peek(content, mtime)
	if err != nil {
		return Peeked{}, false, fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
	}
	return p, true, nil
}

// peek decodes the content of a session file last modified at mtime.
func (s *Store) peek(content []byte, mtime time.Time) (Peeked, error) {
	for i, c := range content {
		if c >= 0x80 {
			return Peeked{}, fmt.Errorf("byte 0x%02x at offset %d is not ASCII", c, i)
		}
	}
	e := s.opts.Expiry
	p := Peeked{ModTime: mtime, Size: int64(len(content))}
	if len(content) == 0 {
		p.Data = serializer.NewDict()
		var err error
		p.Expires, err = e.Date(nil, mtime)
		return p, err
	}
	p.Data, p.DecodeErr = s.opts.Codec.DecodeErr(string(content))
	data := p.Data
	if p.DecodeErr != nil {
		data = serializer.NewDict()
	}
	var err error
	if p.Expires, err = e.Date(data, mtime); err != nil {
		return Peeked{}, err
	}
	if p.Expired, err = s.expired(data, mtime); err != nil {
		return Peeked{}, err
	}
	return p, nil
}

// Keys returns, sorted, the session keys of the files in the directory: the names
// clear_expired considers (the cookie name, then a key of 8 or more characters from
// [a-z0-9]).
func (s *Store) Keys(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("file: list sessions: %w", err)
	}
	var keys []string
	for _, e := range entries { // (ReadDir sorts by name, so by key)
		if key, ok := s.keyOf(e); ok {
			keys = append(keys, key)
		}
	}
	return keys, nil
}

// keyOf returns the session key a directory entry holds, if it is a session file.
func (s *Store) keyOf(e fs.DirEntry) (string, bool) {
	key, ok := strings.CutPrefix(e.Name(), s.prefix)
	if !ok || e.IsDir() || !engines.ValidKey(key) || !validChars(key) {
		return "", false
	}
	return key, true
}

// Encode returns the session_data string Save would store for data (the store's
// SESSION_SERIALIZER and SECRET_KEY).
func (s *Store) Encode(data *serializer.Dict) (string, error) { return s.opts.Codec.Encode(data) }

// SaveExpiring is Save, then sets the file's modification time so that
// get_expiry_date(modification=mtime) is expires (engines.ExpiringSaver): expires minus
// the seconds of an int _session_expiry, or minus SESSION_COOKIE_AGE when there is no
// stored expiry (on wall clocks with USE_TZ = False, as Django adds them). An absolute
// _session_expiry decides by itself; the file then gets the second form too. If the
// modification time cannot be set, a file created here is removed again.
func (s *Store) SaveExpiring(ctx context.Context, key string, data *serializer.Dict, expires time.Time, mustCreate bool) error {
	if err := s.Save(ctx, key, data, mustCreate); err != nil {
		return err
	}
	var rel *serializer.Dict // the stored expiry if it is seconds from mtime
	if v, ok := data.Get(session.ExpiryKey); ok && v.Truthy() {
		if k := v.Kind(); k == serializer.KindInt || k == serializer.KindBool || k == serializer.KindFloat {
			rel = data
		}
	}
	e := s.opts.Expiry
	age, err := e.Age(rel, expires) // those seconds, or SESSION_COOKIE_AGE
	if err != nil {
		return fmt.Errorf("file: session expiry: %w", err)
	}
	mtime := time.Unix(expires.Unix()-age, int64(expires.Nanosecond()))
	if e.NaiveTimes {
		loc := e.Location
		if loc == nil {
			loc = time.UTC
		}
		w := wallClock(expires, loc)
		w = time.Unix(w.Unix()-age, int64(w.Nanosecond())).UTC()
		mtime = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	}
	name, _ := s.FileName(key) // (Save checked the key)
	if err := os.Chtimes(name, time.Time{}, mtime); err != nil {
		if mustCreate {
			os.Remove(name)
		}
		return fmt.Errorf("file: set session expiry: %w", err)
	}
	return nil
}

// Now is the store's clock (engines.Options.Now, else time.Now).
func (s *Store) Now() time.Time { return s.opts.Clock() }

// SavedExpiry is get_expiry_date() for data saved now: when a session saved now would
// expire.
func (s *Store) SavedExpiry(data *serializer.Dict) (time.Time, error) {
	return s.opts.Expiry.Date(data, s.opts.Clock())
}

// readSession reads a session file and its modification time from one open file.
func readSession(name string) ([]byte, time.Time, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if st.IsDir() {
		return nil, time.Time{}, fmt.Errorf("%s: %w", name, syscall.EISDIR)
	}
	buf := make([]byte, 0, st.Size()+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, time.Time{}, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
	return buf, st.ModTime(), nil
}

// expired is Django's check for a loaded session; see Expired.
func (s *Store) expired(data *serializer.Dict, mtime time.Time) (bool, error) {
	return Expired(s.opts.Expiry, data, mtime, s.opts.Clock())
}

// Expired is the file engine's load-time check, get_expiry_age(expiry=_session_expiry or
// mtime + SESSION_COOKIE_AGE) <= 0, at now, for data read from a file last modified at
// mtime. Note the int-expiry quirk: a stored int is returned by get_expiry_age as it is,
// so such a session never expires here by age. Readers that only look (djsession list)
// use it to judge a file without loading (and so deleting) it.
func Expired(e session.Expiry, data *serializer.Dict, mtime, now time.Time) (bool, error) {
	if e.NaiveTimes {
		// USE_TZ = False: Django subtracts naive local datetimes, i.e. wall clocks, blind
		// to DST changes in between (a 14-day age across the autumn change lasts an hour
		// longer). Give session.Expiry the wall clocks as UTC times to get the same result.
		loc := e.Location
		if loc == nil {
			loc = time.UTC
		}
		now, mtime = wallClock(now, loc), wallClock(mtime, loc)
		e.Location = time.UTC
	}
	if v, ok := data.Get(session.ExpiryKey); ok && v.Truthy() {
		if f, isFloat := v.AsFloat(); isFloat {
			// A float is returned unchanged and compared as is: 0.5 is not expired, -0.5 is;
			// NaN compares false.
			return f <= 0, nil
		}
		age, err := e.Age(data, now)
		if err != nil {
			return false, err
		}
		return age <= 0, nil
	}
	// No (or a falsy) stored expiry: the file's mtime plus SESSION_COOKIE_AGE, an absolute
	// time (aware UTC with USE_TZ, naive local otherwise), compared with now.
	at, err := e.Date(nil, mtime)
	if err != nil {
		return false, err
	}
	abs := serializer.NewDict()
	abs.Set(session.ExpiryKey, serializer.Str(e.FormatISO(at)))
	age, err := e.Age(abs, now)
	if err != nil {
		return false, err
	}
	return age <= 0, nil
}

// wallClock returns the wall clock of t in loc as a UTC time.
func wallClock(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Exists reports whether a file exists for key (os.path.exists). A key with characters
// outside [a-z0-9] gives an error matching engines.ErrInvalidKey, as Django raises
// InvalidSessionKey.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	name, err := s.FileName(key)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(name)
	switch {
	case err == nil:
		return true, nil
	case notThere(err):
		return false, nil
	}
	return false, fmt.Errorf("file: exists: %w", err)
}

// Save writes data under key as Django's save(must_create) does:
//  1. open the file write-only, with O_CREAT|O_EXCL when mustCreate (an existing file is
//     ErrCreate), else requiring it to exist (a missing one is ErrUpdate); this leaves an
//     empty placeholder file for a new session;
//  2. write the encoded session to a temporary file "<name>_out_*" in the same
//     directory (mode 0600, as Python's mkstemp);
//  3. rename it over the session file, atomically; on any failure the temporary file is
//     removed.
//
// Django swallows OSError in steps 2 and 3 (the write is silently lost); here it is
// returned. There is no locking: the last rename wins, as in Django.
func (s *Store) Save(ctx context.Context, key string, data *serializer.Dict, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := s.sessionFile(key)
	if err != nil {
		return err
	}
	if data == nil {
		data = serializer.NewDict()
	}
	encoded, err := s.opts.Codec.Encode(data)
	if err != nil {
		return fmt.Errorf("file: encode session: %w", err)
	}
	flags := os.O_WRONLY
	if mustCreate {
		flags |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(name, flags, 0o600)
	switch {
	case err == nil:
		f.Close()
	case mustCreate && errors.Is(err, fs.ErrExist):
		return engines.ErrCreate
	case !mustCreate && errors.Is(err, fs.ErrNotExist):
		return engines.ErrUpdate
	default:
		return fmt.Errorf("file: save session: %w", err)
	}
	return writeAtomic(name, encoded)
}

// writeAtomic replaces name with content through a temporary file in the same directory.
func writeAtomic(name, content string) (err error) {
	dir, base := filepath.Split(name)
	tmp, err := os.CreateTemp(dir, base+"_out_*")
	if err != nil {
		return fmt.Errorf("file: save session: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp.Name())
		}
	}()
	_, werr := io.WriteString(tmp, content)
	cerr := tmp.Close()
	if werr != nil {
		return fmt.Errorf("file: save session: %w", werr)
	}
	if cerr != nil {
		return fmt.Errorf("file: save session: %w", cerr)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("file: save session: %w", err)
	}
	renamed = true
	return nil
}

// Delete removes the session file; a missing file is not an error. A key with characters
// outside [a-z0-9] gives an error matching engines.ErrInvalidKey.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := s.FileName(key)
	if err != nil {
		return err
	}
	if err := os.Remove(name); err != nil && !notThere(err) {
		return fmt.Errorf("file: delete session: %w", err)
	}
	return nil
}

// ClearExpired is clear_expired (manage.py clearsessions): every file whose name starts
// with the cookie name and continues with a valid session key is loaded, which deletes it
// if it has expired. Other files (temporary "_out_" files, foreign names, keys shorter
// than 8 characters, directories) are left alone, as Django leaves them. Files that cannot
// be read are skipped and reported together in the returned error after the scan; Django
// stops at the first such file.
func (s *Store) ClearExpired(ctx context.Context) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("file: clear expired: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		key, ok := s.keyOf(e)
		if !ok {
			continue
		}
		if _, _, err := s.Load(ctx, key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
