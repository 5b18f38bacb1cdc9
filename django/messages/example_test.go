package messages_test

import (
	"fmt"
	"html"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/messages"
	"github.com/djsession/djsession/engines/signedcookies"
)

// A Go view adds a message and redirects; the next page, Go's or Django's, shows it, as
// {% for message in messages %} would.
func ExampleMiddleware() {
	s := django.NewSettings()
	s.SecretKey = "your SECRET_KEY"
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		log.Fatal(err)
	}
	s.SessionEngine = store
	sessions, err := django.NewMiddleware(s)
	if err != nil {
		log.Fatal(err)
	}
	msgs, err := messages.NewMiddleware(s) // MESSAGE_STORAGE: FallbackStorage
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /profile", func(w http.ResponseWriter, r *http.Request) {
		messages.Success(r, "Profile saved.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		for _, m := range messages.GetMessages(r) {
			fmt.Fprintf(w, "<li class=\"%s\">%s</li>\n", html.EscapeString(m.Tags()), m.HTML())
		}
	})
	h := sessions.Handler(msgs.Handler(mux)) // the session middleware outside

	post := httptest.NewRecorder()
	h.ServeHTTP(post, httptest.NewRequest("POST", "/profile", nil))
	cookie := post.Header().Get("Set-Cookie") // messages=...; HttpOnly; Path=/; SameSite=Lax
	fmt.Println(strings.SplitN(cookie, "=", 2)[0])

	get := httptest.NewRequest("GET", "/", nil)
	get.Header.Set("Cookie", strings.SplitN(cookie, ";", 2)[0])
	page := httptest.NewRecorder()
	h.ServeHTTP(page, get)
	fmt.Print(page.Body.String())
	fmt.Println(page.Header().Get("Set-Cookie")) // read: the cookie is deleted
	// Output:
	// messages
	// <li class="success">Profile saved.</li>
	// messages=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax
}
