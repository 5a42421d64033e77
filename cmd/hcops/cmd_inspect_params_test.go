package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/iostreams"
)

// A site playbook with a misspelt parameter and a value of the wrong type
// is refused before any host is contacted: `hcops inspect` names the file
// and line of each, offers the nearest known key, and exits 3 (could not
// decide); `hcops inspect playbooks` marks the playbook broken and still
// lists the rest.
func TestInspectRefusesBadParamsAtLoad(t *testing.T) {
	dir := t.TempDir()
	pbDir := filepath.Join(dir, "playbooks")
	if err := os.MkdirAll(pbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	site := `name: site
checks:
  - name: load
    type: load
    params:
      window: five
  - name: web
    type: http
    params:
      url: http://192.0.2.1/
      timout: 5s
  - name: backup
    type: file
    params:
      path: /backup/his.dump
      mode: 0640
`
	if err := os.WriteFile(filepath.Join(pbDir, "site.yaml"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "inventory.yaml")
	// 192.0.2.1 (TEST-NET) answers nothing: reaching it would hang the test
	// past the connect timeout, so a quick exit shows no host was tried.
	if err := os.WriteFile(inv, []byte("assets:\n  - {name: app-01, kind: host, address: 192.0.2.1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		ios, _, out, errOut := iostreams.Test()
		root := newRootCmd(ios)
		root.SetArgs(append([]string{"--inventory", inv, "--db", filepath.Join(dir, "h.db"), "--lang", "en"}, args...))
		err := root.ExecuteContext(context.Background())
		if err != nil {
			if _, ok := err.(*exitStatusError); !ok {
				errOut.WriteString("hcops: " + err.Error() + "\n")
			}
		}
		return exitCode(err), out.String(), errOut.String()
	}
	code, out, errOut := run("inspect", "--playbooks-dir", pbDir, "--playbook", "site", "--connect-timeout", "30s")
	site6 := filepath.Join(pbDir, "site.yaml")
	for _, want := range []string{
		site6 + `:6: check load: parameter window: want a whole number, got "five"`,
		site6 + `:11: check web: parameter timout: unknown parameter (did you mean timeout?)`,
		site6 + `:16: check backup: parameter mode: write the mode in quotes, e.g. "0640"`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if code != ExitUnknown || strings.Contains(out, "app-01") {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	code, out, _ = run("inspect", "playbooks", "--playbooks-dir", pbDir)
	if code != ExitOK || !strings.Contains(out, "ERROR: "+site6+":6:") || !strings.Contains(out, "daily") {
		t.Errorf("playbooks: exit %d\n%s", code, out)
	}
}
