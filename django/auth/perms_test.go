package auth_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/db/sqlite"
)

// permUsers is a PermissionSource over fixed tables, keyed by user id.
type permUsers struct {
	users
	own, group map[string][]string
	all        []string
}

func (p permUsers) UserPermissions(_ context.Context, u *auth.User) ([]string, error) {
	return p.own[u.ID], nil
}

func (p permUsers) GroupPermissions(_ context.Context, u *auth.User) ([]string, error) {
	return p.group[u.ID], nil
}

func (p permUsers) AllPermissions(context.Context) ([]string, error) { return p.all, nil }

func newPermUsers() permUsers {
	return permUsers{
		users: users{
			"1": {ID: "1", IsActive: true},
			"2": {ID: "2", IsActive: true, IsSuperuser: true},
			"3": {ID: "3", IsActive: false, IsSuperuser: true, IsStaff: true},
		},
		own:   map[string][]string{"1": {"polls.vote", "polls.vote"}, "3": {"polls.vote"}},
		group: map[string][]string{"1": {"reports.export", "polls.vote"}},
		all:   []string{"reports.export", "polls.vote", "polls_extra.tally"},
	}
}

// TestPermissions: the rules of PermissionsMixin and ModelBackend on a known source (held
// to Django live by compat_test's TestAuthLiveSQL).
func TestPermissions(t *testing.T) {
	ctx := context.Background()
	src := newPermUsers()
	cfg := &auth.Config{SecretKey: "perms-test", Users: src}
	tests := []struct {
		id              string // "" for anonymous
		own, group, all []string
		perm            string
		has             bool
		module          string
		hasModule       bool
		list            []string
		hasList         bool
	}{
		{"1", []string{"polls.vote"}, []string{"polls.vote", "reports.export"}, []string{"polls.vote", "reports.export"},
			"reports.export", true, "polls", true, []string{"polls.vote", "reports.export"}, true},
		{"1", []string{"polls.vote"}, []string{"polls.vote", "reports.export"}, []string{"polls.vote", "reports.export"},
			"polls_extra.tally", false, "polls_extra", false, []string{"polls.vote", "polls_extra.tally"}, false},
		{"2", src.all, src.all, src.all, "no.such", true, "nope", true, []string{"x.y"}, true},
		{"3", nil, nil, nil, "polls.vote", false, "polls", false, []string{"polls.vote"}, false},
		{"", nil, nil, nil, "polls.vote", false, "polls", false, nil, true},
	}
	sorted := func(s []string) []string {
		out := slices.Clone(s)
		slices.Sort(out)
		return out
	}
	for i, tc := range tests {
		var u *auth.User
		if tc.id != "" {
			u = src.users[tc.id]
		}
		own, err1 := auth.GetUserPermissions(ctx, u, cfg)
		group, err2 := auth.GetGroupPermissions(ctx, u, cfg)
		all, err3 := auth.GetAllPermissions(ctx, u, cfg)
		has, err4 := auth.HasPerm(ctx, u, tc.perm, cfg)
		hasModule, err5 := auth.HasModulePerms(ctx, u, tc.module, cfg)
		hasList, err6 := auth.HasPerms(ctx, u, tc.list, cfg)
		if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got := []any{own, group, all, has, hasModule, hasList}
		want := []any{sorted(tc.own), sorted(tc.group), sorted(tc.all), tc.has, tc.hasModule, tc.hasList}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("case %d (user %q): (-want +got)\n%s", i, tc.id, d)
		}
	}
	// A source without permissions: ErrUnsupported (an anonymous user needs none).
	plain := &auth.Config{SecretKey: "perms-test", Users: users{}}
	if _, err := auth.HasPerm(ctx, &auth.User{ID: "1", IsActive: true}, "a.b", plain); !errors.Is(err, auth.ErrUnsupported) {
		t.Errorf("HasPerm without a PermissionSource: %v", err)
	}
	if ok, err := auth.HasPerm(ctx, nil, "a.b", plain); ok || err != nil {
		t.Errorf("anonymous HasPerm = %v, %v", ok, err)
	}
}

// TestPermissionRequired: the decorators' three answers, and a test's error.
func TestPermissionRequired(t *testing.T) {
	s, mw := newSite(t, "perms-test-secret")
	src := newPermUsers()
	src.users["4"] = &auth.User{ID: "4", IsActive: true, IsStaff: true}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: src}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux := http.NewServeMux()
	mux.HandleFunc("/as/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Login(r.Context(), django.FromContext(r.Context()), src.users[r.PathValue("id")], "", cfg); err != nil {
			t.Fatal(err)
		}
	})
	mux.Handle("/vote/", auth.PermissionRequired(s, cfg, []string{"polls.vote"}, "", false, ok))
	mux.Handle("/export/", auth.PermissionRequired(s, cfg, []string{"reports.export"}, "/elsewhere/", true, ok))
	mux.Handle("/mixin/", auth.PermissionRequiredMixin(s, cfg, []string{"polls.vote"}, "", "next", false, ok))
	mux.Handle("/staff/", auth.StaffMemberRequired(s, cfg, "", django.RedirectFieldName, ok))
	mux.Handle("/broken/", auth.UserPassesTest(s, cfg, func(*http.Request, *auth.User) (bool, error) {
		return false, errors.New("the database is down")
	}, "", "next", ok))
	h := mw.Handler(mux)
	do := func(target, cookie string) string {
		rec := get(h, target, cookie)
		if rec.Code == http.StatusOK && len(rec.Result().Cookies()) == 1 {
			c := rec.Result().Cookies()[0]
			return c.Name + "=" + c.Value
		}
		return fmt.Sprintf("%d %s", rec.Code, rec.Header().Get("Location"))
	}
	user1, user4 := do("/as/1", ""), do("/as/4", "")
	tests := []struct{ target, cookie, want string }{
		{"/vote/?a=1", "", "302 /login/?next=/vote/%3Fa%3D1"},
		{"/vote/", user1, "200 "},
		{"/vote/", user4, "302 /login/?next=/vote/"}, // (logged in, yet sent to log in: Django's decorator)
		{"/export/", "", "403 "},
		{"/export/", user4, "403 "},
		{"/export/", user1, "200 "},
		{"/mixin/", "", "302 /login/?next=/mixin/"},
		{"/mixin/", user4, "403 "}, // (the class-based view's way: no redirect for a logged-in user)
		{"/mixin/", user1, "200 "},
		{"/staff/", user1, "302 /admin/login/?next=/staff/"},
		{"/staff/", user4, "200 "},
		{"/broken/", user4, "500 "},
	}
	for _, tc := range tests {
		if got := do(tc.target, tc.cookie); got != tc.want {
			t.Errorf("%s (cookie %q): %q, want %q", tc.target, tc.cookie, got, tc.want)
		}
	}
}

// TestExampleFixturePermissions: SQLUserSource reads the users of the database Django
// made for fixtures/example as Django read them back (sessions.json): is_staff,
// is_superuser, get_all_permissions and the groups' names.
func TestExampleFixturePermissions(t *testing.T) {
	ctx := context.Background()
	raw, err := os.ReadFile("../../fixtures/example/sessions.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Users []struct {
			ID          int      `json:"id"`
			IsStaff     bool     `json:"is_staff"`
			IsSuperuser bool     `json:"is_superuser"`
			Permissions []string `json:"permissions"`
			Groups      []string `json:"groups"`
		} `json:"users"`
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	src, cfg := exampleUsers(t)
	withPerms := 0
	for _, want := range fixture.Users {
		u, err := src.User(ctx, strconv.Itoa(want.ID))
		if err != nil {
			t.Fatal(err)
		}
		perms, err := auth.GetAllPermissions(ctx, u, cfg)
		if err != nil {
			t.Fatal(err)
		}
		groups, err := auth.GetGroups(ctx, u, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if u.IsStaff != want.IsStaff || u.IsSuperuser != want.IsSuperuser || !slices.Equal(perms, want.Permissions) || !slices.Equal(groups, want.Groups) {
			t.Errorf("user %d: staff %v superuser %v %v %v; Django %+v", want.ID, u.IsStaff, u.IsSuperuser, perms, groups, want)
		}
		if len(perms) > 0 {
			withPerms++
		}
	}
	if withPerms < 2 {
		t.Fatalf("the fixture has %d users with permissions: regenerate it (scripts/make-example-db)", withPerms)
	}
}

// exampleUsers opens, read-only, the auth_user of the database Django made for
// fixtures/example, and returns it with a Config over it.
func exampleUsers(tb testing.TB) (*auth.SQLUserSource, *auth.Config) {
	tb.Helper()
	db, err := sql.Open(sqlite.DriverName, "file:../../fixtures/example/db.sqlite3?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	src, err := auth.NewSQLUserSource(db, auth.SQLite, auth.AuthUser, auth.SQLOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return src, &auth.Config{SecretKey: "unused", Users: src}
}
