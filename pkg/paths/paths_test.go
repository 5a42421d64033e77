package paths

import (
	"path/filepath"
	"testing"
)

func TestExpand(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for in, want := range map[string]string{
		"~/.ssh/hcops_ed25519": filepath.Join(home, ".ssh/hcops_ed25519"),
		"~":                    home,
		"/etc/hcops/key":       "/etc/hcops/key",
		"keys/k":               "keys/k",
		"~ops/.ssh/key":        "~ops/.ssh/key",
		"":                     "",
	} {
		if got := Expand(in); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}
