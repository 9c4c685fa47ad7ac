package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestHeadersJSON(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/rest/v1/t", nil)
	r.Header.Set("X-Quote", `a "b" \c`)
	r.Header.Set("X-Control", "tab\tnl\x01")
	r.Header.Set("X-Bad-Utf8", "ok\xffend")
	r.Header.Add("X-Multi", "1")
	r.Header.Add("X-Multi", "2")
	r.Header.Set("X-Unicode", "héllo ☃")
	r.Header.Set("Authorization", "Bearer secret")
	r.Header.Set("Apikey", "sb_secret_x")
	r.Header.Set("Cookie", "a=b; c=d")
	var got map[string]string
	if err := json.Unmarshal(headersJSON(r), &got); err != nil {
		t.Fatalf("invalid JSON %s: %v", headersJSON(r), err)
	}
	want := map[string]string{
		"x-quote":    `a "b" \c`,
		"x-control":  "tab\tnl\x01",
		"x-bad-utf8": "ok\ufffdend",
		"x-multi":    "1,2",
		"x-unicode":  "héllo ☃",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("headers = %#v\nwant %#v", got, want)
	}
	var cookies map[string]string
	if err := json.Unmarshal(cookiesJSON(r), &cookies); err != nil || !reflect.DeepEqual(cookies, map[string]string{"a": "b", "c": "d"}) {
		t.Fatalf("cookies = %v, %v", cookies, err)
	}
}
