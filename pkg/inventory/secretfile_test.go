package inventory

import (
	"os"
	"path/filepath"
	"testing"
)

// A secret file written as ~/… is read from the home directory.
func TestSecretFileUnderHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.WriteFile(filepath.Join(home, "pw"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := (SecretRef{File: "~/pw"}).Resolve(); err != nil || v != "s3cret" {
		t.Errorf("secret file under ~: %q %v", v, err)
	}
}
