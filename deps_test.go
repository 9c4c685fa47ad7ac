package rowgate_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the package graph pointing one way: the parser
// and the SQL builder know nothing of HTTP or of the database connection,
// execution knows nothing of tokens, and only cli reads configuration.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/rowgate/rowgate"
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[strings.TrimPrefix(f[0], mod)] = f[1:]
	}
	forbidden := map[string][]string{
		"/pgrest":    {"net/http", "github.com/jackc/pgx", mod + "/schema", mod + "/sqlgen", mod + "/gateway", mod + "/pgexec", mod + "/auth", mod + "/config"},
		"/sqlgen":    {"net/http", "github.com/jackc/pgx", mod + "/gateway", mod + "/pgexec", mod + "/auth", mod + "/config"},
		"/schema":    {"net/http", mod + "/gateway", mod + "/sqlgen", mod + "/auth", mod + "/config"},
		"/pgexec":    {mod + "/auth", mod + "/gateway", mod + "/config", mod + "/pgrest", mod + "/sqlgen"},
		"/auth":      {mod + "/gateway", mod + "/pgexec", mod + "/config", "github.com/jackc/pgx"},
		"/auth/jwks": {mod + "/auth\x00", mod + "/gateway", mod + "/config"},
		"/gateway":   {mod + "/config", mod + "/cli"},
		"/config":    {mod + "/auth", mod + "/gateway", mod + "/pgexec"},
	}
	if len(imports) < 10 {
		t.Fatalf("go list found only %d packages", len(imports))
	}
	for pkg, bad := range forbidden {
		imps, ok := imports[pkg]
		if !ok {
			t.Errorf("package %s not found", pkg)
			continue
		}
		for _, imp := range imps {
			for _, b := range bad {
				exact := strings.HasSuffix(b, "\x00")
				b = strings.TrimSuffix(b, "\x00")
				if imp == b || (!exact && strings.HasPrefix(imp, b+"/")) {
					t.Errorf("%s imports %s", pkg, imp)
				}
			}
		}
	}
	for pkg, imps := range imports {
		if pkg == "/cli" || strings.HasPrefix(pkg, "/bench") || strings.HasPrefix(pkg, "/doctor") || strings.HasPrefix(pkg, "/lint") || strings.HasPrefix(pkg, "/config") {
			continue
		}
		for _, imp := range imps {
			if imp == mod+"/config" {
				t.Errorf("%s imports config; only cli (and the doctor/lint tools it runs) may read configuration", pkg)
			}
		}
	}
}
