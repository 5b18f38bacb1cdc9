package signing

import (
	"bytes"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// zlib streams: Python's zlib.compress uses level 6 (Z_DEFAULT_COMPRESSION); any valid
// stream is accepted on input and data after the end of the stream is ignored, as
// zlib.decompress does. The compressed bytes are valid but not byte-identical to CPython's
// zlib: the deflate implementations differ.

var zwriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, 6)
	return w
}}

type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

func compressZlib(dst, data []byte) []byte {
	zw := zwriters.Get().(*zlib.Writer)
	sw := &sliceWriter{b: dst}
	zw.Reset(sw)
	zw.Write(data)
	zw.Close()
	zwriters.Put(zw)
	return sw.b
}

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
