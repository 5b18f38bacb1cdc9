package caches

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"hash/crc64"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// The decompressors of gzip, lz4 and lzma data read what Python's gzip.decompress,
// lz4.frame.decompress and lzma.decompress read, down to the bytes they ignore after the
// compressed data (which a damaged value may have): django-redis then reads the value
// where a stricter reader would find it corrupt.

// gunzip reads data as gzip.decompress: gzip members one after another, each followed
// by any number of NUL bytes; after a member, the end of the data ends it, and anything
// but another member is an error.
func gunzip(data []byte, limit int) ([]byte, error) {
	var out []byte
	for first := true; ; first = false {
		if !first {
			data = bytes.TrimLeft(data, "\x00")
			if len(data) == 0 {
				return out, nil
			}
		}
		if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			if first {
				return nil, errNotCompressed
			}
			return nil, corrupt("gzip: not a gzipped file after a member", nil)
		}
		// A bytes.Reader is an io.ByteReader, so neither the gzip header reader nor
		// flate reads past the member: what is left in br follows it.
		br := bytes.NewReader(data)
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, corrupt("gzip", err)
		}
		zr.Multistream(false)
		m, err := readBounded(zr, limit-len(out), "gzip")
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
		data = data[len(data)-br.Len():]
	}
}

// unlz4 reads the first LZ4 frame of data as LZ4F_decompress does for
// lz4.frame.decompress, checking what it checks (version, reserved bits, block sizes, the
// header checksum, block and content checksums when present, the declared content size),
// each block decoded by lz4Block; it ignores the bytes after the frame, as
// lz4.frame.decompress does.
func unlz4(data []byte, limit int) ([]byte, error) {
	const magic = 0x184D2204
	if len(data) < 4 || binary.LittleEndian.Uint32(data) != magic {
		return nil, errNotCompressed
	}
	p := data[4:]
	incomplete := corrupt("lz4: frame incomplete", nil)
	if len(p) < 2 {
		return nil, incomplete
	}
	flg, bd := p[0], p[1]
	sizeID := bd >> 4 & 7
	if flg>>6 != 1 || flg&0x02 != 0 || bd&0x8f != 0 || sizeID < 4 {
		return nil, corrupt("lz4: bad frame descriptor", nil)
	}
	blockMax := 1 << (8 + 2*int(sizeID))
	hdr := 2
	if flg&0x08 != 0 {
		hdr += 8
	}
	if flg&0x01 != 0 {
		hdr += 4
	}
	if len(p) < hdr+1 {
		return nil, incomplete
	}
	if byte(xxh32(p[:hdr])>>8) != p[hdr] {
		return nil, corrupt("lz4: header checksum", nil)
	}
	var contentSize uint64
	if flg&0x08 != 0 {
		contentSize = binary.LittleEndian.Uint64(p[2:])
	}
	p = p[hdr+1:]
	independent, blockSum, contentSum := flg&0x20 != 0, flg&0x10 != 0, flg&0x04 != 0
	var out []byte
	for {
		if len(p) < 4 {
			return nil, incomplete
		}
		size := binary.LittleEndian.Uint32(p)
		p = p[4:]
		if size == 0 {
			break
		}
		stored := size&(1<<31) != 0
		size &^= 1 << 31
		if int(size) > blockMax {
			return nil, corrupt("lz4: block larger than the frame's maximum", nil)
		}
		extra := 0
		if blockSum {
			extra = 4
		}
		if len(p) < int(size)+extra {
			return nil, incomplete
		}
		block := p[:size]
		p = p[size:]
		if blockSum {
			if xxh32(block) != binary.LittleEndian.Uint32(p) {
				return nil, corrupt("lz4: block checksum", nil)
			}
			p = p[4:]
		}
		if stored {
			out = append(out, block...)
		} else {
			var dict []byte
			if !independent {
				dict = out[max(0, len(out)-64<<10):]
			}
			var err error
			if out, err = lz4Block(out, block, dict, blockMax); err != nil {
				return nil, corrupt("lz4", err)
			}
		}
		if len(out) > limit {
			return nil, tooLarge("lz4 output exceeds MaxDecompressedSize")
		}
	}
	if contentSum {
		if len(p) < 4 {
			return nil, incomplete
		}
		if xxh32(out) != binary.LittleEndian.Uint32(p) {
			return nil, corrupt("lz4: content checksum", nil)
		}
	}
	if contentSize != 0 && uint64(len(out)) != contentSize {
		return nil, corrupt("lz4: content size differs from the frame's", nil)
	}
	return out, nil
}

// unxz reads data as lzma.decompress (format auto): a complete .xz stream, then as many
// more streams as follow. After the first, data that liblzma refuses at once is ignored,
// while data that ends before its stream does is an error.
func unxz(data []byte, limit int) ([]byte, error) {
	if len(data) == 0 || data[0] != 0xfd {
		return nil, errNotCompressed
	}
	var out []byte
	for first := true; len(data) > 0; first = false {
		m, rest, err := xzStream(data, limit-len(out))
		switch {
		case err == nil:
			out = append(out, m...)
			data = rest
		case errors.Is(err, ErrTooLarge), first, errors.Is(err, errXZIncomplete):
			return nil, err
		default:
			return out, nil // (refused data after a stream: ignored)
		}
	}
	return out, nil
}

var errXZIncomplete = corrupt("lzma: compressed data ended before the end-of-stream marker was reached", nil)

// xzStream reads one stream at the start of data as liblzma's auto decoder: .xz when the
// first byte is 0xFD, else the .lzma format, whose header liblzma checks strictly. It
// returns the output and the data after the stream; errXZIncomplete when the data ends
// first.
func xzStream(data []byte, limit int) ([]byte, []byte, error) {
	if data[0] != 0xfd {
		return lzmaAlone(data, limit)
	}
	x := &xzReader{data: data, limit: limit}
	if err := x.stream(); err != nil {
		return nil, nil, err
	}
	return x.out, x.data[x.pos:], nil
}

// xzReader reads the .xz container as liblzma does, checking everything it checks (the
// header, block headers and index with their CRC32s, block padding, each block's check,
// the sizes the headers and the index give, the footer); ulikunitz/xz decodes the LZMA2
// data of each block.
type xzReader struct {
	data  []byte
	pos   int
	out   []byte
	limit int
}

func (x *xzReader) take(n int) ([]byte, error) {
	if n > len(x.data)-x.pos {
		return nil, errXZIncomplete
	}
	b := x.data[x.pos : x.pos+n]
	x.pos += n
	return b, nil
}

// vli reads a variable-length integer of the .xz format (at most 9 bytes, no trailing
// zero byte).
func (x *xzReader) vli() (uint64, error) {
	var v uint64
	for i := 0; ; i++ {
		b, err := x.take(1)
		if err != nil {
			return 0, err
		}
		if i == 9 || i > 0 && b[0] == 0 {
			return 0, corrupt("lzma: bad integer", nil)
		}
		v |= uint64(b[0]&0x7f) << (7 * i)
		if b[0]&0x80 == 0 {
			return v, nil
		}
	}
}

// xzCheckSize is the size of each check type (liblzma skips the unknown ones unverified).
var xzCheckSize = [16]int{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}

func (x *xzReader) stream() error {
	h, err := x.take(12)
	if err != nil {
		return err
	}
	if string(h[:6]) != "\xfd7zXZ\x00" {
		return corrupt("lzma: not an .xz stream", nil)
	}
	if h[6] != 0 || h[7] > 0x0f || crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) {
		return corrupt("lzma: bad stream header", nil)
	}
	check := h[7]
	type record struct{ unpadded, size uint64 }
	var records []record
	for {
		start := x.pos
		b, err := x.take(1)
		if err != nil {
			return err
		}
		if b[0] == 0 { // the index
			break
		}
		hdr, err := x.take(int(b[0])*4 + 3)
		if err != nil {
			return err
		}
		hdr = x.data[start:x.pos]
		if crc32.ChecksumIEEE(hdr[:len(hdr)-4]) != binary.LittleEndian.Uint32(hdr[len(hdr)-4:]) {
			return corrupt("lzma: bad block header", nil)
		}
		unpadded, n, err := x.block(hdr, check)
		if err != nil {
			return err
		}
		records = append(records, record{unpadded, n})
	}
	// The index: its records must be the blocks'.
	istart := x.pos - 1
	count, err := x.vli()
	if err != nil {
		return err
	}
	if count != uint64(len(records)) {
		return corrupt("lzma: index does not match the blocks", nil)
	}
	for _, r := range records {
		unpadded, err := x.vli()
		if err != nil {
			return err
		}
		size, err := x.vli()
		if err != nil {
			return err
		}
		if unpadded != r.unpadded || size != r.size {
			return corrupt("lzma: index does not match the blocks", nil)
		}
	}
	if err := x.zeros(pad4(x.pos - istart)); err != nil {
		return err
	}
	sum, err := x.take(4)
	if err != nil {
		return err
	}
	if crc32.ChecksumIEEE(x.data[istart:x.pos-4]) != binary.LittleEndian.Uint32(sum) {
		return corrupt("lzma: bad index", nil)
	}
	f, err := x.take(12)
	if err != nil {
		return err
	}
	if crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f) || string(f[10:]) != "YZ" ||
		f[8] != h[6] || f[9] != h[7] || (uint64(binary.LittleEndian.Uint32(f[4:]))+1)*4 != uint64(x.pos-12-istart) {
		return corrupt("lzma: bad stream footer", nil)
	}
	return nil
}

// lzma2Extent walks the LZMA2 chunk headers at the start of data and returns where the
// end marker leaves the data, and the total uncompressed size the chunks declare.
func lzma2Extent(data []byte) (int, uint64, error) {
	var p int
	var total uint64
	for {
		if p >= len(data) {
			return 0, 0, errXZIncomplete
		}
		c := data[p]
		switch {
		case c == 0:
			return p + 1, total, nil
		case c <= 2: // an uncompressed chunk
			if len(data)-p < 3 {
				return 0, 0, errXZIncomplete
			}
			n := int(binary.BigEndian.Uint16(data[p+1:])) + 1
			p += 3 + n
			total += uint64(n)
		case c < 0x80:
			return 0, 0, corrupt("lzma: bad LZMA2 chunk", nil)
		default:
			hdr := 5
			if c >= 0xc0 {
				hdr = 6 // (with a properties byte)
			}
			if len(data)-p < hdr {
				return 0, 0, errXZIncomplete
			}
			u := uint64(c&0x1f)<<16 | uint64(binary.BigEndian.Uint16(data[p+1:])) + 1
			n := int(binary.BigEndian.Uint16(data[p+3:])) + 1
			p += hdr + n
			total += u
		}
	}
}

// pad4 is the number of bytes that pad n to a multiple of four.
func pad4(n int) int { return -n & 3 }

// zeros reads n padding bytes, which must be zero.
func (x *xzReader) zeros(n int) error {
	b, err := x.take(n)
	if err != nil {
		return err
	}
	for _, c := range b {
		if c != 0 {
			return corrupt("lzma: padding is not zero", nil)
		}
	}
	return nil
}

// block reads the block whose header is hdr (size byte to CRC32) and returns its
// unpadded size (header, data and check) and its uncompressed size. Only the LZMA2
// filter, alone, is taken.
func (x *xzReader) block(hdr []byte, check byte) (uint64, uint64, error) {
	hx := &xzReader{data: hdr[:len(hdr)-4], pos: 2}
	flags := hdr[1]
	if flags&0x3c != 0 {
		return 0, 0, corrupt("lzma: bad block flags", nil)
	}
	var csize, usize uint64 = 1<<64 - 1, 1<<64 - 1
	var err error
	if flags&0x40 != 0 {
		if csize, err = hx.vli(); err != nil || csize == 0 {
			return 0, 0, corrupt("lzma: bad block header", nil)
		}
	}
	if flags&0x80 != 0 {
		if usize, err = hx.vli(); err != nil {
			return 0, 0, corrupt("lzma: bad block header", nil)
		}
	}
	if flags&3 != 0 {
		return 0, 0, corrupt("lzma: filters other than LZMA2 are not supported", nil)
	}
	id, err1 := hx.vli()
	psize, err2 := hx.vli()
	if err1 != nil || err2 != nil || id != 0x21 || psize != 1 || hx.pos >= len(hx.data) {
		return 0, 0, corrupt("lzma: filters other than LZMA2 are not supported", nil)
	}
	dictCode := hx.data[hx.pos]
	hx.pos++
	if dictCode > 40 {
		return 0, 0, corrupt("lzma: bad LZMA2 dictionary size", nil)
	}
	if hx.zeros(len(hx.data)-hx.pos) != nil {
		return 0, 0, corrupt("lzma: bad block header", nil)
	}
	dictCap := lzma.MaxDictCap
	if dictCode < 40 {
		dictCap = (2 | int(dictCode)&1) << (dictCode/2 + 11)
	}
	start := x.pos
	end, usum, err := lzma2Extent(x.data[start:])
	if err != nil {
		return 0, 0, err
	}
	if usum > uint64(x.limit-len(x.out)) {
		return 0, 0, tooLarge("lzma output exceeds MaxDecompressedSize")
	}
	// (Given exactly the chunks' bytes: liblzma takes a chunk to end where its header
	// says, where ulikunitz/xz stops when the chunk's output is complete.)
	br := bytes.NewReader(x.data[start : start+end])
	zr, err := lzma.Reader2Config{DictCap: max(dictCap, lzma.MinDictCap)}.NewReader2(br)
	if err != nil {
		return 0, 0, xzErr(err)
	}
	m, err := readBounded(zr, x.limit-len(x.out), "lzma")
	if err != nil {
		return 0, 0, xzErr(err)
	}
	if br.Len() != 0 || uint64(len(m)) != usum {
		return 0, 0, corrupt("lzma: LZMA2 chunk sizes differ from the data", nil)
	}
	x.pos = start + end
	if csize != 1<<64-1 && csize != uint64(x.pos-start) || usize != 1<<64-1 && usize != uint64(len(m)) {
		return 0, 0, corrupt("lzma: block sizes differ from its header's", nil)
	}
	compressed := x.pos - start
	if err := x.zeros(pad4(compressed + len(hdr))); err != nil {
		return 0, 0, err
	}
	sum, err := x.take(xzCheckSize[check])
	if err != nil {
		return 0, 0, err
	}
	var ok bool
	switch check {
	case 1:
		ok = crc32.ChecksumIEEE(m) == binary.LittleEndian.Uint32(sum)
	case 4:
		ok = crc64.Checksum(m, crc64.MakeTable(crc64.ECMA)) == binary.LittleEndian.Uint64(sum)
	case 10:
		s := sha256.Sum256(m)
		ok = bytes.Equal(s[:], sum)
	default:
		ok = true
	}
	if !ok {
		return 0, 0, corrupt("lzma: block check failed", nil)
	}
	x.out = append(x.out, m...)
	return uint64(len(hdr) + compressed + len(sum)), uint64(len(m)), nil
}

func xzErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errXZIncomplete
	}
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrCorrupt) {
		return err
	}
	return corrupt("lzma", err)
}

// lzmaAlone reads a .lzma stream as liblzma's alone decoder in its picky mode: a
// properties byte below 225 with lc+lp at most 4, a dictionary size of 2^n or 2^n+2^(n-1) (or all ones), an
// uncompressed size below 2^38 (or all ones), then the range coder's first byte 0.
func lzmaAlone(data []byte, limit int) ([]byte, []byte, error) {
	if props := data[0]; props >= 225 || props%45%9+props%45/9 > 4 { // (lc+lp at most 4)
		return nil, nil, corrupt("lzma: bad .lzma properties", nil)
	}
	if len(data) < 5 {
		return nil, nil, errXZIncomplete
	}
	if d := binary.LittleEndian.Uint32(data[1:]); d != 1<<32-1 {
		x := d - 1
		x |= x >> 2
		x |= x >> 3
		x |= x >> 4
		x |= x >> 8
		x |= x >> 16
		if x+1 != d {
			return nil, nil, corrupt("lzma: bad .lzma dictionary size", nil)
		}
	}
	if len(data) < 13 {
		return nil, nil, errXZIncomplete
	}
	if size := binary.LittleEndian.Uint64(data[5:]); size != 1<<64-1 && size >= 1<<38 {
		return nil, nil, corrupt("lzma: bad .lzma size", nil)
	}
	if len(data) < 14 {
		return nil, nil, errXZIncomplete
	}
	if data[13] != 0 {
		return nil, nil, corrupt("lzma: bad range coder start", nil)
	}
	zr, err := lzma.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, xzErr(err)
	}
	out, err := readBounded(zr, limit, "lzma")
	if err != nil {
		return nil, nil, xzErr(err)
	}
	// (Where such a stream ends in the data is not known here: what may follow it is
	// dropped.)
	return out, nil, nil
}
