package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"
)

// decodeObjectReference is the straightforward token-by-token strict
// decoder that decodeObject replaced for speed; FuzzDecodeObjectEquivalent
// holds the two to the same answers.
func decodeObjectReference(data []byte) (map[string]any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	obj, err := refMembers(dec, 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data")
	}
	return obj, nil
}

func refMembers(dec *json.Decoder, depth int) (map[string]any, error) {
	obj := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("invalid member name")
		}
		if _, dup := obj[name]; dup {
			return nil, errors.New("duplicate")
		}
		v, err := refValue(dec, depth)
		if err != nil {
			return nil, err
		}
		obj[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return obj, nil
}

func refValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxJSONDepth {
		return nil, errors.New("too deep")
	}
	if d == '{' {
		return refMembers(dec, depth+1)
	}
	arr := []any{}
	for dec.More() {
		v, err := refValue(dec, depth+1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return arr, nil
}

func FuzzDecodeObjectEquivalent(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":1,"b":2}}`, `{"a":[{"x":1},{"x":2}]}`,
		`{"\u0061":1,"a":2}`, `{"a\"b":1}`, `{"a":"\\"}`, `{"a":1} x`, `[1]`, `{"a":1e400}`,
		`{"o":{"id":"org_1","rol":"admin"},"sub":"user_1","exp":1800000000}`, ` {"a" : [ 1 , 2 ] } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gotErr := decodeObject(data)
		want, wantErr := decodeObjectReference(data)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("decodeObject(%q) err = %v, reference err = %v", data, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeObject(%q) = %#v, reference %#v", data, got, want)
		}
	})
}
