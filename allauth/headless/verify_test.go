package headless_test

import (
	"strings"
	"testing"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// TestVerifyEmail: a key of allauth's verification mail (signing.dumps of the address's
// id, salt ACCOUNT_SALT) read and taken, the address then verified and the key spent;
// a key of another salt refused.
func TestVerifyEmail(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	ds := st.h.Sessions.Settings()
	key, err := signing.Dumps(serializer.Int(2), signing.DumpsOptions{Key: ds.SecretKey, Salt: "account"})
	if err != nil {
		t.Fatal(err)
	}
	view := st.h.VerifyEmailView(nil)
	const path = "/_allauth/app/v1/auth/email/verify"
	if w := serve(view, "GET", path, "", "X-Email-Verification-Key", key); w.Code != 200 ||
		!strings.HasPrefix(w.Body.String(), `{"status": 200, "data": {"email": "bob@example.com", "user": {"id": 2, `) ||
		!strings.HasSuffix(w.Body.String(), `"meta": {"is_authenticating": false}}`) {
		t.Errorf("the key read: %d %s", w.Code, w.Body)
	}
	if w := serve(view, "POST", path, `{"key": "`+key+`"}`); w.Code != 401 {
		t.Errorf("the key taken: %d %s", w.Code, w.Body)
	}
	if w := serve(view, "POST", path, `{"key": "`+key+`"}`); w.Code != 400 || !strings.Contains(w.Body.String(), `"code": "invalid_or_expired_key"`) {
		t.Errorf("the key spent: %d %s", w.Code, w.Body)
	}
	other, _ := signing.Dumps(serializer.Int(2), signing.DumpsOptions{Key: ds.SecretKey, Salt: "another"})
	if w := serve(view, "GET", path, "", "X-Email-Verification-Key", other); w.Code != 400 {
		t.Errorf("a key of another salt: %d %s", w.Code, w.Body)
	}
}
