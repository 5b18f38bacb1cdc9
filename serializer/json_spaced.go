package serializer

// EncodeJSONSpaced returns v as Python's json.dumps(v) writes it with its default
// separators (", " and ": "), ensure_ascii, as Django's JsonResponse writes a response
// body.
func EncodeJSONSpaced(v Value) ([]byte, error) {
	compact, err := EncodeJSON(v)
	if err != nil {
		return nil, err
	}
	// The compact form is ASCII with every '"' inside a string escaped: a ',' or ':'
	// outside a string is a separator.
	out := make([]byte, 0, len(compact)+len(compact)/8)
	inStr, esc := false, false
	for _, c := range compact {
		out = append(out, c)
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ',' || c == ':'):
			out = append(out, ' ')
		}
	}
	return out, nil
}
