package zdeflate

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// livePython locates CPython 3.13.0 under pyenv ($PYENV_ROOT, `pyenv root`
// or ~/.pyenv).
func livePython() string {
	var roots []string
	if r := os.Getenv("PYENV_ROOT"); r != "" {
		roots = append(roots, r)
	}
	if out, err := exec.Command("pyenv", "root").Output(); err == nil {
		roots = append(roots, string(bytes.TrimSpace(out)))
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, ".pyenv"))
	}
	for _, r := range roots {
		p := filepath.Join(r, "versions", "3.13.0", "bin", "python3")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// TestLiveCPython streams random inputs (0..70000 bytes of mixed content)
// to a CPython process running zlib.compress and compares the bytes.
// DJSESSION_LIVE_N sets the number of inputs (default 3000, 300 with
// -short); DJSESSION_LIVE_SEED fixes the seed.
func TestLiveCPython(t *testing.T) {
	py := livePython()
	if py == "" {
		if os.Getenv("DJSESSION_REQUIRE_LIVE") == "1" {
			t.Fatal("CPython 3.13.0 not found under pyenv and DJSESSION_REQUIRE_LIVE=1")
		}
		t.Skip("CPython 3.13.0 not found under $(pyenv root)/versions; skipping live differential test (set DJSESSION_REQUIRE_LIVE=1 to fail instead)")
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	if s := os.Getenv("DJSESSION_LIVE_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		n = v
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("DJSESSION_LIVE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = v
	}
	t.Logf("python %s, seed %d (DJSESSION_LIVE_SEED=%d to reproduce), %d inputs", py, seed, seed, n)

	cmd := exec.Command(py, filepath.Join("..", "..", "scripts", "zlib_oracle.py"), "--serve")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()

	// Write requests from a separate goroutine so neither side blocks on a
	// full pipe.
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	inputs := make(chan []byte, 16)
	go func() {
		w := bufio.NewWriter(stdin)
		for range n {
			in := randomInput(r, 70000)
			var hdr [4]byte
			binary.BigEndian.PutUint32(hdr[:], uint32(len(in)))
			w.Write(hdr[:])
			w.Write(in)
			w.Flush()
			inputs <- in
		}
		close(inputs)
	}()

	rd := bufio.NewReader(stdout)
	count, total := 0, 0
	for in := range inputs {
		var hdr [4]byte
		if _, err := io.ReadFull(rd, hdr[:]); err != nil {
			t.Fatalf("reading from python: %v", err)
		}
		want := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(rd, want); err != nil {
			t.Fatalf("reading from python: %v", err)
		}
		got := Compress(nil, in)
		if !bytes.Equal(got, want) {
			name := filepath.Join(t.TempDir(), "input.bin")
			os.WriteFile(name, in, 0o644)
			t.Fatalf("input #%d (%d bytes, saved to %s): output differs from CPython (len %d vs %d)", count, len(in), name, len(got), len(want))
		}
		count++
		total += len(in)
	}
	t.Logf("%d inputs (%d bytes) identical to CPython", count, total)
}
