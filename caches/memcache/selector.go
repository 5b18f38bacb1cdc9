package memcache

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	gomc "github.com/bradfitz/gomemcache/memcache"
)

// Selector is a gomemcache ServerSelector that also tells which entry of LOCATION a key
// goes to (for tests and for djsession inspect).
type Selector interface {
	gomc.ServerSelector
	// Index returns the position in LOCATION of the server that holds key.
	Index(key string) int
	// Addrs returns the servers in LOCATION order.
	Addrs() []net.Addr
}

// SplitLocation splits a LOCATION string as Django does (re.split("[;,]", location)):
// on every ';' and ',', without trimming spaces.
func SplitLocation(location string) []string {
	var out []string
	for {
		i := strings.IndexAny(location, ";,")
		if i < 0 {
			return append(out, location)
		}
		out = append(out, location[:i])
		location = location[i+1:]
	}
}

// ---------------------------------------------------------------- pymemcache

// Rendezvous is the server choice of pymemcache's HashClient as Django's PyMemcacheCache
// builds it (its default hasher, RendezvousHash with seed 0): every server gets the score
// murmur3_32("<node>-<key>") and the highest score wins; on a tie the node whose name is
// greater as text wins. The node name of "host:port" is host and port as pymemcache's
// normalize_server_spec reads them ("[::1]:11211" gives "::1:11211", a server without a
// port gets 11211), and of a socket ("unix:/path" or "/path") the path.
//
// The hash is pymemcache's pure-Python murmur3_32, which reads the text one code point
// at a time and keeps the low 8 bits of each: for ASCII keys that is MurmurHash3_x86_32
// of the bytes; for other keys it is not, and Rendezvous follows pymemcache.
type Rendezvous struct {
	nodes []string
	addrs []net.Addr
}

// NewRendezvous returns the selector for LOCATION entries as pymemcache reads them.
func NewRendezvous(servers []string) (*Rendezvous, error) {
	if len(servers) == 0 {
		return nil, errors.New("memcache: no servers in LOCATION")
	}
	r := &Rendezvous{}
	for _, s := range servers {
		node, addr, err := pymemcacheServer(s)
		if err != nil {
			return nil, err
		}
		dup := false
		for _, n := range r.nodes {
			dup = dup || n == node
		}
		if dup { // HashClient keeps one node per name
			continue
		}
		r.nodes = append(r.nodes, node)
		r.addrs = append(r.addrs, addr)
	}
	return r, nil
}

// pymemcacheServer reads a server as pymemcache's normalize_server_spec does and
// returns HashClient's node name for it and its address.
func pymemcacheServer(s string) (string, net.Addr, error) {
	if p, ok := strings.CutPrefix(s, "unix:"); ok {
		return unixServer(p)
	}
	if strings.HasPrefix(s, "/") {
		return unixServer(s)
	}
	host, port := s, 11211
	if strings.Contains(s, ":") && !strings.HasSuffix(s, "]") {
		i := strings.LastIndexByte(s, ':')
		p, err := pyInt(s[i+1:])
		if err != nil {
			return "", nil, fmt.Errorf("memcache: server %q: bad port: %w", s, err)
		}
		host, port = s[:i], p
	}
	if strings.HasPrefix(host, "[") {
		host = strings.Trim(host, "[]")
	}
	addr, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return "", nil, fmt.Errorf("memcache: server %q: %w", s, err)
	}
	return host + ":" + strconv.Itoa(port), staticAddr{"tcp", addr.String()}, nil
}

func unixServer(path string) (string, net.Addr, error) {
	addr, err := net.ResolveUnixAddr("unix", path)
	if err != nil {
		return "", nil, fmt.Errorf("memcache: server %q: %w", path, err)
	}
	return path, staticAddr{"unix", addr.String()}, nil
}

// pyInt parses a port as Python's int() does for plain decimal text.
func pyInt(s string) (int, error) {
	return strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(s, "_", "")))
}

// Index returns the position of the node pymemcache picks for key.
func (r *Rendezvous) Index(key string) int {
	best, bestScore := 0, int64(-1)
	for i, n := range r.nodes {
		score := int64(PyMurmur3(n + "-" + key))
		switch {
		case score > bestScore:
			best, bestScore = i, score
		case score == bestScore && n > r.nodes[best]:
			best = i
		}
	}
	return best
}

// PickServer implements gomemcache's ServerSelector.
func (r *Rendezvous) PickServer(key string) (net.Addr, error) { return r.addrs[r.Index(key)], nil }

// Each implements gomemcache's ServerSelector.
func (r *Rendezvous) Each(f func(net.Addr) error) error { return each(r.addrs, f) }

// Addrs returns the servers in LOCATION order (duplicates dropped, as HashClient does).
func (r *Rendezvous) Addrs() []net.Addr { return append([]net.Addr(nil), r.addrs...) }

// Nodes returns HashClient's node names in LOCATION order.
func (r *Rendezvous) Nodes() []string { return append([]string(nil), r.nodes...) }

// PyMurmur3 is pymemcache's murmur3_32(text, seed=0): MurmurHash3 (x86, 32-bit) over
// the low 8 bits of each code point of text.
func PyMurmur3(text string) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	var h, k uint32
	n := 0
	for _, r := range text {
		k |= uint32(byte(r)) << (8 * (n & 3))
		n++
		if n&3 == 0 {
			k *= c1
			k = k<<15 | k>>17
			k *= c2
			h ^= k
			h = h<<13 | h>>19
			h = h*5 + 0xe6546b64
			k = 0
		}
	}
	if n&3 != 0 {
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// ---------------------------------------------------------------- pylibmc

// Modula is the server choice of libmemcached with the behaviors pylibmc sets when
// Django's PyLibMCCache passes no "behaviors" OPTION: distribution "modula" and hash
// "default" (Bob Jenkins' one-at-a-time over the key's UTF-8 bytes, each read as a
// signed char, as libhashkit does on x86), server = hash % number of servers, servers in
// LOCATION order (sort_hosts is off). Weights ("host:port:weight") do not count for
// modula. With one server every key goes to it.
type Modula struct {
	addrs []net.Addr
}

// NewModula returns the selector for LOCATION entries as pylibmc reads them (Django
// strips a "unix:" prefix first).
func NewModula(servers []string) (*Modula, error) {
	if len(servers) == 0 {
		return nil, errors.New("memcache: no servers in LOCATION")
	}
	m := &Modula{}
	for _, s := range servers {
		s = strings.TrimPrefix(s, "unix:")
		addr, err := pylibmcServer(s)
		if err != nil {
			return nil, err
		}
		m.addrs = append(m.addrs, addr)
	}
	return m, nil
}

// pylibmcServer reads a server as pylibmc's translate_server_spec does.
func pylibmcServer(s string) (net.Addr, error) {
	if strings.HasPrefix(s, "/") {
		_, a, err := unixServer(s)
		return a, err
	}
	if strings.HasPrefix(s, "udp:") {
		return nil, fmt.Errorf("memcache: server %q: UDP is not supported", s)
	}
	host, port := s, "11211"
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, fmt.Errorf("memcache: server %q: missing ]", s)
		}
		if strings.HasSuffix(s, "]") {
			host = s[1 : len(s)-1]
		} else {
			i := strings.LastIndex(s, "]:")
			if i < 0 {
				return nil, fmt.Errorf("memcache: server %q: bad address", s)
			}
			host, port = s[1:i], s[i+2:]
		}
	case strings.Contains(s, ":"):
		host, port, _ = strings.Cut(s, ":")
	}
	port, _, _ = strings.Cut(port, ":") // drop a weight
	p, err := pyInt(port)
	if err != nil {
		return nil, fmt.Errorf("memcache: server %q: bad port: %w", s, err)
	}
	addr, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
	if err != nil {
		return nil, fmt.Errorf("memcache: server %q: %w", s, err)
	}
	return staticAddr{"tcp", addr.String()}, nil
}

// Index returns the position of the server libmemcached picks for key.
func (m *Modula) Index(key string) int {
	if len(m.addrs) == 1 {
		return 0
	}
	return int(OneAtATime([]byte(key)) % uint32(len(m.addrs)))
}

// PickServer implements gomemcache's ServerSelector.
func (m *Modula) PickServer(key string) (net.Addr, error) { return m.addrs[m.Index(key)], nil }

// Each implements gomemcache's ServerSelector.
func (m *Modula) Each(f func(net.Addr) error) error { return each(m.addrs, f) }

// Addrs returns the servers in LOCATION order.
func (m *Modula) Addrs() []net.Addr { return append([]net.Addr(nil), m.addrs...) }

// OneAtATime is libhashkit's default hash (hashkit_one_at_a_time): Jenkins'
// one-at-a-time hash where every byte is first widened as a signed char.
func OneAtATime(key []byte) uint32 {
	var h uint32
	for _, b := range key {
		h += uint32(int32(int8(b)))
		h += h << 10
		h ^= h >> 6
	}
	h += h << 3
	h ^= h >> 11
	h += h << 15
	return h
}

// ---------------------------------------------------------------- common

type staticAddr struct{ network, addr string }

func (a staticAddr) Network() string { return a.network }
func (a staticAddr) String() string  { return a.addr }

func each(addrs []net.Addr, f func(net.Addr) error) error {
	for _, a := range addrs {
		if err := f(a); err != nil {
			return err
		}
	}
	return nil
}
