// Package django is what a Go handler touches to take part in a Django site's sessions:
// Settings (Django's settings, under Django's names and defaults), Session (the
// request.session API), Middleware (Django's SessionMiddleware for net/http) and
// CSRFMiddleware (its CsrfViewMiddleware).
//
// A Go handler behind the middleware behaves, session-wise, as a Django view behind
// SessionMiddleware: the session is loaded from the configured engine (engines/db,
// engines/file, engines/signedcookies, ...) on first access, saved at the end of the
// request when modified, and the session cookie is set or deleted with a Set-Cookie header
// byte for byte identical to Django's. The Vary and status rules of each Django version
// are options of Settings (Settings.ForDjango); the defaults follow current Django.
//
// Handlers reach the session with FromContext:
//
//	s := django.NewSettings()
//	s.SecretKey = os.Getenv("DJANGO_SECRET_KEY")
//	opts, _ := s.EngineOptions()
//	s.SessionEngine, _ = file.New(file.Config{Path: "/var/lib/django/sessions"}, opts)
//	mw, err := django.NewMiddleware(s)
//	...
//	http.Handle("/", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		sess := django.FromContext(r.Context())
//		if user, ok := sess.GetString("_auth_user_id"); ok { ... }
//	})))
//
// The middleware is an ordinary func(http.Handler) http.Handler, so it fits chi's
// r.Use(mw.Handler) as is; for gin and echo, wrap it with their net/http adapters
// (e.g. echo.WrapMiddleware(mw.Handler)).
//
// CSRFMiddleware is Django's CsrfViewMiddleware: put it inside the session middleware
// (mw.Handler(csrf.Handler(mux)), as Django's MIDDLEWARE order has it), hand out tokens
// with CSRFToken, and Go handlers accept the forms and AJAX calls of Django's pages (and
// Django those of Go's pages): the same checks, reasons and csrftoken cookie, with
// Django 3.2's older rules behind Settings.CSRFLegacyChecks.
//
// Settings can be read from the Django project itself: scripts/export_settings.py, run
// there, prints them as JSON for SettingsFromJSON.
package django
