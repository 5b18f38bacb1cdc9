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
	dbURL := fs.String("db", "", "Django's database `URL`: postgres://..., mysql://user:pass@host:port/db, sqlite:PATH")
	reset := fs.Bool("reset", false, "delete the user's token first, so a new one is made (drf_create_token -r)")
	userTable := fs.String("user-table", auth.AuthUser.Name, "the user model's `table`")
	usernameField := fs.String("username-field", auth.AuthUser.UsernameColumn, "the `column` of USERNAME_FIELD")
	pkType := fs.String("pk", "int", "the primary key's `type`: int (AutoField), uuid (UUIDField) or str")
	tokenTable := fs.String("token-table", restframework.DefaultTokenTable, "the token model's `table`")
	return func(a *app, cfg *config, arg string) error {
		if *dbURL == "" {
			return usagef("--db is required (Django's database)")
		}
		pk, err := parsePKType(*pkType)
		if err != nil {
			return err
		}
		table := auth.AuthUser
		table.Name, table.UsernameColumn = *userTable, *usernameField
		users, closeDB, err := openUsers(*dbURL, table, true, time.UTC, pk, true)
		if err != nil {
			return err
		}
		defer closeDB()
		ctx := context.Background()
		u, err := users.UserByUsername(ctx, arg)
		if errors.Is(err, auth.ErrUserNotFound) {
			return fmt.Errorf("Cannot create the Token: user %s does not exist", arg)
		}
		if err != nil {
			return err
		}
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
