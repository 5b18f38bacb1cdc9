package compat_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A peer is a real Django process (scripts/peer.py under one version's virtualenv) that
// answers JSON requests, one per line.
type peer struct {
	Series string
	Django string
	mu     sync.Mutex
	cmd    *exec.Cmd
	in     *bufio.Writer
	out    *bufio.Scanner
	stdin  interface{ Close() error }
}

var (
	peersOnce sync.Once
	peers     []*peer
	peersErr  error
)

// requireLive reports whether live tests must run (CI sets DJSESSION_REQUIRE_LIVE=1).
func requireLive() bool { return os.Getenv("DJSESSION_REQUIRE_LIVE") == "1" }

// skipOrFail skips a live test that cannot run, or fails it when live tests are required.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if requireLive() {
		t.Fatal(msg + " (DJSESSION_REQUIRE_LIVE=1: live tests may not skip)")
	}
	t.Skip(msg)
}

// matrix returns the series listed in scripts/matrix.
func matrix(t *testing.T) []string {
	data, err := os.ReadFile("../scripts/matrix")
	if err != nil {
		t.Fatal(err)
	}
	var series []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && !strings.HasPrefix(f[0], "#") {
			series = append(series, f[0])
		}
	}
	return series
}

func venvDir() string {
	if d := os.Getenv("DJSESSION_VENVS"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "djsession", "venvs")
}

// livePeers starts one peer per Django series (once per test binary) and returns them,
// skipping (or failing, in CI) when a virtualenv is missing.
func livePeers(t *testing.T) []*peer {
	t.Helper()
	if testing.Short() {
		skipOrFail(t, "live Django tests skipped in -short mode")
	}
	peersOnce.Do(func() {
		for _, s := range matrix(t) {
			py := filepath.Join(venvDir(), "django-"+s, "bin", "python")
			if _, err := os.Stat(py); err != nil {
				peersErr = fmt.Errorf("no virtualenv for Django %s at %s: run scripts/venvs", s, py)
				return
			}
			p, err := startPeer(s, py)
			if err != nil {
				peersErr = err
				return
			}
			peers = append(peers, p)
		}
	})
	if peersErr != nil {
		skipOrFail(t, "live Django peers unavailable: %v", peersErr)
	}
	return peers
}

func startPeer(series, python string) (*peer, error) { return startPeerEnv(series, python, nil) }

// startPeerEnv starts a peer with extra environment variables (e.g.
// DJSESSION_PEER_SETTINGS); the caller stops it with stop.
func startPeerEnv(series, python string, env []string) (*peer, error) {
	cmd := exec.Command(python, "../scripts/peer.py")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start Django %s peer: %w", series, err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	p := &peer{Series: series, cmd: cmd, in: bufio.NewWriter(stdin), out: sc, stdin: stdin}
	hello, err := p.do(map[string]any{"op": "hello"})
	if err != nil {
		return nil, fmt.Errorf("Django %s peer: %w", series, err)
	}
	p.Django, _ = hello["django"].(string)
	return p, nil
}

// do sends one request and returns the decoded response.
func (p *peer) do(req map[string]any) (map[string]any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	p.in.Write(line)
	p.in.WriteByte('\n')
	if err := p.in.Flush(); err != nil {
		return nil, err
	}
	if !p.out.Scan() {
		return nil, fmt.Errorf("peer closed: %v", p.out.Err())
	}
	var resp map[string]any
	if err := json.Unmarshal(p.out.Bytes(), &resp); err != nil {
		return nil, fmt.Errorf("bad response %q: %w", p.out.Text(), err)
	}
	return resp, nil
}

// call is do for tests: a transport failure fails the test; Django's own errors come back
// in the response (ok false, error = Python exception class).
func (p *peer) call(t *testing.T, req map[string]any) map[string]any {
	t.Helper()
	resp, err := p.do(req)
	if err != nil {
		t.Fatalf("Django %s: %v", p.Series, err)
	}
	return resp
}

// mustOK is call that also fails the test when Django raised.
func (p *peer) mustOK(t *testing.T, req map[string]any) map[string]any {
	t.Helper()
	resp := p.call(t, req)
	if ok, _ := resp["ok"].(bool); !ok {
		t.Fatalf("Django %s %v: %v: %v", p.Series, req["op"], resp["error"], resp["message"])
	}
	return resp
}

// stop ends the peer process.
func (p *peer) stop() {
	p.stdin.Close()
	p.cmd.Wait()
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range peers {
		p.stdin.Close()
		p.cmd.Wait()
	}
	os.Exit(code)
}
