package restauth

import (
	"errors"
	"net/http"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// passwordField is a password field of dj-rest-auth's serializers: CharField(max_length=128).
func passwordField(name string) restframework.CharField {
	return restframework.CharField{Name: name, TrimWhitespace: true, MaxLength: 128}
}

func passwordInfo(name, label string) serializer.Value {
	return fieldInfo(name, "type", "string", "required", true, "read_only", false, "label", label, "max_length", 128)
}

const passwordChangeDescription = `
    Calls Django Auth SetPasswordForm save method.

    Accepts the following POST parameters: new_password1, new_password2
    Returns the success/fail message.
    `

// PasswordChange is PasswordChangeView, for an authenticated user (IsAuthenticated): a
// POST of new_password1 and new_password2 (and old_password, the user's password, with
// OldPasswordFieldEnabled), each at most 128 characters, checked as Django's
// SetPasswordForm checks them (the same, and passing PasswordValidators: else 400
// {"new_password2": [...]}), sets the user's password (auth.SetPassword) and, unless
// LogoutOnPasswordChange, keeps the request's session logged in (auth.UpdateSessionAuthHash:
// a new key, the new hash); the user's other sessions are logged out by the new hash, as
// in Django. It answers {"detail": "New password has been saved."}.
func (v *Views) PasswordChange() http.Handler {
	var fields []restframework.CharField
	var infos []serializer.Value
	if v.Settings != nil && v.Settings.OldPasswordFieldEnabled {
		fields = append(fields, passwordField("old_password"))
		infos = append(infos, passwordInfo("old_password", "Old password"))
	}
	fields = append(fields, passwordField("new_password1"), passwordField("new_password2"))
	infos = append(infos, passwordInfo("new_password1", "New password1"), passwordInfo("new_password2", "New password2"))
	return v.apiView("Password Change", passwordChangeDescription, []string{http.MethodPost}, restframework.IsAuthenticated{},
		true, metadata(http.MethodPost, infos...), func(w http.ResponseWriter, r *http.Request) error {
			ctx := r.Context()
			u := restframework.FromContext(ctx).User
			values, errs, err := restframework.ValidateCharFields(r, fields...)
			if err != nil {
				return err
			}
			old := len(fields) == 3
			if old { // (validate_old_password, once its field is valid)
				oldValue, oldErrs, _ := restframework.ValidateCharFields(r, fields[0])
				if oldErrs.IsNone() {
					ok, err := auth.CheckPassword(ctx, u, oldValue[0], v.Config)
					if err != nil {
						return err
					}
					if !ok {
						errs = withFirst(errs, "old_password",
							"Your old password was entered incorrectly. Please enter it again.")
					}
				}
			}
			if !errs.IsNone() {
				return restframework.Response(w, r, http.StatusBadRequest, errs)
			}
			if old {
				values = values[1:]
			}
			if failed, err := v.checkNewPassword(w, r, u, values[0], values[1]); failed || err != nil {
				return err
			}
			if err := auth.SetPassword(ctx, u, values[0], v.Config); err != nil {
				return err
			}
			if !v.Settings.LogoutOnPasswordChange {
				sess := django.FromContext(ctx)
				if sess == nil {
					return auth.ErrNoSessionMiddleware
				}
				if err := auth.UpdateSessionAuthHash(ctx, sess, u, v.Config); err != nil {
					return err
				}
			}
			return detail(w, r, http.StatusOK, "New password has been saved.")
		})
}

// withFirst is the serializer's errors errs (None for none) with [msg] for field first.
func withFirst(errs serializer.Value, field, msg string) serializer.Value {
	d := serializer.NewDict()
	d.Set(field, serializer.List(serializer.Str(msg)))
	if !errs.IsNone() {
		for k, v := range errs.Dict().All() {
			d.SetKey(k, v)
		}
	}
	return serializer.DictValue(d)
}

// checkNewPassword is SetPasswordForm's check of p1 and p2 for u inside the serializer's
// validate: failed, with the 400 answered, when the form has errors.
func (v *Views) checkNewPassword(w http.ResponseWriter, r *http.Request, u *auth.User, p1, p2 string) (failed bool, err error) {
	pe, err := auth.CheckNewPassword(u, p1, p2, v.PasswordValidators)
	if err != nil || pe == nil {
		return false, err
	}
	msgs := make([]serializer.Value, len(pe))
	for i, e := range pe {
		msgs[i] = serializer.Str(e.Message)
	}
	return true, restframework.Response(w, r, http.StatusBadRequest, object("new_password2", serializer.List(msgs...)))
}

const resetConfirmDescription = `
    Password reset e-mail link is confirmed, therefore
    this resets the user's password.

    Accepts the following POST parameters: token, uid,
        new_password1, new_password2
    Returns the success/fail message.
    `

// PasswordResetConfirm is PasswordResetConfirmView: a POST of new_password1,
// new_password2 (at most 128 characters), uid and token (a password reset link's uidb64
// and token, as Django's PasswordResetForm mails them) sets the password of the user uid
// names when ResetTokens takes the token (else 400 {"uid": ["Invalid value"]} or
// {"token": ["Invalid value"]}), the new password checked as SetPasswordForm checks it.
// It answers {"detail": "Password has been reset with the new password."}.
func (v *Views) PasswordResetConfirm() http.Handler {
	fields := []restframework.CharField{passwordField("new_password1"), passwordField("new_password2"),
		{Name: "uid", TrimWhitespace: true}, {Name: "token", TrimWhitespace: true}}
	actions := metadata(http.MethodPost, passwordInfo("new_password1", "New password1"),
		passwordInfo("new_password2", "New password2"),
		fieldInfo("uid", "type", "string", "required", true, "read_only", false, "label", "Uid"),
		fieldInfo("token", "type", "string", "required", true, "read_only", false, "label", "Token"))
	return v.apiView("Password Reset Confirm", resetConfirmDescription, []string{http.MethodPost}, restframework.AllowAny{},
		true, actions, func(w http.ResponseWriter, r *http.Request) error {
			if v.ResetTokens == nil {
				return errors.New("restauth: PasswordResetConfirm needs ResetTokens")
			}
			values, errs, err := restframework.ValidateCharFields(r, fields...)
			if err != nil {
				return err
			}
			if !errs.IsNone() {
				return restframework.Response(w, r, http.StatusBadRequest, errs)
			}
			invalid := func(field string) error {
				return restframework.Response(w, r, http.StatusBadRequest,
					object(field, serializer.List(serializer.Str("Invalid value"))))
			}
			u, err := v.resetUser(r, values[2])
			if err != nil {
				return err
			}
			if u == nil {
				return invalid("uid")
			}
			if !v.ResetTokens.CheckToken(u, values[3]) {
				return invalid("token")
			}
			if failed, err := v.checkNewPassword(w, r, u, values[0], values[1]); failed || err != nil {
				return err
			}
			if err := auth.SetPassword(r.Context(), u, values[0], v.Config); err != nil {
				return err
			}
			return detail(w, r, http.StatusOK, "Password has been reset with the new password.")
		})
}

// resetUser is the user uid (urlsafe_base64_decode'd) names, nil for none.
func (v *Views) resetUser(r *http.Request, uid string) (*auth.User, error) {
	id, err := auth.DecodeUID(uid)
	if err != nil {
		return nil, nil
	}
	if id, err = v.Config.PK.Normalize(id); err != nil {
		return nil, nil
	}
	u, err := v.Config.Users.User(r.Context(), id)
	if errors.Is(err, auth.ErrUserNotFound) || errors.Is(err, auth.ErrInvalidUserID) {
		return nil, nil
	}
	return u, err
}

const resetDescription = `
    Calls Django Auth PasswordResetForm save method.

    Accepts the following POST parameters: email
    Returns the success/fail message.
    `

// PasswordReset is PasswordResetView: a POST of an email (an EmailField, then Django's
// PasswordResetForm, whose own errors DRF nests under the field: {"email": {"email":
// ["Ensure this value has at most 254 characters (it has 300)."]}}) sends the reset email
// to each active user of that address with a usable password (SendMail, with a link
// Django's PasswordResetConfirmView and PasswordResetConfirm take; from the request's
// host, or Site), and answers {"detail": "Password reset e-mail has been sent."}, users
// or not. It needs Django (ALLOWED_HOSTS), ResetTokens and SendMail.
func (v *Views) PasswordReset() http.Handler {
	field := restframework.CharField{Name: "email", TrimWhitespace: true, Validate: v.validateEmail, Invalid: invalidEmail}
	actions := metadata(http.MethodPost,
		fieldInfo("email", "type", "email", "required", true, "read_only", false, "label", "Email"))
	return v.apiView("Password Reset", resetDescription, []string{http.MethodPost}, restframework.AllowAny{},
		true, actions, func(w http.ResponseWriter, r *http.Request) error {
			if v.Django == nil || v.ResetTokens == nil || v.SendMail == nil {
				return errors.New("restauth: PasswordReset needs Django, ResetTokens and SendMail")
			}
			values, errs, err := restframework.ValidateCharFields(r, field)
			if err != nil {
				return err
			}
			if !errs.IsNone() {
				return restframework.Response(w, r, http.StatusBadRequest, errs)
			}
			if fe := auth.EmailFieldErrors(v.Django, values[0], 254); fe != nil { // (validate_email: the form)
				msgs := make([]serializer.Value, len(fe))
				for i, e := range fe {
					msgs[i] = serializer.Str(e.Message)
				}
				return restframework.Response(w, r, http.StatusBadRequest,
					object("email", object("email", serializer.List(msgs...))))
			}
			err = auth.SendPasswordResetEmails(r, values[0], &auth.PasswordResetOptions{Settings: v.Django,
				Config: v.Config, Tokens: v.ResetTokens, Site: v.Site, SendMail: v.SendMail})
			if err != nil {
				return err
			}
			return detail(w, r, http.StatusOK, "Password reset e-mail has been sent.")
		})
}
