package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/pystr"
)

// Django's password validation (django.contrib.auth.password_validation, the
// AUTH_PASSWORD_VALIDATORS setting): what a Go endpoint that sets passwords (a sign-up,
// a password change or reset) must check to refuse what Django's forms refuse, with
// Django's error codes and (English) messages.

// ErrInvalidPassword is matched (errors.Is) by the error ValidatePassword returns.
var ErrInvalidPassword = errors.New("auth: the password does not pass the password validators")

// PasswordError is one ValidationError of a validator: its code ("password_too_short",
// "password_too_similar", "password_too_common", "password_entirely_numeric") and its
// message as Django's English locale words it.
type PasswordError struct {
	Code    string
	Message string
}

// PasswordErrors is the ValidationError validate_password raises: every failing
// validator's error, in the order of the validators.
type PasswordErrors []PasswordError

func (e PasswordErrors) Error() string {
	msgs := make([]string, len(e))
	for i, pe := range e {
		msgs[i] = pe.Message
	}
	return "auth: invalid password: " + strings.Join(msgs, " ")
}

// Is makes PasswordErrors match ErrInvalidPassword.
func (e PasswordErrors) Is(target error) bool { return target == ErrInvalidPassword }

// PasswordUser is what the validators see of the user whose password it is (Django's
// user argument): its attributes by name, such as "username", "first_name",
// "last_name" and "email" (attributes that are missing or "" are skipped, as Django
// skips empty or non-string ones), and the verbose names of the model's fields for the
// messages (VerboseNames; Django's auth.User's are used for the four above when absent,
// and an attribute that is no field is named as it is).
type PasswordUser struct {
	Attributes   map[string]string
	VerboseNames map[string]string
}

// authUserVerboseNames are the verbose names of auth.User's fields the default
// UserAttributeSimilarityValidator compares.
var authUserVerboseNames = map[string]string{
	"username": "username", "first_name": "first name", "last_name": "last name", "email": "email address",
}

// A PasswordValidator is one entry of AUTH_PASSWORD_VALIDATORS.
type PasswordValidator interface {
	// Validate returns nil for a password that passes, else the error Django raises.
	// user is nil when there is none (Django's user=None).
	Validate(password string, user *PasswordUser) *PasswordError
	// HelpText is the validator's get_help_text().
	HelpText() string
}

// ValidatePassword is Django's validate_password: it runs every validator and returns
// nil, or the PasswordErrors of those that refuse the password (an error matching
// ErrInvalidPassword). user may be nil.
func ValidatePassword(password string, user *PasswordUser, validators []PasswordValidator) error {
	var errs PasswordErrors
	for _, v := range validators {
		if e := v.Validate(password, user); e != nil {
			errs = append(errs, *e)
		}
	}
	if errs != nil {
		return errs
	}
	return nil
}

// Validator paths of AUTH_PASSWORD_VALIDATORS that PasswordValidators knows.
const validationModule = "django.contrib.auth.password_validation."

// PasswordValidators returns the validators of s.AuthPasswordValidators (AUTH_PASSWORD_VALIDATORS,
// as scripts/export_settings.py exports it), as Django's get_default_password_validators
// instantiates them with their OPTIONS: min_length, user_attributes and max_similarity
// (at least 0.1, as Django requires), password_list_path. A CommonPasswordValidator
// without password_list_path reads commonPasswords, the path of Django's own list on this
// machine (Django's default is inside the Django installation of the site's machine).
// Another validator is ErrUnsupported: give its Go counterpart yourself.
func PasswordValidators(s *django.Settings, commonPasswords string) ([]PasswordValidator, error) {
	var vals []PasswordValidator
	for _, entry := range s.AuthPasswordValidators {
		name, ok := strings.CutPrefix(entry.Name, validationModule)
		if !ok {
			return nil, fmt.Errorf("%w: password validator %s", ErrUnsupported, entry.Name)
		}
		opts := entry.Options
		known := map[string][]string{
			"MinimumLengthValidator": {"min_length"}, "UserAttributeSimilarityValidator": {"user_attributes", "max_similarity"},
			"CommonPasswordValidator": {"password_list_path"}, "NumericPasswordValidator": nil,
		}
		params, ok := known[name]
		if !ok {
			return nil, fmt.Errorf("%w: password validator %s", ErrUnsupported, entry.Name)
		}
		for k := range opts {
			if !slices.Contains(params, k) {
				return nil, fmt.Errorf("auth: %s: unexpected option %q (Django raises TypeError)", entry.Name, k)
			}
		}
		bad := func(opt string) error {
			return fmt.Errorf("auth: %s: option %s: %v", entry.Name, opt, opts[opt])
		}
		switch name {
		case "MinimumLengthValidator":
			v := MinimumLengthValidator{}
			if x, ok := opts["min_length"]; ok {
				f, isNum := x.(float64)
				if !isNum || f != math.Trunc(f) || f < 1 {
					return nil, bad("min_length")
				}
				v.MinLength = int(f)
			}
			vals = append(vals, v)
		case "UserAttributeSimilarityValidator":
			v := UserAttributeSimilarityValidator{}
			if x, ok := opts["max_similarity"]; ok {
				f, isNum := x.(float64)
				if !isNum || f < 0.1 {
					return nil, bad("max_similarity")
				}
				v.MaxSimilarity = f
			}
			if x, ok := opts["user_attributes"]; ok {
				list, isList := x.([]any)
				if !isList {
					return nil, bad("user_attributes")
				}
				v.UserAttributes = []string{}
				for _, a := range list {
					name, isStr := a.(string)
					if !isStr {
						return nil, bad("user_attributes")
					}
					v.UserAttributes = append(v.UserAttributes, name)
				}
			}
			vals = append(vals, v)
		case "CommonPasswordValidator":
			path := commonPasswords
			if x, ok := opts["password_list_path"]; ok {
				if path, ok = x.(string); !ok {
					return nil, bad("password_list_path")
				}
			}
			if path == "" {
				return nil, fmt.Errorf("auth: %s needs the path of Django's common-passwords.txt.gz", entry.Name)
			}
			v, err := NewCommonPasswordValidator(path)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		case "NumericPasswordValidator":
			vals = append(vals, NumericPasswordValidator{})
		}
	}
	return vals, nil
}

// PasswordValidatorsHelpTexts is Django's password_validators_help_texts.
func PasswordValidatorsHelpTexts(validators []PasswordValidator) []string {
	texts := make([]string, len(validators))
	for i, v := range validators {
		texts[i] = v.HelpText()
	}
	return texts
}

// MinimumLengthValidator refuses passwords of fewer than MinLength characters (code
// points; 0 means Django's default, 8).
type MinimumLengthValidator struct{ MinLength int }

func (v MinimumLengthValidator) min() int {
	if v.MinLength == 0 {
		return 8
	}
	return v.MinLength
}

func characters(n int) string {
	if n == 1 {
		return "1 character"
	}
	return strconv.Itoa(n) + " characters"
}

// Validate implements PasswordValidator.
func (v MinimumLengthValidator) Validate(password string, _ *PasswordUser) *PasswordError {
	if n := v.min(); utf8.RuneCountInString(password) < n {
		return &PasswordError{"password_too_short", "This password is too short. It must contain at least " + characters(n) + "."}
	}
	return nil
}

// HelpText implements PasswordValidator.
func (v MinimumLengthValidator) HelpText() string {
	return "Your password must contain at least " + characters(v.min()) + "."
}

// UserAttributeSimilarityValidator refuses a password too similar to one of the user's
// attributes, or to a part of one between non-word characters (the "alice" of
// "alice@example.com"), by difflib's quick_ratio of the lowered strings: at least
// MaxSimilarity (0 means Django's default, 0.7; Django refuses less than 0.1). Values far
// shorter than the password are not compared, as Django's exceeds_maximum_length_ratio
// skips them. UserAttributes nil means Django's username, first_name, last_name and
// email.
type UserAttributeSimilarityValidator struct {
	UserAttributes []string
	MaxSimilarity  float64
}

// Validate implements PasswordValidator.
func (v UserAttributeSimilarityValidator) Validate(password string, user *PasswordUser) *PasswordError {
	if user == nil {
		return nil
	}
	maxSim := v.MaxSimilarity
	if maxSim == 0 {
		maxSim = 0.7
	}
	attrs := v.UserAttributes
	if attrs == nil {
		attrs = []string{"username", "first_name", "last_name", "email"}
	}
	password = pystr.Lower(password)
	pwdLen := utf8.RuneCountInString(password)
	for _, name := range attrs {
		value := user.Attributes[name]
		if value == "" {
			continue
		}
		lower := pystr.Lower(value)
		for _, part := range append(pystr.SplitNonWord(lower), lower) {
			partLen := utf8.RuneCountInString(part)
			if pwdLen >= 10*partLen && float64(partLen) < maxSim/2*float64(pwdLen) {
				continue // (exceeds_maximum_length_ratio)
			}
			if pystr.QuickRatio(password, part) >= maxSim {
				verbose, ok := user.VerboseNames[name]
				if !ok {
					if verbose, ok = authUserVerboseNames[name]; !ok {
						verbose = name
					}
				}
				return &PasswordError{"password_too_similar", "The password is too similar to the " + verbose + "."}
			}
		}
	}
	return nil
}

// HelpText implements PasswordValidator.
func (UserAttributeSimilarityValidator) HelpText() string {
	return "Your password can’t be too similar to your other personal information."
}

// CommonPasswordValidator refuses the passwords of a list (lower-cased and stripped of
// white space first, as Django compares them).
type CommonPasswordValidator struct {
	passwords map[string]struct{}
}

// NewCommonPasswordValidator reads the list Django's CommonPasswordValidator reads: a
// gzip-compressed or plain UTF-8 file, one password per line. Django's own list is
// common-passwords.txt.gz beside django/contrib/auth/password_validation.py in the
// installed Django (its DEFAULT_PASSWORD_LIST_PATH).
func NewCommonPasswordValidator(path string) (*CommonPasswordValidator, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r io.Reader = bytes.NewReader(data)
	if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
		r = zr
	}
	v := &CommonPasswordValidator{passwords: map[string]struct{}{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		v.passwords[pystr.Strip(sc.Text())] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth: password list %s: %w", path, err)
	}
	return v, nil
}

// Validate implements PasswordValidator.
func (v *CommonPasswordValidator) Validate(password string, _ *PasswordUser) *PasswordError {
	if _, ok := v.passwords[pystr.Strip(pystr.Lower(password))]; ok {
		return &PasswordError{"password_too_common", "This password is too common."}
	}
	return nil
}

// HelpText implements PasswordValidator.
func (*CommonPasswordValidator) HelpText() string {
	return "Your password can’t be a commonly used password."
}

// NumericPasswordValidator refuses a password made only of digits (Python's
// str.isdigit: "²" and "٣" count too).
type NumericPasswordValidator struct{}

// Validate implements PasswordValidator.
func (NumericPasswordValidator) Validate(password string, _ *PasswordUser) *PasswordError {
	if pystr.IsDigit(password) {
		return &PasswordError{"password_entirely_numeric", "This password is entirely numeric."}
	}
	return nil
}

// HelpText implements PasswordValidator.
func (NumericPasswordValidator) HelpText() string {
	return "Your password can’t be entirely numeric."
}
