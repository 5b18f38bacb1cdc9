package headless

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// ErrRateLimits is returned for an ACCOUNT_RATE_LIMITS rate allauth cannot parse (a
// server error in Django too).
var ErrRateLimits = errors.New("headless: unusable ACCOUNT_RATE_LIMITS")

// errNoClientIP is allauth's PermissionDenied("Unable to determine client IP address"),
// a 403.
var errNoClientIP = errors.New("headless: unable to determine client IP address")

// rate is allauth's Rate: amount hits per duration seconds, counted per "ip", "user" or
// "key".
type rate struct {
	amount   int    // (at most the largest int: Python's may be larger)
	text     string // the amount in decimal, as str() writes it
	duration float64
	intDur   bool // the duration is a Python int (a unit without a number: "m")
	per      string
}

// String is str(Rate), the rate's part of its cache key: "30/60/ip", "5/300.0/key".
func (r rate) String() string {
	d := serializer.FormatFloat(r.duration)
	if r.intDur {
		d = strconv.FormatInt(int64(r.duration), 10)
	}
	return r.text + "/" + d + "/" + r.per
}

// parseRates is allauth's get_rates of one action's rates ("30/m/ip,5/5m/key"):
// parse_rates, duplicates dropped (dict.fromkeys: 60 and 60.0 are one duration).
func parseRates(text string) ([]rate, error) {
	text = pystr.Strip(text)
	if text == "" {
		return nil, nil
	}
	var out []rate
	for part := range strings.SplitSeq(text, ",") {
		r, err := parseRate(pystr.Strip(part))
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrRateLimits, text, err)
		}
		dup := false
		for _, o := range out {
			dup = dup || (o.text == r.text && o.duration == r.duration && o.per == r.per)
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out, nil
}

// parseRate is parse_rate: "amount/duration[/per]" (per "ip" when left out), the
// duration a number (none is 1) and a unit s, m, h or d.
func parseRate(text string) (rate, error) {
	parts := strings.Split(text, "/")
	var r rate
	switch len(parts) {
	case 2:
		r.per = "ip"
	case 3:
		r.per = parts[2]
	default:
		return r, errors.New("not amount/duration[/per]")
	}
	n, ok := pystr.Int(parts[0])
	if !ok {
		return r, fmt.Errorf("invalid literal for int(): %q", parts[0])
	}
	r.text = n.String()
	r.amount = math.MaxInt
	if n.IsInt64() && n.Int64() < math.MaxInt {
		r.amount = int(n.Int64())
	}
	d := parts[1]
	if d == "" {
		return r, errors.New("an empty duration")
	}
	unit := map[byte]float64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400}[d[len(d)-1]]
	if unit == 0 {
		return r, fmt.Errorf("invalid duration unit: %q", d[len(d)-1:])
	}
	if v := d[:len(d)-1]; v == "" {
		r.duration, r.intDur = unit, true
	} else {
		f, ok := pystr.Float(v)
		if !ok {
			return r, fmt.Errorf("could not convert string to float: %q", v)
		}
		r.duration = f * unit
	}
	switch r.per {
	case "ip", "user", "key":
	default:
		return r, fmt.Errorf("per %q", r.per)
	}
	return r, nil
}

// rateUsage is a SingleRateLimitUsage: the hit recorded at ts under key, which a
// rollback takes back.
type rateUsage struct {
	key      string
	duration float64
	ts       float64
}

// Lock timings of allauth's cache_lock.
const (
	lockTimeout       = 10 // seconds
	lockWait          = time.Second
	lockRetry         = 10 * time.Millisecond
	lockRetryMaxDelay = 100 * time.Millisecond
)

// withLock is allauth's cache_lock: fn runs holding "<key>:lock" (added with a 10 s
// timeout, retried for up to a second), then the lock is deleted; locked is false when
// the lock could not be had (fn not run).
func (h *Headless) withLock(ctx context.Context, key string, fn func() error) (locked bool, err error) {
	lock := key + ":lock"
	deadline := time.Now().Add(lockWait)
	retry := lockRetry
	for {
		ok, err := h.Cache.Add(ctx, lock, serializer.Bool(true), caches.Seconds(lockTimeout))
		if err != nil {
			return false, err
		}
		if ok {
			break
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(min(retry, remaining)):
		}
		retry = min(2*retry, lockRetryMaxDelay)
	}
	err = fn()
	if derr := h.Cache.Delete(ctx, lock); err == nil {
		err = derr
	}
	return true, err
}

// history is the hit times stored under key (newest first), [] when there are none.
func (h *Headless) history(ctx context.Context, key string) ([]float64, error) {
	v, ok, err := h.Cache.Get(ctx, key)
	if err != nil || !ok {
		return nil, err
	}
	if v.Kind() != serializer.KindList {
		return nil, fmt.Errorf("headless: rate limit history %s is a %s", key, v.Kind())
	}
	out := make([]float64, 0, v.Len())
	for _, x := range v.Items() {
		f, ok := x.AsFloat()
		if !ok {
			i, isInt := x.AsInt()
			if !isInt {
				return nil, fmt.Errorf("headless: rate limit history %s holds a %s", key, x.Kind())
			}
			f = float64(i)
		}
		out = append(out, f)
	}
	return out, nil
}

// setHistory stores the hit times under key for duration seconds.
func (h *Headless) setHistory(ctx context.Context, key string, hist []float64, duration float64) error {
	items := make([]serializer.Value, len(hist))
	for i, f := range hist {
		items[i] = serializer.Float(f)
	}
	return h.Cache.Set(ctx, key, serializer.List(items...), caches.Seconds(duration))
}

// consume is allauth's ratelimit.consume for app "allauth.account": each of the
// action's rates (ACCOUNT_RATE_LIMITS) records a hit unless the rate is used up (or its
// lock cannot be had), in order, stopping at the first refusal (the hits already
// recorded stay). GET requests are not counted. key is the hit's key for rates per
// "key", user the primary key of the request's user for rates per "user".
func (h *Headless) consume(ctx context.Context, r *http.Request, action, key, user string) ([]rateUsage, bool, error) {
	return h.consumeWith(ctx, r, action, key, user, rateOptions{})
}

// rateOptions are consume's dry_run (the rates checked, no hit recorded) and limit_get
// (GET requests counted too).
type rateOptions struct{ dryRun, limitGet bool }

// consumeWith is consume with its options.
func (h *Headless) consumeWith(ctx context.Context, r *http.Request, action, key, user string, o rateOptions) ([]rateUsage, bool, error) {
	if r.Method == http.MethodGet && !o.limitGet {
		return nil, true, nil
	}
	rates, err := parseRates(h.Settings.RateLimits[action])
	if err != nil || len(rates) == 0 {
		return nil, err == nil, err
	}
	if h.Cache == nil {
		return nil, false, errors.New("headless: rate limits need the Cache (allauth's, the default cache)")
	}
	var usages []rateUsage
	for _, rt := range rates {
		ck, err := h.rateKey(r, action, rt, key, user)
		if err != nil {
			return nil, false, err
		}
		allowed := false
		locked, err := h.withLock(ctx, ck, func() error {
			hist, err := h.history(ctx, ck)
			if err != nil {
				return err
			}
			now := pyTime(h.now())
			for len(hist) > 0 && hist[len(hist)-1] <= now-rt.duration {
				hist = hist[:len(hist)-1]
			}
			if len(hist) >= rt.amount {
				return nil
			}
			allowed = true
			if o.dryRun {
				return nil
			}
			usages = append(usages, rateUsage{key: ck, duration: rt.duration, ts: now})
			return h.setHistory(ctx, ck, append([]float64{now}, hist...), rt.duration)
		})
		if err != nil {
			return nil, false, err
		}
		if !locked || !allowed {
			return usages, false, nil
		}
	}
	return usages, true, nil
}

// rollback is RateLimitUsage.rollback: each recorded hit taken back (skipped when its
// lock cannot be had, which only makes the limit stricter).
func (h *Headless) rollback(ctx context.Context, usages []rateUsage) error {
	for _, u := range usages {
		_, err := h.withLock(ctx, u.key, func() error {
			hist, err := h.history(ctx, u.key)
			if err != nil {
				return err
			}
			kept := hist[:0]
			for _, f := range hist {
				if f != u.ts {
					kept = append(kept, f)
				}
			}
			return h.setHistory(ctx, u.key, kept, u.duration)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// clearRate is ratelimit.clear: the histories of the action's rates for the request
// (and key) deleted, each under its lock (skipped when the lock cannot be had).
func (h *Headless) clearRate(ctx context.Context, r *http.Request, action, key string) error {
	rates, err := parseRates(h.Settings.RateLimits[action])
	if err != nil || len(rates) == 0 {
		return err
	}
	for _, rt := range rates {
		ck, err := h.rateKey(r, action, rt, key, "")
		if err != nil {
			return err
		}
		if _, err := h.withLock(ctx, ck, func() error { return h.Cache.Delete(ctx, ck) }); err != nil {
			return err
		}
	}
	return nil
}

// pyTime is time.time() at t.
func pyTime(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// rateKey is get_cache_key: "allauth:rl:allauth.account:<action>:<rate>:" then
// "ip:<client IP>", "user:<primary key>" or the SHA-256 of the key.
func (h *Headless) rateKey(r *http.Request, action string, rt rate, key, user string) (string, error) {
	prefix := "allauth:rl:allauth.account:" + action + ":" + rt.String() + ":"
	switch rt.per {
	case "ip":
		ip, err := h.clientIP(r)
		if err != nil {
			return "", err
		}
		return prefix + "ip:" + ip, nil
	case "key":
		if hasSurrogate(key) { // (key.encode("utf8") raises: a 500)
			return "", fmt.Errorf("headless: a rate limit key holding a lone surrogate (%s)", action)
		}
		sum := sha256.Sum256([]byte(key))
		return prefix + hex.EncodeToString(sum[:]), nil
	case "user":
		if user == "" {
			return "", fmt.Errorf("headless: ratelimit configured per user but used anonymously (%s)", action)
		}
		return prefix + "user:" + user, nil
	}
	return "", fmt.Errorf("headless: rate limits per %q (%s) are not supported", rt.per, action)
}

// clientIP is allauth's get_ip: the adapter's get_client_ip (ALLAUTH_TRUSTED_CLIENT_IP_HEADER
// when set, else the ALLAUTH_TRUSTED_PROXY_COUNT-th address from the end of
// X-Forwarded-For when that is set, else the peer's address), cleaned and, for an IPv6
// address, cut to its ALLAUTH_RATE_LIMIT_IPV6_PREFIX network.
func (h *Headless) clientIP(r *http.Request) (string, error) {
	addr, err := h.clientAddr(r)
	if err != nil {
		return "", err
	}
	if addr.Is6() { // (truncate_ip)
		p, err := addr.WithZone("").Prefix(h.Settings.RateLimitIPv6Prefix)
		if err != nil {
			return "", fmt.Errorf("headless: ALLAUTH_RATE_LIMIT_IPV6_PREFIX %d: %w", h.Settings.RateLimitIPv6Prefix, err)
		}
		if p.Addr() == addr.WithZone("") {
			return addr.String(), nil // (the network of an address it leaves as it is keeps its scope)
		}
		return p.Addr().String(), nil
	}
	return addr.String(), nil
}

// clientAddr is the adapter's get_client_ip: the client's address, cleaned
// (clean_client_ip), as allauth finds it.
func (h *Headless) clientAddr(r *http.Request) (netip.Addr, error) {
	s := h.Settings
	if s.TrustedProxyCount < 0 {
		return netip.Addr{}, errors.New("headless: ALLAUTH_TRUSTED_PROXY_COUNT is not a count")
	}
	var ip string
	if s.TrustedClientIPHeader != "" {
		ip = strings.Join(r.Header.Values(s.TrustedClientIPHeader), ",")
	} else {
		if xff := strings.Join(r.Header.Values("X-Forwarded-For"), ","); s.TrustedProxyCount > 0 && xff != "" {
			ips := strings.Split(xff, ",")
			if len(ips) < s.TrustedProxyCount {
				return netip.Addr{}, errors.New("headless: ALLAUTH_TRUSTED_PROXY_COUNT does not match X-Forwarded-For")
			}
			ip = ips[len(ips)-s.TrustedProxyCount]
		}
		if ip == "" {
			ip = r.RemoteAddr
			if host, _, err := net.SplitHostPort(ip); err == nil {
				ip = host
			}
		}
	}
	if ip == "" {
		return netip.Addr{}, errNoClientIP
	}
	// clean_client_ip
	ip = pystr.Strip(ip)
	if domain, port := django.SplitDomainPort(ip); port != "" && domain != "" {
		ip = strings.TrimSuffix(strings.TrimPrefix(domain, "["), "]")
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil || (addr.Is4() && strings.Contains(ip, ":")) {
		return netip.Addr{}, errNoClientIP
	}
	return addr, nil
}
