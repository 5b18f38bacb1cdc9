// Package restframework is the authentication of Django REST framework (DRF) for Go
// handlers: a Go endpoint of an API that DRF serves takes the same credentials and gives
// the same refusals, so an API can move from Django to Go one endpoint at a time.
//
// The authenticators are DRF's (DEFAULT_AUTHENTICATION_CLASSES):
//
//   - SessionAuthentication: the user logged in to the Django session (through the django
//     and auth packages), with Django's CSRF checks for that user;
//   - BasicAuthentication: "Authorization: Basic ..." checked by Django's backends;
//   - TokenAuthentication: "Authorization: Token <key>" and rest_framework.authtoken's
//     table (SQLTokens), whose tokens ObtainAuthToken hands out as DRF's
//     obtain_auth_token view does.
//
// The throttles (AnonRateThrottle, UserRateThrottle, a scoped UserRateThrottle) count
// requests in the histories DRF keeps in Django's cache, on any backend of the caches
// sub-packages, so Go and Django share one rate limit.
//
// Authenticate runs the authenticators as DRF's request does. APIView wraps a handler as
// DRF's APIView dispatches a request: content negotiation for its JSONRenderer,
// authentication, the permissions (AllowAny, IsAuthenticated, IsAdminUser,
// IsAuthenticatedOrReadOnly or your own), the throttles, the view's methods, and DRF's
// answers to each failure (status, JSON body, WWW-Authenticate, Retry-After and Allow
// headers) byte for byte:
//
//	tokens := restframework.NewSQLTokens(users, "")
//	view := &restframework.APIView{
//		Authentication: []restframework.Authenticator{
//			&restframework.SessionAuthentication{Config: cfg},
//			&restframework.TokenAuthentication{Tokens: tokens, Config: cfg},
//		},
//		Permissions: []restframework.Permission{restframework.IsAuthenticated{}},
//		Methods:     []string{"GET"},
//		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//			u := restframework.FromContext(r.Context()).User
//			...
//		}),
//	}
//
// The sub-package simplejwt adds djangorestframework-simplejwt's JSON web tokens: its
// JWTAuthentication is an Authenticator, and its token views are APIViews. The
// sub-package restauth is dj-rest-auth's login, logout, user and password views, and
// knox is django-rest-knox's hashed, expiring tokens and its views. The sub-package
// oauth2provider is django-oauth-toolkit's OAuth2Authentication and its scope
// permissions, over the access tokens the Django site issues.
//
// Known differences:
//   - the messages are DRF's English ones: a site whose LANGUAGE_CODE (or LocaleMiddleware)
//     picks another language gets DRF's translations from Django;
//   - the renderers are JSONRenderer's alone (DRF's default also has the browsable API,
//     which answers browsers' text/html with a page);
//   - the Accept header's parameters are read as
//     Django 4.2's parse_header_parameters reads them (without RFC 2231's name*=
//     values; Django 3.2's and 5.2's parsers differ on malformed parameters); where DRF
//     picks among several equally specific Accept entries in the order of a Python set
//     (its hash order), the first is taken;
//   - a body's charset is read as Python reads it when it names UTF-8, latin-1 or ASCII,
//     else as UTF-8 (Django would use cp1252, UTF-16, ... too);
//   - malformed multipart bodies (a missing last boundary, bare LF line ends, a
//     base64-encoded part) are read by Go's multipart reader, which refuses some that
//     Django's reads, and the text of its error is Go's;
//   - JSON nested deeper than 1000 levels is refused (a server error), where Python's
//     limit depends on its version (about 1000 for 3.10, 1500 for 3.12, 10000 for 3.13);
//     Response refuses values nested deeper than 900 levels.
package restframework
