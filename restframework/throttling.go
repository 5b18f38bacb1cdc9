package restframework

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// Throttle is one of DRF's throttle classes (DEFAULT_THROTTLE_CLASSES, a view's
// throttle_classes): AllowRequest is its allow_request and, when that refuses, its
// wait(): the seconds until a request may pass (hasWait false for DRF's None).
type Throttle interface {
	AllowRequest(r *http.Request, a *Authentication) (allowed bool, wait float64, hasWait bool, err error)
}

// ErrBadRate is returned for a Rate DRF's parse_rate refuses (Django then fails with a
// server error).
var ErrBadRate = errors.New(`restframework: throttle rate is not "<number>/<s|m|h|d...>"`)

// AnonRateThrottle is DRF's AnonRateThrottle: anonymous requests counted by the client's
// address (see RateThrottle), in the history DRF keeps in Django's cache, so that Go and
// Django count the same requests.
type AnonRateThrottle struct{ RateThrottle }

// AllowRequest implements Throttle: authenticated requests pass uncounted.
func (t *AnonRateThrottle) AllowRequest(r *http.Request, a *Authentication) (bool, float64, bool, error) {
	if a.User != nil {
		return true, 0, false, nil
	}
	ident, err := t.ident(r)
	if err != nil {
		return false, 0, false, err
	}
	return t.allow(r, t.scope("anon"), ident)
}

// UserRateThrottle is DRF's UserRateThrottle: requests counted by user (their primary
// key), anonymous ones by the client's address. With the view's throttle_scope as Scope
// it is DRF's ScopedRateThrottle.
type UserRateThrottle struct{ RateThrottle }

// AllowRequest implements Throttle.
func (t *UserRateThrottle) AllowRequest(r *http.Request, a *Authentication) (bool, float64, bool, error) {
	if a.User != nil {
		return t.allow(r, t.scope("user"), a.User.ID)
	}
	ident, err := t.ident(r)
	if err != nil {
		return false, 0, false, err
	}
	return t.allow(r, t.scope("user"), ident)
}

// RateThrottle is DRF's SimpleRateThrottle, which AnonRateThrottle and UserRateThrottle
// build on: the times of the requests of the last duration are kept, newest first, as a
// list of floats (time.time()) under the cache key "throttle_<scope>_<ident>" with the
// duration as timeout; a request passes while fewer than the rate's number are there.
type RateThrottle struct {
	// Cache is DRF's cache, Django's caches["default"] (a backend of the caches
	// sub-packages, configured as the site's CACHES).
	Cache caches.Backend
	// Rate is DEFAULT_THROTTLE_RATES[scope]: "100/day", "10/minute" (the number, then the
	// first letter of s, m, h or d); "" is None: no throttling.
	Rate string
	// Scope is the throttle's scope; "" means the class's ("anon", "user").
	Scope string
	// NumProxies is NUM_PROXIES: nil is None (the client is X-Forwarded-For without its
	// spaces, else the peer's address); 0 trusts no proxy (the peer's address); n > 0
	// takes the n-th address from the end of X-Forwarded-For.
	NumProxies *int
	// Now is the clock (DRF's timer, time.time); nil means time.Now.
	Now func() time.Time
}

func (t *RateThrottle) scope(def string) string {
	if t.Scope != "" {
		return t.Scope
	}
	return def
}

// ident is get_ident: the client's address, as NUM_PROXIES has it found, as Django's text
// (the header's bytes read as latin-1).
func (t *RateThrottle) ident(r *http.Request) (string, error) {
	remote := r.RemoteAddr // (REMOTE_ADDR: the address without the port)
	if host, _, err := net.SplitHostPort(remote); err == nil {
		remote = host
	}
	vs, has := r.Header["X-Forwarded-For"]
	xff := strings.Join(vs, ",")
	if t.NumProxies != nil {
		if *t.NumProxies == 0 || !has {
			return remote, nil
		}
		addrs := strings.Split(xff, ",")
		i := -min(*t.NumProxies, len(addrs)) // (a Python index: from the end when negative)
		if i < 0 {
			i += len(addrs)
		}
		if i >= len(addrs) {
			return "", fmt.Errorf("restframework: NUM_PROXIES %d and %d addresses in X-Forwarded-For (DRF's IndexError)", *t.NumProxies, len(addrs))
		}
		return pystr.Latin1(pystr.StripLatin1(addrs[i])), nil
	}
	if xff == "" {
		return remote, nil
	}
	b := make([]byte, 0, len(xff)) // (''.join(xff.split()) of the header's latin-1 text)
	for i := 0; i < len(xff); i++ {
		if !pystr.IsLatin1Space(xff[i]) {
			b = append(b, xff[i])
		}
	}
	return pystr.Latin1(string(b)), nil // (Django's text of the header's bytes)
}

// parseRate is parse_rate.
func parseRate(rate string) (num int, duration float64, err error) {
	n, period, ok := strings.Cut(rate, "/")
	if !ok || strings.Contains(period, "/") || period == "" {
		return 0, 0, fmt.Errorf("%w: %q", ErrBadRate, rate)
	}
	num, ok = pyInt(n)
	d, known := map[byte]float64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400}[period[0]]
	if !ok || !known {
		return 0, 0, fmt.Errorf("%w: %q", ErrBadRate, rate)
	}
	return num, d, nil
}

// allow is allow_request for the history under throttle_<scope>_<ident>, then wait().
func (t *RateThrottle) allow(r *http.Request, scope, ident string) (bool, float64, bool, error) {
	if t.Rate == "" {
		return true, 0, false, nil
	}
	num, duration, err := parseRate(t.Rate)
	if err != nil {
		return false, 0, false, err
	}
	key := "throttle_" + scope + "_" + ident
	v, _, err := t.Cache.Get(r.Context(), key)
	if err != nil {
		return false, 0, false, err
	}
	var history []float64 // (a value that is not a list of numbers fails in DRF too)
	for _, x := range v.Items() {
		f, ok := x.AsFloat()
		if !ok {
			i, isInt := x.AsInt()
			if !isInt {
				return false, 0, false, fmt.Errorf("restframework: throttle history %s holds %s", key, x.Kind())
			}
			f = float64(i)
		}
		history = append(history, f)
	}
	clock := time.Now
	if t.Now != nil {
		clock = t.Now
	}
	c := clock()
	now := float64(c.Unix()) + float64(c.Nanosecond())/1e9 // (time.time())
	for len(history) > 0 && history[len(history)-1] <= now-duration {
		history = history[:len(history)-1]
	}
	if len(history) >= num {
		remaining := duration
		if len(history) > 0 {
			remaining = duration - (now - history[len(history)-1])
		}
		available := num - len(history) + 1
		if available <= 0 {
			return false, 0, false, nil
		}
		return false, remaining / float64(available), true, nil
	}
	items := make([]serializer.Value, 0, len(history)+1)
	items = append(items, serializer.Float(now))
	for _, f := range history {
		items = append(items, serializer.Float(f))
	}
	return true, 0, false, t.Cache.Set(r.Context(), key, serializer.List(items...), caches.Seconds(duration))
}

// checkThrottles is check_throttles: every throttle asked; when one refuses, Throttled
// with the longest wait.
func checkThrottles(r *http.Request, a *Authentication, throttles []Throttle) error {
	refused, wait, hasWait := false, 0.0, false
	for _, t := range throttles {
		ok, w, has, err := t.AllowRequest(r, a)
		if err != nil {
			return err
		}
		if !ok {
			refused = true
			if has && (!hasWait || w > wait) {
				wait, hasWait = w, true
			}
		}
	}
	if !refused {
		return nil
	}
	e := ErrThrottled.with(ErrThrottled.Detail)
	if hasWait {
		n := int(math.Ceil(wait))
		unit := "seconds"
		if n == 1 {
			unit = "second"
		}
		e.Detail += " Expected available in " + strconv.Itoa(n) + " " + unit + "."
		if n != 0 {
			e.retryAfter = strconv.Itoa(n)
		}
	}
	return e
}
