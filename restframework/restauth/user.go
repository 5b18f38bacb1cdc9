package restauth

import (
	"errors"
	"net/http"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/restframework"
)

// updateUser is UserDetailsView's update (PUT) or, partial, partial_update (PATCH) of u:
// UserDetailsSerializer's writable fields (username, first_name, last_name) as DRF's
// ModelSerializer makes them from auth.User's, saved, and the user's details.
func (v *Views) updateUser(w http.ResponseWriter, r *http.Request, u *auth.User, partial bool) error {
	ctx := r.Context()
	var lookupErr error
	unique := func(name string) string {
		src, ok := v.Config.Users.(auth.UsernameSource)
		if !ok {
			lookupErr = errors.New("restauth: UserDetails needs a user source that implements auth.UsernameSource")
			return ""
		}
		other, err := src.UserByUsername(ctx, name)
		switch {
		case errors.Is(err, auth.ErrUserNotFound):
			return ""
		case err != nil:
			lookupErr = err
			return ""
		case other.ID != u.ID:
			return "A user with that username already exists."
		}
		return ""
	}
	fields := []restframework.CharField{
		{Name: "username", TrimWhitespace: true, Partial: partial, MaxLength: 150,
			Validators: []func(string) string{validUsername, unique}},
		{Name: "first_name", TrimWhitespace: true, Optional: true, AllowBlank: true, MaxLength: 150},
		{Name: "last_name", TrimWhitespace: true, Optional: true, AllowBlank: true, MaxLength: 150},
	}
	values, set, errs, err := restframework.ValidateCharFieldsSet(r, fields...)
	switch {
	case err != nil:
		return err
	case lookupErr != nil:
		return lookupErr
	case !errs.IsNone():
		return restframework.Response(w, r, http.StatusBadRequest, errs)
	}
	up, ok := v.Config.Users.(auth.UserUpdater)
	if !ok {
		return errors.New("restauth: UserDetails needs a user source that implements auth.UserUpdater")
	}
	changed := *u
	for i, p := range []*string{&changed.Username, &changed.FirstName, &changed.LastName} {
		if set[i] {
			*p = values[i]
		}
	}
	if err := up.UpdateUser(ctx, &changed); err != nil {
		return err
	}
	data, err := v.userDetails(&changed)
	if err != nil {
		return err
	}
	return restframework.Response(w, r, http.StatusOK, data)
}

// validUsername is auth.User's UnicodeUsernameValidator: r"^[\w.@+-]+\Z".
func validUsername(s string) string {
	for _, c := range s {
		if !pystr.IsWord(c) && c != '.' && c != '@' && c != '+' && c != '-' {
			return "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
		}
	}
	return ""
}
