package pgrest

import (
	"errors"
	"testing"

	"github.com/rowgate/rowgate"
)

// wantErr is the expected *rowgate.Error; empty fields are not compared
// except Code, which must always match.
type wantErr struct {
	status  int
	code    string
	message string
	details string
}

func checkErr(t *testing.T, err error, want wantErr) {
	t.Helper()
	var re *rowgate.Error
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want *rowgate.Error %s", err, err, want.code)
	}
	if re.Code != want.code {
		t.Errorf("code = %q, want %q (%v)", re.Code, want.code, re)
	}
	if want.status != 0 && re.Status != want.status {
		t.Errorf("status = %d, want %d", re.Status, want.status)
	}
	if want.message != "" && re.Message != want.message {
		t.Errorf("message = %q\nwant      %q", re.Message, want.message)
	}
	if want.details != "" && re.Details != want.details {
		t.Errorf("details = %q\nwant      %q", re.Details, want.details)
	}
}

func i64(n int64) *int64 { return &n }

func col(name string, path ...JSONStep) Field { return Field{Name: name, JSONPath: path} }

func arrow(k string) JSONStep  { return JSONStep{Key: k} }
func arrow2(k string) JSONStep { return JSONStep{Key: k, Text: true} }
func idx(k string) JSONStep    { return JSONStep{Key: k, Index: true} }
