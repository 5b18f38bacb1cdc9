package messages

import (
	"errors"
	"testing"

	"github.com/djsession/djsession/serializer"
)

// FuzzDecode feeds the cookie and session readers arbitrary text: as a cookie value, as
// the payload of a validly signed cookie (JSON read as Django's MessageSerializer reads
// it), and as the session's "_messages" string, under the legacy and current rules. They
// must not panic, must fail only with ErrBadCookie or ErrBadData, and what they read must
// encode to data that reads back the same.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`[["__json_message",0,25,"Saved."],["__json_message",1,40,"<b>x</b>","tag"]]`,
		`[["__json_message",0,20,"a",null],"__messagesnotfinished__"]`,
		`[["__json_message",0," 25 ","a"],["__json_message","",true,"c","t"]]`,
		`[["__json_message",0,1e400,"a"]]`, `[["__json_message",0,25]]`, `{"a":1}`, `[`, `[]`, `"x"`,
		"0c9ec2b0b8f4b0c8b1c5e0d2a3f9e8d7c6b5a493$[]", "garbage", "a:b:c",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, text string, legacy bool) {
		s := testSettings(t, FallbackStorage)
		s.MessagesLegacyExtraTags, s.MessagesLegacyCookieFormats, s.AcceptLegacySessions = legacy, legacy, legacy
		c, err := newCodec(&s)
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, msgs []Message, err error) {
			if err != nil {
				if !errors.Is(err, ErrBadCookie) && !errors.Is(err, ErrBadData) {
					t.Fatalf("%s: %v", what, err)
				}
				return
			}
			again, err := c.decodeSession(mustEncode(t, c, msgs))
			if err != nil || len(again) != len(msgs) {
				t.Fatalf("%s: %d messages read back as %d: %v", what, len(msgs), len(again), err)
			}
			for i := range msgs {
				m, a := msgs[i], again[i]
				if m.Level != a.Level || m.Message != a.Message || m.Safe != a.Safe ||
					c.withTags(m) && m.ExtraTags != a.ExtraTags {
					t.Fatalf("%s: %+v read back as %+v", what, m, a)
				}
			}
		}
		msgs, _, err := c.decodeCookie(text)
		check("cookie", msgs, err)
		if v, err := serializer.DecodeJSON([]byte(text)); err == nil {
			tok, err := c.signer.SignObject(v, true)
			if err != nil {
				t.Fatal(err)
			}
			msgs, _, err = c.decodeCookie(tok)
			check("signed payload", msgs, err)
		}
		msgs, err = c.decodeSession(text)
		check("session", msgs, err)
	})
}

func mustEncode(t *testing.T, c *codec, msgs []Message) string {
	t.Helper()
	text, err := c.encodeSession(msgs)
	if err != nil {
		t.Fatal(err)
	}
	return text
}
