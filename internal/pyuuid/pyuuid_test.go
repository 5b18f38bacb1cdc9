package pyuuid

import (
	"regexp"
	"testing"
)

func TestNew4(t *testing.T) {
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, err := New4()
	b, _ := New4()
	if err != nil || !form.MatchString(a) || a == b {
		t.Errorf("New4() = %q, %q, %v", a, b, err)
	}
}
