package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// signedCookiesSalt is the salt of django.contrib.sessions.backends.signed_cookies.
const signedCookiesSalt = "django.contrib.sessions.backends.signed_cookies"

// defaultCookieAge is Django's default SESSION_COOKIE_AGE: two weeks, in seconds.
const defaultCookieAge = 1209600

// engines are the SESSION_ENGINE short names decode and encode accept.
var engines = map[string]bool{"db": true, "cache": true, "cached_db": true, "file": true, "signed_cookies": true}

var commands = map[string]*command{
	"dumps": {
		synopsis: "dumps [--salt S] [--compress] [--serializer json|pickle] VALUE",
		help: `Prints signing.dumps(VALUE). VALUE is JSON ("-": standard input); 1 is an int, 1.0 a float.
The salt defaults to "django.core.signing"; an explicit --salt "" means
"django.core.signing.TimestampSigner", as in Django.`,
		arg:   "VALUE",
		setup: setupDumps,
	},
	"loads": {
		synopsis: "loads [--salt S] [--max-age SECONDS] [--accept-sha1] [--serializer json|pickle] TOKEN",
		help: `Verifies a signing.dumps token and prints its value as Django's JSON serializer writes it.
Without --max-age there is no age limit; --max-age 0 is max_age=0. TOKEN "-": standard input.`,
		arg:   "TOKEN",
		setup: setupLoads,
	},
	"sign": {
		synopsis: "sign [--salt S] [--sep SEP] [--algorithm ALG] [--timestamp] VALUE",
		help: `Prints Signer.sign(VALUE) (TimestampSigner with --timestamp). VALUE is a plain string;
"-" reads it from standard input without its trailing newline.`,
		arg:   "VALUE",
		setup: func(fs *flag.FlagSet) runner { return setupSigner(fs, false) },
	},
	"unsign": {
		synopsis: "unsign [--salt S] [--sep SEP] [--algorithm ALG] [--timestamp] [--max-age SECONDS] [--accept-sha1] SIGNED",
		help: `Verifies a string signed by Signer (TimestampSigner with --timestamp) and prints the value.
--max-age needs --timestamp. SIGNED "-": standard input.`,
		arg:   "SIGNED",
		setup: func(fs *flag.FlagSet) runner { return setupSigner(fs, true) },
	},
	"sign-cookie": {
		synopsis: "sign-cookie --name NAME [--salt S] [--legacy-salt] VALUE",
		help: `Prints the value Django's response.set_signed_cookie(NAME, VALUE, salt=S) stores: VALUE
signed by a TimestampSigner keyed "django.http.cookies" + SECRET_KEY, under the salt of
Django 5.2.15, 6.0.6 and 6.1 (--legacy-salt: NAME + S, as earlier versions).`,
		arg:   "VALUE",
		setup: func(fs *flag.FlagSet) runner { return setupCookieSigner(fs, false) },
	},
	"unsign-cookie": {
		synopsis: "unsign-cookie --name NAME [--salt S] [--max-age SECONDS] [--legacy-salt] [--legacy-salt-fallback] [--accept-sha1] VALUE",
		help: `Verifies a cookie value as Django's request.get_signed_cookie(NAME, salt=S, max_age=...)
does and prints the value. --legacy-salt: the salt of Django before 5.2.15 and 6.0.6;
--legacy-salt-fallback: SIGNED_COOKIE_LEGACY_SALT_FALLBACK (also accept that salt).
VALUE "-": standard input.`,
		arg:   "VALUE",
		setup: func(fs *flag.FlagSet) runner { return setupCookieSigner(fs, true) },
	},
	"encode": {
		synopsis: "encode [--engine ENGINE] [--store-class NAME] [--serializer json|pickle] DATA",
		help: `Prints what the session engine stores for the session DATA, a JSON object ("-": standard
input). db, cache, cached_db, file: SessionBase.encode with the salt
"django.contrib.sessions.NAME". signed_cookies: the cookie value.`,
		arg:   "DATA",
		setup: func(fs *flag.FlagSet) runner { return setupSession(fs, false) },
	},
	"decode": {
		synopsis: "decode [--engine ENGINE] [--store-class NAME] [--max-age SECONDS] [--legacy] [--accept-sha1] [--lenient] [--serializer json|pickle] DATA",
		help: `Prints the session stored in DATA ("-": standard input) as compact JSON. Errors give exit
statuses 1, 3 or 4; --lenient prints {} instead, as Django does. For signed_cookies,
--max-age defaults to SESSION_COOKIE_AGE (1209600).`,
		arg:   "DATA",
		setup: func(fs *flag.FlagSet) runner { return setupSession(fs, true) },
	},
	"session-hash": {
		synopsis: "session-hash [--legacy] PASSWORD_HASH",
		help: `Prints _auth_user_hash for a user whose stored password hash is PASSWORD_HASH: one line
for the secret key, then one per --fallback-key. "-": standard input.`,
		arg:   "PASSWORD_HASH",
		setup: setupSessionHash,
	},
}

func setupDumps(fs *flag.FlagSet) runner {
	var salt optString
	fs.Var(&salt, "salt", "the `salt` (default \"django.core.signing\")")
	compress := fs.Bool("compress", false, "zlib-compress the payload when that makes it shorter")
	ser := serializerFlag(fs)
	return func(a *app, cfg *config, arg string) error {
		text, err := a.readArg(arg, false, false)
		if err != nil {
			return err
		}
		v, err := ser.parse(text)
		if err != nil {
			return fmt.Errorf("VALUE: %w", err)
		}
		// signing.Dumps maps "" to its default, but Django's dumps(obj, salt="") reaches
		// TimestampSigner's `salt or default`.
		s := signing.DefaultSalt
		if salt.set {
			s = salt.v
			if s == "" {
				s = signing.TimestampSignerClass
			}
		}
		token, err := signing.Dumps(v, signing.DumpsOptions{Key: cfg.key, Salt: s, Compress: *compress, Now: cfg.now,
			Serializer: ser.serializer()})
		if err != nil {
			return err
		}
		return a.printLine(token)
	}
}

func setupLoads(fs *flag.FlagSet) runner {
	var salt optString
	var maxAge optFloat
	fs.Var(&salt, "salt", "the `salt` (default \"django.core.signing\")")
	fs.Var(&maxAge, "max-age", "reject tokens older than this many `seconds` (default: no limit)")
	acceptSHA1 := fs.Bool("accept-sha1", false, "also accept SHA-1 signatures (Django 3.1/3.2)")
	ser := serializerFlag(fs)
	return func(a *app, cfg *config, arg string) error {
		token, err := a.readArg(arg, true, false)
		if err != nil {
			return err
		}
		s := signing.DefaultSalt
		if salt.set {
			s = salt.v // "" becomes TimestampSigner's default salt, as in Django
		}
		ts, err := signing.NewTimestampSigner(signing.Options{Key: cfg.key, FallbackKeys: cfg.fallbackKeys,
			Salt: s, AcceptSHA1: *acceptSHA1, Now: cfg.now, Serializer: ser.serializer()})
		if err != nil {
			return err
		}
		var v serializer.Value
		if maxAge.set {
			v, err = ts.UnsignObjectMaxAge(token, duration(maxAge.v))
		} else {
			v, err = ts.UnsignObject(token)
		}
		if err != nil {
			return err
		}
		out, err := ser.format(v)
		if err != nil {
			return err
		}
		return a.printLine(string(out))
	}
}

func setupSigner(fs *flag.FlagSet, unsign bool) runner {
	salt := fs.String("salt", "", "the `salt` (default: the signer class, \"django.core.signing.Signer\" or \"...TimestampSigner\")")
	sep := fs.String("sep", ":", "the `separator`")
	alg := fs.String("algorithm", "sha256", "the HMAC hash, a hashlib `name`")
	timestamp := fs.Bool("timestamp", false, "use TimestampSigner")
	var maxAge optFloat
	var acceptSHA1 *bool
	if unsign {
		fs.Var(&maxAge, "max-age", "with --timestamp, reject values signed more than this many `seconds` ago")
		acceptSHA1 = fs.Bool("accept-sha1", false, "also accept SHA-1 signatures (Django 3.1/3.2)")
	}
	return func(a *app, cfg *config, arg string) error {
		if *sep == "" {
			// Django refuses it (its unsafe-separator pattern matches ""); Options would
			// take "" for the default.
			return fmt.Errorf("%w: \"\"", signing.ErrUnsafeSeparator)
		}
		if maxAge.set && !*timestamp {
			return usagef("--max-age needs --timestamp")
		}
		value, err := a.readArg(arg, unsign, !unsign)
		if err != nil {
			return err
		}
		o := signing.Options{Key: cfg.key, FallbackKeys: cfg.fallbackKeys, Salt: *salt, Sep: *sep,
			Algorithm: *alg, Now: cfg.now}
		if acceptSHA1 != nil {
			o.AcceptSHA1 = *acceptSHA1
		}
		var sign func(string) string
		var verify func(string) (string, error)
		if *timestamp {
			ts, err := signing.NewTimestampSigner(o)
			if err != nil {
				return err
			}
			sign, verify = ts.Sign, ts.Unsign
			if maxAge.set {
				verify = func(s string) (string, error) { return ts.UnsignMaxAge(s, duration(maxAge.v)) }
			}
		} else {
			s, err := signing.NewSigner(o)
			if err != nil {
				return err
			}
			sign, verify = s.Sign, s.Unsign
		}
		if !unsign {
			return a.printLine(sign(value))
		}
		out, err := verify(value)
		if err != nil {
			return err
		}
		return a.printLine(out)
	}
}

// setupCookieSigner is sign-cookie (set_signed_cookie) and unsign-cookie
// (get_signed_cookie).
func setupCookieSigner(fs *flag.FlagSet, unsign bool) runner {
	name := fs.String("name", "", "the cookie's `name` (required: it is part of the salt)")
	salt := fs.String("salt", "", "the `salt` argument")
	legacy := fs.Bool("legacy-salt", false, "the salt of Django before 5.2.15 and 6.0.6: NAME + SALT")
	var maxAge optFloat
	var fallback, acceptSHA1 *bool
	if unsign {
		fs.Var(&maxAge, "max-age", "reject values signed more than this many `seconds` ago")
		fallback = fs.Bool("legacy-salt-fallback", false, "SIGNED_COOKIE_LEGACY_SALT_FALLBACK: also accept the old salt")
		acceptSHA1 = fs.Bool("accept-sha1", false, "also accept SHA-1 signatures (Django 3.1/3.2)")
	}
	return func(a *app, cfg *config, arg string) error {
		if *name == "" {
			return usagef("--name is required")
		}
		value, err := a.readArg(arg, unsign, !unsign)
		if err != nil {
			return err
		}
		s := django.NewSettings()
		s.SecretKey, s.SecretKeyFallbacks, s.Now = cfg.key, cfg.fallbackKeys, cfg.now
		s.SignedCookieLegacySalt = *legacy
		if !unsign {
			out, err := s.SignCookieValue(*name, value, *salt)
			if err != nil {
				return err
			}
			return a.printLine(out)
		}
		s.SignedCookieLegacySaltFallback, s.AcceptLegacySessions = *fallback, *acceptSHA1
		out, err := s.UnsignCookieValue(*name, value, django.SignedCookieOptions{Salt: *salt,
			MaxAge: duration(maxAge.v), HasMaxAge: maxAge.set})
		if err != nil {
			return err
		}
		return a.printLine(out)
	}
}

func setupSession(fs *flag.FlagSet, decode bool) runner {
	engine := fs.String("engine", "db", "the session engine: db, cache, cached_db, file or signed_cookies")
	var storeClass optString
	fs.Var(&storeClass, "store-class", "the __qualname__ of the SessionStore `class` (default SessionStore); not for signed_cookies")
	var maxAge optFloat
	var legacy, acceptSHA1, lenient *bool
	if decode {
		fs.Var(&maxAge, "max-age", "signed_cookies: SESSION_COOKIE_AGE in `seconds` (default 1209600)")
		legacy = fs.Bool("legacy", false, "also accept the pre-3.1 session format (Django 3.1/3.2); not for signed_cookies")
		acceptSHA1 = fs.Bool("accept-sha1", false, "also accept SHA-1 signatures (Django 3.1/3.2)")
		lenient = fs.Bool("lenient", false, "print {} for data that cannot be decoded, as Django does")
	}
	ser := serializerFlag(fs)
	return func(a *app, cfg *config, arg string) error {
		if !engines[*engine] {
			return usagef("unknown engine %q (want db, cache, cached_db, file or signed_cookies)", *engine)
		}
		cookies := *engine == "signed_cookies"
		if cookies && storeClass.set {
			return usagef("--store-class does not apply to signed_cookies")
		}
		if cookies && decode && *legacy {
			return usagef("--legacy does not apply to signed_cookies")
		}
		if !cookies && maxAge.set {
			return usagef("--max-age applies only to signed_cookies (the %s engine keeps expiry outside the data)", *engine)
		}
		data, err := a.readArg(arg, decode, false)
		if err != nil {
			return err
		}
		if !decode {
			return encodeSession(a, cfg, cookies, storeClass.v, data, ser)
		}
		var d *serializer.Dict
		if cookies {
			age := float64(defaultCookieAge)
			if maxAge.set {
				age = maxAge.v
			}
			d, err = decodeCookie(cfg, data, *acceptSHA1, duration(age), ser.serializer())
		} else {
			var c *session.Codec
			c, err = session.NewCodec(session.Config{SecretKey: cfg.key, SecretKeyFallbacks: cfg.fallbackKeys,
				StoreClass: storeClass.v, AcceptLegacy: *legacy, AcceptSHA1: *acceptSHA1, Now: cfg.now,
				Serializer: ser.serializer()})
			if err != nil {
				return err
			}
			d, err = c.DecodeErr(data)
		}
		if err != nil {
			if !*lenient {
				return err
			}
			if !cookies && errors.Is(err, signing.ErrBadSignature) {
				// Django logs this to django.security.SuspiciousSession.
				fmt.Fprintln(a.stderr, oneLine("djsession: decode: warning: Session data corrupted: "+err.Error()))
			}
			d = serializer.NewDict()
		}
		out, err := ser.format(serializer.DictValue(d))
		if err != nil {
			return err
		}
		return a.printLine(string(out))
	}
}

func encodeSession(a *app, cfg *config, cookies bool, storeClass, data string, ser *serializerChoice) error {
	v, err := ser.parse(data)
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	d := v.Dict()
	if d == nil {
		return fmt.Errorf("DATA: %w: a session is a JSON object, not a %s", session.ErrNotDict, v.Kind())
	}
	var out string
	if cookies {
		out, err = signing.Dumps(v, signing.DumpsOptions{Key: cfg.key, Salt: signedCookiesSalt, Compress: true, Now: cfg.now,
			Serializer: ser.serializer()})
	} else {
		var c *session.Codec
		c, err = session.NewCodec(session.Config{SecretKey: cfg.key, SecretKeyFallbacks: cfg.fallbackKeys,
			StoreClass: storeClass, Now: cfg.now, Serializer: ser.serializer()})
		if err == nil {
			out, err = c.Encode(d)
		}
	}
	if err != nil {
		return err
	}
	return a.printLine(out)
}

// decodeCookie reads a signed_cookies session cookie as SessionStore.load does, with
// max_age = SESSION_COOKIE_AGE.
func decodeCookie(cfg *config, cookie string, acceptSHA1 bool, maxAge time.Duration, ser serializer.Serializer) (*serializer.Dict, error) {
	ts, err := signing.NewTimestampSigner(signing.Options{Key: cfg.key, FallbackKeys: cfg.fallbackKeys,
		Salt: signedCookiesSalt, AcceptSHA1: acceptSHA1, Now: cfg.now, Serializer: ser})
	if err != nil {
		return nil, err
	}
	v, err := ts.UnsignObjectMaxAge(cookie, maxAge)
	if err != nil {
		return nil, err
	}
	d := v.Dict()
	if d == nil {
		return nil, fmt.Errorf("%w: %s", session.ErrNotDict, v.Kind())
	}
	return d, nil
}

func setupSessionHash(fs *flag.FlagSet) runner {
	legacy := fs.Bool("legacy", false, "print the SHA-1 variant (_legacy_get_session_auth_hash, Django 3.1/3.2)")
	return func(a *app, cfg *config, arg string) error {
		password, err := a.readArg(arg, false, true)
		if err != nil {
			return err
		}
		hash := session.AuthHash
		if *legacy {
			hash = session.LegacyAuthHash
		}
		for _, k := range append([]string{cfg.key}, cfg.fallbackKeys...) {
			if err := a.printLine(hash(password, k)); err != nil {
				return err
			}
		}
		return nil
	}
}
