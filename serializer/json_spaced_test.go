package serializer

import "testing"

func TestEncodeJSONSpaced(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		// (want: Python's json.dumps(json.loads(in)))
		{`{"a":1,"b":[1,2.5,{"c":null}],"d":"x, y: \"z\"\\"}`, `{"a": 1, "b": [1, 2.5, {"c": null}], "d": "x, y: \"z\"\\"}`},
		{`[]`, `[]`},
		{`{}`, `{}`},
		{`"\u00e9:,"`, `"\u00e9:,"`},
		{`{"k\\":":","\\,":1}`, `{"k\\": ":", "\\,": 1}`},
	} {
		v, err := DecodeJSONText(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := EncodeJSONSpaced(v)
		if err != nil || string(got) != c.want {
			t.Errorf("EncodeJSONSpaced(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}
