package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cyhealth/hcops/pkg/iostreams"
)

// TestCompletionsCommitted: completions/ holds what this binary generates
// for each shell, so packagers and users can install the files from the
// repository. When it fails, run `make completions` and commit the result.
func TestCompletionsCommitted(t *testing.T) {
	for shell, file := range map[string]string{
		"bash":       "hcops.bash",
		"zsh":        "_hcops",
		"fish":       "hcops.fish",
		"powershell": "hcops.ps1",
	} {
		ios, _, out, errOut := iostreams.Test()
		root := newRootCmd(ios)
		root.SetArgs([]string{"completion", shell})
		if err := root.Execute(); err != nil {
			t.Fatalf("completion %s: %v\n%s", shell, err, errOut)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "completions", file))
		if err != nil {
			t.Errorf("completions/%s: %v (run make completions and commit completions/)", file, err)
			continue
		}
		if out.String() != string(want) {
			t.Errorf("completions/%s differs from `hcops completion %s` (run make completions and commit completions/)", file, shell)
		}
	}
}
