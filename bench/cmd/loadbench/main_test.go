package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate/config"
	"github.com/rowgate/rowgate/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestParseInts(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"1,8,32", []int{1, 8, 32}, false},
		{" 4 , 2 ", []int{4, 2}, false},
		{"", nil, true},
		{"0", nil, true},
		{"x", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseInts(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !equalInts(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The config the benchmark writes must be one rowgate accepts, trusting the
// loopback issuer with the pool size asked for.
func TestConfigTOMLLoads(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "supabase"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "supabase", "config.toml"), []byte(configTOML("http://127.0.0.1:4000", 7)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadOptions(dir, config.Options{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if cfg.Rowgate.DBPool != 7 {
		t.Errorf("db_pool = %d, want 7", cfg.Rowgate.DBPool)
	}
	if cfg.Auth.PublishableKey != publishableKey {
		t.Errorf("publishable key = %q, want the CLI default", cfg.Auth.PublishableKey)
	}
	found := false
	for _, ti := range cfg.TrustedIssuers() {
		if ti.Issuer == "http://127.0.0.1:4000" && ti.JWKSURL == "http://127.0.0.1:4000/jwks.json" {
			found = true
		}
	}
	if !found {
		t.Errorf("issuer not trusted: %+v", cfg.TrustedIssuers())
	}
}

// Tokens must verify with the key the JWKS endpoint publishes and carry a
// Clerk session token's claims; two tokens for one user must differ.
func TestMintedTokensVerifyAgainstJWKS(t *testing.T) {
	iss, err := newIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.close)
	resp, err := http.Get(iss.url + "/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Keys []struct{ Kid, N, E, Alg string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 1 || doc.Keys[0].Kid != iss.kid || doc.Keys[0].Alg != "RS256" {
		t.Fatalf("jwks = %+v", doc)
	}
	n, _ := base64.RawURLEncoding.DecodeString(doc.Keys[0].N)
	e, _ := base64.RawURLEncoding.DecodeString(doc.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}

	toks, err := iss.mintMany(3, func(i int) string { return userName(i % 2) })
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, tok := range toks {
		parts := strings.Split(tok.JWT, ".")
		if len(parts) != 3 {
			t.Fatalf("token %d has %d parts", i, len(parts))
		}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			t.Fatalf("token %d does not verify: %v", i, err)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		if !bytes.Equal(payload, tok.Claims) {
			t.Errorf("token %d: claims document differs from the payload", i)
		}
		var c map[string]any
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"iss", "sub", "exp", "iat", "nbf", "sid", "v", "role", "azp"} {
			if _, ok := c[k]; !ok {
				t.Errorf("token %d lacks %s", i, k)
			}
		}
		if c["iss"] != iss.url || c["sub"] != userName(i%2) || c["role"] != "authenticated" {
			t.Errorf("token %d claims = %v", i, c)
		}
		if seen[tok.JWT] {
			t.Errorf("token %d repeats an earlier one", i)
		}
		seen[tok.JWT] = true
	}
}

func TestRecorderFinish(t *testing.T) {
	t0 := time.Now()
	ms := time.Millisecond
	rec := newRecorder(t0.Add(time.Second))
	rec.add(t0, 50*ms, 200, "", nil) // warm-up: dropped
	for i := 1; i <= 100; i++ {
		rec.add(t0.Add(time.Second+time.Duration(i)*10*ms), time.Duration(i)*ms, 200, "", nil)
	}
	rec.add(t0.Add(2*time.Second), 5*ms, 400, "", []byte(`{"code":"PGRST127"}`))
	rec.add(t0.Add(2*time.Second), 5*ms, 0, "connection refused", nil)
	var c cell
	rec.finish(&c)
	if c.Requests != 102 {
		t.Fatalf("requests = %d, want 102 (warm-up dropped)", c.Requests)
	}
	if c.Non2xx != 1 || c.Errors != 1 || c.Statuses["200"] != 100 || c.Statuses["400"] != 1 {
		t.Errorf("counts: non2xx %d errors %d statuses %v", c.Non2xx, c.Errors, c.Statuses)
	}
	if c.P50ms != 49 || c.P99ms != 99 || c.MaxMs != 100 {
		t.Errorf("quantiles p50 %v p99 %v max %v", c.P50ms, c.P99ms, c.MaxMs)
	}
	// The last request ends at 1 s + 1000 ms + 100 ms after the timed start.
	if c.Seconds < 1.09 || c.Seconds > 1.11 {
		t.Errorf("seconds = %v, want 1.1", c.Seconds)
	}
	if len(c.ErrSamples) != 2 || !strings.Contains(c.ErrSamples[0], "PGRST127") {
		t.Errorf("samples = %q", c.ErrSamples)
	}
}

func TestComputeRatiosAndTargets(t *testing.T) {
	rp := &report{Cells: []*cell{
		{Scenario: "GETSingle", Target: targetSQLFloor, Clients: 8, RPS: 10000, P99ms: 1},
		{Scenario: "GETSingle", Target: targetHTTPFloor, Clients: 8, RPS: 5000, P99ms: 2},
		{Scenario: "GETSingle", Target: targetRowgate, Clients: 8, RPS: 4500, P99ms: 3, PeakRSSBytes: 30 << 20},
		{Scenario: "GETSingleUniqueJWT", Target: targetRowgate, Clients: 8, RPS: 3000, P99ms: 5},
		{Scenario: "POSTSingle", Target: targetRowgate, Clients: 32, Requests: 10, Non2xx: 10, Statuses: map[string]int{"400": 10}, PeakRSSBytes: 70 << 20},
	}}
	rp.computeRatios()
	if len(rp.Ratios) != 2 {
		t.Fatalf("ratios = %+v", rp.Ratios)
	}
	g := rp.Ratios[0]
	if g.RPSvsHTTP != 0.9 || g.P99vsHTTP != 1.5 || g.RPSvsSQL != 0.45 || g.P99vsSQL != 3 {
		t.Errorf("GETSingle ratios = %+v", g)
	}
	u := rp.Ratios[1]
	if u.UniqueVsReuse != 3000.0/4500 || u.RPSvsHTTP != 0.6 {
		t.Errorf("unique ratios = %+v", u)
	}
	want := map[string]bool{
		"GETSingle @8 throughput ≥ 0.8 × HTTP floor":               true,
		"GETSingle @8 p99 ≤ 2 × HTTP floor p99":                    true,
		"GETSingleUniqueJWT ≥ 0.7 × GETSingle (worst concurrency)": false,
		"rowgate peak RSS ≤ 60 MB at 32 clients":                   false,
		"zero errors and zero non-2xx in every rowgate scenario":   false,
	}
	for _, tg := range rp.Targets {
		w, ok := want[tg.Target]
		if !ok || tg.Met == nil || *tg.Met != w {
			t.Errorf("target %q = %+v, want met=%v", tg.Target, tg, w)
		}
	}
	if len(rp.Targets) != len(want) {
		t.Errorf("targets = %d, want %d", len(rp.Targets), len(want))
	}
}

func TestReportWrite(t *testing.T) {
	rp := &report{
		Started:  time.Now(),
		Settings: settings{Clients: []int{1, 8}, Pool: 10, Data: dataset{Rows: 10, Users: 2, Catalog: 3}},
		Cells: []*cell{
			{Scenario: "GETSingle", Target: targetHTTPFloor, Clients: 1, RPS: 2000, P99ms: 1},
			{Scenario: "GETSingle", Target: targetRowgate, Clients: 1, RPS: 1500, P99ms: 2},
			{Scenario: "GETSingle", Target: targetRowgate, Clients: 8, RPS: 3500, P99ms: 4},
			{Scenario: "POSTSingle", Target: targetRowgate, Clients: 8, Requests: 5, Non2xx: 5, ErrSamples: []string{"400 `x`"}},
		},
	}
	rp.computeRatios()
	dir := t.TempDir()
	if err := rp.write(dir); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| GETSingle | rowgate | 1 | 1500 |", "| GETSingle | 1 | 0.75 | 2.00 |", "POSTSingle/rowgate@8: `400 'x'`"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	var back report
	js, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if err := json.Unmarshal(js, &back); err != nil || len(back.Cells) != 4 {
		t.Errorf("results.json: %v, %d cells", err, len(back.Cells))
	}
	png, _ := os.ReadFile(filepath.Join(dir, "chart.png"))
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10000 {
		t.Errorf("chart.png: %d bytes, not a PNG chart", len(png))
	}
}

func TestReadProcStats(t *testing.T) {
	st, err := readProcStats(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.RSSBytes <= 0 || st.HWMBytes < st.RSSBytes || st.CPUSeconds < 0 {
		t.Errorf("stats = %+v", st)
	}
	if err := resetPeakRSS(os.Getpid()); err != nil {
		t.Errorf("reset peak: %v", err)
	}
	if _, err := readProcStats(-1); err == nil {
		t.Error("no error for a missing process")
	}
}

// The floors must replay rowgate's statement: against real PostgreSQL with
// the benchmark's schema, the SQL floor returns the client's own row and
// nothing for another user's row (RLS applies), and the HTTP floor returns
// the same body over HTTP.
func TestFloorsAgainstPostgres(t *testing.T) {
	ctx := testCtx(t)
	dbURL := pgtest.NewDB(t)
	conn := pgtest.Connect(t, dbURL)
	d := dataset{Rows: 40, Users: 4, Catalog: 5}
	if _, err := conn.Exec(ctx, schemaSQL); err != nil {
		t.Fatal(err)
	}
	if err := loadData(ctx, conn, d); err != nil {
		t.Fatal(err)
	}
	authURL := asUser(dbURL, "authenticator")
	scens := floorScenarios(allScenarios(), []string{"GETSingle", "GETSingleEmbed", "AnonGET", "GETList25"})
	queries, err := buildFloorQueries(ctx, authURL, scens)
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) != 4 || queries["GETSingle"].keyIdx < 0 || queries["GETList25"].keyIdx != -1 {
		t.Fatalf("queries = %+v", queries)
	}
	pool, err := pgxpool.New(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	iss, err := newIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.close)
	toks, err := iss.mintMany(d.Users, userName)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTargetSet(d, toks)
	own := "5" // item 5 belongs to user (5-1) % 4 = 0
	type row = map[string]any
	tests := []struct {
		name, scenario, key string
		user                int
		check               func([]row) bool
	}{
		{"own row", "GETSingle", own, 0, func(r []row) bool { return len(r) == 1 && r[0]["id"] == 5.0 }},
		{"other user's row", "GETSingle", own, 1, func(r []row) bool { return len(r) == 0 }},
		{"embeds", "GETSingleEmbed", own, 0, func(r []row) bool {
			if len(r) != 1 {
				return false
			}
			o, _ := r[0]["owners"].(map[string]any)
			tags, _ := r[0]["item_tags"].([]any)
			return o["id"] == "user_0000" && len(tags) == 2
		}},
		{"list", "GETList25", "", 2, func(r []row) bool { return len(r) == 10 && r[0]["id"] == 39.0 }},
		{"anon", "AnonGET", "3", 0, func(r []row) bool { return len(r) == 1 && r[0]["name"] == "Product 3" }},
	}
	fs, err := startFloorServer(pool, queries, ts.ids, map[string]bool{"AnonGET": true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fs.close)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := ts.ids[tt.user]
			if tt.scenario == "AnonGET" {
				id = fs.anon
			}
			body, err := runFloorTx(ctx, pool, queries[tt.scenario], id, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			var rows []row
			if err := json.Unmarshal([]byte(body), &rows); err != nil || !tt.check(rows) {
				t.Fatalf("sql floor body %s (%v) fails the check", body, err)
			}
			resp, err := http.Get(fs.url + "/floor/" + tt.scenario + "?u=" + strconv.Itoa(tt.user) + "&k=" + tt.key)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			hb, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || string(hb) != body {
				t.Fatalf("http floor: %d %s, want the sql floor's %s", resp.StatusCode, hb, body)
			}
		})
	}
}
