package serializer_test

import (
	"fmt"

	"github.com/djsession/djsession/serializer"
)

func ExampleDecodeJSON() {
	v, err := serializer.DecodeJSON([]byte(`{"n":1,"f":1.0,"big":123456789012345678901234567890,"s":"caf\u00e9"}`))
	if err != nil {
		panic(err)
	}
	d := v.Dict()
	n, _ := d.Get("n")
	f, _ := d.Get("f")
	fmt.Println(n.Kind(), f.Kind())
	out, _ := serializer.EncodeJSON(v)
	fmt.Println(string(out))
	// Output:
	// int float
	// {"n":1,"f":1.0,"big":123456789012345678901234567890,"s":"caf\u00e9"}
}
