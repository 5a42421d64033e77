// Package paths reads the file paths a user writes in the inventory, the
// config and playbooks.
package paths

import (
	"os"
	"path/filepath"
	"strings"
)

// Expand turns a leading "~" or "~/" of a path from the inventory (a key
// file, a secret file, a CA bundle) into the home directory of whoever runs
// hcops ($HOME, as the shell would), so `key_file: ~/.ssh/hcops_ed25519`
// means what it says. Other paths, and "~user/…", are returned as written.
func Expand(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	return filepath.Join(home, p[2:])
}
