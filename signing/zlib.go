package signing

import (
	"bytes"
	"io"
	"sync"

	"github.com/djsession/djsession/internal/zdeflate"
	"github.com/klauspost/compress/zlib"
)

// zlib streams: compression is zdeflate, which writes the very bytes CPython's
// zlib.compress writes (level 6), so compressed tokens are byte-identical to Django's and
// the "saves at least two bytes" decision always agrees with Django's. Any valid stream
// is accepted on input, and data after the end of the stream is ignored, as
// zlib.decompress does.

func compressZlib(dst, data []byte) []byte { return zdeflate.Compress(dst, data) }

type zreader struct {
	br bytes.Reader
	zr io.ReadCloser
}

var zreaders sync.Pool

func decompressZlib(dst, data []byte) ([]byte, error) {
	r, _ := zreaders.Get().(*zreader)
	if r == nil {
		r = &zreader{}
	}
	r.br.Reset(data)
	var err error
	if r.zr == nil {
		r.zr, err = zlib.NewReader(&r.br)
	} else {
		err = r.zr.(zlib.Resetter).Reset(&r.br, nil)
	}
	if err != nil {
		r.zr = nil
		zreaders.Put(r)
		return dst, err
	}
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.zr.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			zreaders.Put(r)
			return dst, err
		}
	}
	zreaders.Put(r)
	return dst, nil
}
