package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework/oauth2provider"
)

func init() {
	commands["oauth2-token"] = &command{
		synopsis: "oauth2-token --db URL [--dot 2.4] [--time-zone TZ] [--no-use-tz] [--scope S ...] [user flags] TOKEN",
		help: `Looks up a django-oauth-toolkit access token as the toolkit's resource server does (by
its SHA-256, token_checksum; by its value with --dot 2.4, the release for Django 3.2) in
oauth2_provider_accesstoken, and prints it as JSON: {"id", "user": {"id", "username"}
or null (a client-credentials token, or a user whose row is gone), "application_id" (or
null), "scope", "expires" (RFC 3339), "expired", "resource" (its resource indicators)}.
Exit 3 when there is no such token, or when it lacks one of the --scope scopes
(repeatable), 4 when it has expired (the JSON is printed all the same). --time-zone and
--no-use-tz must be the site's TIME_ZONE and USE_TZ when USE_TZ is False.`,
		arg:         "TOKEN",
		setup:       setupOAuth2Token,
		keyOptional: true,
	}
	commands["oauth2-revoke"] = &command{
		synopsis: "oauth2-revoke --db URL [--time-zone TZ] [--no-use-tz] [user flags] USERNAME",
		help: `Revokes every django-oauth-toolkit token of a user, as calling the toolkit's revoke()
on each would: the user's refresh tokens are marked revoked (in
oauth2_provider_refreshtoken) and their access tokens deleted (from
oauth2_provider_accesstoken), so that every OAuth client of the user must ask anew: the
"log me out of every app" of a taken-over account. Prints how many of each it revoked.
USERNAME is the USERNAME_FIELD value; --time-zone and --no-use-tz must be the site's
TIME_ZONE and USE_TZ when USE_TZ is False (the revocation time is stored as Django does).`,
		arg:         "USERNAME",
		setup:       setupOAuth2Revoke,
		keyOptional: true,
	}
}

func setupOAuth2Revoke(fs *flag.FlagSet) runner {
	of := defineOAuth2Flags(fs, "revoked")
	refreshTable := fs.String("refresh-token-table", oauth2provider.DefaultRefreshTable, "the refresh token model's `table`")
	return func(a *app, cfg *config, username string) error {
		users, closeDB, err := of.open(true)
		if err != nil {
			return err
		}
		defer closeDB()
		ctx := context.Background()
		u, err := users.UserByUsername(ctx, username)
		if errors.Is(err, auth.ErrUserNotFound) {
			return fmt.Errorf("user %s does not exist", username)
		}
		if err != nil {
			return err
		}
		now := time.Now
		if cfg.now != nil {
			now = cfg.now
		}
		tokens := oauth2provider.NewSQLTokens(users, *of.table, "")
		tokens.RefreshTable = *refreshTable
		access, refresh, err := tokens.RevokeForUser(ctx, u.ID, now())
		if err != nil {
			return err
		}
		return a.printLine(fmt.Sprintf("Revoked %d access tokens and %d refresh tokens of user %s", access, refresh, username))
	}
}

// errOAuth2Token is an access token the toolkit refuses (exit 3); errOAuth2Expired one
// that has expired (exit 4).
var (
	errOAuth2Token   = errors.New("the access token is invalid")
	errOAuth2Expired = errors.New("the access token has expired")
)

func setupOAuth2Token(fs *flag.FlagSet) runner {
	of := defineOAuth2Flags(fs, "expires")
	version := fs.String("dot", "", `the django-oauth-toolkit release: "" for 3.x, 2.4 for 2.4 (Django 3.2)`)
	var scopes stringList
	fs.Var(&scopes, "scope", "a `scope` the token must have (repeatable)")
	return func(a *app, cfg *config, token string) error {
		now := time.Now
		if cfg.now != nil {
			now = cfg.now
		}
		if *version != "" && *version != "2.4" {
			return usagef(`--dot: "" or 2.4`)
		}
		users, closeDB, err := of.open(false)
		if err != nil {
			return err
		}
		defer closeDB()
		ctx := context.Background()
		tok, err := oauth2provider.NewSQLTokens(users, *of.table, *version).AccessToken(ctx, token)
		if errors.Is(err, oauth2provider.ErrTokenNotFound) {
			return errOAuth2Token
		}
		if err != nil {
			return err
		}
		out := map[string]any{"id": tok.ID, "user": nil, "application_id": nil, "scope": tok.Scope,
			"expires": tok.Expires.Format(time.RFC3339Nano), "expired": tok.IsExpired(now()), "resource": tok.Resource}
		if tok.Resource == nil {
			out["resource"] = []string{}
		}
		if tok.ApplicationID != 0 {
			out["application_id"] = tok.ApplicationID
		}
		if tok.UserID != "" {
			u, err := users.User(ctx, tok.UserID)
			switch {
			case err == nil:
				out["user"] = map[string]any{"id": u.ID, "username": u.Username}
			case !errors.Is(err, auth.ErrUserNotFound):
				return err
			}
		}
		if err := a.printJSON(out); err != nil {
			return err
		}
		switch {
		case tok.IsExpired(now()):
			return errOAuth2Expired
		case !tok.AllowScopes(scopes):
			var lacking []string
			for _, s := range scopes {
				if !tok.AllowScopes([]string{s}) {
					lacking = append(lacking, s)
				}
			}
			return fmt.Errorf("%w: it lacks the scopes %s", errOAuth2Token, strings.Join(lacking, " "))
		}
		return nil
	}
}

// oauth2Flags are the flags of the oauth2 commands: the user flags, the access token
// table, TIME_ZONE and USE_TZ.
type oauth2Flags struct {
	users           *userFlags
	table, timeZone *string
	useTZ           bool
}

// defineOAuth2Flags defines them; field names the time column --no-use-tz describes.
func defineOAuth2Flags(fs *flag.FlagSet, field string) *oauth2Flags {
	f := &oauth2Flags{users: defineUserFlags(fs), useTZ: true}
	f.table = fs.String("token-table", oauth2provider.DefaultTable, "the access token model's `table`")
	f.timeZone = fs.String("time-zone", "UTC", "TIME_ZONE, an IANA `zone` name (with --no-use-tz)")
	fs.BoolVar(&f.useTZ, "use-tz", true, "USE_TZ (--no-use-tz for USE_TZ = False)")
	fs.Var(negBool{&f.useTZ}, "no-use-tz", "USE_TZ = False: "+field+" is a naive time in --time-zone")
	return f
}

// open opens Django's database (for writing too with write): the users, with the times
// read and written as the site's TIME_ZONE and USE_TZ say, and what closes it.
func (f *oauth2Flags) open(write bool) (*auth.SQLUserSource, func(), error) {
	loc, err := time.LoadLocation(*f.timeZone)
	if err != nil {
		return nil, nil, usagef("--time-zone: %v", err)
	}
	uf := f.users
	if *uf.db == "" {
		return nil, nil, usagef("--db is required (Django's database)")
	}
	pk, err := parsePKType(*uf.pk)
	if err != nil {
		return nil, nil, err
	}
	t := auth.AuthUser
	t.Name, t.UsernameColumn = *uf.table, *uf.usernameField
	return openUsers(*uf.db, t, f.useTZ, loc, pk, write)
}
