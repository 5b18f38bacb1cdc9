package messages

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// Names and limits of Django's storages.
const (
	// CookieName is the name of CookieStorage's cookie.
	CookieName = "messages"
	// MaxCookieSize is CookieStorage.max_cookie_size: the longest value it stores; the
	// oldest messages (or, under FallbackStorage, the newest, which go to the session)
	// are left out of a cookie that would be longer.
	MaxCookieSize = 2048
	// SessionKey is the session key of SessionStorage.
	SessionKey = "_messages"

	cookieSalt  = "django.contrib.messages"
	messageKey  = "__json_message"
	notFinished = "__messagesnotfinished__"
)

// ErrBadCookie is matched by the errors of DecodeCookie for a value Django would not read:
// a bad signature (also signing.ErrBadSignature) or a payload that is not base64 or JSON.
// Django drops such a cookie, as the storages here do.
var ErrBadCookie = errors.New("messages: bad messages cookie")

// ErrBadData is matched by the errors for stored data whose signature (if any) is good but
// that is not a list of messages as Django's MessageEncoder writes them. Django fails on
// most such data with an exception (a 500); the storages here log it and show no messages.
var ErrBadData = errors.New("messages: stored messages are not in Django's format")

// codec encodes and decodes stored messages under one site's settings.
type codec struct {
	signer        *signing.TimestampSigner
	secret        string
	legacyTags    bool // MessagesLegacyExtraTags
	legacyFit     bool // MessagesLegacyCookieFit
	legacyFormats bool // MessagesLegacyCookieFormats
	legacyHash    bool // ... and AcceptLegacySessions
	tags          map[int]string
}

func newCodec(s *django.Settings) (*codec, error) {
	signer, err := s.CookieSigner(cookieSalt)
	if err != nil {
		return nil, err
	}
	return &codec{
		signer:        signer,
		secret:        s.SecretKey,
		legacyTags:    s.MessagesLegacyExtraTags,
		legacyFit:     s.MessagesLegacyCookieFit,
		legacyFormats: s.MessagesLegacyCookieFormats,
		legacyHash:    s.MessagesLegacyCookieFormats && s.AcceptLegacySessions,
		tags:          levelTags(s.MessageTags),
	}, nil
}

// value is MessageEncoder.default: [key, is_safe, level, message(, extra_tags)].
func (c *codec) value(m Message) serializer.Value {
	safe := int64(0)
	if m.Safe {
		safe = 1
	}
	items := []serializer.Value{serializer.Str(messageKey), serializer.Int(safe), serializer.Int(int64(m.Level)),
		serializer.Str(m.Message)}
	if c.withTags(m) {
		items = append(items, serializer.Str(m.ExtraTags))
	}
	return serializer.List(items...)
}

// withTags reports whether the encoder writes m's extra_tags: when not None, or (before
// Django 4.1) when not empty.
func (c *codec) withTags(m Message) bool {
	if c.legacyTags {
		return !m.NoExtraTags && m.ExtraTags != ""
	}
	return !m.NoExtraTags
}

// signList signs the list of values as CookieStorage._encode does: sign_object with the
// compact JSON serializer, compressed when that saves space.
func (c *codec) signList(items []serializer.Value) (string, error) {
	return c.signer.SignObject(serializer.List(items...), true)
}

// encodeCookie is CookieStorage._encode(messages), plus the not-finished mark when
// notFinishedMark.
func (c *codec) encodeCookie(msgs []Message, notFinishedMark bool) (string, error) {
	items := make([]serializer.Value, 0, len(msgs)+1)
	for _, m := range msgs {
		items = append(items, c.value(m))
	}
	if notFinishedMark {
		items = append(items, serializer.Str(notFinished))
	}
	return c.signList(items)
}

// storedLength is len(SimpleCookie().value_encode(value)[1]): the length, in characters,
// of the value as Python quotes it in the Set-Cookie header.
func storedLength(value string) int {
	return utf8.RuneCountInString(django.QuoteCookieValue(value))
}

// fitCookie is CookieStorage._store's encoding: all of msgs when the value fits in
// MaxCookieSize; otherwise as many as fit, with the not-finished mark, dropping the
// oldest when removeOldest (CookieStorage alone) or the newest (under FallbackStorage).
// It returns the value ("" for no messages) and the messages left out, in order.
func (c *codec) fitCookie(msgs []Message, removeOldest bool) (string, []Message, error) {
	if len(msgs) == 0 {
		return "", nil, nil
	}
	encoded, err := c.encodeCookie(msgs, false)
	if err != nil || storedLength(encoded) <= MaxCookieSize {
		return encoded, nil, err
	}
	if c.legacyFit {
		// Django < 5.0: one message at a time, until the value with the mark fits.
		kept := msgs
		for storedLength(encoded) > MaxCookieSize && len(kept) > 0 {
			if removeOldest {
				kept = kept[1:]
			} else {
				kept = kept[:len(kept)-1]
			}
			if encoded, err = c.encodeCookie(kept, true); err != nil {
				return "", nil, err
			}
		}
		if removeOldest {
			return encoded, msgs[:len(msgs)-len(kept)], nil
		}
		return encoded, msgs[len(kept):], nil
	}
	// Django 5.0+: bisection over where to cut, each candidate encoded with the mark.
	tooLarge := func(part []Message) (bool, error) {
		v, err := c.encodeCookie(part, true)
		return storedLength(v) > MaxCookieSize, err
	}
	lo, hi := 0, len(msgs)
	for lo < hi {
		mid := (lo + hi) / 2
		var part []Message
		if removeOldest {
			part = msgs[mid:]
		} else {
			part = msgs[:mid+1]
		}
		big, err := tooLarge(part)
		if err != nil {
			return "", nil, err
		}
		// Keeping the newest: a too-large tail moves the cut later. Keeping the oldest: a
		// too-large head moves it earlier.
		if big == removeOldest {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if removeOldest {
		encoded, err = c.encodeCookie(msgs[lo:], true)
		return encoded, msgs[:lo], err
	}
	encoded, err = c.encodeCookie(msgs[:lo], true)
	return encoded, msgs[lo:], err
}

// decodeCookie is CookieStorage._get: the messages of a cookie value and whether they are
// all (no not-finished mark). An error matches ErrBadCookie (Django: None, the cookie
// dropped) or ErrBadData.
func (c *codec) decodeCookie(value string) ([]Message, bool, error) {
	v, err := c.signer.UnsignObject(value)
	if err != nil {
		bad := fmt.Errorf("%w: %w", ErrBadCookie, err)
		if !c.legacyFormats {
			return nil, false, bad
		}
		// Django 3.2 and 4.0: a good signature over text that is not a signed object is
		// Django 3.1's format, the JSON text itself; a bad one may be the older
		// "<hash>$<json>" (3.2 only).
		text, ok := "", false
		if errors.Is(err, signing.ErrMalformed) {
			text, err = c.signer.Unsign(value)
			ok = err == nil
		} else if c.legacyHash {
			text, ok = c.legacyDecode(value)
		}
		if !ok || text == "" {
			return nil, false, bad
		}
		if v, err = serializer.DecodeJSONText(text); err != nil {
			return nil, false, fmt.Errorf("%w: %w", ErrBadCookie, err)
		}
	}
	return c.messages(v, true)
}

// legacyDecode reads Django < 3.1's "<hash>$<json>", the hash being the hex SHA-1
// salted_hmac("django.contrib.messages", json) under SECRET_KEY.
func (c *codec) legacyDecode(value string) (string, bool) {
	hash, text, ok := strings.Cut(value, "$")
	if !ok {
		return "", false
	}
	mac, err := signing.SaltedHMAC(cookieSalt, text, c.secret, "sha1")
	if err != nil {
		return "", false
	}
	want := hex.EncodeToString(mac)
	return text, subtle.ConstantTimeCompare([]byte(hash), []byte(want)) == 1
}

// messages is MessageDecoder.process_messages on the decoded list, then the not-finished
// mark taken off its end (cookies only).
func (c *codec) messages(v serializer.Value, cookie bool) ([]Message, bool, error) {
	if v.Kind() != serializer.KindList {
		return nil, false, fmt.Errorf("%w: a %s, not a list", ErrBadData, v.Kind())
	}
	items := v.Items()
	all := true
	if n := len(items); cookie && n > 0 {
		if s, ok := items[n-1].AsStr(); ok && s == notFinished {
			items, all = items[:n-1], false
		}
	}
	out := make([]Message, 0, len(items))
	for i, it := range items {
		m, err := c.message(it)
		if err != nil {
			return nil, false, fmt.Errorf("%w: item %d: %w", ErrBadData, i, err)
		}
		out = append(out, m)
	}
	return out, all, nil
}

// message reads one encoded message as Message(*obj[2:]) takes it.
func (c *codec) message(v serializer.Value) (Message, error) {
	f := v.Items()
	if v.Kind() != serializer.KindList || len(f) == 0 {
		return Message{}, fmt.Errorf("a %s, not a message", v.Kind())
	}
	if k, ok := f[0].AsStr(); !ok || k != messageKey {
		return Message{}, errors.New("a list that is not a message")
	}
	if len(f) < 4 || len(f) > 5 {
		return Message{}, fmt.Errorf("a message of %d fields", len(f))
	}
	level, err := pyInt(f[2])
	if err != nil {
		return Message{}, err
	}
	text, ok := f[3].AsStr()
	if !ok {
		return Message{}, fmt.Errorf("a message text that is a %s", f[3].Kind())
	}
	m := Message{Level: level, Message: text, Safe: f[1].Truthy(), NoExtraTags: true}
	if len(f) == 5 && !f[4].IsNone() {
		if m.ExtraTags, ok = f[4].AsStr(); !ok {
			return Message{}, fmt.Errorf("extra_tags that are a %s", f[4].Kind())
		}
		m.NoExtraTags = false
	}
	m.LevelTag = c.tags[m.Level]
	return m, nil
}

// pyInt is int(x) for the JSON values Django's Message takes as a level (ints of 64 bits
// here).
func pyInt(v serializer.Value) (int, error) {
	switch v.Kind() {
	case serializer.KindInt:
		if i, ok := v.AsInt(); ok {
			return int(i), nil
		}
	case serializer.KindBool:
		if b, _ := v.AsBool(); b {
			return 1, nil
		}
		return 0, nil
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		if f = math.Trunc(f); f >= math.MinInt64 && f < math.MaxInt64 {
			return int(f), nil
		}
	case serializer.KindStr:
		s, _ := v.AsStr()
		if i, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			return i, nil
		}
	}
	return 0, fmt.Errorf("a level %s that is not an int of 64 bits", v)
}

// encodeSession is SessionStorage.serialize_messages: MessageEncoder().encode(messages),
// Python's json.dumps with its default separators ", " and ": ", ASCII only.
func (c *codec) encodeSession(msgs []Message) (string, error) {
	b := make([]byte, 0, 64*len(msgs))
	b = append(b, '[')
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ", "...)
		}
		var err error
		b = append(b, `["`+messageKey+`", `...)
		if m.Safe {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
		b = append(b, ", "...)
		b = strconv.AppendInt(b, int64(m.Level), 10)
		b = append(b, ", "...)
		if b, err = serializer.AppendJSON(b, serializer.Str(m.Message)); err != nil {
			return "", err
		}
		if c.withTags(m) {
			b = append(b, ", "...)
			if b, err = serializer.AppendJSON(b, serializer.Str(m.ExtraTags)); err != nil {
				return "", err
			}
		}
		b = append(b, ']')
	}
	return string(append(b, ']')), nil
}

// decodeSession is SessionStorage.deserialize_messages on a str: json.loads of the text,
// then the messages.
func (c *codec) decodeSession(text string) ([]Message, error) {
	v, err := serializer.DecodeJSONText(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadData, err)
	}
	msgs, _, err := c.messages(v, false)
	return msgs, err
}

// EncodeCookie returns the value Django's CookieStorage stores in the messages cookie for
// msgs under settings s (without the size limit; see MaxCookieSize).
func EncodeCookie(s *django.Settings, msgs []Message) (string, error) {
	c, err := newCodec(s)
	if err != nil {
		return "", err
	}
	return c.encodeCookie(msgs, false)
}

// DecodeCookie reads a messages cookie value under settings s: the messages, and whether
// they are all of them (false when the cookie ends with Django's "not finished" mark: the
// rest are in the session, under FallbackStorage). Errors match ErrBadCookie or
// ErrBadData.
func DecodeCookie(s *django.Settings, value string) ([]Message, bool, error) {
	c, err := newCodec(s)
	if err != nil {
		return nil, false, err
	}
	return c.decodeCookie(value)
}

// EncodeSession returns the string Django's SessionStorage stores under the session key
// "_messages" for msgs (s decides how empty extra tags are stored).
func EncodeSession(s *django.Settings, msgs []Message) (string, error) {
	return (&codec{legacyTags: s.MessagesLegacyExtraTags}).encodeSession(msgs)
}

// DecodeSession reads the string Django's SessionStorage stores under "_messages", with
// the level tags of s. Errors match ErrBadData.
func DecodeSession(s *django.Settings, text string) ([]Message, error) {
	return (&codec{tags: levelTags(s.MessageTags)}).decodeSession(text)
}
