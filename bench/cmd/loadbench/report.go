package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// report is results.json.
type report struct {
	Started      time.Time   `json:"started"`
	Finished     time.Time   `json:"finished"`
	Host         hostInfo    `json:"host"`
	Settings     settings    `json:"settings"`
	Postgres     string      `json:"postgres_version"`
	Cells        []*cell     `json:"cells"`
	Ratios       []ratio     `json:"ratios"`
	Targets      []checkItem `json:"targets"`
	RowgateCPU   float64     `json:"rowgate_total_cpu_seconds"`
	RowgatePeak  int64       `json:"rowgate_peak_rss_bytes"`
	FloorMatches []string    `json:"floor_body_checks"`
	Notes        []string    `json:"notes"`
}

type hostInfo struct {
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	NumCPU    int    `json:"num_cpu"`
	GoVersion string `json:"go_version"`
	Commit    string `json:"rowgate_commit"`
}

type settings struct {
	Duration string   `json:"duration_per_cell"`
	Warmup   string   `json:"warmup_per_cell"`
	Clients  []int    `json:"clients"`
	Pool     int      `json:"db_pool"`
	Data     dataset  `json:"dataset"`
	Smoke    bool     `json:"smoke"`
	Scenario []string `json:"scenarios"`
}

// ratio compares a rowgate cell with a floor cell of the same scenario and
// concurrency: throughput as rowgate/floor (higher is better, 1 = floor),
// p99 as rowgate/floor (lower is better, 1 = floor).
type ratio struct {
	Scenario      string  `json:"scenario"`
	Clients       int     `json:"clients"`
	RPSvsHTTP     float64 `json:"rps_vs_http_floor"`
	P99vsHTTP     float64 `json:"p99_vs_http_floor"`
	RPSvsSQL      float64 `json:"rps_vs_sql_floor"`
	P99vsSQL      float64 `json:"p99_vs_sql_floor"`
	UniqueVsReuse float64 `json:"unique_jwt_rps_vs_get_single,omitempty"`
}

// checkItem is one of issue 7's targets, evaluated on this run.
type checkItem struct {
	Target string `json:"target"`
	Value  string `json:"value"`
	Met    *bool  `json:"met"` // nil when the run has no data for it
}

func (rp *report) find(scenario, target string, clients int) *cell {
	for _, c := range rp.Cells {
		if c.Scenario == scenario && c.Target == target && c.Clients == clients {
			return c
		}
	}
	return nil
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// computeRatios fills Ratios and Targets from Cells.
func (rp *report) computeRatios() {
	rp.Ratios = nil
	for _, c := range rp.Cells {
		if c.Target != targetRowgate {
			continue
		}
		r := ratio{Scenario: c.Scenario, Clients: c.Clients}
		floorName := c.Scenario
		if c.Scenario == "GETSingleUniqueJWT" {
			floorName = "GETSingle" // same statement: the floors verify no token either way
			if g := rp.find("GETSingle", targetRowgate, c.Clients); g != nil {
				r.UniqueVsReuse = div(c.RPS, g.RPS)
			}
		}
		hf := rp.find(floorName, targetHTTPFloor, c.Clients)
		sf := rp.find(floorName, targetSQLFloor, c.Clients)
		if hf == nil && sf == nil && r.UniqueVsReuse == 0 {
			continue
		}
		if hf != nil {
			r.RPSvsHTTP, r.P99vsHTTP = div(c.RPS, hf.RPS), div(c.P99ms, hf.P99ms)
		}
		if sf != nil {
			r.RPSvsSQL, r.P99vsSQL = div(c.RPS, sf.RPS), div(c.P99ms, sf.P99ms)
		}
		rp.Ratios = append(rp.Ratios, r)
	}

	rp.Targets = nil
	check := func(target, value string, ok bool, have bool) {
		ci := checkItem{Target: target, Value: value}
		if have {
			ci.Met = &ok
		}
		rp.Targets = append(rp.Targets, ci)
	}
	var r8 *ratio
	for i := range rp.Ratios {
		if rp.Ratios[i].Scenario == "GETSingle" && rp.Ratios[i].Clients == 8 {
			r8 = &rp.Ratios[i]
		}
	}
	if r8 != nil && r8.RPSvsHTTP > 0 {
		check("GETSingle @8 throughput ≥ 0.8 × HTTP floor", fmt.Sprintf("%.2f", r8.RPSvsHTTP), r8.RPSvsHTTP >= 0.8, true)
		check("GETSingle @8 p99 ≤ 2 × HTTP floor p99", fmt.Sprintf("%.2f", r8.P99vsHTTP), r8.P99vsHTTP <= 2, true)
	} else {
		check("GETSingle @8 vs HTTP floor", "not measured", false, false)
	}
	var worst float64 = -1
	for _, r := range rp.Ratios {
		if r.UniqueVsReuse > 0 && (worst < 0 || r.UniqueVsReuse < worst) {
			worst = r.UniqueVsReuse
		}
	}
	if worst >= 0 {
		check("GETSingleUniqueJWT ≥ 0.7 × GETSingle (worst concurrency)", fmt.Sprintf("%.2f", worst), worst >= 0.7, true)
	} else {
		check("GETSingleUniqueJWT ≥ 0.7 × GETSingle", "not measured", false, false)
	}
	var peak32 int64
	have32 := false
	for _, c := range rp.Cells {
		if c.Target == targetRowgate && c.Clients == 32 {
			have32 = true
			peak32 = max(peak32, c.PeakRSSBytes)
		}
	}
	check("rowgate peak RSS ≤ 60 MB at 32 clients", fmt.Sprintf("%.1f MB", float64(peak32)/(1<<20)), peak32 <= 60<<20, have32)
	var bad []string
	for _, c := range rp.Cells {
		if c.Target != targetRowgate {
			continue
		}
		fivexx := 0
		for code, n := range c.Statuses {
			if strings.HasPrefix(code, "5") {
				fivexx += n
			}
		}
		if c.Errors > 0 || c.Non2xx > 0 {
			bad = append(bad, fmt.Sprintf("%s@%d (%d errors, %d non-2xx, %d 5xx)", c.Scenario, c.Clients, c.Errors, c.Non2xx, fivexx))
		}
	}
	value := "none"
	if len(bad) > 0 {
		value = strings.Join(bad, "; ")
	}
	check("zero errors and zero non-2xx in every rowgate scenario", value, len(bad) == 0, true)
}

func fmtRatio(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", v)
}

// markdown renders results.md.
func (rp *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# rowgate load benchmark — %s\n\n", rp.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	fmt.Fprintf(&b, "Host: %s/%s, %d CPUs, %s, PostgreSQL %s, rowgate %s. ", rp.Host.GOOS, rp.Host.GOARCH, rp.Host.NumCPU, rp.Host.GoVersion, rp.Postgres, rp.Host.Commit)
	fmt.Fprintf(&b, "Load generator, rowgate and PostgreSQL share the machine.\n")
	fmt.Fprintf(&b, "Each cell: %s warm-up, then %s measured; vegeta max-rate mode with one worker per client over keep-alive HTTP. ", rp.Settings.Warmup, rp.Settings.Duration)
	fmt.Fprintf(&b, "Pool size %d for rowgate and both floors. Data: %d items owned by %d users (RLS), %d catalog rows.", rp.Settings.Pool, rp.Settings.Data.Rows, rp.Settings.Data.Users, rp.Settings.Data.Catalog)
	if rp.Settings.Smoke {
		b.WriteString(" **Smoke run: tiny data and short cells; the figures mean nothing.**")
	}
	b.WriteString("\n\n## Results\n\n")
	b.WriteString("| scenario | target | clients | req/s | p50 ms | p90 ms | p99 ms | errors | non-2xx | rowgate CPU µs/req | rowgate peak RSS MB |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range rp.Cells {
		cpu, rss := "", ""
		if c.Target == targetRowgate {
			cpu = fmt.Sprintf("%.0f", c.CPUusPerReq)
			rss = fmt.Sprintf("%.1f", float64(c.PeakRSSBytes)/(1<<20))
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %d | %d | %s | %s |\n",
			c.Scenario, c.Target, c.Clients, c.RPS, c.P50ms, c.P90ms, c.P99ms, c.Errors, c.Non2xx, cpu, rss)
	}
	b.WriteString("\n## Ratios to the floors\n\n")
	b.WriteString("Throughput ratio = rowgate req/s ÷ floor req/s (1.00 = as fast as the floor). ")
	b.WriteString("p99 ratio = rowgate p99 ÷ floor p99 (1.00 = as low as the floor). ")
	b.WriteString("GETSingleUniqueJWT is compared with the GETSingle floors (same statement) and with rowgate's own GETSingle.\n\n")
	b.WriteString("| scenario | clients | req/s ÷ HTTP floor | p99 ÷ HTTP floor | req/s ÷ SQL floor | p99 ÷ SQL floor | unique-JWT ÷ GETSingle |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rp.Ratios {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s |\n", r.Scenario, r.Clients,
			fmtRatio(r.RPSvsHTTP), fmtRatio(r.P99vsHTTP), fmtRatio(r.RPSvsSQL), fmtRatio(r.P99vsSQL), fmtRatio(r.UniqueVsReuse))
	}
	b.WriteString("\n## Targets of issue 7 on this run\n\n| target | value | met |\n|---|---|---|\n")
	for _, t := range rp.Targets {
		met := "n/a"
		if t.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*t.Met]
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.Target, t.Value, met)
	}
	fmt.Fprintf(&b, "\nrowgate over the whole run: %.1f CPU seconds, peak RSS %.1f MB.\n",
		rp.RowgateCPU, float64(rp.RowgatePeak)/(1<<20))
	var samples []string
	for _, c := range rp.Cells {
		for _, s := range c.ErrSamples {
			samples = append(samples, fmt.Sprintf("- %s/%s@%d: `%s`", c.Scenario, c.Target, c.Clients, oneLine(s)))
		}
		if c.Note != "" {
			samples = append(samples, fmt.Sprintf("- %s/%s@%d: %s", c.Scenario, c.Target, c.Clients, c.Note))
		}
	}
	if len(samples) > 0 {
		b.WriteString("\n## Cell notes and error samples\n\n")
		b.WriteString(strings.Join(samples, "\n"))
		b.WriteString("\n")
	}
	if len(rp.FloorMatches) > 0 || len(rp.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range append(append([]string{}, rp.FloorMatches...), rp.Notes...) {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "`", "'")
}

// write stores results.md, results.json and chart.png in dir.
func (rp *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create results dir: %w", err)
	}
	js, err := json.MarshalIndent(rp, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(rp.markdown()), 0o644); err != nil {
		return fmt.Errorf("write results.md: %w", err)
	}
	return rp.chart(filepath.Join(dir, "chart.png"))
}

// palette gives each concurrency a distinct colour.
var palette = []color.Color{
	color.RGBA{R: 0x4e, G: 0x79, B: 0xa7, A: 0xff},
	color.RGBA{R: 0xf2, G: 0x8e, B: 0x2b, A: 0xff},
	color.RGBA{R: 0x59, G: 0xa1, B: 0x4f, A: 0xff},
	color.RGBA{R: 0xe1, G: 0x57, B: 0x59, A: 0xff},
	color.RGBA{R: 0x76, G: 0xb7, B: 0xb2, A: 0xff},
}

// chart draws two grouped bar charts, req/s and p99 per series (rowgate
// scenario or floor), one bar per concurrency.
func (rp *report) chart(path string) error {
	type key struct {
		label   string
		clients int
	}
	var labels []string
	seen := map[string]bool{}
	vals := map[key]*cell{}
	failing := map[string]bool{}
	for _, c := range rp.Cells {
		if c.Target == targetRowgate && c.Requests > 0 && (c.Errors+c.Non2xx)*2 > c.Requests {
			failing[c.Scenario] = true
		}
	}
	for _, c := range rp.Cells {
		label := c.Scenario
		if c.Target == targetRowgate && failing[c.Scenario] {
			label += " (failing)"
		}
		switch c.Target {
		case targetHTTPFloor:
			label = "HTTP floor (" + c.Scenario + ")"
		case targetSQLFloor:
			label = "SQL floor (" + c.Scenario + ")"
		}
		if !seen[label] {
			seen[label] = true
			labels = append(labels, label)
		}
		vals[key{label, c.Clients}] = c
	}
	mk := func(title, ylabel string, get func(*cell) float64) (*plot.Plot, error) {
		p := plot.New()
		p.Title.Text = title
		p.Y.Label.Text = ylabel
		p.Y.Min = 0
		p.NominalX(labels...)
		p.X.Tick.Label.Rotation = 0.5
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
		p.Legend.Top = true
		p.Add(plotter.NewGrid())
		n := len(rp.Settings.Clients)
		w := vg.Points(60 / float64(max(n, 1)))
		top := 0.0
		for _, c := range vals {
			top = max(top, get(c))
		}
		p.Y.Max = top * 1.15 // room for the legend
		for i, cl := range rp.Settings.Clients {
			v := make(plotter.Values, len(labels))
			for j, l := range labels {
				if c := vals[key{l, cl}]; c != nil {
					v[j] = get(c)
				}
			}
			bars, err := plotter.NewBarChart(v, w)
			if err != nil {
				return nil, fmt.Errorf("bar chart: %w", err)
			}
			bars.Color = palette[i%len(palette)]
			bars.LineStyle.Width = 0
			bars.Offset = w * vg.Length(float64(i)-float64(n-1)/2)
			p.Add(bars)
			p.Legend.Add(fmt.Sprintf("%d clients", cl), bars)
		}
		return p, nil
	}
	p1, err := mk("Throughput (higher is better)", "requests / s", func(c *cell) float64 { return c.RPS })
	if err != nil {
		return err
	}
	p2, err := mk("p99 latency (lower is better)", "ms", func(c *cell) float64 { return c.P99ms })
	if err != nil {
		return err
	}
	img := vgimg.New(vg.Points(1100), vg.Points(1000))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(10), PadBottom: vg.Points(10), PadLeft: vg.Points(10), PadRight: vg.Points(10), PadY: vg.Points(20)}
	canvases := plot.Align([][]*plot.Plot{{p1}, {p2}}, tiles, dc)
	p1.Draw(canvases[0][0])
	p2.Draw(canvases[1][0])
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create chart: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write chart: %w", err)
	}
	return f.Close()
}
