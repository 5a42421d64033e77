package checks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// psParseDir is where scripts/test-deps.sh installs the PowerShell grammar.
const psParseDir = "/usr/local/lib/hcops-test/psparse"

// TestPowerShellCollectorsParse checks the syntax of every PowerShell that
// hcops sends to a Windows host — each check type's collector (with
// parameters that need quoting), a host's whole batch script and the
// loader of the encoded command — with the tree-sitter PowerShell grammar.
// There is no PowerShell here (Debian does not package it and no dotnet
// SDK can be had), so this is a parser of the language, not PowerShell
// itself: it catches unbalanced braces, quotes and parentheses, not a
// misspelt cmdlet. The parser is shown to reject a broken script first.
func TestPowerShellCollectorsParse(t *testing.T) {
	node := testenv.LookPath(t, "node")
	dir := os.Getenv("HCOPS_PSPARSE_DIR")
	if dir == "" {
		dir = psParseDir
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "tree-sitter-powershell", "tree-sitter-powershell.wasm")); err != nil {
		testenv.Missing(t, "the tree-sitter PowerShell grammar is not installed in "+dir+" (run scripts/test-deps.sh)")
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "psparse.mjs"))
	work := t.TempDir()
	parse := func(files ...string) (string, error) {
		cmd := exec.Command(node, append([]string{script}, files...)...)
		cmd.Env = append(os.Environ(), "HCOPS_PSPARSE_DIR="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	write := func(name, text string) string {
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// One run (node takes seconds to start the grammar): a broken script
	// first, which must be the only one reported.
	broken := write("broken.ps1", "$o=@{a=(Get-Date).ToString('o');b=@(1,2}\n")

	a := &inventory.Asset{Name: "ecg-app-01", OS: inventory.OS{Family: "windows"}}
	params := map[string]map[string]any{
		"win-service":  {"required": []any{"ECGService", "it's", "a’b"}, "allow_stopped": []any{"x*"}},
		"win-eventlog": {"logs": []any{"System", "Microsoft-Windows-TaskScheduler/Operational", "O'Brien"}},
	}
	files := []string{broken}
	var snippets []string
	for _, typ := range All().Types() {
		ps, ok := All()[typ].(inspect.PowerShellScripter)
		if !ok {
			continue
		}
		spec := &inspect.Spec{Name: typ, Type: typ, Params: params[typ]}
		s, err := ps.PowerShellScript(spec, a)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		snippets = append(snippets, s)
		files = append(files, write(typ+".ps1", s))
	}
	if len(snippets) < 7 {
		t.Fatalf("only %d PowerShell collectors", len(snippets))
	}
	batch := inspect.BuildPowerShellScript(inspect.NewNonce(), snippets)
	files = append(files, write("batch.ps1", batch))
	// The loader as sent: the encoded command's text.
	files = append(files, write("loader.ps1", decodeLoader(t, inspect.PowerShellCommand(batch))))
	out, err := parse(files...)
	if err == nil || !strings.Contains(out, "broken.ps1:1:") {
		t.Fatalf("the parser accepted a broken script: %v %s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, broken+":") {
			t.Errorf("PowerShell syntax error: %s", line)
		}
	}
}
