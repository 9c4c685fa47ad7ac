package pgrest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/rowgate/rowgate"
)

// MaxBodyBytes caps a request body. Larger bodies are refused with 413
// before they are decoded.
const MaxBodyBytes = 10 << 20

// Payload is a decoded insert/update body: always JSON (an object or an
// array of objects), whatever the Content-Type, plus the column list the
// SQL builder needs. PostgreSQL decodes the values itself (json_to_record
// and json_to_recordset), so only the keys are looked at here.
type Payload struct {
	// JSON is the body as JSON text: an object, or an array of objects.
	JSON []byte
	// Object reports that JSON is a single object.
	Object bool
	// Rows is the number of objects (1 for an object).
	Rows int
	// Keys are the payload columns: the columns= list when given, else the
	// keys of the first object (every object then has the same keys).
	Keys []string
	// Present lists the Keys (in Keys order) that every object has.
	Present []string
	// SameKeys reports that every object has the same subset of Keys, so
	// the missing ones can be left to their column defaults by omitting
	// them (Prefer: missing=default).
	SameKeys bool
}

func bodyError(msg string) *rowgate.Error {
	return rowgate.Errorf(http.StatusBadRequest, rowgate.CodeBody, "%s", msg)
}

// TooLargeError is the 413 error for a body over MaxBodyBytes.
func TooLargeError() *rowgate.Error {
	return rowgate.Errorf(http.StatusRequestEntityTooLarge, rowgate.CodeBody, "Request body too large").
		WithDetails("The request body exceeds the limit of 10485760 bytes")
}

// ParseBody decodes an insert/update body of the given Content-Type (see
// ParseContentType). columns is the columns= list (nil when absent).
//
// JSON bodies must be an object or an array of objects; without columns=
// every object must have the same keys (400 PGRST102 "All object keys must
// match"). Empty or malformed JSON is PGRST102 "Empty or invalid json".
// application/x-www-form-urlencoded bodies become one object with string
// values; text/csv bodies become an array of objects keyed by the header
// line, with the unquoted or quoted field NULL meaning null, as in
// PostgREST (rows of different lengths: "All lines must have same number
// of fields"). Other media types are PGRST102 "Content-Type not acceptable".
func ParseBody(mt MediaType, body []byte, columns []string) (*Payload, error) {
	if len(body) > MaxBodyBytes {
		return nil, TooLargeError()
	}
	if !utf8.Valid(body) {
		// PostgreSQL refuses invalid UTF-8 in json values, and the keys
		// must stay byte-identical to the column names.
		switch mt.Kind {
		case MediaCSV:
			return nil, bodyError("Empty or invalid csv")
		case MediaURLEncoded:
			return nil, bodyError("Empty or invalid form data")
		}
		return nil, bodyError("Empty or invalid json")
	}
	switch mt.Kind {
	case MediaJSON, MediaObject, "":
		return parseJSONBody(body, columns)
	case MediaURLEncoded:
		return parseFormBody(body, columns)
	case MediaCSV:
		return parseCSVBody(body, columns)
	}
	return nil, bodyError("Content-Type not acceptable: " + string(mt.Kind))
}

// parseJSONBody validates the JSON and collects the keys of every
// top-level object, in order, without decoding the values.
func parseJSONBody(body []byte, columns []string) (*Payload, error) {
	invalid := bodyError("Empty or invalid json")
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, invalid
	}
	var rows [][]string
	switch tok {
	case json.Delim('{'):
		keys, err := objectKeys(dec)
		if err != nil {
			return nil, invalid
		}
		rows = append(rows, keys)
	case json.Delim('['):
		nonObject := false
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, invalid
			}
			if t != json.Delim('{') {
				// A scalar or array element: skip it.
				nonObject = true
				if d, ok := t.(json.Delim); ok && d == '[' {
					if err := skipRest(dec, 1); err != nil {
						return nil, invalid
					}
				}
				continue
			}
			keys, err := objectKeys(dec)
			if err != nil {
				return nil, invalid
			}
			rows = append(rows, keys)
		}
		if _, err := dec.Token(); err != nil {
			return nil, invalid
		}
		if nonObject {
			return nil, bodyError("All object keys must match")
		}
	default:
		return nil, invalid
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid
	}
	p := &Payload{JSON: body, Object: tok == json.Delim('{'), Rows: len(rows)}
	if err := p.setKeys(rows, columns); err != nil {
		return nil, err
	}
	return p, nil
}

// objectKeys reads an object's members after its '{' and returns the keys
// (duplicates once, first position).
func objectKeys(dec *json.Decoder) ([]string, error) {
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := t.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, err
	}
	return keys, nil
}

// skipRest consumes tokens until depth nested delimiters are closed.
func skipRest(dec *json.Decoder, depth int) error {
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '[', '{':
				depth++
			default:
				depth--
			}
		}
	}
	return nil
}

// setKeys fills Keys, Present and SameKeys from the objects' keys.
func (p *Payload) setKeys(rows [][]string, columns []string) error {
	if columns != nil {
		p.Keys = slices.Clone(columns)
	} else if len(rows) > 0 {
		p.Keys = slices.Clone(rows[0])
		for _, r := range rows[1:] {
			if !sameSet(r, p.Keys) {
				return bodyError("All object keys must match")
			}
		}
	}
	p.SameKeys = true
	var first []string
	for i, r := range rows {
		var have []string
		for _, k := range p.Keys {
			if slices.Contains(r, k) {
				have = append(have, k)
			}
		}
		if i == 0 {
			first = have
		} else if !slices.Equal(have, first) {
			p.SameKeys = false
		}
	}
	if len(rows) == 0 {
		p.Present = slices.Clone(p.Keys)
		return nil
	}
	for _, k := range p.Keys {
		all := true
		for _, r := range rows {
			if !slices.Contains(r, k) {
				all = false
				break
			}
		}
		if all {
			p.Present = append(p.Present, k)
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, k := range a {
		if !slices.Contains(b, k) {
			return false
		}
	}
	return true
}

// parseFormBody turns a=1&b=2 into {"a":"1","b":"2"} (first value wins).
func parseFormBody(body []byte, columns []string) (*Payload, error) {
	var keys []string
	vals := map[string]string{}
	for _, qp := range SplitQuery(string(body)) {
		if _, dup := vals[qp.Key]; dup {
			continue
		}
		keys = append(keys, qp.Key)
		vals[qp.Key] = qp.Value
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(&buf, k)
		buf.WriteByte(':')
		writeJSONString(&buf, vals[k])
	}
	buf.WriteByte('}')
	p := &Payload{JSON: buf.Bytes(), Object: true, Rows: 1}
	if err := p.setKeys([][]string{keys}, columns); err != nil {
		return nil, err
	}
	return p, nil
}

// parseCSVBody turns a CSV document with a header line into a JSON array
// of objects with string values; a field NULL is null.
func parseCSVBody(body []byte, columns []string) (*Payload, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = 0
	records, err := r.ReadAll()
	if err != nil {
		if errors.Is(err, csv.ErrFieldCount) {
			return nil, bodyError("All lines must have same number of fields")
		}
		return nil, bodyError("Empty or invalid csv")
	}
	if len(records) == 0 {
		return nil, bodyError("Empty or invalid csv")
	}
	header := records[0]
	var buf bytes.Buffer
	buf.WriteByte('[')
	rows := make([][]string, 0, len(records)-1)
	for i, rec := range records[1:] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('{')
		for j, v := range rec {
			if j > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(&buf, header[j])
			buf.WriteByte(':')
			if v == "NULL" {
				buf.WriteString("null")
			} else {
				writeJSONString(&buf, v)
			}
		}
		buf.WriteByte('}')
		rows = append(rows, header)
	}
	buf.WriteByte(']')
	p := &Payload{JSON: buf.Bytes(), Rows: len(rows)}
	if len(rows) == 0 {
		p.Keys, p.Present, p.SameKeys = slices.Clone(header), slices.Clone(header), true
		if columns != nil {
			p.Keys, p.Present = slices.Clone(columns), slices.Clone(columns)
		}
		return p, nil
	}
	if err := p.setKeys(rows, columns); err != nil {
		return nil, err
	}
	return p, nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // strings always marshal
	buf.Write(b)
}
