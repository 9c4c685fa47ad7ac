package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/rowgate/rowgate/config"
)

// MaxFileSize is the largest file lint reads; bigger files (bundles,
// generated code) are skipped.
const MaxFileSize = 2 << 20

// skipDirs are directories never descended into: dependencies, build
// output and tool state.
var skipDirs = map[string]bool{
	"node_modules": true, ".git": true, ".next": true, ".nuxt": true, ".svelte-kit": true,
	".output": true, "dist": true, "build": true, "coverage": true, "vendor": true,
	".turbo": true, ".vercel": true, ".expo": true, ".cache": true, ".temp": true,
	".branches": true, ".rowgate": true,
}

// Options control a scan.
type Options struct {
	// Dir is the directory relative paths are resolved against and finding
	// paths are reported relative to; "" means the current directory.
	Dir string
	// Getenv resolves env(NAME) values and SUPABASE_* overrides in
	// supabase/config.toml; nil means an empty environment.
	Getenv func(string) (string, bool)
}

// Report is the result of a scan.
type Report struct {
	// Findings are sorted by file, line, column and rule.
	Findings []Finding
	// Files is the number of files read.
	Files int
}

// project collects what the rules need to know about the whole scan.
type project struct {
	opts     Options
	findings []Finding
	files    int

	usesClerk    bool
	usesSupabase bool
	// clerkDeps are package.json files depending on @clerk/*, with the
	// position of the first such dependency.
	clerkDeps []Finding
	configs   []string // slash paths of supabase/config.toml files
	cfg       *config.Config
	cfgErr    error

	clients []Finding // createClient without accessToken
	authUID []Finding // auth.uid() in SQL
}

// Scan lints the files and directories in paths (default ".").
func Scan(paths []string, o Options) (*Report, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	p := &project{opts: o}
	for _, arg := range paths {
		root := arg
		if !filepath.IsAbs(root) {
			root = filepath.Join(dir, root)
		}
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("lint %s: %w", arg, err)
		}
		if !info.IsDir() {
			if err := p.file(dir, root); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != root && skipDirs[d.Name()] {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			return p.file(dir, path)
		})
		if err != nil {
			return nil, fmt.Errorf("lint %s: %w", arg, err)
		}
	}
	p.finish()
	sortFindings(p.findings)
	return &Report{Findings: p.findings, Files: p.files}, nil
}

// kindOf classifies a file by name: "js", "component", "package", "toml",
// "sql", "env", "data" or "" (not read).
func kindOf(name string) string {
	base := filepath.Base(name)
	ext := strings.ToLower(filepath.Ext(base))
	switch {
	case base == "package.json":
		return "package"
	case base == ".env" || strings.HasPrefix(base, ".env."):
		return "env"
	}
	switch ext {
	case ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts":
		return "js"
	case ".vue", ".svelte":
		return "component"
	case ".toml":
		return "toml"
	case ".sql":
		return "sql"
	case ".json", ".yaml", ".yml":
		return "data"
	}
	return ""
}

func (p *project) file(dir, path string) error {
	kind := kindOf(path)
	if kind == "" {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("lint: %w", err)
	}
	if info.Size() > MaxFileSize {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("lint: %w", err)
	}
	head := data
	if len(head) > 8000 {
		head = head[:8000]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return nil // binary
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = path
	}
	rel = filepath.ToSlash(rel)
	p.files++
	src := string(data)
	lines := newLineIndex(src)
	add := func(rule string, off int, what string) Finding {
		line, col := lines.pos(off)
		f := newFinding(rule, rel, line, col, what)
		return f
	}

	secretKind := kindCode
	switch kind {
	case "js":
		ext := strings.ToLower(filepath.Ext(path))
		jsx := ext != ".ts" && ext != ".mts" && ext != ".cts"
		p.js(analyzeJS(src, 0, jsx), add)
	case "component":
		for _, s := range scriptBlocks(src) {
			p.js(analyzeJS(src[s.start:s.end], s.start, s.jsx), add)
		}
	case "package":
		p.packageJSON(src, add)
	case "toml":
		secretKind = kindTOML
		if strings.HasSuffix(rel, "supabase/config.toml") || rel == "config.toml" && filepath.Base(filepath.Dir(path)) == "supabase" {
			p.configs = append(p.configs, rel)
			p.configFile(data, src, add)
		}
	case "sql":
		uid, rid := sqlHits(src)
		for _, off := range uid {
			p.authUID = append(p.authUID, add(RuleAuthUIDNonUUID, off,
				"auth.uid() casts the subject to uuid, but tokens of this project's issuer carry non-UUID subjects"))
		}
		for _, off := range rid {
			p.findings = append(p.findings, add(RuleRequestingUserID, off,
				"requesting_user_id() comes from Clerk's deprecated JWT-template guide"))
		}
	case "env":
		secretKind = kindEnv
	}
	for _, h := range scanSecrets(src, secretKind) {
		var what string
		switch h.rule {
		case RuleSecretKey:
			what = "a Supabase secret API key is committed: " + h.masked
		case RuleServiceRoleJWT:
			what = "a JWT with role service_role is committed: " + h.masked
		default:
			what = "the Supabase JWT secret is committed: " + h.masked
		}
		p.findings = append(p.findings, add(h.rule, h.off, what))
	}
	return nil
}

// js records the findings of one analysed source region.
func (p *project) js(f *jsFile, add func(string, int, string) Finding) {
	if f.usesClerk {
		p.usesClerk = true
	}
	for _, i := range f.templateCalls {
		p.findings = append(p.findings, add(RuleJWTTemplate, f.toks[i].off,
			"getToken({ template: 'supabase' }) fetches a token from Clerk's deprecated Supabase JWT template"))
	}
	for _, i := range f.templateHeaders {
		p.findings = append(p.findings, add(RuleTemplateHeader, f.toks[i].off,
			"the Authorization header carries a token from the deprecated Supabase JWT template"))
	}
	for _, i := range f.clientsNoToken {
		p.usesSupabase = true
		p.clients = append(p.clients, add(RuleClientNoAccessToken, f.toks[i].off,
			"createClient from @supabase/supabase-js is called without the accessToken option"))
	}
}

var depSections = []string{"dependencies", "devDependencies", "peerDependencies", "optionalDependencies"}

func (p *project) packageJSON(src string, add func(string, int, string) Finding) {
	var pkg map[string]json.RawMessage
	if json.Unmarshal([]byte(src), &pkg) != nil {
		return
	}
	var clerk []string
	for _, sec := range depSections {
		var deps map[string]any
		if json.Unmarshal(pkg[sec], &deps) != nil {
			continue
		}
		for name := range deps {
			switch {
			case strings.HasPrefix(name, "@clerk/"):
				clerk = append(clerk, name)
			case strings.HasPrefix(name, "@supabase/"):
				p.usesSupabase = true
			}
		}
	}
	if len(clerk) == 0 {
		return
	}
	p.usesClerk = true
	sort.Strings(clerk)
	off := strings.Index(src, `"`+clerk[0]+`"`)
	p.clerkDeps = append(p.clerkDeps, add(RuleClerkNotTrusted, max(off, 0),
		"package.json depends on "+clerk[0]+" but supabase/config.toml does not trust Clerk"))
}

func (p *project) configFile(data []byte, src string, add func(string, int, string) Finding) {
	if p.cfg != nil || p.cfgErr != nil {
		return // the first config.toml (shortest path first in walk order) wins
	}
	cfg, err := config.Parse(data, p.opts.Getenv)
	if err != nil {
		p.cfgErr = err
		p.findings = append(p.findings, add(RuleConfigInvalid, configErrorOffset(src, err), err.Error()))
		return
	}
	p.cfg = cfg
}

// configErrorOffset locates a configuration error: the TOML parse
// position, or the table (or key) a validation error names.
func configErrorOffset(src string, err error) int {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return max(pe.Position.Start, 0)
	}
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		return 0
	}
	key := ve.Key
	for key != "" {
		if off := findTable(src, key); off >= 0 {
			return off
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			break
		}
		table, name := key[:i], key[i+1:]
		if off := findTable(src, table); off >= 0 {
			re := regexp.MustCompile(`(?m)^[ \t]*` + regexp.QuoteMeta(name) + `[ \t]*=`)
			if m := re.FindStringIndex(src[off:]); m != nil {
				return off + m[0] + strings.Index(src[off+m[0]:], name)
			}
			return off
		}
		key = table
	}
	return 0
}

// findTable returns the offset of the [table] header line, or -1.
func findTable(src, table string) int {
	parts := strings.Split(table, ".")
	for i, s := range parts {
		parts[i] = regexp.QuoteMeta(s)
	}
	re := regexp.MustCompile(`(?m)^[ \t]*\[[ \t]*` + strings.Join(parts, `[ \t]*\.[ \t]*`) + `[ \t]*\]`)
	m := re.FindStringIndex(src)
	if m == nil {
		return -1
	}
	return m[0] + strings.IndexByte(src[m[0]:], '[')
}

// finish applies the rules that depend on the whole project.
func (p *project) finish() {
	nonUUID := p.usesClerk
	clerkTrusted := false
	if p.cfg != nil {
		for _, ti := range p.cfg.TrustedIssuers() {
			kind := issuerKind(ti.Provider, ti.Issuer)
			if kind == config.ProviderClerk {
				clerkTrusted = true
			}
			if kind != config.ProviderCognito && kind != config.ProviderOIDC {
				nonUUID = true
			}
		}
	}
	if p.usesClerk {
		p.findings = append(p.findings, p.clients...)
	}
	if nonUUID {
		p.findings = append(p.findings, p.authUID...)
	}
	if p.cfgErr == nil && !clerkTrusted && (p.usesSupabase || len(p.configs) > 0) {
		for _, f := range p.clerkDeps {
			if len(p.configs) == 0 {
				f.What = strings.Replace(f.What, "supabase/config.toml does not trust Clerk", "there is no supabase/config.toml trusting Clerk", 1)
			}
			p.findings = append(p.findings, f)
		}
	}
}

// issuerKind classifies a trusted issuer: its provider, or for generic
// OIDC issuers the provider its URL points to.
func issuerKind(provider, issuer string) string {
	if provider != config.ProviderOIDC && provider != "" {
		return provider
	}
	u, err := url.Parse(issuer)
	if err != nil {
		return config.ProviderOIDC
	}
	h := strings.ToLower(u.Hostname())
	switch {
	case strings.HasPrefix(h, "clerk.") || strings.HasSuffix(h, ".clerk.accounts.dev"):
		return config.ProviderClerk
	case h == "securetoken.google.com":
		return config.ProviderFirebase
	case strings.HasSuffix(h, ".auth0.com"):
		return config.ProviderAuth0
	case strings.HasSuffix(h, "workos.com"):
		return config.ProviderWorkOS
	case strings.HasPrefix(h, "cognito-idp."):
		return config.ProviderCognito
	}
	return config.ProviderOIDC
}

// scriptBlock is the content of one <script> element of a component.
type scriptBlock struct {
	start, end int
	jsx        bool
}

var (
	scriptOpen = regexp.MustCompile(`(?is)<script\b([^>]*)>`)
	langAttr   = regexp.MustCompile(`(?i)\blang\s*=\s*["']?([a-z]+)`)
)

// scriptBlocks finds the <script> elements of a Vue or Svelte component.
func scriptBlocks(src string) []scriptBlock {
	var out []scriptBlock
	pos := 0
	for {
		m := scriptOpen.FindStringSubmatchIndex(src[pos:])
		if m == nil {
			return out
		}
		start := pos + m[1]
		attrs := src[pos+m[2] : pos+m[3]]
		end := strings.Index(strings.ToLower(src[start:]), "</script")
		if end < 0 {
			end = len(src) - start
		}
		lang := ""
		if lm := langAttr.FindStringSubmatch(attrs); lm != nil {
			lang = strings.ToLower(lm[1])
		}
		out = append(out, scriptBlock{start: start, end: start + end, jsx: lang == "tsx" || lang == "jsx"})
		pos = start + end
	}
}

// lineIndex converts byte offsets to 1-based line and character columns.
type lineIndex struct {
	src    string
	starts []int
}

func newLineIndex(src string) lineIndex {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{src: src, starts: starts}
}

func (li lineIndex) pos(off int) (line, col int) {
	off = min(max(off, 0), len(li.src))
	i := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	return i + 1, utf8.RuneCountInString(li.src[li.starts[i]:off]) + 1
}
