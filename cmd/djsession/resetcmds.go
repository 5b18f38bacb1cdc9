package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for auth_user on PostgreSQL

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/db/mysql"
	"github.com/djsession/djsession/engines/db/sqlite"
)

func init() {
	commands["reset-link"] = &command{
		synopsis: "reset-link --db URL [--user-table T] [--time-zone TZ] [--no-use-tz] [--password-reset-timeout S] USERNAME",
		help: `Prints the path of a password reset link for the user USERNAME of auth_user, as Django's
PasswordResetView e-mails it: /reset/<uidb64>/<token>/ (put your site's URL and the path
of its password_reset_confirm view in front). Django's PasswordResetConfirmView accepts it
until the password changes, the user logs in, or PASSWORD_RESET_TIMEOUT passes.
--time-zone and --no-use-tz must be the site's TIME_ZONE and USE_TZ: the token counts
seconds on TIME_ZONE's clock.`,
		arg:   "USERNAME",
		setup: func(fs *flag.FlagSet) runner { return setupReset(fs, false) },
	}
	commands["check-reset-link"] = &command{
		synopsis: "check-reset-link --db URL [--user-table T] [--time-zone TZ] [--no-use-tz] [--password-reset-timeout S] LINK",
		help: `Checks a password reset link (a URL or path ending in <uidb64>/<token>/) as Django's
PasswordResetConfirmView does, and prints the user's id and username. Exit status 3 when
the link is invalid, spent or expired.`,
		arg:   "LINK",
		setup: func(fs *flag.FlagSet) runner { return setupReset(fs, true) },
	}
}

// errBadLink is a reset link Django would refuse (exit status 3, as a bad signature).
var errBadLink = errors.New("invalid, spent or expired password reset link")

var linkParts = regexp.MustCompile(`([0-9A-Za-z_\-]+)/([0-9a-z]{1,13}-[0-9a-f]+)/?$`)

func setupReset(fs *flag.FlagSet, check bool) runner {
	dbURL := fs.String("db", "", "Django's database `URL` (auth_user): postgres://..., mysql://user:pass@host:port/db, sqlite:PATH")
	timeZone := fs.String("time-zone", "UTC", "TIME_ZONE, an IANA `zone` name (Django's global default is America/Chicago; startproject writes UTC)")
	useTZ := true
	fs.BoolVar(&useTZ, "use-tz", true, "USE_TZ (--no-use-tz for USE_TZ = False)")
	fs.Var(negBool{&useTZ}, "no-use-tz", "USE_TZ = False: last_login is a naive time in --time-zone")
	timeout := fs.Int("password-reset-timeout", django.DefaultPasswordResetTimeout, "PASSWORD_RESET_TIMEOUT in `seconds`")
	version := fs.String("django-version", "", "check as this Django `version` does (3.2 also takes SHA-1 and pre-3.1 tokens)")
	userTable := fs.String("user-table", auth.AuthUser.Name, "the user model's `table`, with auth_user's columns (id, password, last_login, is_active, username, email)")
	return func(a *app, cfg *config, arg string) error {
		if *dbURL == "" {
			return usagef("--db is required (Django's database, for auth_user)")
		}
		s := django.NewSettings()
		if *version != "" {
			if err := s.ForDjango(*version); err != nil {
				return usagef("--django-version: %v", err)
			}
		}
		s.SecretKey, s.SecretKeyFallbacks, s.Now = cfg.key, cfg.fallbackKeys, cfg.now
		s.TimeZone, s.UseTZ, s.PasswordResetTimeout = *timeZone, useTZ, *timeout
		tokens, err := auth.NewPasswordResetTokenGenerator(&s)
		if err != nil {
			return usagef("--time-zone: %v", err)
		}
		// (only the columns a reset link needs: a custom user model may lack the others)
		table := auth.Table{Name: *userTable, PKColumn: auth.AuthUser.PKColumn, PasswordColumn: auth.AuthUser.PasswordColumn,
			IsActiveColumn: auth.AuthUser.IsActiveColumn, UsernameColumn: auth.AuthUser.UsernameColumn,
			LastLoginColumn: auth.AuthUser.LastLoginColumn, EmailColumn: auth.AuthUser.EmailColumn}
		users, closeDB, err := openUsers(*dbURL, table, useTZ, tokens.Location, auth.PKInt, false)
		if err != nil {
			return err
		}
		defer closeDB()
		ctx := context.Background()
		if !check {
			u, err := users.UserByUsername(ctx, arg)
			if err != nil {
				return fmt.Errorf("user %q: %w", arg, err)
			}
			token, err := tokens.MakeToken(u)
			if err != nil {
				return err
			}
			return a.printLine("/reset/" + auth.EncodeUID(u.ID) + "/" + token + "/")
		}
		m := linkParts.FindStringSubmatch(arg)
		if m == nil {
			return fmt.Errorf("%w: %q does not end in <uidb64>/<token>/", errBadLink, arg)
		}
		id, err := auth.DecodeUID(m[1])
		if err != nil {
			return fmt.Errorf("%w: %v", errBadLink, err)
		}
		u, err := users.User(ctx, id)
		if errors.Is(err, auth.ErrUserNotFound) || errors.Is(err, auth.ErrInvalidUserID) {
			return fmt.Errorf("%w: no user %q", errBadLink, id)
		}
		if err != nil {
			return err
		}
		if !tokens.CheckToken(u, m[2]) {
			return errBadLink
		}
		return a.printLine(u.ID + " " + u.Username)
	}
}

// openUsers opens the user table, whose primary key is of type pk, in the database of
// dbURL (a SQLite file read-only unless write).
func openUsers(dbURL string, table auth.Table, useTZ bool, loc *time.Location, pk auth.PKType, write bool) (*auth.SQLUserSource, func(), error) {
	t, err := parseDBURL(dbURL)
	if err != nil {
		return nil, nil, err
	}
	opts := auth.SQLOptions{PK: pk}
	if !useTZ {
		opts.Location = loc
	}
	var conn *sql.DB
	var dialect auth.Dialect
	switch t.vendor {
	case "postgresql":
		dialect = auth.PostgreSQL
		conn, err = sql.Open("pgx", t.dsn)
	case "mysql":
		dialect = auth.MySQL
		conn, err = mysql.Open(t.dsn)
	default:
		dialect = auth.SQLite
		conn, err = sql.Open(sqlite.DriverName, sqliteDSN(t.dsn, write))
	}
	if err != nil {
		return nil, nil, usagef("--db: %v", err)
	}
	users, err := auth.NewSQLUserSource(conn, dialect, table, opts)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return users, func() { conn.Close() }, nil
}
