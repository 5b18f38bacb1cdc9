// Package respwriter holds the http.ResponseWriter wrapper that Django-style middlewares
// of djsession use to do their process_response work at the last moment it can be done:
// just before the response's header leaves.
package respwriter

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
)

// ErrReplaced is returned by Write and ReadFrom after Commit replaced the handler's
// response with one of its own.
var ErrReplaced = errors.New("django: response replaced by a middleware's error response")

// Committer does a middleware's response processing for status, on the header map still
// open. Commit returns false when it wrote a response of its own instead; the handler's
// writes are then dropped.
type Committer interface {
	Commit(status int) bool
}

// CommitFunc is a func as a Committer.
type CommitFunc func(status int) bool

// Commit calls f.
func (f CommitFunc) Commit(status int) bool { return f(status) }

// Writer calls its Committer once, before the first byte of the response leaves: at the
// first WriteHeader with a final status (or 101), Write, ReadFrom or Flush, or at Finish
// when the handler wrote nothing. Hijack skips it.
type Writer struct {
	http.ResponseWriter
	Committer Committer
	committed bool
	replaced  bool
}

// Committed reports whether Commit ran (or the connection was hijacked).
func (w *Writer) Committed() bool { return w.committed }

func (w *Writer) commit(status int) {
	w.committed = true
	w.replaced = !w.Committer.Commit(status)
}

// Finish commits with status 200 if nothing was written: call it when the handler returns.
func (w *Writer) Finish() {
	if !w.committed {
		w.commit(http.StatusOK)
	}
}

// WriteHeader commits for a final status, then writes the header through.
func (w *Writer) WriteHeader(status int) {
	if !w.committed && (status >= 200 || status == http.StatusSwitchingProtocols) {
		w.commit(status)
	}
	if !w.replaced {
		w.ResponseWriter.WriteHeader(status)
	}
}

// Write commits first if the header is not written.
func (w *Writer) Write(b []byte) (int, error) {
	w.Finish()
	if w.replaced {
		return 0, ErrReplaced
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom copies src to the response, keeping net/http's sendfile path.
func (w *Writer) ReadFrom(src io.Reader) (int64, error) {
	w.Finish()
	if w.replaced {
		return 0, ErrReplaced
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Flush commits if the header is not written, then flushes.
func (w *Writer) Flush() {
	w.Finish()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection over (websockets): the response is not processed. When
// hijacking fails (HTTP/2, say) the response is still processed at its first write.
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.committed = true
	}
	return conn, rw, err
}

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
