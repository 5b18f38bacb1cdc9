package django

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"

	"github.com/djsession/djsession/internal/pystr"
)

// Errors of reading request.POST that Django answers with its 400 page: the first two are
// SuspiciousOperations (TooManyFieldsSent, RequestDataTooBig), the last Django's
// MultiPartParserError.
var (
	ErrTooManyFieldsSent  = fmt.Errorf("%w: TooManyFieldsSent: more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields", ErrSuspiciousOperation)
	ErrRequestDataTooBig  = fmt.Errorf("%w: RequestDataTooBig: a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE", ErrSuspiciousOperation)
	ErrTooManyFilesSent   = fmt.Errorf("%w: TooManyFilesSent: more than DATA_UPLOAD_MAX_NUMBER_FILES files", ErrSuspiciousOperation)
	ErrMultiPartParser    = errors.New("django: MultiPartParserError: a multipart body Django cannot read")
	errMultipartBoundary  = regexp.MustCompile(`^[ -~]{0,200}[!-~]$`)
	maxMultipartReadBytes = int64(64 << 20)
)

// ErrBadRequest is Django's BadRequest exception, which it answers with its 400 page.
var ErrBadRequest = errors.New("django: BadRequest")

// ErrFormNotUTF8 is the BadRequest of Django 5.2 and later for a form body in a charset
// other than UTF-8.
var ErrFormNotUTF8 = fmt.Errorf("%w: HTTP requests with the 'application/x-www-form-urlencoded' content type must be UTF-8 encoded.", ErrBadRequest)

// FormCharsetError is what Django 5.2 and later raise on reading request.POST of a POST
// whose Content-Type is application/x-www-form-urlencoded with a charset parameter that
// names a codec Python knows other than "utf-8" exactly (in any case): ErrFormNotUTF8;
// nil for other requests, and with FormLegacyCharset. PostValue and PostValues read such
// a body as UTF-8 (Django before 5.2 reads it in its charset).
func (s *Settings) FormCharsetError(r *http.Request) error {
	if s.FormLegacyCharset || !strings.EqualFold(r.Method, http.MethodPost) {
		return nil
	}
	mediaType, params, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(mediaType), "application/x-www-form-urlencoded") {
		return nil
	}
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "charset") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if pystr.KnownCodec(v) && strings.ToLower(v) != "utf-8" {
			return ErrFormNotUTF8
		}
	}
	return nil
}

// PostValue is request.POST.get(name) as Django's own request reads it for a POST, with
// the site's DATA_UPLOAD_MAX_* bounds: the last value of the field in an
// application/x-www-form-urlencoded body (parse_qsl's reading, as UTF-8) or a
// multipart/form-data one (MultiPartParser's: the fields of any Content-Disposition with
// a name and no file name, base64 parts decoded), and whether it is there; nothing for
// other methods and bodies. A body over the bounds, or a multipart one without a valid
// boundary, is the error Django answers with its 400 page (ErrTooManyFieldsSent,
// ErrRequestDataTooBig, ErrTooManyFilesSent, ErrMultiPartParser). The body is put back for
// the handler.
func (s *Settings) PostValue(r *http.Request, name string) (string, bool, error) {
	vs, err := s.PostValues(r, name)
	if err != nil || len(vs) == 0 {
		return "", false, err
	}
	return vs[len(vs)-1], true, nil
}

// PostValues is request.POST.getlist(name): every value of the field, in order, as
// PostValue reads them (none when the field is not there).
func (s *Settings) PostValues(r *http.Request, name string) ([]string, error) {
	m, err := s.PostForm(r, name)
	return m[name], err
}

// PostForm is request.POST.getlist of each of names, read once: the values of the fields
// that are there, in order, as PostValue reads them.
func (s *Settings) PostForm(r *http.Request, names ...string) (map[string][]string, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	if !strings.EqualFold(r.Method, http.MethodPost) || r.Body == nil { // (Django upper-cases REQUEST_METHOD)
		return nil, nil
	}
	ct := r.Header.Get("Content-Type")
	mediaType, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(mediaType)) {
	case "application/x-www-form-urlencoded":
		if s.DataUploadMaxMemorySize >= 0 && r.ContentLength > int64(s.DataUploadMaxMemorySize) {
			return nil, ErrRequestDataTooBig
		}
		limit := int64(s.DataUploadMaxMemorySize)
		if limit < 0 {
			limit = maxMultipartReadBytes
		}
		body, err := peekBody(r, limit)
		if err != nil {
			return nil, err
		}
		if s.DataUploadMaxNumberFields >= 0 && 1+bytes.Count(body, []byte("&")) > s.DataUploadMaxNumberFields {
			return nil, ErrTooManyFieldsSent
		}
		return pyFormLists(body, want), nil
	case "multipart/form-data":
		return s.multipartPostForm(r, ct, want)
	}
	return nil, nil
}

// Body is request.body: r's body, read once and put back for the handler; a body larger
// than DATA_UPLOAD_MAX_MEMORY_SIZE is ErrRequestDataTooBig (Django's 400), by its
// Content-Length or as it is read.
func (s *Settings) Body(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	limit := int64(s.DataUploadMaxMemorySize)
	if limit < 0 {
		limit = maxMultipartReadBytes
	} else if r.ContentLength > limit {
		return nil, ErrRequestDataTooBig
	}
	return peekBody(r, limit)
}

// peekBody reads r's body (at most limit bytes: more is ErrRequestDataTooBig) and puts it
// back for the handler.
func peekBody(r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, ErrRequestDataTooBig
	}
	return body, nil
}

// multipartPostForm is PostForm for a multipart/form-data body.
func (s *Settings) multipartPostForm(r *http.Request, ct string, want map[string]bool) (map[string][]string, error) {
	_, params, err := mime.ParseMediaType(ct)
	boundary := params["boundary"]
	if err != nil || boundary == "" || !errMultipartBoundary.MatchString(boundary) {
		return nil, fmt.Errorf("%w: invalid boundary in multipart: %q", ErrMultiPartParser, boundary)
	}
	body, err := peekBody(r, maxMultipartReadBytes)
	if err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	values := map[string][]string{}
	fields, files, size := 0, 0, 0
	for {
		part, err := mr.NextRawPart()
		if err != nil {
			break
		}
		_, disp, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		field, hasName := disp["name"]
		if err != nil || !hasName {
			continue
		}
		if _, isFile := disp["filename"]; isFile {
			if files++; s.DataUploadMaxNumberFiles >= 0 && files > s.DataUploadMaxNumberFiles {
				return nil, ErrTooManyFilesSent
			}
			continue
		}
		if fields++; s.DataUploadMaxNumberFields >= 0 && fields > s.DataUploadMaxNumberFields {
			return nil, ErrTooManyFieldsSent
		}
		data, err := io.ReadAll(part)
		if err != nil {
			break
		}
		if size += len(field) + 2 + len(data); s.DataUploadMaxMemorySize >= 0 && size > s.DataUploadMaxMemorySize {
			return nil, ErrRequestDataTooBig
		}
		if !want[field] {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(part.Header.Get("Content-Transfer-Encoding")), "base64") {
			if d, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(data), nil))); err == nil {
				data = d
			}
		}
		values[field] = append(values[field], ValidUTF8(string(data)))
	}
	return values, nil
}
