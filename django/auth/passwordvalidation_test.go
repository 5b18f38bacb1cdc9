package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
)

// TestPasswordValidatorsSettings: AUTH_PASSWORD_VALIDATORS entries that Go cannot build
// as Django would are refused with a clear error, never half-built.
func TestPasswordValidatorsSettings(t *testing.T) {
	const p = "django.contrib.auth.password_validation."
	tests := []struct {
		entry django.PasswordValidatorSetting
		want  string // part of the error; "" for none
	}{
		{django.PasswordValidatorSetting{Name: p + "NumericPasswordValidator"}, ""},
		{django.PasswordValidatorSetting{Name: "myapp.validators.NoEmoji"}, "not supported"},
		{django.PasswordValidatorSetting{Name: p + "MinimumLengthValidator", Options: map[string]any{"min_length": 2.5}}, "min_length"},
		{django.PasswordValidatorSetting{Name: p + "MinimumLengthValidator", Options: map[string]any{"min": 9.0}}, "unexpected option"},
		{django.PasswordValidatorSetting{Name: p + "UserAttributeSimilarityValidator", Options: map[string]any{"max_similarity": 0.05}}, "max_similarity"},
		{django.PasswordValidatorSetting{Name: p + "UserAttributeSimilarityValidator", Options: map[string]any{"user_attributes": "email"}}, "user_attributes"},
		{django.PasswordValidatorSetting{Name: p + "CommonPasswordValidator"}, "common-passwords"},
		{django.PasswordValidatorSetting{Name: p + "CommonPasswordValidator", Options: map[string]any{"password_list_path": "/nonexistent/list.gz"}}, "no such file"},
	}
	for _, tc := range tests {
		s := django.NewSettings()
		s.AuthPasswordValidators = []django.PasswordValidatorSetting{tc.entry}
		vals, err := auth.PasswordValidators(&s, "")
		switch {
		case tc.want == "" && (err != nil || len(vals) != 1):
			t.Errorf("%v: %v, %v", tc.entry, vals, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || vals != nil):
			t.Errorf("%v: %v, %v; want an error with %q", tc.entry, vals, err, tc.want)
		}
		if tc.want == "not supported" && !errors.Is(err, auth.ErrUnsupported) {
			t.Errorf("%v: %v is not ErrUnsupported", tc.entry, err)
		}
	}
}
