package pgrest

import (
	"sort"
	"strconv"
	"strings"

	"github.com/rowgate/rowgate"
)

// String renders the media type as PostgREST writes it in Content-Type
// (without charset).
func (m MediaType) String() string {
	switch m.Kind {
	case MediaArray:
		return "application/vnd.pgrst.array+json;nulls=stripped"
	case MediaObject:
		if m.StripNulls {
			return "application/vnd.pgrst.object+json;nulls=stripped"
		}
	case MediaPlan:
		s := string(MediaPlan) + "+" + m.PlanFormat
		forMT := m.PlanFor
		if forMT == "" {
			forMT = string(MediaJSON)
		}
		s += `; for="` + forMT + `"`
		if len(m.PlanOptions) > 0 {
			s += "; options=" + strings.Join(m.PlanOptions, "|")
		}
		return s
	}
	return string(m.Kind)
}

// decodeMediaType maps one media range (type/subtype plus parameters) to a
// known MediaType; ok is false for unknown types. */* decodes to JSON with
// Any set.
func decodeMediaType(s string) (MediaType, bool) {
	parts := strings.Split(s, ";")
	name := strings.ToLower(strings.TrimSpace(parts[0]))
	params := make([]string, 0, len(parts)-1)
	for _, p := range parts[1:] {
		if p = strings.TrimSpace(p); p != "" {
			params = append(params, p)
		}
	}
	stripped := len(params) == 1 && strings.EqualFold(strings.ReplaceAll(params[0], " ", ""), "nulls=stripped")
	switch name {
	case "*/*":
		return MediaType{Kind: MediaJSON, Any: true}, true
	case "application/json":
		return MediaType{Kind: MediaJSON}, true
	case "application/geo+json":
		return MediaType{Kind: MediaGeoJSON}, true
	case "text/csv":
		return MediaType{Kind: MediaCSV}, true
	case "text/plain":
		return MediaType{Kind: MediaText}, true
	case "text/xml":
		return MediaType{Kind: MediaXML}, true
	case "application/openapi+json":
		return MediaType{Kind: MediaOpenAPI}, true
	case "application/x-www-form-urlencoded":
		return MediaType{Kind: MediaURLEncoded}, true
	case "application/octet-stream":
		return MediaType{Kind: MediaOctetStream}, true
	case "application/vnd.pgrst.object+json", "application/vnd.pgrst.object":
		return MediaType{Kind: MediaObject, StripNulls: stripped}, true
	case "application/vnd.pgrst.array+json", "application/vnd.pgrst.array":
		if stripped {
			return MediaType{Kind: MediaArray, StripNulls: true}, true
		}
		return MediaType{Kind: MediaJSON}, true
	case "application/vnd.pgrst.plan", "application/vnd.pgrst.plan+text", "application/vnd.pgrst.plan+json":
		m := MediaType{Kind: MediaPlan, PlanFormat: "text"}
		if strings.HasSuffix(name, "+json") {
			m.PlanFormat = "json"
		}
		for _, p := range params {
			k, v, _ := strings.Cut(p, "=")
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "for":
				v = strings.Trim(strings.TrimSpace(v), `"`)
				if inner, ok := decodeMediaType(v); ok && inner.Kind != MediaPlan {
					m.PlanFor = inner.String()
				} else {
					m.PlanFor = v
				}
			case "options":
				for _, o := range strings.Split(strings.TrimSpace(v), "|") {
					switch o {
					case "analyze", "verbose", "settings", "buffers", "wal":
						m.PlanOptions = append(m.PlanOptions, o)
					}
				}
			}
		}
		return m, true
	}
	return MediaType{}, false
}

type acceptRange struct {
	raw   string // type/subtype as sent
	q     float64
	order int
	mt    MediaType
	ok    bool
}

// ParseAccept negotiates the response media type from an Accept header.
// An empty header means JSON. Media ranges are tried by decreasing q-value
// (ties keep header order; q=0 excludes a range); the first one rowgate
// knows wins. The error lists every media range sent. Whether the chosen type fits the resource (CSV of a scalar,
// OpenAPI outside the root…) is the caller's concern. When none is known
// the error is 406 PGRST107.
func ParseAccept(header string) (MediaType, error) {
	switch header {
	case "", "*/*":
		return MediaType{Kind: MediaJSON, Any: true}, nil
	case "application/json":
		return MediaType{Kind: MediaJSON}, nil
	}
	if strings.TrimSpace(header) == "" {
		return MediaType{Kind: MediaJSON, Any: true}, nil
	}
	var ranges []acceptRange
	for i, part := range splitAccept(header) {
		fields := strings.Split(part, ";")
		r := acceptRange{raw: strings.TrimSpace(fields[0]), q: 1, order: i}
		if r.raw == "" {
			continue
		}
		var keep []string
		keep = append(keep, fields[0])
		for _, f := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					r.q = q
				}
				continue
			}
			keep = append(keep, f)
		}
		r.mt, r.ok = decodeMediaType(strings.Join(keep, ";"))
		ranges = append(ranges, r)
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].q > ranges[j].q })
	names := make([]string, 0, len(ranges))
	for _, r := range ranges {
		if r.ok && r.q > 0 {
			return r.mt, nil
		}
		names = append(names, r.raw)
	}
	return MediaType{}, rowgate.NewError(rowgate.CodeMediaType, "None of these media types are available: %s", strings.Join(names, ", "))
}

// splitAccept splits an Accept header on commas outside double quotes
// (plan media types carry for="…").
func splitAccept(h string) []string {
	var out []string
	start, inQuote := 0, false
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				out = append(out, h[start:i])
				start = i + 1
			}
		}
	}
	return append(out, h[start:])
}

// ParseContentType parses a request body Content-Type. An empty value means
// JSON. JSON, vnd.pgrst.object+json (a JSON body), form-urlencoded, CSV,
// text/plain, text/xml and octet-stream are recognised; the last three are
// only meaningful for RPC calls to functions taking a single unnamed
// parameter, which the caller checks. Anything else is 400 PGRST102
// "Content-Type not acceptable: <type>".
func ParseContentType(header string) (MediaType, error) {
	if strings.TrimSpace(header) == "" {
		return MediaType{Kind: MediaJSON}, nil
	}
	m, ok := decodeMediaType(header)
	if ok && !m.Any && m.Kind != MediaPlan && m.Kind != MediaOpenAPI && m.Kind != MediaGeoJSON && m.Kind != MediaArray {
		return m, nil
	}
	name := strings.TrimSpace(strings.SplitN(header, ";", 2)[0])
	return MediaType{}, rowgate.NewError(rowgate.CodeBody, "Content-Type not acceptable: %s", name)
}
