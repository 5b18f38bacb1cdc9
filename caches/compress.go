package caches

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/djsession/djsession/internal/zdeflate"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// Compressor is one of django-redis's compressors (OPTIONS["COMPRESSOR"]).
type Compressor uint8

// The django-redis compressors. Each compresses only values longer than its minimum
// length (15 bytes, 100 for lzma) and stores shorter ones as they are.
const (
	Identity Compressor = iota // django_redis.compressors.identity.IdentityCompressor (the default)
	Zlib                       // zlib.ZlibCompressor: zlib.compress(value, 6); byte-identical (internal/zdeflate)
	Gzip                       // gzip.GzipCompressor: gzip.compress(value), level 9 (django-redis 5.3+)
	Lzma                       // lzma.LzmaCompressor: lzma.compress(value, preset=4), the .xz format
	Lz4                        // lz4.Lz4Compressor: lz4.frame.compress(value)
	Zstd                       // zstd.ZStdCompressor: pyzstd.compress(value), level 3
)

var compressorNames = [...]string{"identity", "zlib", "gzip", "lzma", "lz4", "zstd"}

// String returns the module name of the compressor in django_redis.compressors.
func (c Compressor) String() string {
	if int(c) < len(compressorNames) {
		return compressorNames[c]
	}
	return "Compressor(?)"
}

// minLength is the length a value must exceed to be compressed.
func (c Compressor) minLength() int {
	if c == Lzma {
		return 100
	}
	return 15
}

// Compress compresses data as the django-redis compressor does, returning data itself
// when it is too short to be compressed. Zlib output is byte-identical to Python's; the
// others are valid streams the Python library reads, but not always the same bytes
// (gzip embeds the current time, as Python's does; zstd, lzma and lz4 use other
// encoders).
func (c Compressor) Compress(data []byte) ([]byte, error) {
	if c == Identity || len(data) <= c.minLength() {
		return data, nil
	}
	switch c {
	case Zlib:
		return zdeflate.Compress(nil, data), nil
	case Gzip:
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.ModTime = time.Now()
		w.OS = 255 // unknown, as Python writes
		w.Write(data)
		w.Close()
		return b.Bytes(), nil
	case Lzma:
		var b bytes.Buffer
		w, err := xz.WriterConfig{CheckSum: xz.CRC64}.NewWriter(&b)
		if err != nil {
			return nil, err
		}
		w.Write(data)
		if err := w.Close(); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	case Lz4:
		return lz4Frame(data), nil
	case Zstd:
		return zstdEncoder.EncodeAll(data, nil), nil
	}
	return nil, unsupported("unknown compressor")
}

var zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(false))

// errNotCompressed is returned by decompress when the input is not a stream of the
// compressor (django-redis then reads the value as stored uncompressed).
var errNotCompressed = errors.New("caches: not compressed")

// Decompress reverses Compress, with the output bounded by l.MaxDecompressedSize. An
// input the compressor cannot read gives an error matching ErrCorrupt (django-redis then
// reads the value as uncompressed: see [DjangoRedis.Decode]); output beyond the bound
// gives ErrTooLarge.
func (c Compressor) Decompress(data []byte, l Limits) ([]byte, error) {
	out, err := c.decompress(data, l.maxOut())
	if errors.Is(err, errNotCompressed) {
		return nil, corrupt(c.String()+": not compressed", nil)
	}
	return out, err
}

func (c Compressor) decompress(data []byte, limit int) ([]byte, error) {
	var r io.Reader
	switch c {
	case Identity:
		return data, nil
	case Zlib:
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, errNotCompressed
		}
		r = zr
	case Gzip:
		return gunzip(data, limit)
	case Lzma:
		return unxz(data, limit)
	case Lz4:
		return unlz4(data, limit)
	case Zstd:
		if len(data) < 4 || binary.LittleEndian.Uint32(data) != 0xFD2FB528 {
			return nil, errNotCompressed
		}
		d, err := zstd.NewReader(nil, zstd.WithDecoderMaxMemory(uint64(limit)), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(uint64(max(limit, 1<<20))))
		if err != nil {
			return nil, corrupt("zstd", err)
		}
		defer d.Close()
		out, err := d.DecodeAll(data, nil)
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) || len(out) > limit {
			return nil, tooLarge("zstd output exceeds MaxDecompressedSize")
		}
		if err != nil {
			return nil, corrupt("zstd", err)
		}
		return out, nil
	default:
		return nil, unsupported("unknown compressor")
	}
	return readBounded(r, limit, c.String())
}

// readBounded reads r to its end, failing once more than max bytes come out.
func readBounded(r io.Reader, max int, what string) ([]byte, error) {
	var b bytes.Buffer
	n, err := io.Copy(&b, io.LimitReader(r, int64(max)+1))
	if n > int64(max) {
		return nil, tooLarge(what + " output exceeds MaxDecompressedSize")
	}
	if err != nil {
		return nil, corrupt(what, err)
	}
	if c, ok := r.(io.Closer); ok {
		if err := c.Close(); err != nil {
			return nil, corrupt(what, err)
		}
	}
	return b.Bytes(), nil
}

// lz4Frame writes the LZ4 frame lz4.frame.compress(data) writes with its defaults: 64 KiB
// blocks compressed independently, the content size in the header, no checksums; a block
// that does not shrink is stored.
func lz4Frame(data []byte) []byte {
	const blockSize = 64 << 10
	out := binary.LittleEndian.AppendUint32(nil, 0x184D2204)
	// Version 01, independent blocks, content size present (python-lz4 sets the
	// independent-blocks bit with its defaults), 64 KiB maximum block size.
	desc := []byte{0x68, 0x40}
	desc = binary.LittleEndian.AppendUint64(desc, uint64(len(data)))
	out = append(out, desc...)
	out = append(out, byte(xxh32(desc)>>8))
	c := lz4Compressors.Get().(*lz4.Compressor)
	defer lz4Compressors.Put(c)
	buf := make([]byte, lz4.CompressBlockBound(min(len(data), blockSize)))
	for start := 0; start < len(data); start += blockSize {
		block := data[start:min(start+blockSize, len(data))]
		n, err := c.CompressBlock(block, buf)
		if err != nil || n == 0 || n >= len(block) {
			out = binary.LittleEndian.AppendUint32(out, uint32(len(block))|1<<31)
			out = append(out, block...)
			continue
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(n))
		out = append(out, buf[:n]...)
	}
	return binary.LittleEndian.AppendUint32(out, 0)
}

var lz4Compressors = sync.Pool{New: func() any { return new(lz4.Compressor) }}

// xxh32 is the XXH32 hash with seed 0, for the LZ4 frame header checksum.
func xxh32(b []byte) uint32 {
	var (
		p1 uint32 = 2654435761
		p2 uint32 = 2246822519
		p3 uint32 = 3266489917
		p4 uint32 = 668265263
		p5 uint32 = 374761393
	)
	rotl := func(x uint32, r uint) uint32 { return x<<r | x>>(32-r) }
	n := len(b)
	var h uint32
	if n >= 16 {
		v1, v2, v3, v4 := p1+p2, p2, uint32(0), -p1
		for len(b) >= 16 {
			v1 = rotl(v1+binary.LittleEndian.Uint32(b)*p2, 13) * p1
			v2 = rotl(v2+binary.LittleEndian.Uint32(b[4:])*p2, 13) * p1
			v3 = rotl(v3+binary.LittleEndian.Uint32(b[8:])*p2, 13) * p1
			v4 = rotl(v4+binary.LittleEndian.Uint32(b[12:])*p2, 13) * p1
			b = b[16:]
		}
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
	} else {
		h = p5
	}
	h += uint32(n)
	for len(b) >= 4 {
		h = rotl(h+binary.LittleEndian.Uint32(b)*p3, 17) * p4
		b = b[4:]
	}
	for _, c := range b {
		h = rotl(h+uint32(c)*p5, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}
