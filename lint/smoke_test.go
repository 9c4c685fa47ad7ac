package lint

import (
	"os"
	"testing"
)

func TestSmoke(t *testing.T) {
	r, err := Scan([]string{"."}, Options{Dir: "/tmp/lt"})
	if err != nil {
		t.Fatal(err)
	}
	WriteText(os.Stdout, r)
}
