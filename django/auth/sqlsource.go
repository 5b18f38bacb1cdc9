package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Table names the table and columns of a user model, for SQLUserSource.
type Table struct {
	// Name is the table (db_table), e.g. "auth_user" or "accounts_customuser".
	Name string
	// PKColumn is the primary key column ("id"). Required.
	PKColumn string
	// PasswordColumn is the password hash column ("password"). Required.
	PasswordColumn string
	// IsActiveColumn is the is_active column; "" for models without one (every user
	// counts as active).
	IsActiveColumn string
	// UsernameColumn is the USERNAME_FIELD column ("username", "email", ...); "" disables
	// UserByUsername.
	UsernameColumn string
	// LastLoginColumn is the last_login column; "" for models without one (no update).
	LastLoginColumn string
	// EmailColumn is the EMAIL_FIELD column ("email"); "" for models without one.
	EmailColumn string
	// IsSuperuserColumn and IsStaffColumn are the is_superuser and is_staff columns; ""
	// for models without them (the fields read false).
	IsSuperuserColumn, IsStaffColumn string
	// FirstNameColumn and LastNameColumn are the first_name and last_name columns; "" for
	// models without them.
	FirstNameColumn, LastNameColumn string
	// DateJoinedColumn is the date_joined column, set when GetOrCreateUser creates a user;
	// "" for models without one.
	DateJoinedColumn string

	// The permissions of a model with PermissionsMixin, for the PermissionSource methods:
	// the tables of its user_permissions and groups many-to-many fields (Django names
	// them after the model's table: "<db_table>_user_permissions" and
	// "<db_table>_groups", shortened with a hash when longer than the database allows, 63
	// characters on PostgreSQL and 64 on MySQL: give the names Django made), and their
	// column that holds the user's key (the model's name in lower case and "_id":
	// "user_id" for auth.User, "customuser_id" for a model named CustomUser). Their other
	// columns must be Django's permission_id and group_id. "" disables UserPermissions
	// and GroupPermissions (ErrUnsupported). The permissions themselves are in Django's
	// auth_permission, auth_group_permissions and django_content_type tables.
	UserPermissionsTable, GroupsTable, M2MUserColumn string
}

// AuthUser is Django's default user model table, auth_user.
var AuthUser = Table{
	Name:            "auth_user",
	PKColumn:        "id",
	PasswordColumn:  "password",
	IsActiveColumn:  "is_active",
	UsernameColumn:  "username",
	LastLoginColumn: "last_login",
	EmailColumn:     "email",

	IsSuperuserColumn: "is_superuser",
	IsStaffColumn:     "is_staff",
	FirstNameColumn:   "first_name",
	LastNameColumn:    "last_name",
	DateJoinedColumn:  "date_joined",

	UserPermissionsTable: "auth_user_user_permissions",
	GroupsTable:          "auth_user_groups",
	M2MUserColumn:        "user_id",
}

// Dialect is the SQL flavour of a SQLUserSource's database.
type Dialect uint8

const (
	// SQLite: "?" parameters, last_login written as Django's text form, UUIDs as 32 hex.
	SQLite Dialect = iota
	// PostgreSQL: "$n" parameters, timestamptz and uuid columns.
	PostgreSQL
	// MySQL (and MariaDB): "?" parameters, backquoted names, datetime(6) and char(32) UUIDs.
	MySQL
)

// SQLDB is the part of *sql.DB, *sql.Conn and *sql.Tx that SQLUserSource uses.
type SQLDB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SQLUserSource loads users from a user model's table with database/sql, as
// ModelBackend.get_user and get_by_natural_key do. It implements UserSource,
// UsernameSource, UserCreator, LastLoginUpdater, PasswordSetter, PermissionSource and GroupSource.
type SQLUserSource struct {
	db      SQLDB
	table   Table
	dialect Dialect
	pk      PKType
	loc     *time.Location

	byID, byUsername, setLastLogin, setPassword, setEmail string
	byEmail                                               string // the SELECT of UsersByEmail, "" without its columns
	byEmailAll                                            string // the SELECT of UsersWithEmail, "" without an EmailColumn
	update                                                string // the UPDATE of UpdateUser (the names, then the key)
	create                                                string // the INSERT of GetOrCreateUser, before its values
	createCols                                            map[string]any
	sel                                                   string // "SELECT <the columns> FROM <table> WHERE "
	userPerms, groupPerms, allPerms, groups               string
}

// SQLOptions are the optional settings of a SQLUserSource.
type SQLOptions struct {
	// PK is the primary key's type (default integer). Must match Config.PK.
	PK PKType
	// Location is the zone of last_login values on databases without time zones (SQLite,
	// MySQL): nil means UTC, as Django with USE_TZ=True; with USE_TZ=False use the
	// TIME_ZONE location.
	Location *time.Location
	// CreateColumns are values, by column name, that GetOrCreateUser gives a new user
	// beyond (or instead of) auth.User's defaults: a custom model's own defaults (such as
	// is_active false), its other required fields, nil for a nullable field Django leaves
	// NULL.
	CreateColumns map[string]any
}

// NewSQLUserSource returns a source over table in db (a *sql.DB, for instance).
func NewSQLUserSource(db SQLDB, dialect Dialect, table Table, opts SQLOptions) (*SQLUserSource, error) {
	if table.Name == "" || table.PKColumn == "" || table.PasswordColumn == "" {
		return nil, errors.New("auth: Table needs Name, PKColumn and PasswordColumn")
	}
	if dialect > MySQL {
		return nil, fmt.Errorf("auth: unknown dialect %d", dialect)
	}
	s := &SQLUserSource{db: db, table: table, dialect: dialect, pk: opts.PK, loc: opts.Location, createCols: opts.CreateColumns}
	if s.loc == nil {
		s.loc = time.UTC
	}
	q := s.quote
	cols := []string{q(table.PKColumn), q(table.PasswordColumn)}
	for _, c := range table.optional() {
		if c != "" {
			cols = append(cols, q(c))
		}
	}
	sel := "SELECT " + strings.Join(cols, ", ") + " FROM " + q(table.Name) + " WHERE "
	s.sel = sel
	s.byID = sel + q(table.PKColumn) + " = " + s.param(1)
	if dialect == PostgreSQL && opts.PK == PKInt {
		// (an integer key beyond the column's int4 is no user, as Django's query finds
		// none, rather than a value pgx cannot send)
		s.byID += "::bigint"
	}
	if table.UsernameColumn != "" {
		s.byUsername = sel + q(table.UsernameColumn) + " = " + s.param(1)
	}
	if table.EmailColumn != "" {
		// email__iexact as each backend of Django writes it (the value escaped for LIKE
		// where it is one)
		switch dialect {
		case PostgreSQL:
			s.byEmailAll = sel + "UPPER(" + q(table.EmailColumn) + "::text) = UPPER(" + s.param(1) + ")"
		case SQLite:
			s.byEmailAll = sel + q(table.EmailColumn) + " LIKE " + s.param(1) + ` ESCAPE '\'`
		default:
			s.byEmailAll = sel + q(table.EmailColumn) + " LIKE " + s.param(1)
		}
		if table.IsActiveColumn != "" { // and is_active=True
			s.byEmail = s.byEmailAll + " AND " + q(table.IsActiveColumn) + " = " + s.param(2)
		}
	}
	if table.LastLoginColumn != "" {
		s.setLastLogin = "UPDATE " + q(table.Name) + " SET " + q(table.LastLoginColumn) + " = " +
			s.param(1) + " WHERE " + q(table.PKColumn) + " = " + s.param(2)
	}
	if table.UsernameColumn != "" {
		s.create = "INSERT INTO " + q(table.Name) + " ("
	}
	var set []string
	for _, c := range []string{table.UsernameColumn, table.FirstNameColumn, table.LastNameColumn} {
		if c != "" {
			set = append(set, q(c)+" = "+s.param(len(set)+1))
		}
	}
	if set != nil {
		s.update = "UPDATE " + q(table.Name) + " SET " + strings.Join(set, ", ") + " WHERE " + q(table.PKColumn) + " = " + s.param(len(set)+1)
	}
	s.setPassword = "UPDATE " + q(table.Name) + " SET " + q(table.PasswordColumn) + " = " +
		s.param(1) + " WHERE " + q(table.PKColumn) + " = " + s.param(2)
	if table.EmailColumn != "" {
		s.setEmail = "UPDATE " + q(table.Name) + " SET " + q(table.EmailColumn) + " = " +
			s.param(1) + " WHERE " + q(table.PKColumn) + " = " + s.param(2)
	}
	// The permissions as ModelBackend names them: the content type's app label, a dot,
	// the codename.
	perms := "SELECT ct." + q("app_label") + ", p." + q("codename") + " FROM " + q("auth_permission") +
		" p INNER JOIN " + q("django_content_type") + " ct ON p." + q("content_type_id") + " = ct." + q("id")
	s.allPerms = perms
	if table.M2MUserColumn != "" {
		user := q(table.M2MUserColumn) + " = " + s.param(1)
		if table.UserPermissionsTable != "" {
			s.userPerms = perms + " INNER JOIN " + q(table.UserPermissionsTable) + " up ON up." +
				q("permission_id") + " = p." + q("id") + " WHERE up." + user
		}
		if table.GroupsTable != "" {
			s.groups = "SELECT g." + q("name") + " FROM " + q("auth_group") + " g INNER JOIN " + q(table.GroupsTable) +
				" ug ON ug." + q("group_id") + " = g." + q("id") + " WHERE ug." + user
			s.groupPerms = perms + " INNER JOIN " + q("auth_group_permissions") + " gp ON gp." +
				q("permission_id") + " = p." + q("id") + " INNER JOIN " + q(table.GroupsTable) +
				" ug ON ug." + q("group_id") + " = gp." + q("group_id") + " WHERE ug." + user
		}
	}
	return s, nil
}

// quote quotes an identifier: double quotes on PostgreSQL, backquotes on MySQL and on
// SQLite (where a double-quoted name that is no column would be read as a string: a
// missing column must be an error, not its own name as the value).
// Quote quotes a table or column name for the source's database (for the queries of
// tables next to the users', as restframework's tokens).
func (s *SQLUserSource) Quote(name string) string { return s.quote(name) }

// Param is the source's database's placeholder for the i-th argument of a query ("$i"
// for PostgreSQL, "?" for the others).
func (s *SQLUserSource) Param(i int) string { return s.param(i) }

func (s *SQLUserSource) quote(name string) string {
	if s.dialect != PostgreSQL {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (s *SQLUserSource) param(i int) string {
	if s.dialect == PostgreSQL {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}

// keyArg converts a normalised primary key to the value the column holds.
func (s *SQLUserSource) keyArg(id string) (any, error) {
	id, err := s.pk.Normalize(id)
	if err != nil {
		return nil, err
	}
	switch s.pk {
	case PKInt:
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %q", ErrUserIDOutOfRange, id)
		}
		return n, nil
	case PKUUID:
		if s.dialect != PostgreSQL {
			// Django stores UUIDField as char(32) hex on databases without a uuid type;
			// MariaDB's uuid type (Django 5.0+ on MariaDB 10.7+) takes that form too.
			return strings.ReplaceAll(id, "-", ""), nil
		}
	}
	return id, nil
}

// User implements UserSource.
func (s *SQLUserSource) User(ctx context.Context, id string) (*User, error) {
	arg, err := s.keyArg(id)
	if err != nil {
		return nil, err
	}
	return s.scan(s.db.QueryRowContext(ctx, s.byID, arg))
}

// UserByUsername implements UsernameSource (an exact match, as get_by_natural_key).
func (s *SQLUserSource) UserByUsername(ctx context.Context, username string) (*User, error) {
	if s.byUsername == "" {
		return nil, fmt.Errorf("%w: no UsernameColumn", ErrUnsupported)
	}
	return s.scan(s.db.QueryRowContext(ctx, s.byUsername, username))
}

// UsersByEmail implements EmailSource: Django's email__iexact, as each database compares
// (SQLite and MySQL by LIKE, PostgreSQL by UPPER), and is_active=True.
func (s *SQLUserSource) UsersByEmail(ctx context.Context, email string) ([]*User, error) {
	if s.byEmail == "" {
		// (Django's PasswordResetForm filters on both: a FieldError on a model without them)
		return nil, fmt.Errorf("%w: UsersByEmail needs an EmailColumn and an IsActiveColumn", ErrUnsupported)
	}
	return s.usersByEmail(ctx, s.byEmail, email, true)
}

// UsersWithEmail implements EmailLookup: Django's email__iexact, as each database
// compares.
func (s *SQLUserSource) UsersWithEmail(ctx context.Context, email string) ([]*User, error) {
	if s.byEmailAll == "" {
		return nil, fmt.Errorf("%w: UsersWithEmail needs an EmailColumn", ErrUnsupported)
	}
	return s.usersByEmail(ctx, s.byEmailAll, email)
}

// UsersByField returns the users whose column (the table's UsernameColumn or
// EmailColumn) is value: an exact match (Django's filter(<field>=value)), or with iexact
// Django's <field>__iexact as each database compares (SQLite and MySQL by LIKE,
// PostgreSQL by UPPER), in the database's order.
func (s *SQLUserSource) UsersByField(ctx context.Context, column, value string, iexact bool) ([]*User, error) {
	if column == "" || (column != s.table.UsernameColumn && column != s.table.EmailColumn) {
		return nil, fmt.Errorf("%w: UsersByField of column %q", ErrUnsupported, column)
	}
	q := s.sel + s.quote(column) + " = " + s.param(1)
	if !iexact {
		return s.usersByEmail(ctx, q, value, exact{})
	}
	switch s.dialect {
	case PostgreSQL:
		q = s.sel + "UPPER(" + s.quote(column) + "::text) = UPPER(" + s.param(1) + ")"
	case SQLite:
		q = s.sel + s.quote(column) + " LIKE " + s.param(1) + ` ESCAPE '\'`
	default:
		q = s.sel + s.quote(column) + " LIKE " + s.param(1)
	}
	return s.usersByEmail(ctx, q, value)
}

// exact, as the first of usersByEmail's args, passes the value as it is (not escaped
// for LIKE).
type exact struct{}

// usersByEmail runs the query q of an email (and args), in the database's order.
func (s *SQLUserSource) usersByEmail(ctx context.Context, q, email string, args ...any) ([]*User, error) {
	arg := email
	if len(args) > 0 && args[0] == (exact{}) {
		args = args[1:]
	} else if s.dialect != PostgreSQL {
		arg = likeEscaper.Replace(email)
	}
	rows, err := s.db.QueryContext(ctx, q, append([]any{arg}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []*User
	for rows.Next() {
		u, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// UpdateUser implements UserUpdater: an UPDATE of the username, first and last name
// columns the Table has.
func (s *SQLUserSource) UpdateUser(ctx context.Context, u *User) error {
	if s.update == "" {
		return fmt.Errorf("%w: UpdateUser needs a UsernameColumn, FirstNameColumn or LastNameColumn", ErrUnsupported)
	}
	var args []any
	for _, c := range []struct{ col, v string }{{s.table.UsernameColumn, u.Username},
		{s.table.FirstNameColumn, u.FirstName}, {s.table.LastNameColumn, u.LastName}} {
		if c.col != "" {
			args = append(args, c.v)
		}
	}
	pk, err := s.keyArg(u.ID)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.update, append(args, pk)...)
	return err
}

// likeEscaper escapes a value for LIKE as Django's prep_for_like_query.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// scan reads a user from row (a *sql.Row or the current row of a *sql.Rows).
func (s *SQLUserSource) scan(row interface{ Scan(dest ...any) error }) (*User, error) {
	var pk, password any
	var opt [8]any // the optional columns' values, in Table.optional's order
	dest := []any{&pk, &password}
	for i, c := range s.table.optional() {
		if c != "" {
			dest = append(dest, &opt[i])
		}
	}
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrUserNotFound
		}
		return nil, err
	}
	u := &User{IsActive: true}
	var err error
	if u.ID, err = s.pkString(pk); err != nil {
		return nil, err
	}
	u.PasswordHash = asString(password)
	flags := []struct {
		col string
		v   any
		dst *bool
	}{
		{s.table.IsActiveColumn, opt[0], &u.IsActive},
		{s.table.IsSuperuserColumn, opt[4], &u.IsSuperuser},
		{s.table.IsStaffColumn, opt[5], &u.IsStaff},
	}
	for _, f := range flags {
		if f.col != "" {
			if *f.dst, err = asBool(f.v); err != nil {
				return nil, fmt.Errorf("auth: %s.%s: %w", s.table.Name, f.col, err)
			}
		}
	}
	u.Username = asString(opt[1])
	if opt[2] != nil {
		if t, err := s.asTime(opt[2]); err == nil {
			u.LastLogin = &t
		}
	}
	u.Email = asString(opt[3])
	u.FirstName, u.LastName = asString(opt[6]), asString(opt[7])
	return u, nil
}

// optional lists the optional columns of t that a user row is read with ("" for those
// t lacks), in the order of SQLUserSource.scan.
func (t *Table) optional() [8]string {
	return [8]string{t.IsActiveColumn, t.UsernameColumn, t.LastLoginColumn, t.EmailColumn, t.IsSuperuserColumn, t.IsStaffColumn,
		t.FirstNameColumn, t.LastNameColumn}
}

func (s *SQLUserSource) pkString(v any) (string, error) {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10), nil
	case [16]byte:
		return formatUUID(x[:]), nil
	}
	return s.pk.Normalize(asString(v))
}

func asString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func asBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case []byte, string:
		switch strings.ToLower(asString(x)) {
		case "1", "t", "true":
			return true, nil
		case "0", "f", "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("not a boolean: %v", v)
}

// pyTimeLayouts are the text forms Django's SQLite and MySQL backends store.
var pyTimeLayouts = []string{"2006-01-02 15:04:05.999999", "2006-01-02 15:04:05.999999Z07:00", "2006-01-02T15:04:05.999999Z07:00"}

func (s *SQLUserSource) asTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		if s.dialect == PostgreSQL {
			return x, nil
		}
		// A naive value: its wall clock is in s.loc.
		return time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), s.loc), nil
	case string, []byte:
		for _, l := range pyTimeLayouts {
			if t, err := time.ParseInLocation(l, asString(x), s.loc); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("auth: unreadable datetime %v", v)
}

// UpdateLastLogin implements LastLoginUpdater, storing t (to the microsecond) as
// Django's backends do: timestamptz on PostgreSQL, the wall clock in Location as text
// on SQLite and as datetime(6) on MySQL.
func (s *SQLUserSource) UpdateLastLogin(ctx context.Context, id string, t time.Time) error {
	if s.setLastLogin == "" {
		return nil
	}
	arg, err := s.keyArg(id)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.setLastLogin, s.timeArg(t), arg)
	return err
}

// GetOrCreateUser implements UserCreator: the user whose username is exactly username
// (as UserByUsername, so with the column's collation: MySQL's usual one ignores case, as
// Django's get_or_create there does), or a new one, created as get_or_create(username=...)
// creates an auth.User (AbstractUser's field defaults): an empty password (which no
// password matches), active, neither staff nor superuser, empty names and email,
// date_joined now (stored as last_login is) and no last_login; the primary key from the
// database, or a new random UUID for PKUUID (a UUIDField with default=uuid.uuid4). A
// custom model whose defaults differ, or that has other required fields, needs them in
// SQLOptions.CreateColumns: the Table's other columns are left to the database (the
// INSERT fails if one is required, and the error is returned). A user created meanwhile
// by someone else (the INSERT fails, the username is now taken) is returned as found, as
// get_or_create does; on PostgreSQL, that needs a *sql.DB rather than a transaction (a
// failed INSERT aborts it; Django uses a savepoint).
func (s *SQLUserSource) GetOrCreateUser(ctx context.Context, username string, now time.Time) (*User, bool, error) {
	u, err := s.UserByUsername(ctx, username)
	if !errors.Is(err, ErrUserNotFound) {
		return u, false, err
	}
	t := &s.table
	cols, vals := []string{t.PasswordColumn, t.UsernameColumn}, []any{"", username}
	switch s.pk {
	case PKUUID:
		var b [16]byte
		rand.Read(b[:])
		b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80 // (version 4, RFC 4122 variant)
		id, _ := s.keyArg(formatUUID(b[:]))
		cols, vals = append(cols, t.PKColumn), append(vals, id)
	case PKString:
		return nil, false, fmt.Errorf("%w: creating users with text primary keys", ErrUnsupported)
	}
	defaults := []struct {
		col string
		v   any
	}{
		{t.IsActiveColumn, true}, {t.IsSuperuserColumn, false}, {t.IsStaffColumn, false},
		{t.FirstNameColumn, ""}, {t.LastNameColumn, ""}, {t.EmailColumn, ""}, {t.DateJoinedColumn, s.timeArg(now)},
	}
	for _, c := range slices.Sorted(maps.Keys(s.createCols)) {
		defaults = append(defaults, struct {
			col string
			v   any
		}{c, s.createCols[c]})
	}
	for _, c := range defaults {
		if c.col == "" {
			continue
		}
		switch i := slices.Index(cols, c.col); {
		case i < 0:
			cols, vals = append(cols, c.col), append(vals, c.v)
		case i != 1: // (CreateColumns over a default; never over the username, which
			vals[i] = c.v // EMAIL_FIELD also names when it is the USERNAME_FIELD)
		}
	}
	names, params := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		names[i], params[i] = s.quote(c), s.param(i+1)
	}
	_, insErr := s.db.ExecContext(ctx, s.create+strings.Join(names, ", ")+") VALUES ("+strings.Join(params, ", ")+")", vals...)
	u, err = s.UserByUsername(ctx, username)
	switch {
	case insErr != nil && errors.Is(err, ErrUserNotFound):
		return nil, false, fmt.Errorf("auth: create user %q: %w", username, insErr)
	case err != nil:
		return nil, false, err
	}
	return u, insErr == nil, nil
}

// The methods below serve tables that refer to this user model, such as Django REST
// framework's authtoken_token (restframework.SQLTokens): they hold values in the forms
// this source's database and settings give them.

// DB returns the database the source reads.
func (s *SQLUserSource) DB() SQLDB { return s.db }

// Dialect returns the source's SQL flavour.
func (s *SQLUserSource) Dialect() Dialect { return s.dialect }

// PK returns the type of the user model's primary key.
func (s *SQLUserSource) PK() PKType { return s.pk }

// KeyArg returns the user primary key id as a query argument: an int64 for integer keys,
// a UUID in the form the database stores it (32 hex digits on SQLite and MySQL).
func (s *SQLUserSource) KeyArg(id string) (any, error) { return s.keyArg(id) }

// TimeArg returns t as a query argument for a DateTimeField, stored as Django stores it
// (see UpdateLastLogin).
func (s *SQLUserSource) TimeArg(t time.Time) any { return s.timeArg(t) }

// ScanTime reads a DateTimeField value scanned into an any (a time.Time, or the text of
// SQLite and MySQL), in the source's Location where the database keeps no zone.
func (s *SQLUserSource) ScanTime(v any) (time.Time, error) { return s.asTime(v) }

// timeArg is t as Django's backends store a DateTimeField: timestamptz on PostgreSQL, the
// wall clock in Location as text on SQLite and MySQL (to the microsecond).
func (s *SQLUserSource) timeArg(t time.Time) any {
	t = t.Truncate(time.Microsecond)
	if s.dialect == PostgreSQL {
		return t
	}
	return formatPyDatetime(t.In(s.loc))
}

// SetPassword implements PasswordSetter.
func (s *SQLUserSource) SetPassword(ctx context.Context, id, encoded string) error {
	arg, err := s.keyArg(id)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.setPassword, encoded, arg)
	return err
}

// SetEmail sets the user's email (the Table's EmailColumn), as saving the user after
// setting its EMAIL_FIELD does (ErrUnsupported without the column).
func (s *SQLUserSource) SetEmail(ctx context.Context, id, email string) error {
	if s.setEmail == "" {
		return fmt.Errorf("%w: SetEmail needs an EmailColumn", ErrUnsupported)
	}
	arg, err := s.keyArg(id)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.setEmail, email, arg)
	return err
}

// formatPyDatetime is str() of a naive Python datetime: microseconds only when non-zero.
func formatPyDatetime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// UserPermissions implements PermissionSource: the permissions in Table.UserPermissionsTable
// for u.
func (s *SQLUserSource) UserPermissions(ctx context.Context, u *User) ([]string, error) {
	return s.permNames(ctx, s.userPerms, "UserPermissionsTable", u)
}

// GroupPermissions implements PermissionSource: the permissions of u's groups (its rows in
// Table.GroupsTable), from auth_group_permissions.
func (s *SQLUserSource) GroupPermissions(ctx context.Context, u *User) ([]string, error) {
	return s.permNames(ctx, s.groupPerms, "GroupsTable", u)
}

// Groups implements GroupSource: the names of u's groups (its rows in Table.GroupsTable),
// from auth_group.
func (s *SQLUserSource) Groups(ctx context.Context, u *User) ([]string, error) {
	if s.groups == "" {
		return nil, fmt.Errorf("%w: no GroupsTable or M2MUserColumn", ErrUnsupported)
	}
	arg, err := s.keyArg(u.ID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.groups, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

// AllPermissions implements PermissionSource: every row of auth_permission.
func (s *SQLUserSource) AllPermissions(ctx context.Context) ([]string, error) {
	return s.permNames(ctx, s.allPerms, "", nil)
}

func (s *SQLUserSource) permNames(ctx context.Context, query, table string, u *User) ([]string, error) {
	if query == "" {
		return nil, fmt.Errorf("%w: no %s or M2MUserColumn", ErrUnsupported, table)
	}
	var args []any
	if u != nil {
		arg, err := s.keyArg(u.ID)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var app, code string
		if err := rows.Scan(&app, &code); err != nil {
			return nil, err
		}
		names = append(names, app+"."+code)
	}
	return names, rows.Err()
}
