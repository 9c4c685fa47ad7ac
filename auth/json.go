package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting in headers and claims. Real tokens nest a few
// levels (Clerk's "o" object); deeper input is refused cheaply.
const maxJSONDepth = 32

var errNotObject = errors.New("not a JSON object")

// decodeObject decodes a JSON object strictly: member names are compared
// case-sensitively, a duplicate name at any level is an error (RFC 7519 §4
// allows rejecting them; encoding/json would silently keep the last one),
// invalid UTF-8 and trailing data are errors, nesting is bounded, and numbers
// are kept as json.Number so they re-serialise byte for byte.
//
// A cheap structural pass (nesting, duplicate names, trailing data) runs
// first; encoding/json then decodes in one call. json.Decoder.Token would do
// both at once but costs several times more, and this runs for every token
// that is not in the verified-token cache.
func decodeObject(data []byte) (map[string]any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("invalid UTF-8")
	}
	i := skipSpace(data, 0)
	if i == len(data) {
		return nil, fmt.Errorf("read json: %w", io.EOF)
	}
	if data[i] != '{' {
		return nil, errNotObject
	}
	if err := checkStructure(data[i:]); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("read json: %w", err)
	}
	if skipSpace(data, int(dec.InputOffset())) != len(data) {
		return nil, errors.New("trailing data after JSON object")
	}
	return obj, nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// checkStructure walks a JSON text that starts with '{' and reports
// nesting deeper than maxJSONDepth, a duplicate member name in any object
// and data after the top-level object. It leaves the rest of the grammar to
// encoding/json.
func checkStructure(data []byte) error {
	type frame struct {
		object    bool
		expectKey bool
		names     []string
		set       map[string]struct{} // replaces names past 16 members
	}
	var stack []frame
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			if len(stack) >= maxJSONDepth {
				return fmt.Errorf("JSON nested deeper than %d levels", maxJSONDepth)
			}
			stack = append(stack, frame{object: c == '{', expectKey: c == '{'})
		case '}', ']':
			if len(stack) == 0 {
				return errors.New("read json: unbalanced brackets")
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				if skipSpace(data, i+1) != len(data) {
					return errors.New("trailing data after JSON object")
				}
				return nil
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].expectKey = true
			}
		case '"':
			end := i + 1
			escaped := false
			for ; end < len(data) && data[end] != '"'; end++ {
				if data[end] == '\\' {
					escaped = true
					end++
				}
			}
			if end >= len(data) {
				return errors.New("read json: unterminated string")
			}
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
				name := string(data[i+1 : end])
				if escaped {
					if err := json.Unmarshal(data[i:end+1], &name); err != nil {
						return fmt.Errorf("read json: %w", err)
					}
				}
				top := &stack[n-1]
				if top.set == nil && len(top.names) == 16 {
					top.set = make(map[string]struct{}, 32)
					for _, seen := range top.names {
						top.set[seen] = struct{}{}
					}
				}
				dup := false
				if top.set != nil {
					_, dup = top.set[name]
					top.set[name] = struct{}{}
				} else {
					for _, seen := range top.names {
						dup = dup || seen == name
					}
					top.names = append(top.names, name)
				}
				if dup {
					return fmt.Errorf("duplicate member %q", sanitize(name))
				}
				top.expectKey = false
			}
			i = end
		}
	}
	return errors.New("read json: unexpected end of JSON input")
}
