package zdeflate

import (
	"encoding/binary"
	"fmt"
)

// words must match WORDS in scripts/zlib_oracle.py.
var words = []string{
	"the", "session", "user", "id", "cart", "django", "token", "value",
	"expiry", "auth", "hash", "backend", "price", "qty", "sku", "message",
	"csrf", "a", "of", "and", "to", "in", "is", "for", "on", "with", "as",
	"data", "json", "key", "list", "true",
}

// splitMix64 is the generator shared with scripts/zlib_oracle.py.
type splitMix64 struct{ state uint64 }

func (r *splitMix64) next() uint64 {
	r.state += 0x9E3779B97F4A7C15
	z := r.state
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// genOp is one step of a generator program: op[0] names the operation, the
// rest are its arguments (as decoded from JSON: float64 or string).
type genOp []any

func argInt(op genOp, i int) int { return int(op[i].(float64)) }

// runGen replays a generator program exactly like run_gen in
// scripts/zlib_oracle.py.
func runGen(seed uint64, ops []genOp) ([]byte, error) {
	rng := &splitMix64{state: seed}
	var out []byte
	for _, op := range ops {
		switch op[0].(string) {
		case "rand":
			n := argInt(op, 1)
			var b [8]byte
			for i := 0; i < n; i += 8 {
				binary.LittleEndian.PutUint64(b[:], rng.next())
				out = append(out, b[:min(8, n-i)]...)
			}
		case "alpha":
			n, alpha := argInt(op, 1), op[2].(string)
			for range n {
				out = append(out, alpha[rng.next()%uint64(len(alpha))])
			}
		case "runs":
			n, maxRun := argInt(op, 1), uint64(argInt(op, 2))
			end := len(out) + n
			for len(out) < end {
				b := byte(rng.next())
				r := 1 + int(rng.next()%maxRun)
				for range min(r, end-len(out)) {
					out = append(out, b)
				}
			}
		case "fill":
			n, b := argInt(op, 1), byte(argInt(op, 2))
			for range n {
				out = append(out, b)
			}
		case "copy":
			n, dist := argInt(op, 1), argInt(op, 2)
			for range n {
				out = append(out, out[len(out)-dist])
			}
		case "mut":
			n, dist, rate := argInt(op, 1), argInt(op, 2), uint64(argInt(op, 3))
			for range n {
				if rng.next()%rate == 0 {
					out = append(out, byte(rng.next()))
				} else {
					out = append(out, out[len(out)-dist])
				}
			}
		case "words":
			n := argInt(op, 1)
			end := len(out) + n
			for len(out) < end {
				w := words[rng.next()%uint64(len(words))] + " "
				out = append(out, w[:min(len(w), end-len(out))]...)
			}
		case "hex":
			var b []byte
			if _, err := fmt.Sscanf(op[1].(string), "%x", &b); err != nil {
				return nil, err
			}
			out = append(out, b...)
		default:
			return nil, fmt.Errorf("unknown generator op %q", op[0])
		}
	}
	return out, nil
}
