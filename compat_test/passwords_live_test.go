package compat_test

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
)

// TestLivePasswordValidation holds ValidatePassword and the four validators to Django's
// validate_password of every version: random AUTH_PASSWORD_VALIDATORS (options included,
// read as exported settings and built by PasswordValidators),
// random users (or none) and passwords made of their attributes' pieces, common
// passwords, digits of several scripts ("٣", "²", "５"), letters whose Python lower case
// is special ("İ", "Σ" at a word's end), and white space Python strips and Go's
// TrimSpace does not ("\x1c"). The same errors (codes and messages, in order) and help
// texts, with Django's own common-passwords list.
func TestLivePasswordValidation(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run("django-"+p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(passwordSeed, seedOf(p.Django)))
			// (the path of this Django's common-passwords list)
			commonPath := p.call(t, map[string]any{"op": "validate_password", "passwords": []string{}, "validators": []any{}})["common_path"].(string)
			failures := 0
			seen := map[string]int{}
			for batch := range 40 {
				// The validators from AUTH_PASSWORD_VALIDATORS as Go reads exported settings.
				setting := randomValidators(r)
				js, _ := json.Marshal(map[string]any{"settings": map[string]any{"AUTH_PASSWORD_VALIDATORS": setting}})
				s, err := django.SettingsFromJSON(js)
				if err != nil {
					t.Fatal(err)
				}
				goVals, err := auth.PasswordValidators(&s, commonPath)
				if err != nil {
					t.Fatal(err)
				}
				user, attrs := randomPasswordUser(r)
				passwords := make([]string, 60)
				for i := range passwords {
					passwords[i] = randomPassword(r, attrs)
				}
				req := map[string]any{"op": "validate_password", "passwords": passwords, "user": attrs, "validators": setting}
				if attrs == nil {
					req["user"] = nil
				}
				resp := p.mustOK(t, req)
				var help []string
				remarshal(t, resp["help"], &help)
				if d := cmp.Diff(help, auth.PasswordValidatorsHelpTexts(goVals), cmpopts.EquateEmpty()); d != "" {
					t.Fatalf("batch %d: help texts (-django +go)\n%s", batch, d)
				}
				var want [][][2]string
				remarshal(t, resp["results"], &want)
				for i, pw := range passwords {
					var got [][2]string
					if err := auth.ValidatePassword(pw, user, goVals); err != nil {
						for _, e := range err.(auth.PasswordErrors) {
							got = append(got, [2]string{e.Code, e.Message})
						}
					}
					for _, e := range want[i] {
						seen[e[0]]++
					}
					if d := cmp.Diff(want[i], got, cmpopts.EquateEmpty()); d != "" {
						t.Errorf("batch %d: %q (user %v, validators %v): (-django +go)\n%s", batch, pw, attrs, setting, d)
						if failures++; failures > 5 {
							t.FailNow()
						}
					}
				}
			}
			t.Logf("Django's errors: %v", seen)
			for _, code := range []string{"password_too_short", "password_too_similar", "password_too_common", "password_entirely_numeric"} {
				if seen[code] < 5 {
					t.Errorf("Django gave %s only %d times: the cases miss it", code, seen[code])
				}
			}
		})
	}
}

// passwordSeed seeds the password cases (a variable, to try others by hand).
var passwordSeed uint64 = 94

const validatorPath = "django.contrib.auth.password_validation."

// randomValidators returns a random AUTH_PASSWORD_VALIDATORS: some of Django's four,
// in a random order, with random OPTIONS.
func randomValidators(r *rand.Rand) []map[string]any {
	names := []map[string]any{} // (none at all is a list too: JSON [], not null)
	for _, kind := range r.Perm(4) {
		if r.IntN(5) == 0 {
			continue
		}
		switch kind {
		case 0:
			entry := map[string]any{"NAME": validatorPath + "MinimumLengthValidator"}
			if r.IntN(2) == 0 {
				entry["OPTIONS"] = map[string]any{"min_length": 1 + r.IntN(12)}
			}
			names = append(names, entry)
		case 1:
			opts := map[string]any{}
			if r.IntN(2) == 0 {
				opts["max_similarity"] = []float64{0.1, 0.3, 0.5, 0.7, 0.8, 1.0}[r.IntN(6)]
			}
			if r.IntN(3) == 0 {
				opts["user_attributes"] = []string{"email", "nickname", "username"}[:1+r.IntN(3)]
			}
			names = append(names, map[string]any{"NAME": validatorPath + "UserAttributeSimilarityValidator", "OPTIONS": opts})
		case 2:
			names = append(names, map[string]any{"NAME": validatorPath + "CommonPasswordValidator"})
		case 3:
			names = append(names, map[string]any{"NAME": validatorPath + "NumericPasswordValidator"})
		}
	}
	return names
}

// randomPasswordUser returns a user for the validators, and its attributes as sent to
// Django (nil for no user).
func randomPasswordUser(r *rand.Rand) (*auth.PasswordUser, map[string]string) {
	if r.IntN(6) == 0 {
		return nil, nil
	}
	attrs := map[string]string{}
	for _, a := range []struct {
		name    string
		choices []string
	}{
		{"username", []string{"alice", "Bob_Smith", "ΣΟΦΙΑΣ", "İlker", "jean-luc", "x", "sam.o'neil", "ΣΩ", "σς"}},
		{"first_name", []string{"", "Alice", "Σίσυφος", "Zoë"}},
		{"last_name", []string{"", "Smith", "Ödegaard", "O'Brien-Lee"}},
		{"email", []string{"", "alice.smith@example.com", "bob+news@example.org", "İLKER@ÖRNEK.COM"}},
		{"nickname", []string{"", "ace", "the-great-ΣΩ"}},
	} {
		if v := a.choices[r.IntN(len(a.choices))]; v != "" {
			attrs[a.name] = v
		}
	}
	return &auth.PasswordUser{Attributes: attrs}, attrs
}

// randomPassword joins a few random pieces.
func randomPassword(r *rand.Rand, attrs map[string]string) string {
	pieces := []string{"password", "123456", "qwerty", "letmein", "iloveyou", "dragon", "Passw0rd",
		"٣٤٥", "²³", "５６７", "①", "9", "42", "0000", "İ", "Σ", "ß", "é", "_", "-", "@", ".", "x", "correct horse",
		"\x1c", " ", "\t", "\u00a0", "\u2028", "ΩΣ", "σοφιασ", "ΩΣ ΣΩ"}
	var b strings.Builder
	switch r.IntN(9) {
	case 0: // all digits
		for range 1 + r.IntN(10) {
			b.WriteString([]string{"1", "٣", "²", "５", "①", "0"}[r.IntN(6)])
		}
		return b.String()
	case 2: // Greek capitals, whose sigma Python lowers to ς at a word's end
		return []string{"ΩΣ", "ΣΟΦΙΑΣ", "ΟΔΥΣΣΕΥΣ.", "ΣΣ", "ΑΣ'Σ", "Σ"}[r.IntN(6)]
	case 1: // a common password, maybe in other case and with white space around
		pw := []string{"password", "123456", "qwerty", "letmein", "iloveyou", "dragon", "monkey", "football"}[r.IntN(8)]
		if r.IntN(2) == 0 {
			pw = strings.ToUpper(pw)
		}
		return []string{"", " ", "\x1c", "\t"}[r.IntN(4)] + pw + []string{"", " ", "\x1f", "\n"}[r.IntN(4)]
	}
	for range r.IntN(5) {
		if len(attrs) > 0 && r.IntN(2) == 0 {
			names := slices.Sorted(maps.Keys(attrs))
			v := attrs[names[r.IntN(len(names))]]
			if r.IntN(2) == 0 {
				v = strings.ToUpper(v)
			}
			if rs := []rune(v); len(rs) > 3 && r.IntN(2) == 0 {
				v = string(rs[:len(rs)/2])
			}
			b.WriteString(v)
			continue
		}
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}
