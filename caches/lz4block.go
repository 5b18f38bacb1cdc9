package caches

import "errors"

var errLZ4Block = errors.New("corrupt LZ4 block")

// lz4Block decodes an LZ4 block as liblz4's LZ4_decompress_safe_usingDict decodes it into
// a buffer of capacity bytes (LZ4F uses one of the frame's block size), appending to out;
// dict holds the bytes before the block that matches may reach (linked blocks). It keeps
// liblz4's bounds, which decide where a damaged block ends: a run of literals that comes
// within 8 bytes of the input's end must end exactly there (and ends the block, whatever
// its match length says), except on the fast path liblz4 takes for short runs far from
// both ends; a match may not reach the last 5 bytes of the capacity. A zero offset, from
// which liblz4 copies bytes it never wrote, is an error here.
func lz4Block(out, src, dict []byte, capacity int) ([]byte, error) {
	const (
		minMatch     = 4
		lastLiterals = 5
		mfLimit      = 12
	)
	if len(src) == 0 {
		return nil, errLZ4Block
	}
	base := len(out) // the block's output starts here
	oend := base + capacity
	iend := len(src)
	shortIend := iend - 14 - 2
	shortOend := oend - 14 - 18
	ip := 0
	for {
		if ip >= iend {
			return nil, errLZ4Block
		}
		token := src[ip]
		ip++
		length := int(token >> 4)
		op := len(out)
		if length != 15 && ip < shortIend && op <= shortOend {
			// liblz4's shortcut: the literals, then the match info, without the
			// last-sequence test.
			out = append(out, src[ip:ip+length]...)
			ip += length
			offset := int(src[ip]) | int(src[ip+1])<<8
			ip += 2
			mlen := int(token & 15)
			if mlen != 15 && offset >= 8 && offset <= len(out)-base {
				out = appendMatch(out, dict, base, offset, mlen+minMatch)
				continue
			}
			var err error
			if out, ip, err = lz4Match(out, src, dict, base, oend, ip, offset, mlen); err != nil {
				return nil, err
			}
			continue
		}
		if length == 15 {
			if ip >= iend-15 {
				return nil, errLZ4Block
			}
			for {
				b := src[ip]
				ip++
				length += int(b)
				if b != 255 || ip >= iend-15 { // (where liblz4 stops reading the length)
					break
				}
			}
		}
		if op+length > oend-mfLimit || ip+length > iend-(2+1+lastLiterals) {
			// The last sequence: its literals must end the input.
			if ip+length != iend || op+length > oend {
				return nil, errLZ4Block
			}
			return append(out, src[ip:iend]...), nil
		}
		out = append(out, src[ip:ip+length]...)
		ip += length
		offset := int(src[ip]) | int(src[ip+1])<<8
		ip += 2
		var err error
		if out, ip, err = lz4Match(out, src, dict, base, oend, ip, offset, int(token&15)); err != nil {
			return nil, err
		}
	}
}

// lz4Match reads the rest of a match's length (mlen is the token's four bits) and
// appends the match.
func lz4Match(out, src, dict []byte, base, oend, ip, offset, mlen int) ([]byte, int, error) {
	if mlen == 15 {
		for {
			if ip >= len(src) {
				return nil, 0, errLZ4Block
			}
			b := src[ip]
			ip++
			mlen += int(b)
			if ip >= len(src)-4 { // (liblz4: the length may not run into the last 5 bytes)
				return nil, 0, errLZ4Block
			}
			if b != 255 {
				break
			}
		}
	}
	mlen += 4
	if offset == 0 || offset > len(out)-base+len(dict) || len(out)+mlen > oend-5 {
		return nil, 0, errLZ4Block
	}
	return appendMatch(out, dict, base, offset, mlen), ip, nil
}

// appendMatch appends n bytes copied from offset bytes back (overlapping as LZ4 copies),
// the part before the block's output taken from the end of dict.
func appendMatch(out, dict []byte, base, offset, n int) []byte {
	if from := len(out) - offset; from >= base && offset >= n {
		return append(out, out[from:from+n]...) // (no overlap, nothing from dict)
	}
	for i := 0; i < n; i++ {
		from := len(out) - offset
		if from < base {
			out = append(out, dict[len(dict)-(base-from)])
		} else {
			out = append(out, out[from])
		}
	}
	return out
}
