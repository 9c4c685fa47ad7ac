package pgrest

import (
	"reflect"
	"testing"
)

func TestParseAccept(t *testing.T) {
	tests := []struct {
		in   string
		want MediaType
		str  string
	}{
		{"", MediaType{Kind: MediaJSON, Any: true}, "application/json"},
		{"*/*", MediaType{Kind: MediaJSON, Any: true}, "application/json"},
		{"application/json", MediaType{Kind: MediaJSON}, "application/json"},
		{"Application/JSON", MediaType{Kind: MediaJSON}, "application/json"},
		{"application/json; charset=utf-8", MediaType{Kind: MediaJSON}, "application/json"},
		{"application/vnd.pgrst.object+json", MediaType{Kind: MediaObject}, "application/vnd.pgrst.object+json"},
		{"application/vnd.pgrst.object", MediaType{Kind: MediaObject}, "application/vnd.pgrst.object+json"},
		{"application/vnd.pgrst.object+json;nulls=stripped", MediaType{Kind: MediaObject, StripNulls: true}, "application/vnd.pgrst.object+json;nulls=stripped"},
		{"application/vnd.pgrst.array+json;nulls=stripped", MediaType{Kind: MediaArray, StripNulls: true}, "application/vnd.pgrst.array+json;nulls=stripped"},
		{"application/vnd.pgrst.array+json", MediaType{Kind: MediaJSON}, "application/json"},
		{"text/csv", MediaType{Kind: MediaCSV}, "text/csv"},
		{"application/geo+json", MediaType{Kind: MediaGeoJSON}, "application/geo+json"},
		{"application/openapi+json", MediaType{Kind: MediaOpenAPI}, "application/openapi+json"},
		{"text/plain", MediaType{Kind: MediaText}, "text/plain"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", MediaType{Kind: MediaJSON, Any: true}, "application/json"},
		{"text/csv;q=0.5, application/json", MediaType{Kind: MediaJSON}, "application/json"},
		{"text/csv;q=0.5, application/json;q=0.1", MediaType{Kind: MediaCSV}, "text/csv"},
		{"application/json;q=0, text/csv", MediaType{Kind: MediaCSV}, "text/csv"},
		{`application/vnd.pgrst.plan+text; for="application/json"; options=analyze|verbose;`,
			MediaType{Kind: MediaPlan, PlanFormat: "text", PlanFor: "application/json", PlanOptions: []string{"analyze", "verbose"}},
			`application/vnd.pgrst.plan+text; for="application/json"; options=analyze|verbose`},
		{`application/vnd.pgrst.plan+json; for="text/csv"`,
			MediaType{Kind: MediaPlan, PlanFormat: "json", PlanFor: "text/csv"},
			`application/vnd.pgrst.plan+json; for="text/csv"`},
		{`application/vnd.pgrst.plan`, MediaType{Kind: MediaPlan, PlanFormat: "text"}, `application/vnd.pgrst.plan+text; for="application/json"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAccept(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String = %q, want %q", s, tt.str)
			}
		})
	}
}

func TestParseAcceptErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"text/html", "None of these media types are available: text/html"},
		{"image/png, application/xml;q=0.5", "None of these media types are available: image/png, application/xml"},
		{"application/json;q=0", "None of these media types are available: application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseAccept(tt.in)
			checkErr(t, err, wantErr{406, "PGRST107", tt.msg, ""})
		})
	}
}

func TestParseContentType(t *testing.T) {
	ok := map[string]MediaKind{
		"":                                  MediaJSON,
		"application/json":                  MediaJSON,
		"application/json; charset=utf-8":   MediaJSON,
		"application/vnd.pgrst.object+json": MediaObject,
		"application/x-www-form-urlencoded": MediaURLEncoded,
		"text/csv":                          MediaCSV,
		"text/plain":                        MediaText,
		"text/xml":                          MediaXML,
		"application/octet-stream":          MediaOctetStream,
	}
	for in, want := range ok {
		t.Run(in, func(t *testing.T) {
			got, err := ParseContentType(in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != want {
				t.Errorf("kind = %q, want %q", got.Kind, want)
			}
		})
	}
	for _, in := range []string{"application/xml", "*/*", "application/openapi+json", "image/png; x=y"} {
		t.Run("bad "+in, func(t *testing.T) {
			_, err := ParseContentType(in)
			name := in
			if in == "image/png; x=y" {
				name = "image/png"
			}
			checkErr(t, err, wantErr{400, "PGRST102", "Content-Type not acceptable: " + name, ""})
		})
	}
}
