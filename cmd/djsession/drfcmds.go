package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
)

func init() {
	commands["drf-create-token"] = &command{
		synopsis: "drf-create-token --db URL [--reset] [--user-table T] [--username-field C] [--pk int|uuid|str] USERNAME",
		help: `Gives a user a Django REST framework token, as DRF's "manage.py drf_create_token"
does: the user's token in rest_framework.authtoken's authtoken_token table, made when the
user has none (--reset deletes it first, so a new one is made), printed as "Generated
token KEY for user USERNAME". USERNAME is the USERNAME_FIELD value (--username-field for a
custom user model, --user-table for its table).`,
		arg:         "USERNAME",
		setup:       setupDRFCreateToken,
		keyOptional: true,
	}
}

func setupDRFCreateToken(fs *flag.FlagSet) runner {
	uf := defineUserFlags(fs)
	reset := fs.Bool("reset", false, "delete the user's token first, so a new one is made (drf_create_token -r)")
	tokenTable := fs.String("token-table", restframework.DefaultTokenTable, "the token model's `table`")
	return func(a *app, cfg *config, arg string) error {
		users, u, closeDB, err := uf.user(arg, true)
		if errors.Is(err, auth.ErrUserNotFound) {
			return fmt.Errorf("Cannot create the Token: user %s does not exist", arg)
		}
		if err != nil {
			return err
		}
		defer closeDB()
		ctx := context.Background()
		tokens := restframework.NewSQLTokens(users, *tokenTable)
		if *reset {
			if err := tokens.DeleteForUser(ctx, u.ID); err != nil {
				return err
			}
		}
		tok, _, err := tokens.GetOrCreate(ctx, u.ID, time.Now())
		if err != nil {
			return err
		}
		return a.printLine(fmt.Sprintf("Generated token %s for user %s", tok.Key, arg))
	}
}

// userFlags are the flags of the commands that find a user by USERNAME_FIELD in a
// database Django made.
type userFlags struct {
	db, table, usernameField, pk *string
}

func defineUserFlags(fs *flag.FlagSet) *userFlags {
	return &userFlags{
		db:            fs.String("db", "", "Django's database `URL`: postgres://..., mysql://user:pass@host:port/db, sqlite:PATH"),
		table:         fs.String("user-table", auth.AuthUser.Name, "the user model's `table`"),
		usernameField: fs.String("username-field", auth.AuthUser.UsernameColumn, "the `column` of USERNAME_FIELD"),
		pk:            fs.String("pk", "int", "the primary key's `type`: int (AutoField), uuid (UUIDField) or str"),
	}
}

// open opens the database (for writing too with write): the users and what closes it.
func (f *userFlags) open(write bool) (*auth.SQLUserSource, func(), error) {
	if *f.db == "" {
		return nil, nil, usagef("--db is required (Django's database)")
	}
	pk, err := parsePKType(*f.pk)
	if err != nil {
		return nil, nil, err
	}
	table := auth.AuthUser
	table.Name, table.UsernameColumn = *f.table, *f.usernameField
	return openUsers(*f.db, table, true, time.UTC, pk, write)
}

// user opens the database (for writing too with write) and finds the user whose
// USERNAME_FIELD is username: the users, the user and what closes the database, or an
// error (auth.ErrUserNotFound for no such user, the database then closed).
func (f *userFlags) user(username string, write bool) (*auth.SQLUserSource, *auth.User, func(), error) {
	users, closeDB, err := f.open(write)
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := users.UserByUsername(context.Background(), username)
	if err != nil {
		closeDB()
		return nil, nil, nil, err
	}
	return users, u, closeDB, nil
}
