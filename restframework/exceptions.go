package restframework

import (
	"errors"
	"net/http"

	"github.com/djsession/djsession/serializer"
)

// APIException is Django REST framework's APIException: an error answered with its status
// and {"detail": Detail}, as DRF's exception handler answers it. The sentinels below are
// DRF's exception classes with their default details; errors.Is matches an APIException
// to the sentinel of its Code.
type APIException struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Detail is the message, as DRF's detail (a str).
	Detail string
	// Code is DRF's error code ("authentication_failed", "not_authenticated", ...).
	Code string
	// AuthHeader is the WWW-Authenticate header of a 401 answer ("" for none).
	AuthHeader string
	// Data, unless None, is the answer's body instead of {"detail": Detail}: an exception
	// raised with a dict or a list as its detail (simplejwt's InvalidToken, for one).
	Data serializer.Value

	retryAfter string // the Retry-After header of Throttled ("" for none)
}

func (e *APIException) Error() string { return "restframework: " + e.Detail }

// Is reports whether target is an APIException with e's Code (a sentinel of this
// package, for instance).
func (e *APIException) Is(target error) bool {
	t, ok := target.(*APIException)
	return ok && t.Code == e.Code
}

// DRF's exceptions, with their default details.
var (
	// ErrAuthenticationFailed is AuthenticationFailed: credentials were given and are wrong.
	ErrAuthenticationFailed = &APIException{StatusCode: http.StatusUnauthorized, Detail: "Incorrect authentication credentials.", Code: "authentication_failed"}
	// ErrNotAuthenticated is NotAuthenticated: a permission needs a user and none was
	// authenticated.
	ErrNotAuthenticated = &APIException{StatusCode: http.StatusUnauthorized, Detail: "Authentication credentials were not provided.", Code: "not_authenticated"}
	// ErrPermissionDenied is PermissionDenied (a failed CSRF check of
	// SessionAuthentication, or a permission refused to an authenticated user).
	ErrPermissionDenied = &APIException{StatusCode: http.StatusForbidden, Detail: "You do not have permission to perform this action.", Code: "permission_denied"}
	// ErrNotFound is NotFound (Django's Http404).
	ErrNotFound = &APIException{StatusCode: http.StatusNotFound, Detail: "Not found.", Code: "not_found"}
	// ErrMethodNotAllowed is MethodNotAllowed; its detail names the method.
	ErrMethodNotAllowed = &APIException{StatusCode: http.StatusMethodNotAllowed, Detail: `Method "{method}" not allowed.`, Code: "method_not_allowed"}
	// ErrParse is ParseError: a malformed request body.
	ErrParse = &APIException{StatusCode: http.StatusBadRequest, Detail: "Malformed request.", Code: "parse_error"}
	// ErrUnsupportedMediaType is UnsupportedMediaType: no parser takes the body's
	// Content-Type; its detail names it.
	ErrUnsupportedMediaType = &APIException{StatusCode: http.StatusUnsupportedMediaType, Detail: `Unsupported media type "{media_type}" in request.`, Code: "unsupported_media_type"}
	// ErrThrottled is Throttled: a throttle refused the request; its detail then says
	// when one may pass ("Expected available in 42 seconds."), also in Retry-After.
	ErrThrottled = &APIException{StatusCode: http.StatusTooManyRequests, Detail: "Request was throttled.", Code: "throttled"}
	// ErrNotAcceptable is NotAcceptable: no renderer satisfies the Accept header.
	ErrNotAcceptable = &APIException{StatusCode: http.StatusNotAcceptable, Detail: "Could not satisfy the request Accept header.", Code: "not_acceptable"}
)

// with returns a copy of e with detail (DRF's exception class raised with a message).
func (e *APIException) with(detail string) *APIException {
	c := *e
	c.Detail = detail
	return &c
}

func authFailed(detail string) error { return ErrAuthenticationFailed.with(detail) }

// Errors that are not DRF's, which Django answers itself with its 400 page (a
// SuspiciousOperation): a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (DRF 3.18's
// RequestDataTooBig), a query string of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields
// (TooManyFieldsSent, when DRF reads the format parameter).
var (
	errTooBig       = errors.New("restframework: request body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)")
	errTooManyField = errors.New("restframework: query string with more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) fields")
)
