package signing

import (
	"math"

	"github.com/djsession/djsession/internal/zdeflate"
	"github.com/djsession/djsession/internal/zinflate"
)

// zlib streams: compression is zdeflate, which writes the very bytes CPython's
// zlib.compress writes (level 6), so compressed tokens are byte-identical to Django's and
// the "saves at least two bytes" decision always agrees with Django's. Decompression is
// zinflate, a one-shot inflater as strict as zlib.decompress: any valid stream is
// accepted, and data after the end of the stream is ignored, as zlib.decompress does.

func compressZlib(dst, data []byte) []byte { return zdeflate.Compress(dst, data) }

// decompressZlib appends the inflated zlib stream data to dst. The stream comes after a
// valid signature, so it is as trusted as the key: like Django, there is no size limit.
func decompressZlib(dst, data []byte) ([]byte, error) {
	return zinflate.Decompress(dst, data, math.MaxInt)
}
