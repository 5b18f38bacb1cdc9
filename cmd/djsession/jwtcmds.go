package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/serializer"
)

func init() {
	commands["jwt"] = &command{
		synopsis: "jwt [--type access|refresh|sliding|untyped] [SIMPLE_JWT flags] TOKEN",
		help: `Reads a djangorestframework-simplejwt token as simplejwt's token class of --type reads
it (AccessToken(token), ...): PyJWT's checks of its signature and claims, then simplejwt's
(exp, jti, type). Prints its claims as JSON (Python's JSON, in their order); a refused
token is simplejwt's message, with exit status 4 for an expired one (but with --simplejwt
5.3, whose message is "Token is invalid or expired") and 3 for the others. The SIMPLE_JWT
settings are flags with simplejwt's defaults; for the HMAC algorithms SIGNING_KEY defaults
to the secret key, the others need their keys in PEM (--verifying-key to read tokens).`,
		arg:         "TOKEN",
		setup:       setupJWT,
		keyOptional: true,
	}
	commands["jwt-pair"] = &command{
		synopsis: "jwt-pair --db URL [--sliding] [--blacklist] [user flags] [SIMPLE_JWT flags] USERNAME",
		help: `Makes the tokens simplejwt's TokenObtainPairView gives a user once their password is
checked (no password asked here: for support staff and tests): {"refresh": ..., "access":
...}, or with --sliding TokenObtainSlidingView's {"token": ...}. With --blacklist (the
token_blacklist app installed), the refresh or sliding token is recorded in its
outstanding tokens, as simplejwt records it. USERNAME is the USERNAME_FIELD value
(--username-field, --user-table for a custom user model).`,
		arg:         "USERNAME",
		setup:       setupJWTPair,
		keyOptional: true,
	}
}

// jwtFlags are the SIMPLE_JWT settings as flags.
type jwtFlags struct {
	algorithm, signingKey, verifyingKey, audience, issuer, userIDClaim, version *string
	leeway, access, refresh, sliding, slidingRefresh                            *time.Duration
	revoke                                                                      *bool
}

func defineJWTFlags(fs *flag.FlagSet) *jwtFlags {
	d := simplejwt.Defaults("")
	return &jwtFlags{
		algorithm:      fs.String("algorithm", d.Algorithm, "ALGORITHM: HS256, HS384, HS512; RS256, PS256, ES256, EdDSA, ... (keys in PEM)"),
		signingKey:     fs.String("signing-key", "", "SIGNING_KEY `key` (default: the secret key; a private key in PEM for RS*, PS*, ES*, EdDSA; @FILE reads it from FILE)"),
		verifyingKey:   fs.String("verifying-key", "", "VERIFYING_KEY `key`: the public key in PEM for RS*, PS*, ES*, EdDSA (@FILE reads it from FILE)"),
		audience:       fs.String("audience", "", "AUDIENCE (a str; default None)"),
		issuer:         fs.String("issuer", "", "ISSUER (default None)"),
		userIDClaim:    fs.String("user-id-claim", d.UserIDClaim, "USER_ID_CLAIM"),
		version:        fs.String("simplejwt", "", `the simplejwt release of the site: "5.3" (Django 3.2's newest), or "" for 5.4 and later`),
		leeway:         fs.Duration("leeway", 0, "LEEWAY (e.g. 30s)"),
		access:         fs.Duration("access-token-lifetime", d.AccessTokenLifetime, "ACCESS_TOKEN_LIFETIME"),
		refresh:        fs.Duration("refresh-token-lifetime", d.RefreshTokenLifetime, "REFRESH_TOKEN_LIFETIME"),
		sliding:        fs.Duration("sliding-token-lifetime", d.SlidingTokenLifetime, "SLIDING_TOKEN_LIFETIME"),
		slidingRefresh: fs.Duration("sliding-token-refresh-lifetime", d.SlidingTokenRefreshLifetime, "SLIDING_TOKEN_REFRESH_LIFETIME"),
		revoke:         fs.Bool("check-revoke-token", false, "CHECK_REVOKE_TOKEN: tokens carry the hash of the user's password"),
	}
}

// settings is the SIMPLE_JWT of the flags, for a site whose SECRET_KEY is key.
func (f *jwtFlags) settings(cfg *config) (*simplejwt.Settings, error) {
	key, err := keyArg(*f.signingKey)
	if err != nil {
		return nil, err
	}
	verifying, err := keyArg(*f.verifyingKey)
	if err != nil {
		return nil, err
	}
	if key == "" && strings.HasPrefix(*f.algorithm, "HS") {
		key = cfg.key
		if key == "" {
			return nil, usagef("no signing key: give --signing-key or the secret key")
		}
	}
	s := simplejwt.Defaults(key)
	s.VerifyingKey = verifying
	s.Algorithm, s.Issuer, s.UserIDClaim, s.Leeway = *f.algorithm, *f.issuer, *f.userIDClaim, *f.leeway
	s.AccessTokenLifetime, s.RefreshTokenLifetime = *f.access, *f.refresh
	s.SlidingTokenLifetime, s.SlidingTokenRefreshLifetime = *f.sliding, *f.slidingRefresh
	s.CheckRevokeToken = *f.revoke
	if *f.audience != "" {
		s.Audience = serializer.Str(*f.audience)
	}
	switch *f.version {
	case "", "5.4", "5.5":
	case "5.3":
		s.Version = "5.3"
	default:
		return nil, usagef("--simplejwt %q: give 5.3 or nothing", *f.version)
	}
	s.Now = cfg.now
	if _, err := s.New(simplejwt.Access); err != nil {
		return nil, usagef("%v", err)
	}
	return s, nil
}

// keyArg is a key flag's value: the text given, or with "@FILE" the file's content.
func keyArg(v string) (string, error) {
	if name, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return "", usagef("%v", err)
		}
		return string(b), nil
	}
	return v, nil
}

func setupJWT(fs *flag.FlagSet) runner {
	typ := fs.String("type", simplejwt.Access, "the token's `type`: access, refresh, sliding or untyped (any)")
	f := defineJWTFlags(fs)
	return func(a *app, cfg *config, arg string) error {
		s, err := f.settings(cfg)
		if err != nil {
			return err
		}
		switch *typ {
		case simplejwt.Access, simplejwt.Refresh, simplejwt.Sliding, simplejwt.Untyped:
		default:
			return usagef("--type %q: give access, refresh, sliding or untyped", *typ)
		}
		tok, err := s.Parse(*typ, arg)
		if err != nil {
			return err
		}
		out, err := serializer.EncodeJSON(serializer.DictValue(tok.Payload))
		if err != nil {
			return err
		}
		return a.printLine(string(out))
	}
}

func setupJWTPair(fs *flag.FlagSet) runner {
	uf := defineUserFlags(fs)
	sliding := fs.Bool("sliding", false, "make a sliding token (TokenObtainSlidingView)")
	blacklist := fs.Bool("blacklist", false, "record the token as outstanding (the token_blacklist app is installed)")
	f := defineJWTFlags(fs)
	return func(a *app, cfg *config, arg string) error {
		s, err := f.settings(cfg)
		if err != nil {
			return err
		}
		users, u, closeDB, err := uf.user(arg, *blacklist)
		if errors.Is(err, auth.ErrUserNotFound) {
			return fmt.Errorf("user %s does not exist", arg)
		}
		if err != nil {
			return err
		}
		defer closeDB()
		s.PK = users.PK()
		ctx := context.Background()
		typ := simplejwt.Refresh
		if *sliding {
			typ = simplejwt.Sliding
		}
		tok, err := s.ForUser(typ, u)
		if err != nil {
			return err
		}
		raw, err := tok.Encode()
		if err != nil {
			return err
		}
		if *blacklist {
			o, err := tok.Outstanding(u.ID)
			if err == nil {
				err = simplejwt.NewSQLBlacklist(users).Create(ctx, o)
			}
			if err != nil {
				return err
			}
		}
		if *sliding {
			return a.printJSON(map[string]string{"token": raw})
		}
		access, err := tok.AccessToken()
		if err != nil {
			return err
		}
		accessRaw, err := access.Encode()
		if err != nil {
			return err
		}
		return a.printJSON(struct {
			Refresh string `json:"refresh"`
			Access  string `json:"access"`
		}{raw, accessRaw})
	}
}

func init() {
	commands["jwt-flushexpiredtokens"] = &command{
		synopsis: "jwt-flushexpiredtokens --db URL [--user-table T] [--pk int|uuid|str]",
		help: `Deletes the outstanding tokens of simplejwt's token_blacklist app that have expired, with
their blacklist entries, as simplejwt's "manage.py flushexpiredtokens" does, and prints how
many it deleted.`,
		setup:       setupJWTFlush,
		keyOptional: true,
	}
}

func setupJWTFlush(fs *flag.FlagSet) runner {
	uf := defineUserFlags(fs)
	return func(a *app, cfg *config, _ string) error {
		users, closeDB, err := uf.open(true)
		if err != nil {
			return err
		}
		defer closeDB()
		now := time.Now()
		if cfg.now != nil {
			now = cfg.now()
		}
		n, err := simplejwt.NewSQLBlacklist(users).FlushExpired(context.Background(), now)
		if err != nil {
			return err
		}
		return a.printLine(fmt.Sprintf("%d expired tokens deleted", n))
	}
}
