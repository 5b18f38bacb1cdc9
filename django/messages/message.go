// Package messages is Django's messages framework (django.contrib.messages) for Go
// handlers: the one-time notices ("Saved.", "Welcome back!") that a view adds and the next
// page shows, kept in the "messages" cookie, in the session under "_messages", or in both
// (MESSAGE_STORAGE's FallbackStorage, the default), byte for byte as Django keeps them.
//
// A Go handler can add a message and redirect to a Django page that shows it, and show
// the messages a Django view added; either side consumes what the other stored, as two
// Django views would.
//
//	mw, _ := messages.NewMiddleware(settings) // inside the session middleware
//	http.Handle("/", sessions.Handler(mw.Handler(mux)))
//
//	messages.Success(r, "Profile saved.")       // messages.success(request, ...)
//	for _, m := range messages.GetMessages(r) { // {% for message in messages %}
//		fmt.Println(m.Tags(), m.Message)
//	}
//
// The settings are Django's: MESSAGE_STORAGE, MESSAGE_LEVEL and MESSAGE_TAGS (fields of
// django.Settings), the SESSION_COOKIE_* settings for the cookie's attributes, SECRET_KEY
// and SECRET_KEY_FALLBACKS for its signature.
package messages

import "html/template"

// The message levels of django.contrib.messages.constants.
const (
	DEBUG   = 10
	INFO    = 20
	SUCCESS = 25
	WARNING = 30
	ERROR   = 40
)

// DefaultTags are Django's level tags (constants.DEFAULT_TAGS), to which MESSAGE_TAGS
// adds.
var DefaultTags = map[int]string{DEBUG: "debug", INFO: "info", SUCCESS: "success", WARNING: "warning", ERROR: "error"}

// Message is one message (django.contrib.messages.storage.base.Message).
type Message struct {
	// Level is the message's level (INFO, SUCCESS, ... or a level of the site's own).
	Level int
	// Message is the text.
	Message string
	// ExtraTags are the extra_tags given when the message was added (space-separated
	// words by convention).
	ExtraTags string
	// NoExtraTags is set when extra_tags is None (a message added with extra_tags=None,
	// or stored without them): the message is stored without the field, as Django does.
	NoExtraTags bool
	// Safe is set when the text is marked safe for HTML (mark_safe), which Django keeps
	// through storage; templates then do not escape it.
	Safe bool
	// LevelTag is the tag of the level under MESSAGE_TAGS (Django's message.level_tag),
	// filled in by the storage that hands the message out; "" for a level without one.
	LevelTag string
}

// Tags returns Django's message.tags: the extra tags and the level tag, those that are
// not empty, joined by a space ("important success").
func (m Message) Tags() string {
	switch {
	case m.ExtraTags == "":
		return m.LevelTag
	case m.LevelTag == "":
		return m.ExtraTags
	}
	return m.ExtraTags + " " + m.LevelTag
}

// String returns the text, as str(message).
func (m Message) String() string { return m.Message }

// HTML returns the text for an HTML page as Django's templates treat it: as it is when it
// was marked safe (Safe), else escaped (with html/template's entities, which browsers
// read as Django's).
func (m Message) HTML() template.HTML {
	if m.Safe {
		return template.HTML(m.Message)
	}
	return template.HTML(template.HTMLEscapeString(m.Message))
}

// levelTags merges MESSAGE_TAGS into the default tags, as utils.get_level_tags does.
func levelTags(custom map[int]string) map[int]string {
	if len(custom) == 0 {
		return DefaultTags
	}
	tags := make(map[int]string, len(DefaultTags)+len(custom))
	for l, t := range DefaultTags {
		tags[l] = t
	}
	for l, t := range custom {
		tags[l] = t
	}
	return tags
}
