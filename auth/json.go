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
func decodeObject(data []byte) (map[string]any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("read json: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	obj, err := decodeMembers(dec, 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON object")
	}
	return obj, nil
}

func decodeMembers(dec *json.Decoder, depth int) (map[string]any, error) {
	obj := make(map[string]any)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read json: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("invalid member name")
		}
		if _, dup := obj[name]; dup {
			return nil, fmt.Errorf("duplicate member %q", sanitize(name))
		}
		val, err := decodeValue(dec, depth)
		if err != nil {
			return nil, err
		}
		obj[name] = val
	}
	if _, err := dec.Token(); err != nil { // closing '}'
		return nil, fmt.Errorf("read json: %w", err)
	}
	return obj, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("read json: %w", err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d levels", maxJSONDepth)
	}
	switch d {
	case '{':
		return decodeMembers(dec, depth+1)
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := dec.Token(); err != nil { // closing ']'
			return nil, fmt.Errorf("read json: %w", err)
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected delimiter %q", rune(d))
}
