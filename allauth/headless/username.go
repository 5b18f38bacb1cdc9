package headless

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/djsession/djsession/internal/pystr"
)

// usernameSuffixChars are allauth's USERNAME_SUFFIX_CHARS: four digits, then letters
// (MAX_USERNAME_SUFFIX_LENGTH 7).
var usernameSuffixChars = []string{digits, digits, digits, digits, letters, letters, letters}

const (
	digits  = "0123456789"
	letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

// usernameDropped is the default regex of _generate_unique_username_base,
// [^\w\s@+.-], on ASCII text (\s with Python's \x1c-\x1f).
var usernameDropped = regexp.MustCompile(`[^\w\t\n\v\f\r \x1c-\x1f@+.-]`)

// usernameSpaces is \s+ on ASCII text, as Python's re matches it.
var usernameSpaces = regexp.MustCompile(`[\t\n\v\f\r \x1c-\x1f]+`)

// generateUsername is the adapter's populate_username for a new user of the address
// email (allauth's generate_unique_username of [first_name, last_name, email,
// username, "user"], the first three and the fourth empty at a headless signup): a
// base made of the address's local part (NFKD, ASCII alone, lowercased), else "user";
// then the base itself or the base with a random suffix, the first that no user has
// (as filter_users_by_username compares) and that clean_username(shallow=True) takes.
func (h *Headless) generateUsername(ctx context.Context, email string) (string, error) {
	base := ""
	for _, txt := range []string{email, "user"} {
		if txt == "" {
			continue
		}
		u := asciiOnly(norm.NFKD.String(txt))
		if u == "" {
			continue
		}
		u = pystr.Lower(usernameDropped.ReplaceAllString(u, ""))
		u, _, _ = strings.Cut(u, "@")
		u = usernameSpaces.ReplaceAllString(strings.Trim(u, "\t\n\v\f\r \x1c\x1d\x1e\x1f"), "_")
		base = u
		if h.shallowUsername(u) {
			break
		}
	}
	if base == "" {
		base = "user"
	}
	candidates, err := h.usernameCandidates(base)
	if err != nil {
		return "", err
	}
	taken := map[string]bool{}
	f := h.Config.Users.(userFinder)
	field := h.Settings.UserModelUsernameField
	for _, c := range candidates {
		value := c
		if !h.Settings.PreserveUsernameCasing { // (username__in of the lowercased candidates)
			value = pystr.Lower(c)
		}
		users, err := f.UsersByField(ctx, field, value, h.Settings.PreserveUsernameCasing)
		if err != nil {
			return "", err
		}
		for _, u := range users {
			taken[pystr.Lower(u.Username)] = true
		}
	}
	for _, c := range candidates {
		if !taken[pystr.Lower(c)] && h.shallowUsername(c) {
			return c, nil
		}
	}
	return "", fmt.Errorf("headless: unable to find a unique username for %q", base)
}

// asciiOnly is s.encode("ascii", "ignore").decode("ascii").
func asciiOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// shallowUsername is clean_username(shallow=True) without an error: the username
// field's validators (UnicodeUsernameValidator, its max length) and
// ACCOUNT_USERNAME_BLACKLIST.
func (h *Headless) shallowUsername(u string) bool {
	s := h.Settings
	if !unicodeUsername(u) || s.UsernameMaxLength > 0 && utf8.RuneCountInString(u) > s.UsernameMaxLength {
		return false
	}
	for _, b := range s.UsernameBlacklist {
		if pystr.Lower(b) == pystr.Lower(u) {
			return false
		}
	}
	return true
}

// usernameCandidates is generate_username_candidates: the base when it is long enough
// (ACCOUNT_USERNAME_MIN_LENGTH), then the base with random suffixes of growing length,
// cut to the username's max length.
func (h *Headless) usernameCandidates(base string) ([]string, error) {
	s := h.Settings
	var out []string
	if len(base) >= s.UsernameMinLength {
		out = append(out, base)
	}
	maxSuffix := len(usernameSuffixChars)
	if s.UsernameMaxLength > 0 {
		maxSuffix = min(s.UsernameMaxLength, maxSuffix)
	}
	for n := max(1, s.UsernameMinLength-len(base)); n < maxSuffix; n++ {
		var suffix strings.Builder
		for i := range n {
			set := usernameSuffixChars[i]
			k, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
			if err != nil {
				return nil, err
			}
			suffix.WriteByte(set[k.Int64()])
		}
		b := base
		if s.UsernameMaxLength > 0 && len(b) > s.UsernameMaxLength-n {
			b = b[:max(0, s.UsernameMaxLength-n)]
		}
		out = append(out, b+suffix.String())
	}
	return out, nil
}
