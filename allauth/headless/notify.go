package headless

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
)

// notificationsHandOn tells whether a view that would send a notification
// (ACCOUNT_EMAIL_NOTIFICATIONS) hands its request on, for want of a Mailer; decided
// before anything is written.
func (h *Headless) notificationsHandOn() bool {
	return h.Settings.EmailNotifications && h.Mailer == nil
}

// notify is the adapter's send_notification_mail(prefix, u) with
// ACCOUNT_EMAIL_NOTIFICATIONS: the mail to the user's primary address (else its own),
// its context "timestamp" (timezone.now(): a time.Time, in UTC with USE_TZ, else the
// wall clock of TIME_ZONE), "ip" (the client's address, as allauth's adapter finds it)
// and "user_agent" (the request's User-Agent, "Unspecified" without one, at most 200
// characters). None for a user without an address.
func (h *Headless) notify(ctx context.Context, r *http.Request, prefix string, u *auth.User) error {
	return h.notifyWith(ctx, r, prefix, u, "", nil)
}

// notifyWith is send_notification_mail(prefix, u, extra, email): notify's mail, to
// email unless it is "", its context updated with extra.
func (h *Headless) notifyWith(ctx context.Context, r *http.Request, prefix string, u *auth.User, email string, extra map[string]any) error {
	if !h.Settings.EmailNotifications {
		return nil
	}
	if h.Mailer == nil {
		return ErrLoginStage
	}
	var err error
	if email == "" {
		if email, err = h.primaryEmail(ctx, u); err != nil || email == "" {
			return err
		}
	}
	addr, err := h.clientAddr(r)
	if err != nil {
		return err
	}
	ua := "Unspecified"
	if v := r.Header.Values("User-Agent"); len(v) > 0 { // (as WSGI joins a header's lines)
		ua = pystr.Head(pystr.Latin1(strings.Join(v, ",")), 200)
	}
	ds := h.Sessions.Settings()
	now := h.now()
	if ds.UseTZ {
		now = now.UTC()
	} else if loc, err := ds.Location(); err == nil {
		y, mo, d := now.In(loc).Date()
		hh, mi, ss := now.In(loc).Clock()
		now = time.Date(y, mo, d, hh, mi, ss, now.Nanosecond()/1000*1000, time.UTC)
	}
	mc := map[string]any{"timestamp": now, "ip": addr.String(), "user_agent": ua}
	for k, v := range extra {
		mc[k] = v
	}
	return h.Mailer.SendMail(ctx, Mail{TemplatePrefix: prefix, Email: email, Context: mc})
}
