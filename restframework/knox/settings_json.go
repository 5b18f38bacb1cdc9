package knox

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// ErrSettings: REST_KNOX has settings this package cannot honour (another hash, a token
// model, serializer or expiry format of the project's own, an unknown name).
var ErrSettings = errors.New("knox: unusable settings")

// SettingsFromJSON reads the REST_KNOX of a project from the JSON that
// scripts/export_settings.py prints ({"knox_version", "settings": {"REST_KNOX": {...}}}),
// over knox's defaults (durations in seconds); Version follows the release the document
// names. Settings this package cannot honour are an error matching ErrSettings.
func SettingsFromJSON(data []byte) (*Settings, error) {
	var doc struct {
		KnoxVersion string `json:"knox_version"`
		Settings    struct {
			RestKnox map[string]json.RawMessage `json:"REST_KNOX"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("knox: settings JSON: %w", err)
	}
	s := Defaults()
	if doc.KnoxVersion != "" && doc.KnoxVersion < "5" {
		s.Version = "4.2"
	}
	names := make([]string, 0, len(doc.Settings.RestKnox))
	for name := range doc.Settings.RestKnox {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := s.setJSON(name, doc.Settings.RestKnox[name]); err != nil {
			return nil, fmt.Errorf("%w: REST_KNOX[%q]: %w", ErrSettings, name, err)
		}
	}
	return s, nil
}

// setJSON sets the setting name from its exported JSON value.
func (s *Settings) setJSON(name string, raw json.RawMessage) error {
	seconds := func() (time.Duration, bool, error) {
		var v *float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return 0, false, err
		}
		if v == nil {
			return 0, false, nil
		}
		if math.IsNaN(*v) || math.Abs(*v) > math.MaxInt64/1e9 {
			return 0, false, fmt.Errorf("%v seconds", *v)
		}
		return time.Duration(math.Round(*v*1e6)) * time.Microsecond, true, nil
	}
	switch name {
	case "TOKEN_TTL":
		d, ok, err := seconds()
		s.TokenTTL, s.NoExpiry = d, !ok
		return err
	case "AUTO_REFRESH_MAX_TTL":
		d, ok, err := seconds()
		s.AutoRefreshMaxTTL = nil
		if ok {
			s.AutoRefreshMaxTTL = &d
		}
		return err
	case "AUTO_REFRESH":
		return json.Unmarshal(raw, &s.AutoRefresh)
	case "MIN_REFRESH_INTERVAL":
		return json.Unmarshal(raw, &s.MinRefreshInterval)
	case "AUTH_HEADER_PREFIX":
		return json.Unmarshal(raw, &s.AuthHeaderPrefix)
	case "TOKEN_PREFIX":
		if err := json.Unmarshal(raw, &s.TokenPrefix); err != nil {
			return err
		}
		if len([]rune(s.TokenPrefix)) > 10 {
			return fmt.Errorf("%q: knox refuses a prefix over 10 characters", s.TokenPrefix)
		}
		return nil
	case "AUTH_TOKEN_CHARACTER_LENGTH":
		return json.Unmarshal(raw, &s.AuthTokenCharacterLength)
	case "TOKEN_LIMIT_PER_USER":
		var v *int
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		s.TokenLimitPerUser = v
		return nil
	case "USER_SERIALIZER":
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		switch {
		case v == nil:
			s.UserSerializer = false
		case *v == "knox.serializers.UserSerializer":
			s.UserSerializer = true
		default:
			return fmt.Errorf("%q: only knox's UserSerializer (or None) is supported", *v)
		}
		return nil
	case "SECURE_HASH_ALGORITHM", "TOKEN_MODEL", "EXPIRY_DATETIME_FORMAT":
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		want := map[string]string{"SECURE_HASH_ALGORITHM": "hashlib.sha512", "TOKEN_MODEL": "knox.AuthToken",
			"EXPIRY_DATETIME_FORMAT": "iso-8601"}[name]
		// (knox 4.2 names the hash cryptography's class)
		if v != nil && (*v == want || name == "SECURE_HASH_ALGORITHM" && strings.HasSuffix(*v, "SHA512")) {
			return nil
		}
		return fmt.Errorf("%v: only knox's default (%s) is supported", v, want)
	}
	return fmt.Errorf("an unknown setting")
}
