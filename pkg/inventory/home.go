package inventory

import (
	"os"
	"path/filepath"
	"strings"
)

// ExpandHome turns a leading "~" or "~/" of a path from the inventory (a key
// file, a secret file, a CA bundle) into the home directory of whoever runs
// hcops ($HOME, as the shell would), so `key_file: ~/.ssh/hcops_ed25519`
// means what it says. Other paths, and "~user/…", are returned as written.
func ExpandHome(p string) string {
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
