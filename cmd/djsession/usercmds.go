package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
)

func init() {
	commands["user"] = &command{
		synopsis: "user --db URL [--username] [--user-table T] [--m2m-column C] [--username-field C] [--email-field C] [--pk int|uuid|str] [--has-perm P ...] [--json] USER",
		help: `Prints a user of auth_user (or of a custom user model's table) as Django sees it: id,
username, e-mail, is_active, is_staff, is_superuser, last_login, the names of its groups,
and its permissions as user.get_all_permissions() gives them (its own and its groups';
every permission for an active superuser, none for an inactive user). USER is the
primary key, or with --username the USERNAME_FIELD value. With --has-perm (repeatable),
the exit status is 3 unless the user has every one of them, as user.has_perms answers.
A custom user model derived from AbstractUser (or with its is_active, is_staff,
is_superuser and last_login fields): --user-table is its table, whose many-to-many tables
Django names <table>_user_permissions and <table>_groups; --m2m-column is their column
for the user (the model's name in lower case and "_id"); --username-field and
--email-field are the columns of USERNAME_FIELD and EMAIL_FIELD.`,
		arg:         "USER",
		setup:       setupUser,
		keyOptional: true,
	}
}

// errLacksPerm is a user without a permission --has-perm asks for (exit status 3).
var errLacksPerm = errors.New("the user lacks a permission")

func setupUser(fs *flag.FlagSet) runner {
	dbURL := fs.String("db", "", "Django's database `URL` (auth_user): postgres://..., mysql://user:pass@host:port/db, sqlite:PATH")
	byUsername := fs.Bool("username", false, "USER is a username (USERNAME_FIELD), not a primary key")
	userTable := fs.String("user-table", auth.AuthUser.Name, "the user model's `table`")
	m2mColumn := fs.String("m2m-column", auth.AuthUser.M2MUserColumn, "the `column` of the user in its user_permissions and groups tables")
	usernameField := fs.String("username-field", auth.AuthUser.UsernameColumn, "the `column` of USERNAME_FIELD")
	emailField := fs.String("email-field", auth.AuthUser.EmailColumn, "the `column` of EMAIL_FIELD (\"\" for none)")
	pkType := fs.String("pk", "int", "the primary key's `type`: int (AutoField), uuid (UUIDField) or str")
	timeZone := fs.String("time-zone", "UTC", "TIME_ZONE, for last_login with --no-use-tz")
	useTZ := true
	fs.Var(negBool{&useTZ}, "no-use-tz", "USE_TZ = False: last_login is a naive time in --time-zone")
	var perms stringList
	fs.Var(&perms, "has-perm", "exit with status 3 unless the user has this `permission` (app_label.codename); repeatable")
	asJSON := fs.Bool("json", false, "print one JSON object")
	return func(a *app, cfg *config, arg string) error {
		if *dbURL == "" {
			return usagef("--db is required (Django's database, for auth_user)")
		}
		pk, err := parsePKType(*pkType)
		if err != nil {
			return err
		}
		loc, err := time.LoadLocation(*timeZone)
		if err != nil {
			return usagef("--time-zone: %v", err)
		}
		table := auth.AuthUser
		table.Name = *userTable
		table.UserPermissionsTable, table.GroupsTable = *userTable+"_user_permissions", *userTable+"_groups"
		table.M2MUserColumn = *m2mColumn
		if *usernameField == "" {
			return usagef("--username-field may not be empty")
		}
		table.UsernameColumn, table.EmailColumn = *usernameField, *emailField
		users, closeDB, err := openUsers(*dbURL, table, useTZ, loc, pk, false)
		if err != nil {
			return err
		}
		defer closeDB()
		ctx := context.Background()
		var u *auth.User
		if *byUsername {
			u, err = users.UserByUsername(ctx, arg)
		} else {
			u, err = users.User(ctx, arg)
		}
		if err != nil {
			return fmt.Errorf("user %q: %w", arg, err)
		}
		p, err := auth.Permissions(ctx, u, &auth.Config{Users: users, PK: pk})
		if err != nil {
			return err
		}
		all := p.All()
		groups, err := auth.GetGroups(ctx, u, &auth.Config{Users: users, PK: pk})
		if err != nil {
			return err
		}
		var lastLogin any
		if u.LastLogin != nil {
			lastLogin = u.LastLogin.Format(time.RFC3339Nano)
		}
		if *asJSON {
			err = a.printJSON(map[string]any{
				"id": u.ID, "username": u.Username, "email": u.Email, "is_active": u.IsActive,
				"is_staff": u.IsStaff, "is_superuser": u.IsSuperuser, "last_login": lastLogin,
				"groups": append([]string{}, groups...), "permissions": append([]string{}, all...),
			})
		} else {
			dash := func(s string) string {
				if s == "" {
					return "-"
				}
				return s
			}
			yes := map[bool]string{true: "yes", false: "no"}
			ll, _ := lastLogin.(string)
			err = a.printLine(strings.Join([]string{
				"id           " + u.ID,
				"username     " + dash(u.Username),
				"email        " + dash(u.Email),
				"active       " + yes[u.IsActive],
				"staff        " + yes[u.IsStaff],
				"superuser    " + yes[u.IsSuperuser],
				"last login   " + dash(ll),
				"groups       " + dash(strings.Join(groups, ", ")),
				"permissions  " + dash(strings.Join(all, " ")),
			}, "\n"))
		}
		if err != nil {
			return err
		}
		if !p.HasAll(perms...) {
			return fmt.Errorf("%w: %s", errLacksPerm, strings.Join(perms, ", "))
		}
		return nil
	}
}

// parsePKType reads --pk.
func parsePKType(s string) (auth.PKType, error) {
	pk, ok := map[string]auth.PKType{"int": auth.PKInt, "uuid": auth.PKUUID, "str": auth.PKString}[s]
	if !ok {
		return 0, usagef("--pk must be int, uuid or str, not %q", s)
	}
	return pk, nil
}
