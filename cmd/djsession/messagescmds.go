package main

import (
	"encoding/json"
	"flag"
	"fmt"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/messages"
)

func init() {
	commands["decode-messages"] = &command{
		synopsis: "decode-messages [--session] [--django-version V] [--accept-sha1] VALUE",
		help: `Prints the messages of Django's messages framework stored in VALUE, one JSON object per
line ({"level", "message", "extra_tags", "safe", "tags"}): VALUE is the "messages" cookie's
value (CookieStorage, FallbackStorage), or with --session the string the session holds
under "_messages" (SessionStorage). A cookie ending with Django's "not finished" mark says
so on standard error (the rest are in the session). --django-version reads as that version
does (3.2 and 4.0 also read Django 3.1's cookies; 3.2 the older "hash$json" ones).
VALUE "-": standard input.`,
		arg:   "VALUE",
		setup: func(fs *flag.FlagSet) runner { return setupMessages(fs, true) },
	}
	commands["encode-messages"] = &command{
		synopsis: "encode-messages [--session] [--django-version V] MESSAGES",
		help: `Prints what Django's messages framework stores for MESSAGES, a JSON list of objects
{"level": 25, "message": "Saved.", "extra_tags": "" or null, "safe": false}: the "messages"
cookie's value (without CookieStorage's 2048-character cut), or with --session the string
the session holds under "_messages". --django-version writes as that version does (before
4.1, empty extra tags are left out). MESSAGES "-": standard input.`,
		arg:   "MESSAGES",
		setup: func(fs *flag.FlagSet) runner { return setupMessages(fs, false) },
	}
}

// cliMessage is a message on the command line.
type cliMessage struct {
	Level     int     `json:"level"`
	Message   string  `json:"message"`
	ExtraTags *string `json:"extra_tags"`
	Safe      bool    `json:"safe"`
	Tags      *string `json:"tags,omitempty"`
}

func setupMessages(fs *flag.FlagSet, decode bool) runner {
	session := fs.Bool("session", false, "the session's \"_messages\" string (SessionStorage) instead of the cookie")
	version := fs.String("django-version", "", "read or write as this Django `version` does (default: current Django)")
	var acceptSHA1 *bool
	if decode {
		acceptSHA1 = fs.Bool("accept-sha1", false, "also accept SHA-1 signatures and the cookies of Django 3.1 and before (as Django 3.2; implied by --django-version 3.2)")
	}
	return func(a *app, cfg *config, arg string) error {
		s := django.NewSettings()
		s.SecretKey, s.SecretKeyFallbacks, s.Now = cfg.key, cfg.fallbackKeys, cfg.now
		if *version != "" {
			if err := s.ForDjango(*version); err != nil {
				return usagef("--django-version: %v", err)
			}
		}
		if acceptSHA1 != nil && *acceptSHA1 {
			s.AcceptLegacySessions, s.MessagesLegacyCookieFormats = true, true
		}
		text, err := a.readArg(arg, decode, false)
		if err != nil {
			return err
		}
		if decode && !*session {
			// As pasted from a Set-Cookie header, where Python quotes the older formats.
			text = django.UnquoteCookieValue(text)
		}
		if !decode {
			var in []cliMessage
			if err := json.Unmarshal([]byte(text), &in); err != nil {
				return usagef("MESSAGES: %v", err)
			}
			msgs := make([]messages.Message, len(in))
			for i, m := range in {
				msgs[i] = messages.Message{Level: m.Level, Message: m.Message, Safe: m.Safe, NoExtraTags: m.ExtraTags == nil}
				if m.ExtraTags != nil {
					msgs[i].ExtraTags = *m.ExtraTags
				}
			}
			var out string
			if *session {
				out, err = messages.EncodeSession(&s, msgs)
			} else {
				out, err = messages.EncodeCookie(&s, msgs)
			}
			if err != nil {
				return err
			}
			return a.printLine(out)
		}
		var msgs []messages.Message
		all := true
		if *session {
			msgs, err = messages.DecodeSession(&s, text)
		} else {
			msgs, all, err = messages.DecodeCookie(&s, text)
		}
		if err != nil {
			return err
		}
		for _, m := range msgs {
			out := cliMessage{Level: m.Level, Message: m.Message, Safe: m.Safe}
			if !m.NoExtraTags {
				out.ExtraTags = &m.ExtraTags
			}
			tags := m.Tags()
			out.Tags = &tags
			line, err := json.Marshal(out)
			if err != nil {
				return err
			}
			if err := a.printLine(string(line)); err != nil {
				return err
			}
		}
		if !all {
			fmt.Fprintln(a.stderr, "djsession: the cookie ends with Django's \"not finished\" mark: more messages are in the session")
		}
		return nil
	}
}
