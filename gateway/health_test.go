package gateway_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rowgate/rowgate/auth/authtest"
	"github.com/rowgate/rowgate/auth/jwks"
	"github.com/rowgate/rowgate/gateway"
	"github.com/rowgate/rowgate/internal/testenv"
)

// TestHealthNamesIssuersWithoutKeys: the server serves while an issuer is
// unreachable, and /health says which one has no keys.
func TestHealthNamesIssuersWithoutKeys(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: whoamiSQL})

	// An issuer that is up, and one whose port refuses connections.
	up := authtest.NewIssuer(t, authtest.NewRSAKey(t, "up-key", 2048))
	upSet, err := jwks.New(jwks.Options{Issuer: up.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer upSet.Close()
	if err := upSet.FetchNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + ln.Addr().String()
	ln.Close()
	downSet, err := jwks.New(jwks.Options{Issuer: downURL})
	if err != nil {
		t.Fatal(err)
	}
	defer downSet.Close()
	if err := downSet.FetchNow(context.Background()); err == nil {
		t.Fatal("fetch from a closed port succeeded")
	}

	srv := gateway.New(gateway.Options{
		Verifier: env.Verifier,
		DB:       env.Pool,
		Schema:   env.Schema,
		Schemas:  []string{"public"},
		Issuers: []gateway.IssuerStatus{
			{Name: "clerk", Status: upSet.Status},
			{Name: "partner", Status: downSet.Status},
		},
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	resp, err := http.Get(hs.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Status   string   `json:"status"`
		Database string   `json:"database"`
		Problems []string `json:"problems"`
		Issuers  []struct {
			Name      string `json:"name"`
			Ready     bool   `json:"ready"`
			Keys      int    `json:"keys"`
			LastError string `json:"last_error"`
		} `json:"issuers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || h.Status != "unavailable" || h.Database != "ok" {
		t.Fatalf("health = %d %+v", resp.StatusCode, h)
	}
	if len(h.Problems) != 1 || h.Problems[0] != "issuer partner: no usable keys" {
		t.Fatalf("problems = %q", h.Problems)
	}
	if len(h.Issuers) != 2 || !h.Issuers[0].Ready || h.Issuers[0].Keys != 1 || h.Issuers[1].Ready || h.Issuers[1].LastError == "" {
		t.Fatalf("issuers = %+v", h.Issuers)
	}

	// Anonymous traffic is served all the same.
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/rest/v1/todos", nil)
	req.Header = env.AnonHeader()
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusOK {
		t.Fatalf("anon GET while an issuer is down: %d", r2.StatusCode)
	}
}
