package pgrest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
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
	return rowgate.NewError(rowgate.CodeBody, "%s", msg)
}

// TooLargeError is the 413 error for a body over MaxBodyBytes.
func TooLargeError() *rowgate.Error {
	return rowgate.Errorf(413, rowgate.CodeBody, "Request body too large").
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
// (duplicates once, first position). Objects with many keys are deduplicated
// through a map so that a hostile body cannot cost quadratic time.
func objectKeys(dec *json.Decoder) ([]string, error) {
	var (
		keys []string
		seen map[string]struct{}
	)
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
		keys = appendNew(keys, &seen, k)
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, err
	}
	return keys, nil
}

// smallKeySet is the key count up to which a linear scan is cheaper than a
// map.
const smallKeySet = 16

// appendNew appends k to keys unless it is already there. Up to
// smallKeySet keys it scans; beyond, *seen indexes keys.
func appendNew(keys []string, seen *map[string]struct{}, k string) []string {
	if *seen == nil {
		if len(keys) < smallKeySet {
			if slices.Contains(keys, k) {
				return keys
			}
			return append(keys, k)
		}
		*seen = make(map[string]struct{}, 2*len(keys))
		for _, x := range keys {
			(*seen)[x] = struct{}{}
		}
	}
	if _, dup := (*seen)[k]; dup {
		return keys
	}
	(*seen)[k] = struct{}{}
	return append(keys, k)
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

// setKeys fills Keys, Present and SameKeys from the objects' keys (each
// row's keys are distinct). It runs in time linear in the number of keys
// of all rows plus the number of columns, so a body with many keys or many
// rows cannot cost quadratic time.
func (p *Payload) setKeys(rows [][]string, columns []string) error {
	if columns != nil {
		p.Keys = slices.Clone(columns)
	} else if len(rows) > 0 {
		p.Keys = slices.Clone(rows[0])
	}
	// index maps each key to its first position in Keys; a key listed
	// twice is counted under its first position.
	index := make(map[string]int, len(p.Keys))
	for i, k := range p.Keys {
		if _, dup := index[k]; !dup {
			index[k] = i
		}
	}
	if columns == nil && len(rows) > 1 {
		for _, r := range rows[1:] {
			if !sameSet(r, p.Keys, index) {
				return bodyError("All object keys must match")
			}
		}
	}
	if len(rows) == 0 {
		p.SameKeys = true
		p.Present = slices.Clone(p.Keys)
		return nil
	}
	// count[i] is the number of rows having the key at position i, mark[i]
	// the last row (1-based) that had it; every row must have the same
	// positions as the first for SameKeys.
	p.SameKeys = true
	count := make([]int, len(p.Keys))
	mark := make([]int, len(p.Keys))
	inFirst := make([]bool, len(p.Keys))
	firstHits := 0
	for n, r := range rows {
		hits, same := 0, true
		for _, k := range r {
			i, ok := index[k]
			if !ok || mark[i] == n+1 {
				continue
			}
			mark[i] = n + 1
			count[i]++
			hits++
			if n == 0 {
				inFirst[i] = true
			} else if !inFirst[i] {
				same = false
			}
		}
		if n == 0 {
			firstHits = hits
		} else if !same || hits != firstHits {
			p.SameKeys = false
		}
	}
	for _, k := range p.Keys {
		if count[index[k]] == len(rows) {
			p.Present = append(p.Present, k)
		}
	}
	return nil
}

// sameSet reports whether a has as many keys as b and each of them is one
// of b's (index holds b's keys).
func sameSet(a, b []string, index map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for _, k := range a {
		if _, ok := index[k]; !ok {
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
	// The keys are encoded once: a wide header times many rows must not
	// cost an encoding per field.
	keys := make([][]byte, len(header))
	for j, h := range header {
		var kb bytes.Buffer
		writeJSONString(&kb, h)
		kb.WriteByte(':')
		keys[j] = kb.Bytes()
	}
	var buf bytes.Buffer
	buf.Grow(len(body) + len(body)/2)
	buf.WriteByte('[')
	for i, rec := range records[1:] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('{')
		for j, v := range rec {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.Write(keys[j])
			if v == "NULL" {
				buf.WriteString("null")
			} else {
				writeJSONString(&buf, v)
			}
		}
		buf.WriteByte('}')
	}
	buf.WriteByte(']')
	p := &Payload{JSON: buf.Bytes(), Rows: len(records) - 1}
	if p.Rows == 0 {
		p.Keys, p.Present, p.SameKeys = slices.Clone(header), slices.Clone(header), true
		if columns != nil {
			p.Keys, p.Present = slices.Clone(columns), slices.Clone(columns)
		}
		return p, nil
	}
	// Every record has the header's keys, so one row stands for all of
	// them (setKeys only looks at the distinct key sets).
	if err := p.setKeys([][]string{header}, columns); err != nil {
		return nil, err
	}
	return p, nil
}

// writeJSONString writes s (valid UTF-8) as a JSON string. Strings without
// characters to escape, the common case, are copied as they are.
func writeJSONString(buf *bytes.Buffer, s string) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == 0x7f || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	b, _ := json.Marshal(s) // strings always marshal
	buf.Write(b)
}
