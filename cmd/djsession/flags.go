package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// command is one subcommand: its help, and setup, which defines its own flags on fs and
// returns the function that runs it once the flags are parsed.
type command struct {
	synopsis string // after "djsession "
	help     string // what it does, for "djsession help COMMAND"
	arg      string // name of its one argument, for messages; "" for commands that take none
	setup    func(fs *flag.FlagSet) runner
	// keyOptional: the command runs without a secret key (config.keyErr then says why
	// there is none, for the parts of the command that need one).
	keyOptional bool
}

type runner func(a *app, cfg *config, arg string) error

// common holds the flags every command takes.
type common struct {
	secretKey     optString
	secretKeyFile string
	fallbackKeys  stringList
	now           optFloat
}

// config is common, resolved.
type config struct {
	key          string
	fallbackKeys []string
	now          func() time.Time // nil: the real clock
	keyErr       error            // for keyOptional commands: why key is "" (nil when it is set)
}

func newFlagSet(name string, cmd *command) (*flag.FlagSet, *common, runner) {
	fs := flag.NewFlagSet("djsession "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	c := &common{}
	fs.Var(&c.secretKey, "secret-key", "the secret `key` (SECRET_KEY); default $"+envSecretKey)
	fs.StringVar(&c.secretKeyFile, "secret-key-file", "", "read the secret key from this `file` (one trailing newline removed)")
	fs.Var(&c.fallbackKeys, "fallback-key", "a SECRET_KEY_FALLBACKS `key`, tried after the secret key; repeatable, in order")
	fs.Var(&c.now, "now", "fix the clock to this Unix `time` in seconds (fractions allowed)")
	return fs, c, cmd.setup(fs)
}

// resolve picks the secret key: --secret-key, then --secret-key-file, then the
// environment. With keyOptional, a missing key is not an error: it is kept in keyErr.
func (c *common) resolve(env func(string) string, keyOptional bool) (*config, error) {
	cfg := &config{fallbackKeys: c.fallbackKeys}
	switch {
	case c.secretKey.set:
		if c.secretKey.v == "" {
			return nil, usagef("--secret-key is empty")
		}
		cfg.key = c.secretKey.v
	case c.secretKeyFile != "":
		b, err := os.ReadFile(c.secretKeyFile)
		if err != nil {
			return nil, usagef("--secret-key-file: %v", err)
		}
		cfg.key = chomp(string(b))
		if cfg.key == "" {
			return nil, usagef("--secret-key-file: %s holds an empty secret key", c.secretKeyFile)
		}
	default:
		cfg.key = env(envSecretKey)
		if cfg.key == "" {
			err := usagef("no secret key: give --secret-key, --secret-key-file or $%s", envSecretKey)
			if !keyOptional {
				return nil, err
			}
			cfg.keyErr = err
		}
	}
	for i, k := range cfg.fallbackKeys {
		if k == "" {
			return nil, usagef("--fallback-key number %d is empty", i+1)
		}
	}
	if c.now.set {
		t, err := unixTime(c.now.v)
		if err != nil {
			return nil, err
		}
		cfg.now = func() time.Time { return t }
	}
	return cfg, nil
}

// unixTime converts Unix seconds to a time, to the nanosecond.
func unixTime(f float64) (time.Time, error) {
	if f < -(1<<62) || f > 1<<62 { // also false for NaN, rejected by optFloat
		return time.Time{}, usagef("--now %v is out of range", f)
	}
	sec := math.Floor(f)
	nsec := math.Round((f - sec) * 1e9)
	if nsec >= 1e9 {
		sec++
		nsec -= 1e9
	}
	return time.Unix(int64(sec), int64(nsec)), nil
}

// duration converts seconds to a Duration, saturating at its limits.
func duration(f float64) time.Duration {
	ns := f * 1e9
	switch {
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(math.Round(ns))
}

// parseInterspersed parses the flags in args wherever they are and returns the other
// arguments in order. "--" ends the flags; "-" and negative numbers (when no flag has
// that name) are arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name := strings.TrimPrefix(a[1:], "-")
		name, _, hasValue := strings.Cut(name, "=")
		f := fs.Lookup(name)
		if f == nil && looksNumeric(name) {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		if f != nil && !hasValue && !isBoolFlag(f) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	if rest := fs.Args(); len(rest) > 0 { // cannot happen: every value was paired above
		return nil, fmt.Errorf("unexpected argument %q", rest[0])
	}
	return pos, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// looksNumeric reports whether "-"+s is a negative JSON number (as Python reads them).
func looksNumeric(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.' || strings.HasPrefix(s, "Infinity"))
}

// optString is a string flag that records whether it was given.
type optString struct {
	v   string
	set bool
}

func (o *optString) String() string { return o.v }
func (o *optString) Set(s string) error {
	o.v, o.set = s, true
	return nil
}

// optFloat is a float flag that records whether it was given.
type optFloat struct {
	v   float64
	set bool
}

func (o *optFloat) String() string {
	if !o.set {
		return ""
	}
	return strconv.FormatFloat(o.v, 'f', -1, 64)
}

func (o *optFloat) Set(s string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%q is not a finite number of seconds", s)
	}
	o.v, o.set = f, true
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}
