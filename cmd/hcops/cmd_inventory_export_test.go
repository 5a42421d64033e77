package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestInventoryExportFileMode: an export carries addresses, users and key
// paths, so it is written 0640 narrowed by the umask, like reports (issue
// #10 item 9), replacing a world-readable export an older hcops left.
func TestInventoryExportFileMode(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, ".data"))
	t.Setenv("HCOPS_INVENTORY", "")
	inv := filepath.Join(dir, "inv.yaml")
	if err := os.WriteFile(inv, []byte("assets:\n  - name: his-db-01\n    address: 192.0.2.10\n    connection: {user: ops}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, umask := range []int{0o022, 0o077} {
		want := os.FileMode(0o640) &^ os.FileMode(umask)
		for _, ext := range []string{"csv", "xlsx", "json", "yaml"} {
			t.Run(fmt.Sprintf("%s umask %03o", ext, umask), func(t *testing.T) {
				old := syscall.Umask(umask)
				defer syscall.Umask(old)
				out := filepath.Join(t.TempDir(), "assets."+ext)
				if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
				os.Chmod(out, 0o644)
				stdout, stderr, code := runHcops(t, "--inventory", inv, "inventory", "export", out)
				if code != 0 {
					t.Fatalf("exit %d: %s%s", code, stdout, stderr)
				}
				st, err := os.Stat(out)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm() != want {
					t.Errorf("mode %04o, want %04o", st.Mode().Perm(), want)
				}
				if b, _ := os.ReadFile(out); !strings.Contains(string(b), "his-db-01") && ext != "xlsx" {
					t.Errorf("export lacks the asset: %q", b)
				}
				ents, _ := os.ReadDir(filepath.Dir(out))
				if len(ents) != 1 {
					t.Errorf("directory holds %d entries, want only the export", len(ents))
				}
			})
		}
	}
}
