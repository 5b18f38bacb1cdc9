package caches

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/serializer"
)

// cachePeer runs scripts/cache_peer.py under the Django 5.2 venv, with the cache libraries
// of scripts/venv-extras-caches.
type cachePeer struct {
	in  *bufio.Writer
	out *bufio.Scanner
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("DJSESSION_REQUIRE_LIVE") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func startCachePeer(t *testing.T) *cachePeer {
	t.Helper()
	if testing.Short() {
		t.Skip("live cache peer skipped in -short mode")
	}
	out, err := exec.Command("../scripts/venv-python", "5.2").Output()
	if err != nil {
		skipOrFail(t, "no Django 5.2 venv for the live cache peer: run scripts/venvs 5.2 and scripts/venv-extras-caches 5.2")
	}
	py := strings.TrimSpace(string(out))
	if err := exec.Command(py, "-c", "import django_redis, pymemcache, pylibmc, msgpack, lz4, pyzstd, redis").Run(); err != nil {
		skipOrFail(t, "the Django 5.2 venv lacks the cache libraries: run scripts/venv-extras-caches 5.2")
	}
	script, _ := filepath.Abs("../scripts/cache_peer.py")
	cmd := exec.Command(py, script)
	cmd.Env = append(os.Environ(), "PYTHONHASHSEED=0")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &cachePeer{in: bufio.NewWriter(stdin), out: bufio.NewScanner(stdout)}
	p.out.Buffer(make([]byte, 1<<20), 64<<20)
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
	})
	return p
}

type peerReply struct {
	Hex    string          `json:"hex"`
	Flags  *uint32         `json:"flags"`
	Value  json.RawMessage `json:"value"`
	Expiry *float64        `json:"expiry"`
	Error  string          `json:"error"`
}

func (p *cachePeer) call(t *testing.T, req string) peerReply {
	t.Helper()
	p.in.WriteString(req + "\n")
	if err := p.in.Flush(); err != nil {
		t.Fatal(err)
	}
	if !p.out.Scan() {
		t.Fatalf("cache peer ended: %v", p.out.Err())
	}
	var r peerReply
	if err := json.Unmarshal(p.out.Bytes(), &r); err != nil {
		t.Fatalf("peer reply %.200s: %v", p.out.Text(), err)
	}
	return r
}

// valueGen makes random session dicts of the types a format carries.
type valueGen struct {
	r      *rand.Rand
	pickle bool // every session type
	json   bool // JSON types only
}

func (g valueGen) str() string {
	pieces := []string{"a", "Z", "0", "_", " ", "é", "€", "😀", "\"", "\\", "\n", "<", "ß", "中"}
	var b strings.Builder
	for range g.r.IntN(12) {
		b.WriteString(pieces[g.r.IntN(len(pieces))])
	}
	return b.String()
}

func (g valueGen) scalar() serializer.Value {
	switch g.r.IntN(9) {
	case 0:
		return serializer.Str(g.str())
	case 1:
		return serializer.Int(g.r.Int64N(1<<40) - 1<<39)
	case 2:
		if g.pickle || g.json {
			b, _ := new(big.Int).SetString(fmt.Sprintf("%d%018d", g.r.IntN(1e6)+1, g.r.Int64N(1e18)), 10)
			return serializer.BigInt(b)
		}
		return serializer.Int(int64(g.r.Uint64() >> 1))
	case 3:
		return serializer.Float(float64(g.r.IntN(1e6)) / 64)
	case 4:
		return serializer.Bool(g.r.IntN(2) == 0)
	case 5:
		return serializer.None()
	case 6:
		if !g.json {
			b := make([]byte, g.r.IntN(20))
			for i := range b {
				b[i] = byte(g.r.IntN(256))
			}
			return serializer.Bytes(b)
		}
	case 7:
		if g.pickle {
			v, _ := serializer.NewDatetime(serializer.DateTime{Year: 2000 + g.r.IntN(30), Month: 1 + g.r.IntN(12), Day: 1 + g.r.IntN(28),
				Hour: g.r.IntN(24), Minute: g.r.IntN(60), Second: g.r.IntN(60), Microsecond: g.r.IntN(1e6), TZ: serializer.UTC})
			return v
		}
	case 8:
		if g.pickle {
			d, _ := serializer.NewDecimal(fmt.Sprintf("%d.%02d", g.r.IntN(1000), g.r.IntN(100)))
			return d
		}
	}
	return serializer.Str(g.str())
}

func (g valueGen) value(depth int) serializer.Value {
	if depth > 2 || g.r.IntN(3) > 0 {
		return g.scalar()
	}
	n := g.r.IntN(5)
	switch g.r.IntN(4) {
	case 0:
		items := make([]serializer.Value, n)
		for i := range items {
			items[i] = g.value(depth + 1)
		}
		return serializer.List(items...)
	case 1:
		if g.pickle {
			items := make([]serializer.Value, n)
			for i := range items {
				items[i] = g.value(depth + 1)
			}
			return serializer.Tuple(items...)
		}
	}
	return g.dict(n, depth)
}

func (g valueGen) dict(n, depth int) serializer.Value {
	d := serializer.NewDict()
	for i := range n {
		d.Set(fmt.Sprintf("%s%d", g.str(), i), g.value(depth+1))
	}
	if g.pickle && g.r.IntN(4) == 0 {
		d.SetKey(serializer.Int(int64(g.r.IntN(100))), g.scalar())
	}
	return serializer.DictValue(d)
}

func (g valueGen) session() serializer.Value {
	v := g.dict(2+g.r.IntN(6), 0)
	v.Dict().Set("_auth_user_id", serializer.Str(fmt.Sprint(g.r.IntN(1e6))))
	return v
}

// liveFormats names every format of scripts/cache_formats.py: each backend's, and
// django-redis's for each serializer and compressor.
func liveFormats() []string {
	formats := []string{"redis", "pymemcache", "pylibmc", "db", "db-validate", "file"}
	for _, s := range []string{"pickle", "json", "msgpack"} {
		for _, c := range compressorNames {
			formats = append(formats, "django_redis:"+s+":"+c)
		}
	}
	return formats
}

// TestLiveRoundTrips sends random session dicts through every format both ways: Go
// encodes and the real library decodes to the same value, and the library encodes and Go
// decodes to the same value.
func TestLiveRoundTrips(t *testing.T) {
	p := startCachePeer(t)
	formats := liveFormats()
	const rounds = 200
	for _, format := range formats {
		t.Run(strings.ReplaceAll(format, ":", "_"), func(t *testing.T) {
			g := valueGen{r: rand.New(rand.NewPCG(1, uint64(len(format)))), pickle: !strings.Contains(format, ":json:") && !strings.Contains(format, ":msgpack:"),
				json: strings.Contains(format, ":json:")}
			enc, dec := liveCodec(t, format)
			for i := range rounds {
				v := g.session()
				tagged, err := serializer.EncodeTaggedJSON(v)
				if err != nil {
					t.Fatal(err)
				}
				// Go encodes, Python decodes.
				data, flags, err := enc(v)
				if err != nil {
					t.Fatalf("encode %v: %v", v, err)
				}
				req := fmt.Sprintf(`{"op":"decode","format":%q,"hex":%q`, format, hex.EncodeToString(data))
				if flags != nil {
					req += fmt.Sprintf(`,"flags":%d`, *flags)
				}
				r := p.call(t, req+"}")
				if r.Error != "" {
					t.Fatalf("round %d: Python could not read Go's %x: %s", i, data, r.Error)
				}
				if back := mustTagged(t, string(r.Value)); !serializer.Equal(back, v) {
					t.Fatalf("round %d: Python read %v, Go wrote %v", i, back, v)
				}
				// Python encodes, Go decodes.
				r = p.call(t, fmt.Sprintf(`{"op":"encode","format":%q,"value":%s}`, format, tagged))
				if r.Error != "" {
					t.Fatalf("round %d: Python could not encode %s: %s", i, tagged, r.Error)
				}
				pyData, _ := hex.DecodeString(r.Hex)
				got, err := dec(pyData, r.Flags)
				if err != nil || !serializer.Equal(got, v) {
					t.Fatalf("round %d: Go read %v (%v) from Python's %x, want %v", i, got, err, pyData, v)
				}
			}
		})
	}
}

// liveCodec returns the encoder and decoder of a format for the live test.
func liveCodec(t *testing.T, format string) (func(serializer.Value) ([]byte, *uint32, error), func([]byte, *uint32) (serializer.Value, error)) {
	switch format {
	case "db", "db-validate":
		c := DatabaseCache{Strict: format == "db-validate"}
		return func(v serializer.Value) ([]byte, *uint32, error) {
				s, err := c.Encode(v)
				return []byte(s), nil, err
			}, func(b []byte, _ *uint32) (serializer.Value, error) {
				return c.Decode(string(b))
			}
	case "file":
		return func(v serializer.Value) ([]byte, *uint32, error) {
				b, err := FileCache{}.Encode(FileCacheExpiry(PyTime(time.Now()), 3600, false), v)
				return b, nil, err
			}, func(b []byte, _ *uint32) (serializer.Value, error) {
				_, v, err := FileCache{}.Decode(b)
				return v, err
			}
	}
	c, ok := codecFor(format)
	if !ok {
		t.Fatalf("no codec for %s", format)
	}
	return c.encode, c.decode
}
