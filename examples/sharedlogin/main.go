// Command sharedlogin is a Go service that shares its login with a Django site: a user who
// logs in on Django (its login page or the admin) is greeted by name here, and a logout
// on either side logs out both. Both read the same sessions (SESSION_ENGINE) and the same
// auth_user table, and both check CSRF tokens as Django does, so each takes the other's.
// Both show the messages of Django's messages framework, whichever side added them: a
// login or logout here leaves a message that the next page shows, on either side. The
// /reports page needs the permission auth.view_user, as a Django view with
// @permission_required; a password changed here (checked by AUTH_PASSWORD_VALIDATORS)
// keeps this session logged in and logs the user's other sessions out, on both sides.
//
// Settings come from the Django project, exported with scripts/export_settings.py:
//
//	cd mysite && DJANGO_SETTINGS_MODULE=mysite.settings python export_settings.py > djsession.json
//	sharedlogin -settings djsession.json -database postgres://user@host/db -django http://127.0.0.1:8000
//
// SECRET_KEY comes from the JSON when exported with --secrets, else from the environment
// (DJANGO_SECRET_KEY, and DJANGO_SECRET_KEY_FALLBACKS as a comma-separated list). Without
// -settings, Django's defaults apply (db engine, cookie "sessionid").
//
// -database names Django's database, for the db engine and for auth_user:
// sqlite:///absolute/path/db.sqlite3 or postgres://user:password@host:port/name.
// Supported engines: db (SQLite, PostgreSQL), file and signed_cookies.
//
// scripts/sharedlogin-demo starts the demo Django site (scripts/djangoapp) beside it.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for auth_user

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/messages"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/engines/signedcookies"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	settingsPath := flag.String("settings", "", "JSON printed by scripts/export_settings.py (default: Django's defaults)")
	database := flag.String("database", "", "Django's database: sqlite:///path or postgres://...")
	djangoURL := flag.String("django", "http://127.0.0.1:8000", "base URL of the Django site, for links")
	commonPasswords := flag.String("common-passwords", "", "Django's common-passwords.txt.gz, when AUTH_PASSWORD_VALIDATORS has CommonPasswordValidator")
	flag.Parse()

	app, err := newApp(context.Background(), *settingsPath, *database, *djangoURL, *commonPasswords)
	if err != nil {
		log.Fatal(err)
	}
	defer app.close()
	srv := &http.Server{Addr: *addr, Handler: app.handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("sharedlogin: Django %s site %s, engine %s, listening on http://%s/",
		orUnknown(app.settings.DjangoVersion), *djangoURL, app.settings.SessionEngineName, *addr)
	log.Fatal(srv.ListenAndServe())
}

func orUnknown(s string) string {
	if s == "" {
		return "(version unknown)"
	}
	return s
}

// app is the service: settings, the session middleware and the auth configuration.
type app struct {
	settings django.Settings
	mw       *django.Middleware
	csrf     *django.CSRFMiddleware
	messages *messages.Middleware
	auth     *auth.Config
	// validators are AUTH_PASSWORD_VALIDATORS, for the password change.
	validators []auth.PasswordValidator
	djangoURL  string
	closers    []func()
}

// loadSettings reads the exported settings (or Django's defaults) and the secrets.
func loadSettings(path string) (django.Settings, error) {
	s := django.NewSettings()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return s, err
		}
		if s, err = django.SettingsFromJSON(data); err != nil {
			return s, err
		}
	}
	if s.SecretKey == "" {
		s.SecretKey = os.Getenv("DJANGO_SECRET_KEY")
	}
	if len(s.SecretKeyFallbacks) == 0 {
		for _, k := range strings.Split(os.Getenv("DJANGO_SECRET_KEY_FALLBACKS"), ",") {
			if k != "" {
				s.SecretKeyFallbacks = append(s.SecretKeyFallbacks, k)
			}
		}
	}
	if s.SecretKey == "" {
		return s, errors.New("no SECRET_KEY: export the settings with --secrets or set DJANGO_SECRET_KEY")
	}
	s.Logger = slog.Default()
	return s, nil
}

func newApp(ctx context.Context, settingsPath, database, djangoURL, commonPasswords string) (*app, error) {
	s, err := loadSettings(settingsPath)
	if err != nil {
		return nil, err
	}
	validators, err := auth.PasswordValidators(&s, commonPasswords)
	if err != nil {
		return nil, err
	}
	a := &app{djangoURL: strings.TrimRight(djangoURL, "/"), validators: validators}
	ok := false
	defer func() {
		if !ok {
			a.close()
		}
	}()

	// Django's database: auth_user, and the sessions of the db engine.
	if database == "" {
		return nil, errors.New("-database is required (Django's database, for auth_user)")
	}
	u, err := url.Parse(database)
	if err != nil {
		return nil, fmt.Errorf("-database: %w", err)
	}
	var sdb *sql.DB
	var dialect auth.Dialect
	var pool *pgxpool.Pool
	switch u.Scheme {
	case "sqlite", "sqlite3":
		dialect = auth.SQLite
		sdb, err = sqlite.Open(u.Path)
	case "postgres", "postgresql":
		dialect = auth.PostgreSQL
		if sdb, err = sql.Open("pgx", database); err == nil {
			pool, err = pgxpool.New(ctx, database)
		}
	default:
		return nil, fmt.Errorf("-database: unsupported scheme %q (sqlite:///path or postgres://...)", u.Scheme)
	}
	if sdb != nil {
		a.closers = append(a.closers, func() { sdb.Close() })
	}
	if pool != nil {
		a.closers = append(a.closers, pool.Close)
	}
	if err != nil {
		return nil, fmt.Errorf("-database: %w", err)
	}
	if err := sdb.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("-database: %w", err)
	}
	users, err := auth.NewSQLUserSource(sdb, dialect, auth.AuthUser, auth.SQLOptions{})
	if err != nil {
		return nil, err
	}

	// The session store named by SESSION_ENGINE.
	opts, err := s.EngineOptions()
	if err != nil {
		return nil, err
	}
	var store engines.Store
	switch name := strings.TrimPrefix(s.SessionEngineName, "django.contrib.sessions.backends."); name {
	case "db":
		if pool != nil {
			store, err = postgres.New(pool, postgres.Options{Options: db.Options{Options: opts}})
		} else {
			store, err = sqlite.New(sdb, db.Options{Options: opts})
		}
	case "file":
		store, err = file.New(file.Config{Path: s.SessionFilePath, CookieName: s.SessionCookieName}, opts)
	case "signed_cookies":
		store, err = signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey, SecretKeyFallbacks: s.SecretKeyFallbacks,
			Serializer: s.SessionSerializer, AcceptSHA1: s.AcceptLegacySessions}, opts)
	default:
		return nil, fmt.Errorf("SESSION_ENGINE %q is not supported by this example (db, file, signed_cookies)", s.SessionEngineName)
	}
	if err != nil {
		return nil, err
	}
	s.SessionEngine = store
	if a.mw, err = django.NewMiddleware(s); err != nil {
		return nil, err
	}
	if a.csrf, err = django.NewCSRFMiddleware(s); err != nil {
		return nil, err
	}
	if a.messages, err = messages.NewMiddleware(s); err != nil {
		return nil, err
	}
	a.settings = s
	a.auth = &auth.Config{
		SecretKey:              s.SecretKey,
		SecretKeyFallbacks:     s.SecretKeyFallbacks,
		AuthenticationBackends: s.AuthenticationBackends,
		CSRFUseSessions:        s.CSRFUseSessions,
		Users:                  users,
	}
	ok = true
	return a, nil
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Go service</title></head><body>
<h1>Go service</h1>
{{with .Messages}}<ul class="messages">{{range .}}<li class="{{.Tags}}">{{.HTML}}</li>{{end}}</ul>{{end}}
{{if .User}}<p id="greeting">Hello, {{.User.Username}}!</p>
<p>You logged in on Django; this Go service reads the same session.</p>
<form method="post" action="/logout"><input type="hidden" name="csrfmiddlewaretoken" value="{{.CSRFToken}}">
<button type="submit">Log out (on both)</button></form>
<form method="post" action="/password"><input type="hidden" name="csrfmiddlewaretoken" value="{{.CSRFToken}}">
<label>Old password <input name="old_password" type="password" autocomplete="current-password"></label>
<label>New password <input name="new_password1" type="password" autocomplete="new-password"></label>
<label>Again <input name="new_password2" type="password" autocomplete="new-password"></label>
<button type="submit">Change password</button></form>
{{else}}<p id="greeting">Hello, anonymous visitor.</p>
<p><a href="{{.DjangoURL}}/admin/login/?next=/admin/">Log in on Django</a>, then come back here,
or log in from Go:</p>
<form method="post" action="/login"><input type="hidden" name="csrfmiddlewaretoken" value="{{.CSRFToken}}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Log in</button></form>{{end}}
</body></html>
`))

// handler is the service behind the session middleware and, inside it (as in Django's
// MIDDLEWARE), Django's CSRF protection and messages: the forms carry Django's
// csrfmiddlewaretoken, and a token from a Django page is as good as one from this service.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequestUser(r, a.auth)
		if err != nil {
			http.Error(w, "server error", http.StatusInternalServerError)
			slog.Error("get user", "err", err)
			return
		}
		token, err := django.CSRFToken(r)
		if err != nil {
			http.Error(w, "server error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, map[string]any{"User": u, "DjangoURL": a.djangoURL, "CSRFToken": token,
			"Messages": messages.GetMessages(r)})
	})
	mux.HandleFunc("GET /api/whoami", func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequestUser(r, a.auth)
		if err != nil {
			http.Error(w, "server error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if u == nil {
			fmt.Fprint(w, `{"authenticated":false}`)
			return
		}
		fmt.Fprintf(w, `{"authenticated":true,"username":%q}`, u.Username)
	})
	// As Django's @permission_required("auth.view_user", raise_exception=True): a user
	// with the permission (from a group made in Django's admin, say) sees the reports;
	// anyone else gets Django's 403 page.
	mux.Handle("GET /reports", auth.PermissionRequired(&a.settings, a.auth, []string{"auth.view_user"}, "", true,
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, err := auth.RequestUser(r, a.auth) // (the user the check read: no second query)
			if err != nil || u == nil {
				http.Error(w, "server error", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"reports_for":%q}`, u.Username)
		})))
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		sess := django.FromContext(r.Context())
		u, err := auth.Authenticate(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"), a.auth)
		if err == nil && u != nil {
			err = auth.Login(r.Context(), sess, u, "", a.auth)
		}
		switch {
		case err != nil:
			http.Error(w, "server error", http.StatusInternalServerError)
			slog.Error("login", "err", err)
		case u == nil:
			messages.Error(r, "Wrong username or password.")
			http.Redirect(w, r, "/", http.StatusSeeOther)
		default:
			messages.Success(r, "Welcome back, "+u.Username+". (You logged in on the Go service.)")
			http.Redirect(w, r, "/", http.StatusSeeOther)
		}
	})
	// As Django's PasswordChangeView: the old password, the new one twice, checked by
	// AUTH_PASSWORD_VALIDATORS; then this session stays logged in and the user's other
	// sessions (Django's too) are logged out.
	mux.HandleFunc("POST /password", func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequestUser(r, a.auth)
		if err == nil && u == nil {
			messages.Error(r, "Log in first.")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		ok := false
		if err == nil {
			ok, err = auth.CheckPassword(r.Context(), u, r.PostFormValue("old_password"), a.auth)
		}
		if err != nil {
			http.Error(w, "server error", http.StatusInternalServerError)
			slog.Error("password change", "err", err)
			return
		}
		newPassword := r.PostFormValue("new_password1")
		switch {
		case !ok:
			messages.Error(r, "Your old password was entered incorrectly. Please enter it again.")
		case newPassword != r.PostFormValue("new_password2"):
			messages.Error(r, "The two password fields didn’t match.")
		default:
			var errs auth.PasswordErrors
			if err := auth.ValidatePassword(newPassword, u.PasswordUser(), a.validators); errors.As(err, &errs) {
				for _, e := range errs {
					messages.Error(r, e.Message)
				}
				break
			}
			if err := auth.ChangePassword(r.Context(), django.FromContext(r.Context()), u, newPassword, a.auth); err != nil {
				http.Error(w, "server error", http.StatusInternalServerError)
				slog.Error("password change", "err", err)
				return
			}
			messages.Success(r, "Your password was changed.")
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Logout(r.Context(), django.FromContext(r.Context())); err != nil {
			http.Error(w, "server error", http.StatusInternalServerError)
			return
		}
		messages.Info(r, "You are logged out (on both sites).")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	// As Django's MIDDLEWARE: sessions, CSRF, authentication (request.user), messages.
	return a.mw.Handler(a.csrf.Handler(auth.AuthenticationMiddleware(a.auth, a.messages.Handler(mux))))
}
