// Command djsession signs, verifies, encodes and decodes Django's signed tokens and session
// data from the command line, producing and accepting the same bytes Django does.
//
// Usage:
//
//	djsession COMMAND [flags] [ARG]
//
// Every command takes one argument, except list and clearsessions, which take none. Flags may come before or after it ("djsession loads
// TOKEN --salt x" works); "--" ends the flags, which is needed for an argument that starts
// with "-" (negative numbers excepted). An argument of "-" is read from standard input.
//
// # Secret key
//
// Every command except help and cache-key needs Django's SECRET_KEY (inspect and list on
// the cache engines need it only to read cached_db's database rows). It is taken, in this order of
// priority, from:
//
//	--secret-key KEY        the key itself
//	--secret-key-file PATH  the contents of a file, one trailing newline ("\n" or "\r\n") removed
//	DJANGO_SECRET_KEY       the environment variable
//
// Other flags every command accepts:
//
//	--fallback-key KEY  an entry of SECRET_KEY_FALLBACKS; repeat it for several, in order.
//	                    Verification tries SECRET_KEY and then each fallback key; signing
//	                    always uses SECRET_KEY.
//	--now UNIX          fix the clock to this Unix time (seconds, fractions allowed), for
//	                    the timestamp of new signatures and for max-age checks.
//
// # Commands
//
// dumps [--salt S] [--compress] VALUE
//
// Prints signing.dumps(VALUE): a TimestampSigner token of the JSON-serialized value.
// VALUE is JSON text (UTF-8), read as Python's json.loads reads a str: 1 is an int, 1.0 a
// float, object keys keep their order. --salt defaults to "django.core.signing"; an
// explicit empty --salt "" means "django.core.signing.TimestampSigner", as in Django
// (`salt or default`). --compress zlib-compresses the payload when that saves space (the
// token then starts with ".").
//
// loads [--salt S] [--max-age SECONDS] [--accept-sha1] TOKEN
//
// Verifies a signing.dumps token and prints its value as Django's JSONSerializer writes
// it: compact, ASCII-only JSON. --max-age (seconds, fractions allowed) rejects tokens
// older than that; --max-age 0 is Django's max_age=0, and without the flag there is no
// limit. --accept-sha1 also accepts SHA-1 signatures, as Django 3.1 and 3.2 do. A TOKEN of
// "-" is read from standard input, surrounding white space removed.
//
// sign [--salt S] [--sep SEP] [--algorithm ALG] [--timestamp] VALUE
//
// Prints Signer(...).sign(VALUE), or TimestampSigner(...).sign(VALUE) with --timestamp.
// VALUE is taken as a plain string; "-" reads it from standard input without its trailing
// newline. The default salt is the signer class's, "django.core.signing.Signer" or
// "django.core.signing.TimestampSigner" (also when --salt is empty, as in Django). --sep
// defaults to ":"; --algorithm is a hashlib name and defaults to "sha256".
//
// unsign [--salt S] [--sep SEP] [--algorithm ALG] [--timestamp] [--max-age SECONDS] [--accept-sha1] SIGNED
//
// Verifies a value signed by sign (or by Django's Signer or TimestampSigner) and prints
// the value. --max-age requires --timestamp. "-" reads SIGNED from standard input,
// surrounding white space removed.
//
// sign-cookie --name NAME [--salt S] [--legacy-salt] VALUE
//
// Prints the value Django's response.set_signed_cookie(NAME, VALUE, salt=S) puts in the
// cookie: VALUE signed by a TimestampSigner whose key is "django.http.cookies" + SECRET_KEY
// and whose salt is "django.http.cookies.v2:<len(S)>:<S><NAME>" (Django 5.2.15, 6.0.6, 6.1
// and later), or NAME + S with --legacy-salt (earlier versions).
//
// unsign-cookie --name NAME [--salt S] [--max-age SECONDS] [--legacy-salt] [--legacy-salt-fallback] [--accept-sha1] VALUE
//
// Verifies a signed cookie's value as request.get_signed_cookie(NAME, salt=S,
// max_age=SECONDS) does and prints the value. --legacy-salt-fallback is
// SIGNED_COOKIE_LEGACY_SALT_FALLBACK: the old salt is also accepted (not for an expired
// signature). The --fallback-key keys are tried too.
//
// reset-link --db URL [--user-table T] [--time-zone TZ] [--no-use-tz] [--password-reset-timeout S] USERNAME
//
// Prints the path /reset/<uidb64>/<token>/ of a password reset link for the user USERNAME
// of auth_user, as Django's PasswordResetView mails it; Django's PasswordResetConfirmView
// accepts it until the password changes, the user logs in or PASSWORD_RESET_TIMEOUT
// passes. --time-zone and --no-use-tz must be the site's TIME_ZONE and USE_TZ.
//
// check-reset-link --db URL [--user-table T] [--time-zone TZ] [--no-use-tz] [--password-reset-timeout S] [--django-version V] LINK
//
// Checks a password reset link as PasswordResetConfirmView does and prints the user's id
// and username; exit status 3 when it is invalid, spent or expired.
//
// encode-messages [--session] [--django-version V] MESSAGES
//
// Prints what Django's messages framework stores for MESSAGES, a JSON list of
// {"level", "message", "extra_tags" (a string or null), "safe"}: the "messages" cookie's
// value (signed as CookieStorage signs it, without its 2048-character cut), or with
// --session the "_messages" string of SessionStorage. --django-version writes as that
// version does (before 4.1, empty extra tags are left out).
//
// decode-messages [--session] [--django-version V] [--accept-sha1] VALUE
//
// Prints the messages of a "messages" cookie value (or, with --session, of a session's
// "_messages" string), one JSON object per line with their tags under MESSAGE_TAGS'
// defaults. A cookie that ends with Django's "not finished" mark is reported on standard
// error: the other messages are in the session (FallbackStorage).
//
// encode [--engine ENGINE] [--store-class NAME] DATA
//
// Prints what a session engine stores for the session DATA, a JSON object. ENGINE is db
// (the default), cache, cached_db, file or signed_cookies. For db, cache, cached_db and
// file this is SessionBase.encode: signing.dumps of the session with the salt
// "django.contrib.sessions.<NAME>" (NAME defaults to SessionStore, the __qualname__ of
// every built-in store; give yours for a SessionStore subclass), compressed. Note that
// Django's cache engine hands the session dict itself to the cache backend; the encoded
// string is what the db, file and cached_db (database part) engines write. For
// signed_cookies it is the cookie value: signing.dumps(session, compress=True,
// salt="django.contrib.sessions.backends.signed_cookies").
//
// decode [--engine ENGINE] [--store-class NAME] [--max-age SECONDS] [--legacy] [--accept-sha1] [--lenient] DATA
//
// The reverse of encode: prints the session stored in DATA as compact JSON. Failures are
// reported with the exit statuses below, unlike Django, which silently starts an empty
// session; --lenient does as Django does instead: it prints {} and exits 0 (with a warning
// on standard error for a bad signature, which Django logs as "Session data corrupted").
// --legacy also accepts the pre-3.1 session format (db, cache, cached_db and file
// engines), as Django 3.1 and 3.2 do. For signed_cookies the cookie must not be older than
// SESSION_COOKIE_AGE, 1209600 seconds (two weeks) unless --max-age says otherwise; the
// other engines keep expiry outside the encoded data and --max-age does not apply.
//
// session-hash [--legacy] PASSWORD_HASH
//
// Prints the _auth_user_hash a session holds for a user whose stored password (the
// auth_user.password column, e.g. "pbkdf2_sha256$...") is PASSWORD_HASH: one line computed
// with SECRET_KEY, then one line per --fallback-key, in order. --legacy prints the SHA-1
// variant Django 3.1 and 3.2 also accept.
//
// inspect [--engine db|file|signed_cookies] (--db URL | --file-path DIR) [--json] KEY
//
// Prints a stored session: its data as Django's serializer writes it (tagged JSON with
// --serializer pickle), its expiry, and _auth_user_id and _auth_user_backend when the
// session is logged in. The expiry is, for db, the row's expire_date; for file, what
// Django's file engine computes (the stored _session_expiry, else the file's mtime plus
// SESSION_COOKIE_AGE; a positive int _session_expiry never expires there); for
// signed_cookies (KEY is then the cookie value), the signing time plus SESSION_COOKIE_AGE.
// An expired session is shown all the same, marked expired. --json prints one JSON
// object: key, engine, session, expire_date, expired, (signed_at | modified,) user_id,
// user_backend, size. A missing session exits 1, a key Django could not use exits 2, data
// with a bad signature exits 3.
//
// list [--engine db|file] (--db URL | --file-path DIR) [--all] [--json]
//
// Prints one line per session, in key order: key, expiry, user id ("-" when not logged
// in) and the size of the stored data in bytes. Only the sessions Django would load
// (unexpired) unless --all. --json prints one JSON object per line (key, expire_date,
// expired, user_id, size). Sessions whose data cannot be decoded are listed without a
// user, as Django loads them as empty sessions, with a warning on standard error.
//
// # Cache engines
//
// inspect and list also read the cache and cached_db engines, whose sessions live in a
// Django cache (the SESSION_CACHE_ALIAS entry of CACHES), given by:
//
//	--cache-backend B     [BACKEND] redis (django.core.cache.backends.redis.RedisCache),
//	                      django-redis, pymemcache (PyMemcacheCache), pylibmc
//	                      (PyLibMCCache), db (DatabaseCache) or file (FileBasedCache);
//	                      alone, it selects --engine cache
//	--location L          [LOCATION] redis://host:port/db, host:port or unix:/path for
//	                      memcached, a database URL as --db takes for db, a directory for
//	                      file; repeatable for several servers, in order, and split on ","
//	                      and ";" as Django splits a LOCATION string
//	--key-prefix P        [KEY_PREFIX]
//	--version V           [VERSION], an int or a string: its text goes into keys (%s)
//	--cache-table T       db: the DatabaseCache table (its LOCATION in Django)
//	--cache-serializer S  django-redis OPTIONS SERIALIZER: pickle (default), json, msgpack
//	--cache-compressor C  django-redis OPTIONS COMPRESSOR: identity (default), zlib, gzip,
//	                      lzma, lz4, zstd
//	--redis-cluster       redis, django-redis: the --location servers are nodes of a Redis
//	                      Cluster; keys are read from the node of their slot and list
//	                      scans every primary
//
// Keys are make_key(cache_key_prefix + KEY) with Django's default KEY_FUNCTION:
// "KEY_PREFIX:VERSION:django.contrib.sessions.cacheKEY" (cached_db: ...cached_dbKEY).
// inspect prints the session dict (tagged JSON, since the cache pickles it), the full key
// it read and the remaining TTL; for cached_db it then reads the database row when --db
// is given. list SCANs Redis (the first server; every primary of a cluster), reads the
// db cache's table or the file cache's files (named by hash: listed by file name);
// memcached cannot list (exit 2).
// Entries are only read: an expired DatabaseCache row or cache file is shown marked
// expired, not deleted.
//
// cache-key [--engine cache|cached_db] [--raw] [--key-prefix P] [--version V] [--cache-backend B] [--location L] [--json] KEY
//
// Prints the full cache key of session KEY (or of KEY itself with --raw), as Django's
// make_key makes it. A key Django's validate_key objects to is printed with a warning on
// standard error. --json adds the key before make_key and, for the file backend, the
// file name. No secret key needed.
//
// clearsessions [--engine db|file|signed_cookies] (--db URL | --file-path DIR) [--json]
//
// Deletes expired sessions as "manage.py clearsessions" does (db: the rows whose
// expire_date is before now; file: every session file Django's load finds expired) and
// prints how many were removed ({"removed":N} with --json).
//
// Store settings, for inspect, list and clearsessions (Django's setting in brackets):
//
//	--engine E               db, file or signed_cookies [SESSION_ENGINE]; default file
//	                         when --file-path is given, else db
//	--db URL                 postgres://... or postgresql://... (as libpq/pgx read them),
//	                         mysql://user:pass@host:port/db[?params] (or mariadb://; params
//	                         as go-sql-driver/mysql reads them), sqlite:PATH or
//	                         sqlite:///ABS/PATH. An SQLite file must exist; list and
//	                         inspect open it read-only. Through PgBouncer in transaction
//	                         pooling mode, add default_query_exec_mode=simple_protocol
//	                         to a postgres URL.
//	--file-path DIR          [SESSION_FILE_PATH]; default the system temporary directory
//	--session-cookie-name N  [SESSION_COOKIE_NAME], the file engine's file name prefix;
//	                         default sessionid
//	--session-cookie-age S   [SESSION_COOKIE_AGE]; default 1209600
//	--use-tz, --no-use-tz    [USE_TZ]; default true
//	--time-zone Z            [TIME_ZONE], an IANA name; default UTC (what startproject
//	                         writes; Django's own default is America/Chicago)
//	--table T                the session table [Meta.db_table]; default django_session
//	--store-class NAME       the SessionStore __qualname__ in the salt; default SessionStore
//	--serializer json|pickle [SESSION_SERIALIZER]
//	--legacy, --accept-sha1  also read Django 3.1/3.2's legacy data and SHA-1 signatures
//
// --now fixes the clock for the expiry checks. Expiry dates are printed as Django holds
// them: ISO 8601 in UTC with USE_TZ, naive times in TIME_ZONE without.
//
// help [COMMAND]
//
// Prints usage; also "-h" or "--help", before or after a command.
//
// # Serializers
//
// dumps, loads, encode and decode take --serializer json (the default: Django's
// JSONSerializer, values as plain JSON) or --serializer pickle (Django's PickleSerializer,
// Django 4.2 and earlier: pickle protocol 5). With pickle, values are read and printed in
// tagged JSON (docs/tagged-json.md): plain JSON for what JSON can hold, and one-key objects
// for the rest, e.g. {"$tuple":[1,2]}, {"$set":[1]}, {"$bytes":"AAE="},
// {"$decimal":"1.50"}, {"$uuid":"…"}, {"$date":"2024-02-29"}, {"$timedelta":[0,60,0]},
// {"$datetime":"2024-01-02T03:04:05+00:00"} (timezone.utc) or
// {"$datetime":{"iso":"2024-11-03T01:30:00","tz":{"zoneinfo":"America/New_York"},"fold":1}},
// and {"$dict":[[1,"x"]]} for dicts with non-str keys (or a single key starting with "$").
// So "djsession decode --serializer pickle DATA | djsession encode --serializer pickle -"
// gives back a session with the same types. Pickles naming any other Python class or
// function are refused with an error that names it; nothing is ever executed.
//
// # Exit status
//
//	0  success
//	1  any other error: invalid JSON input, a payload that cannot be read although its
//	   signature is valid, session data that is not a dict, I/O and database errors, a
//	   missing session (inspect) or SQLite file
//	2  usage: unknown command or flag, bad flag value, missing or extra argument, no
//	   secret key (or an unreadable --secret-key-file), unsafe separator, unknown
//	   algorithm, an unknown --db URL scheme, a key Django could not use (inspect)
//	3  bad signature (jwt: a token simplejwt refuses)
//	4  signature expired (jwt: an expired token)
//
// Errors are written to standard error as one line starting with "djsession: ".
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/signing"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// Exit statuses.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitBadSig   = 3
	exitExpired  = 4
	envSecretKey = "DJANGO_SECRET_KEY"
)

const usageText = `djsession reads and writes Django's signed tokens and session data.

Usage:
  djsession COMMAND [flags] [ARG]

Commands:
  dumps         sign a JSON value as signing.dumps does
  loads         verify a signing.dumps token and print its value as JSON
  sign          sign a string with Signer (TimestampSigner with --timestamp)
  unsign        verify a signed string and print the value
  sign-cookie   sign a cookie value as response.set_signed_cookie does
  unsign-cookie verify a signed cookie value as request.get_signed_cookie does
  encode-messages encode messages as the messages framework stores them (cookie, session)
  decode-messages print the messages of a messages cookie or of a session's "_messages"
  reset-link    print a password reset link for a user of auth_user, as Django mails it
  check-reset-link check a password reset link as PasswordResetConfirmView does
  user          print a user of auth_user: flags, last login, permissions (--has-perm)
  drf-create-token give a user a Django REST framework token, as manage.py drf_create_token
  jwt           read a djangorestframework-simplejwt token as simplejwt does: its claims
  jwt-pair      make the simplejwt tokens TokenObtainPairView gives a user
  jwt-flushexpiredtokens delete expired outstanding tokens, as manage.py flushexpiredtokens
  encode        encode a session (JSON object) as a session engine stores it
  decode        decode stored session data and print it as JSON
  session-hash  print _auth_user_hash for a stored password hash
  inspect       show a stored session: data, expiry, user (db, file, signed_cookies,
                cache, cached_db: also the full cache key and the TTL)
  list          list the sessions of a db, file or cache store: key, expiry, user id, size
  cache-key     print the full cache key of a session key (KEY_PREFIX, VERSION)
  clearsessions delete expired sessions, as manage.py clearsessions
  logout-user   delete every session of a user: log them out everywhere
  migrate-sessions copy sessions to another engine, serializer or SECRET_KEY, keeping
                keys and expiry (and users logged in)
  help          print this help, or a command's with "help COMMAND"

The secret key comes from --secret-key, --secret-key-file or $DJANGO_SECRET_KEY, in that
order. Flags may follow the argument; "--" ends the flags; an ARG of "-" is read from
standard input.

Exit status: 0 ok, 1 error, 2 usage, 3 bad signature (a refused token), 4 signature
(token) expired.
Run "djsession help COMMAND" for a command's flags, "go doc" on the package for details.
`

// app is what a command runs with.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            func(string) string
}

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// run is the whole program: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	if env == nil {
		env = func(string) string { return "" }
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, env: env}
	if len(args) == 0 {
		fmt.Fprintln(stderr, `djsession: no command given (run "djsession help")`)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			fmt.Fprint(stdout, usageText)
			return exitOK
		}
		cmd, ok := commands[rest[0]]
		if !ok || len(rest) > 1 {
			fmt.Fprintf(stderr, "djsession: help: unknown command %q (run \"djsession help\")\n", strings.Join(rest, " "))
			return exitUsage
		}
		printCommandHelp(stdout, rest[0], cmd)
		return exitOK
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "djsession: unknown command %q (run \"djsession help\")\n", name)
		return exitUsage
	}
	err := runCommand(a, name, cmd, rest)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(stdout, name, cmd)
		return exitOK
	}
	code := exitCode(err)
	msg := fmt.Sprintf("djsession: %s: %v", name, err)
	if code == exitUsage {
		msg += fmt.Sprintf(" (run \"djsession help %s\")", name)
	}
	fmt.Fprintln(stderr, oneLine(msg))
	return code
}

// exitCode maps an error to the exit status.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case errors.Is(err, signing.ErrSignatureExpired), errors.Is(err, simplejwt.ErrTokenExpired), // before ErrBadSignature, ErrToken
		errors.Is(err, errOAuth2Expired):
		return exitExpired
	case errors.Is(err, signing.ErrBadSignature), errors.Is(err, errBadLink), errors.Is(err, errLacksPerm),
		errors.Is(err, simplejwt.ErrToken), errors.Is(err, errOAuth2Token), errors.Is(err, headless.ErrInvalidToken):
		return exitBadSig
	case errors.As(err, &ue),
		errors.Is(err, signing.ErrUnsafeSeparator),
		errors.Is(err, signing.ErrInvalidAlgorithm),
		errors.Is(err, signing.ErrNoKey):
		return exitUsage
	default:
		return exitError
	}
}

// oneLine escapes line breaks so that a message stays on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// runCommand parses the command's flags, resolves the secret key and runs it.
func runCommand(a *app, name string, cmd *command, args []string) error {
	fs, c, runner := newFlagSet(name, cmd)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		msg := err.Error()
		if strings.Contains(msg, "not defined") {
			msg += `; put "--" before an argument that starts with "-"`
		}
		return &usageError{msg}
	}
	arg := ""
	switch {
	case cmd.arg == "" && len(pos) > 0:
		return usagef("unexpected argument %q (%s takes no argument)", pos[0], name)
	case cmd.arg == "":
	case len(pos) == 0:
		return usagef("missing %s argument", cmd.arg)
	case len(pos) > 1:
		return usagef("unexpected argument %q (%s takes one %s)", pos[1], name, cmd.arg)
	default:
		arg = pos[0]
	}
	cfg, err := c.resolve(a.env, cmd.keyOptional)
	if err != nil {
		return err
	}
	return runner(a, cfg, arg)
}

// readArg returns arg, or standard input when arg is "-". With trim, surrounding white
// space is removed from standard input; with chompNL, one trailing line break is.
func (a *app) readArg(arg string, trim, chompNL bool) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(a.stdin)
	if err != nil {
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	s := string(b)
	switch {
	case trim:
		s = strings.TrimSpace(s)
	case chompNL:
		s = chomp(s)
	}
	return s, nil
}

// chomp removes one trailing "\n" or "\r\n".
func chomp(s string) string {
	if strings.HasSuffix(s, "\n") {
		s = s[:len(s)-1]
		s = strings.TrimSuffix(s, "\r")
	}
	return s
}

// printLine writes s and a newline.
func (a *app) printLine(s string) error {
	_, err := io.WriteString(a.stdout, s+"\n")
	return err
}

func printCommandHelp(w io.Writer, name string, cmd *command) {
	fs, _, _ := newFlagSet(name, cmd)
	fmt.Fprintf(w, "Usage: djsession %s\n\n%s\n\nFlags:\n", cmd.synopsis, cmd.help)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
