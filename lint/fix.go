package lint

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/rowgate/rowgate/config"
)

// ErrOtherProvider is returned by FixClerk when another third-party
// provider is enabled: the Supabase CLI allows only one.
var ErrOtherProvider = errors.New("another [auth.third_party.*] provider is enabled; only one may be enabled at a time")

// ValidateClerkDomain checks domain exactly as the Supabase CLI checks
// auth.third_party.clerk.domain and returns its error message if it is
// refused.
func ValidateClerkDomain(domain string) error {
	doc := fmt.Sprintf("[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\ndomain = %s\n", tomlString(domain))
	if _, err := config.Parse([]byte(doc), nil); err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			return ve
		}
		return fmt.Errorf("clerk domain: %w", err)
	}
	return nil
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var (
	tableHeader = regexp.MustCompile(`^[ \t]*\[`)
	clerkHeader = regexp.MustCompile(`^[ \t]*\[[ \t]*auth[ \t]*\.[ \t]*third_party[ \t]*\.[ \t]*clerk[ \t]*\][ \t]*(#.*)?$`)
	keyLine     = func(key string) *regexp.Regexp {
		return regexp.MustCompile(`^([ \t]*` + key + `[ \t]*=[ \t]*)("[^"]*"|'[^']*'|[^ \t#]*)(.*)$`)
	}
	enabledLine     = keyLine("enabled")
	domainLine      = keyLine("domain")
	commentedDomain = regexp.MustCompile(`^[ \t]*#[ \t]*domain[ \t]*=`)
)

// FixClerk returns the text of supabase/config.toml (src) with
// [auth.third_party.clerk] enabled for domain, editing only the lines it
// must: the table's enabled and domain values are replaced in place
// (keeping trailing comments), a missing domain line is added after the
// commented example the CLI template ships, and a missing table is
// appended. Comments, ordering and line endings are preserved. The result
// is parsed again to prove it trusts https://<domain>.
func FixClerk(src []byte, domain string, getenv func(string) (string, bool)) ([]byte, error) {
	if err := ValidateClerkDomain(domain); err != nil {
		return nil, err
	}
	if cfg, err := config.Parse(src, getenv); err == nil {
		tp := cfg.Auth.ThirdParty
		if tp.Firebase.Enabled || tp.Auth0.Enabled || tp.Cognito.Enabled || tp.WorkOS.Enabled {
			return nil, ErrOtherProvider
		}
	}
	text := string(src)
	eol := "\n"
	if strings.Contains(text, "\r\n") {
		eol = "\r\n"
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	header := -1
	for i, l := range lines {
		if clerkHeader.MatchString(l) {
			header = i
			break
		}
	}
	quoted := tomlString(domain)
	if header < 0 {
		// Append the table, separated by a blank line.
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines,
			"# Use Clerk as a third-party provider alongside Supabase Auth.",
			"[auth.third_party.clerk]",
			"enabled = true",
			"# Obtain from https://clerk.com/setup/supabase",
			"domain = "+quoted,
			"")
	} else {
		end := len(lines)
		for i := header + 1; i < len(lines); i++ {
			if tableHeader.MatchString(lines[i]) {
				end = i
				break
			}
		}
		enabledAt, domainAt, exampleAt := -1, -1, -1
		for i := header + 1; i < end; i++ {
			switch {
			case enabledLine.MatchString(lines[i]):
				enabledAt = i
			case domainLine.MatchString(lines[i]):
				domainAt = i
			case commentedDomain.MatchString(lines[i]):
				exampleAt = i
			}
		}
		if enabledAt >= 0 {
			lines[enabledAt] = enabledLine.ReplaceAllString(lines[enabledAt], "${1}true${3}")
		} else {
			lines = insert(lines, header+1, "enabled = true")
			enabledAt = header + 1
			if domainAt > header {
				domainAt++
			}
			if exampleAt > header {
				exampleAt++
			}
		}
		switch {
		case domainAt >= 0:
			m := domainLine.FindStringSubmatch(lines[domainAt])
			lines[domainAt] = m[1] + quoted + m[3]
		case exampleAt >= 0:
			lines = insert(lines, exampleAt+1, "domain = "+quoted)
		default:
			lines = insert(lines, enabledAt+1, "domain = "+quoted)
		}
	}
	out := []byte(strings.Join(lines, eol))
	cfg, err := config.Parse(out, getenv)
	if err != nil {
		return nil, fmt.Errorf("fix config.toml: the edited file does not load: %w", err)
	}
	if !cfg.Auth.Enabled {
		return nil, fmt.Errorf("fix config.toml: [auth] enabled = false, so third-party providers are ignored; enable auth first")
	}
	want := "https://" + domain
	for _, ti := range cfg.TrustedIssuers() {
		if ti.Provider == config.ProviderClerk && ti.Issuer == want {
			return out, nil
		}
	}
	return nil, fmt.Errorf("fix config.toml: could not enable [auth.third_party.clerk] by editing the file (is it set with dotted keys or an inline table?)")
}

func insert(lines []string, at int, line string) []string {
	lines = append(lines, "")
	copy(lines[at+1:], lines[at:])
	lines[at] = line
	return lines
}
