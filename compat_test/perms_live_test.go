package compat_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/signedcookies"
)

// permsWorld is what make_auth_db.py perms prints: a random world of permissions,
// groups and users Django's ORM made, and Django's answers for each user.
type permsWorld struct {
	Queries []string
	Labels  []string
	Lists   [][]string
	Views   []struct {
		Perms    []string
		Raise    bool
		LoginURL *string `json:"login_url"`
	}
	Mixins []struct {
		Mixin    string // "permission" or "login"
		Perms    []string
		Raise    bool
		LoginURL *string `json:"login_url"`
		Field    string
	}
	Users []permsUser
}

type permsUser struct {
	ID             *string
	IsActive       bool     `json:"is_active"`
	IsStaff        bool     `json:"is_staff"`
	IsSuperuser    bool     `json:"is_superuser"`
	FirstName      string   `json:"first_name"`
	LastName       string   `json:"last_name"`
	UserPerms      []string `json:"user_permissions"`
	GroupPerms     []string `json:"group_permissions"`
	AllPerms       []string `json:"all_permissions"`
	Groups         []string
	HasPerm        map[string]bool `json:"has_perm"`
	HasPerms       []bool          `json:"has_perms"`
	HasModulePerms map[string]bool `json:"has_module_perms"`
	Views          []permsResponse
	Staff          permsResponse
	StaffBack      permsResponse `json:"staff_back"`
	Mixins         []permsResponse
	Disallowed     permsResponse
}

type permsResponse struct {
	Status      int
	Location    *string
	ContentType *string `json:"content_type"`
	Body        string
}

// checkPermissions holds the permission checks and their view decorators to Django's,
// on a database Django migrated (TestAuthLiveSQL), filled with a random world
// (make_auth_db.py perms): users active or not, staff or not, superusers or not, with
// direct and group permissions, among content types whose app labels prefix one another
// and codenames with dots or non-ASCII letters. For every user (and an anonymous one),
// SQLUserSource's user and GetUserPermissions, GetGroupPermissions, GetAllPermissions,
// GetGroups,
// HasPerm (on every permission and on names that are none), HasPerms and HasModulePerms,
// and the methods of Permissions' Perms, must give Django's answers; PermissionRequired (with and without raiseException,
// LOGIN_URL or another login URL) and StaffMemberRequired must answer a request from the
// user's session with Django's decorated views' status, Location, Content-Type and body.
func checkPermissions(t *testing.T, p *peer, adb *authDatabase) {
	checkPermissionsOf(t, p, adb, "perms", auth.AuthUser, auth.PKInt)
}

// TestLivePermissionsCustomUser: checkPermissions for a custom user model with a UUID
// primary key (scripts/djsession_accounts): the Table names its many-to-many tables and
// column as Django does, and the keys are UUIDs in each database's form. Every version on
// SQLite, the oldest and newest on PostgreSQL and MariaDB.
func TestLivePermissionsCustomUser(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	name := "djsession_accounts_customuser"
	table := auth.AuthUser
	table.Name, table.UserPermissionsTable, table.GroupsTable = name, name+"_user_permissions", name+"_groups"
	table.M2MUserColumn = "customuser_id"
	peers := livePeers(t)
	for i, p := range peers {
		for _, backend := range authBackends {
			if backend != "sqlite" && i != 0 && i != len(peers)-1 {
				continue
			}
			t.Run(p.Series+"/"+backend, func(t *testing.T) {
				t.Parallel() // (databases and processes of its own)
				checkPermissionsOf(t, p, newAuthDB(t, p.Series, backend), "custom-perms", table, auth.PKUUID)
			})
		}
	}
}

// checkPermissionsOf is checkPermissions for the world make_auth_db.py's cmd makes, of
// users in table.
func checkPermissionsOf(t *testing.T, p *peer, adb *authDatabase, cmd string, table auth.Table, pk auth.PKType) {
	var w permsWorld
	seed := strconv.FormatUint(seedOf(p.Django+adb.django["ENGINE"].(string))%1000000, 10)
	remarshal(t, authDB(t, p.Series, cmd, adb.django, seed), &w)
	ctx := context.Background()
	src, s, cfg, mw := authSite(t, p.Django, adb, table, pk)
	var err error
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8") // (HttpResponse's)
		io.WriteString(w, "ok")
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/login/{id}", func(rw http.ResponseWriter, r *http.Request) {
		u, err := src.User(r.Context(), r.PathValue("id"))
		if err == nil {
			err = auth.Login(r.Context(), django.FromContext(r.Context()), u, "", cfg)
		}
		if err != nil {
			t.Error(err)
		}
	})
	// Each view at Django's page, chosen by the header X-View (the index in w.Views, or
	// "staff").
	views := map[string]http.Handler{
		"staff":      auth.StaffMemberRequired(&s, cfg, "", django.RedirectFieldName, ok),
		"staff_back": auth.StaffMemberRequired(&s, cfg, "/staff/login/", "back", ok),
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for i, v := range w.Views {
		views[strconv.Itoa(i)] = auth.PermissionRequired(&s, cfg, v.Perms, deref(v.LoginURL), v.Raise, ok)
	}
	for i, m := range w.Mixins {
		var h http.Handler
		if m.Mixin == "login" {
			h = auth.LoginRequiredMixin(&s, cfg, deref(m.LoginURL), m.Field, m.Raise, ok)
		} else {
			h = auth.PermissionRequiredMixin(&s, cfg, m.Perms, deref(m.LoginURL), m.Field, m.Raise, ok)
		}
		views["mixin-"+strconv.Itoa(i)] = h
	}
	mux.HandleFunc("/page/", func(w http.ResponseWriter, r *http.Request) { views[r.Header.Get("X-View")].ServeHTTP(w, r) })
	h := mw.Handler(mux)
	host := "testserver"
	get := func(target, cookie string, view ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "http://"+host+target, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if len(view) > 0 {
			req.Header.Set("X-View", view[0])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	response := func(rec *httptest.ResponseRecorder) permsResponse {
		r := permsResponse{Status: rec.Code, Body: rec.Body.String()}
		if l := rec.Header().Get("Location"); l != "" {
			r.Location = &l
		}
		if c := rec.Header().Get("Content-Type"); c != "" {
			r.ContentType = &c
		}
		return r
	}

	superusers := 0
	for _, want := range w.Users {
		var u *auth.User
		cookie, who := "", "anonymous"
		if want.ID != nil {
			who = "user " + *want.ID
			if u, err = src.User(ctx, *want.ID); err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			if u.IsActive && u.IsSuperuser {
				superusers++
			}
			rec := get("/login/"+*want.ID, "")
			if rec.Code != http.StatusOK || len(rec.Result().Cookies()) != 1 {
				t.Fatalf("%s: login: %d %v", who, rec.Code, rec.Header())
			}
			cookie = rec.Result().Cookies()[0].Name + "=" + rec.Result().Cookies()[0].Value
		}
		got := permsUser{ID: want.ID, HasPerm: map[string]bool{}, HasModulePerms: map[string]bool{}}
		if u != nil {
			got.IsActive, got.IsStaff, got.IsSuperuser = u.IsActive, u.IsStaff, u.IsSuperuser
			got.FirstName, got.LastName = u.FirstName, u.LastName
		}
		must := func(v []string, err error) []string {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			return v
		}
		got.UserPerms = must(auth.GetUserPermissions(ctx, u, cfg))
		got.GroupPerms = must(auth.GetGroupPermissions(ctx, u, cfg))
		got.AllPerms = must(auth.GetAllPermissions(ctx, u, cfg))
		got.Groups = must(auth.GetGroups(ctx, u, cfg))
		for _, q := range w.Queries {
			has, err := auth.HasPerm(ctx, u, q, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got.HasPerm[q] = has
		}
		for _, l := range w.Lists {
			has, err := auth.HasPerms(ctx, u, l, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got.HasPerms = append(got.HasPerms, has)
		}
		for _, l := range w.Labels {
			has, err := auth.HasModulePerms(ctx, u, l, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got.HasModulePerms[l] = has
		}
		for i := range w.Views {
			got.Views = append(got.Views, response(get("/page/a%20b/?q=1", cookie, strconv.Itoa(i))))
		}
		got.Staff = response(get("/page/a%20b/?q=1", cookie, "staff"))
		got.StaffBack = response(get("/page/a%20b/?q=1", cookie, "staff_back"))
		for i := range w.Mixins {
			got.Mixins = append(got.Mixins, response(get("/page/a%20b/?q=1", cookie, "mixin-"+strconv.Itoa(i))))
		}
		host = "evil.com"
		got.Disallowed = response(get("/page/a%20b/?q=1", cookie, "0"))
		host = "testserver"
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: (-django +go)\n%s", who, d)
		}
		// The same answers from the permissions read once.
		ps, err := auth.Permissions(ctx, u, cfg)
		if err != nil {
			t.Fatal(err)
		}
		once := permsUser{AllPerms: ps.All(), HasPerm: map[string]bool{}, HasModulePerms: map[string]bool{}}
		for _, q := range w.Queries {
			once.HasPerm[q] = ps.Has(q)
		}
		for _, l := range w.Lists {
			once.HasPerms = append(once.HasPerms, ps.HasAll(l...))
		}
		for _, l := range w.Labels {
			once.HasModulePerms[l] = ps.HasModule(l)
		}
		wantOnce := permsUser{AllPerms: want.AllPerms, HasPerm: want.HasPerm, HasPerms: want.HasPerms, HasModulePerms: want.HasModulePerms}
		if d := cmp.Diff(wantOnce, once, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: Permissions: (-django +go)\n%s", who, d)
		}
	}
	if superusers == 0 || len(w.Users) < 10 {
		t.Fatalf("the world lacks an active superuser or users: %d users", len(w.Users))
	}
}

// authSite is the Go side of the auth tests of make_auth_db.py's databases: the users of
// table in adb, Django's settings of version with make_auth_db.py's SECRET_KEY,
// ALLOWED_HOSTS and LOGIN_URL, sessions in signed cookies, and the session middleware.
func authSite(t *testing.T, version string, adb *authDatabase, table auth.Table, pk auth.PKType) (*auth.SQLUserSource, django.Settings, *auth.Config, *django.Middleware) {
	t.Helper()
	src, err := auth.NewSQLUserSource(adb.db, adb.dialect, table, auth.SQLOptions{PK: pk})
	if err != nil {
		t.Fatal(err)
	}
	s := django.NewSettings()
	if err := s.ForDjango(version); err != nil {
		t.Fatal(err)
	}
	s.SecretKey, s.AllowedHosts, s.LoginURL = "djsession-auth-db-secret-key", []string{"testserver"}, "/in/"
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = store
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: src, SkipLastLogin: true, PK: pk}
	mw, err := django.NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	return src, s, cfg, mw
}

// remarshal decodes v, a JSON value decoded into any, into dst.
func remarshal(t *testing.T, v any, dst any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, dst)
	}
	if err != nil {
		t.Fatal(err)
	}
}
