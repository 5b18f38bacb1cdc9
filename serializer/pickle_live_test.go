package serializer

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pythonPeer runs scripts/pickle_peer.py under the Django 5.2 venv's CPython.
type pythonPeer struct {
	cmd *exec.Cmd
	in  *bufio.Writer
	out *bufio.Scanner
}

func startPeer(t *testing.T) *pythonPeer {
	t.Helper()
	py, err := exec.Command("../scripts/venv-python", "5.2").Output()
	if err != nil {
		msg := "no Django 5.2 venv for the live pickle peer: run scripts/venvs 5.2"
		if os.Getenv("DJSESSION_REQUIRE_LIVE") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	script, _ := filepath.Abs("../scripts/pickle_peer.py")
	cmd := exec.Command(strings.TrimSpace(string(py)), script)
	cmd.Env = append(os.Environ(), "PYTHONHASHSEED=0")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pythonPeer{cmd: cmd, in: bufio.NewWriter(stdin), out: bufio.NewScanner(stdout)}
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

func (p *pythonPeer) call(t *testing.T, req map[string]any) map[string]string {
	t.Helper()
	out := p.reply(t, req)
	if e, ok := out["error"]; ok {
		t.Fatalf("peer error: %s (request %v)", e, req)
	}
	return out
}

// reply sends req and returns the reply's fields (JSON text for those that are not
// strings), errors included.
func (p *pythonPeer) reply(t *testing.T, req map[string]any) map[string]string {
	t.Helper()
	var b []byte
	if raw, ok := req["value"].(json.RawMessage); ok { // may hold NaN, which encoding/json refuses
		delete(req, "value")
		b, _ = json.Marshal(req)
		b = append(append(append(b[:len(b)-1], `,"value":`...), raw...), '}')
	} else {
		b, _ = json.Marshal(req)
	}
	p.in.Write(append(b, '\n'))
	_ = fmt.Sprint
	if err := p.in.Flush(); err != nil {
		t.Fatal(err)
	}
	if !p.out.Scan() {
		t.Fatalf("peer ended: %v", p.out.Err())
	}
	line := p.out.Text()
	v, err := DecodeJSONText(line)
	if err != nil || v.Dict() == nil {
		t.Fatalf("peer reply %q: %v", line, err)
	}
	out := map[string]string{}
	for k, f := range v.Dict().All() {
		if s, ok := f.AsStr(); ok && k.s() != "value" {
			out[k.s()] = s
			continue
		}
		b, _ := EncodeJSON(f)
		out[k.s()] = string(b)
	}
	return out
}

// randomValue builds a random nested session value of every supported type.
func randomValue(r *rand.Rand, depth int) Value {
	n := 14
	if depth > 3 {
		n = 9
	}
	switch r.IntN(n + 5) {
	case 0:
		return None()
	case 1:
		return Bool(r.IntN(2) == 0)
	case 2:
		return Int(r.Int64() >> r.IntN(64))
	case 3:
		return Float([]float64{0, math.Copysign(0, -1), 1.5, 1e300, math.Inf(1), r.NormFloat64() * 1e6}[r.IntN(6)])
	case 4:
		return Str(randomStr(r))
	case 5:
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		if r.IntN(2) == 0 {
			return Bytearray(b)
		}
		return Bytes(b)
	case 6:
		v, _ := NewDecimal([]string{"1.50", "-0", "NaN", "1E+3", "123.456", "-Infinity"}[r.IntN(6)])
		return v
	case 7:
		var u [16]byte
		for i := range u {
			u[i] = byte(r.IntN(256))
		}
		return NewUUID(u)
	case 8:
		tzs := []*TZInfo{nil, UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")}
		off, _ := FixedTZ(time.Duration(r.IntN(2*86399)-86399) * time.Second)
		tzs = append(tzs, off)
		d := DateTime{Year: 1 + r.IntN(9999), Month: 1 + r.IntN(12), Day: 1 + r.IntN(28), Hour: r.IntN(24),
			Minute: r.IntN(60), Second: r.IntN(60), Microsecond: r.IntN(1000000), Fold: r.IntN(4) == 0, TZ: tzs[r.IntN(len(tzs))]}
		switch r.IntN(4) {
		case 0:
			v, _ := NewDate(d.Year, d.Month, d.Day)
			return v
		case 1:
			v, _ := NewTime(d)
			return v
		case 2:
			v, _ := NewTimedelta(r.Int64N(2e9)-1e9, r.Int64N(1e6), r.Int64N(1e7))
			return v
		}
		v, _ := NewDatetime(d)
		return v
	case 9, 10:
		items := make([]Value, r.IntN(5))
		for i := range items {
			items[i] = randomValue(r, depth+1)
		}
		if r.IntN(2) == 0 {
			return Tuple(items...)
		}
		return List(items...)
	case 11:
		items := make([]Value, r.IntN(5))
		for i := range items {
			items[i] = randomKey(r)
		}
		var v Value
		if r.IntN(2) == 0 {
			v, _ = NewSet(items...)
		} else {
			v, _ = NewFrozenSet(items...)
		}
		return v
	default:
		d := NewDict()
		for range r.IntN(6) {
			if r.IntN(4) == 0 {
				d.SetKey(randomKey(r), randomValue(r, depth+1))
			} else {
				d.Set(randomStr(r), randomValue(r, depth+1))
			}
		}
		return DictValue(d)
	}
}

func randomKey(r *rand.Rand) Value {
	switch r.IntN(5) {
	case 0:
		return Int(r.Int64N(100))
	case 1:
		return Tuple(Int(r.Int64N(5)), Str(randomStr(r)))
	case 2:
		v, _ := NewDate(2000+r.IntN(30), 1+r.IntN(12), 1+r.IntN(28))
		return v
	case 3:
		return Bytes([]byte(randomStr(r)))
	}
	return Str(randomStr(r))
}

func randomStr(r *rand.Rand) string {
	alphabet := []string{"a", "b", "é", "€", "😀", "\\", "\n", "\x00", "SURROGATE", "key", "_auth_user_id", "$x"}
	var b strings.Builder
	for range r.IntN(6) {
		s := alphabet[r.IntN(len(alphabet))]
		if s == "SURROGATE" {
			b.Write(appendWTF8(nil, 0xd800))
			continue
		}
		b.WriteString(s)
	}
	return b.String()
}

// TestPickleLive checks hundreds of random nested values against a real CPython in both
// directions and in every protocol: Go pickles, CPython loads them to the same typed value;
// CPython pickles, Go loads them to the same value.
func TestPickleLive(t *testing.T) {
	peer := startPeer(t)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 400
	identical := 0
	for i := 0; i < n; i++ {
		v := randomValue(r, 0)
		proto := i % 6
		o := PickleOptions{Protocol: proto}
		if proto == 0 {
			o.Protocol = PickleProtocol0
		}
		want := v
		if proto < 4 {
			want = dropFold(v)
		}
		tagged, err := EncodeTaggedJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		// Go -> CPython
		ours, err := PickleWith(v, o)
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		rep := peer.call(t, map[string]any{"op": "loads", "hex": hex.EncodeToString(ours)})
		got, err := DecodeTaggedJSON(rep["value"])
		if err != nil || !Equal(got, want) {
			t.Fatalf("proto %d: CPython loaded our pickle of %v as %v (%v)", proto, v, got, err)
		}
		// CPython -> Go
		rep = peer.call(t, map[string]any{"op": "dumps", "value": json.RawMessage(tagged), "protocol": proto})
		theirs, _ := hex.DecodeString(rep["hex"])
		back, err := PickleLoads(theirs)
		if err != nil || !Equal(back, want) {
			t.Fatalf("proto %d: we loaded CPython's pickle of %v as %v (%v)", proto, v, back, err)
		}
		if string(theirs) == string(ours) {
			identical++
		}
	}
	t.Logf("%d random values round-tripped with CPython both ways; %d pickles byte-identical", n, identical)
	_ = fmt.Sprint
}

func dropFold(v Value) Value {
	switch v.kind {
	case KindDatetime, KindTime:
		return withoutFold(v)
	case KindList, KindTuple, KindSet, KindFrozenSet:
		items := make([]Value, len(v.list()))
		for i, e := range v.list() {
			items[i] = dropFold(e)
		}
		return mkList(v.kind, items)
	case KindDict:
		d := NewDict()
		for _, it := range v.dictp().items {
			d.SetKey(dropFold(it.Key), dropFold(it.Value))
		}
		return DictValue(d)
	}
	return v
}
