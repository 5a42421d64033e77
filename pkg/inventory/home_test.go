package inventory

import (
	"os"
	"path/filepath"
	"testing"
)

func TestExpandHome(t *testing.T) {
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
		if got := ExpandHome(in); got != want {
			t.Errorf("ExpandHome(%q) = %q, want %q", in, got, want)
		}
	}
	// A secret file under ~ is read from the home directory.
	if err := os.WriteFile(filepath.Join(home, "pw"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := (SecretRef{File: "~/pw"}).Resolve(); err != nil || v != "s3cret" {
		t.Errorf("secret file under ~: %q %v", v, err)
	}
}
