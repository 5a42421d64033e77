package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
)

// An asset whose key file is encrypted is inspected under cron (no TTY, no
// agent) with connection.passphrase: {env: ...}, and the passphrase is not
// asked for (issue #11: it was loaded and validated but never used).
func TestInspectEncryptedKeyWithoutTTY(t *testing.T) {
	testenv.LookPath(t, "sshd")
	dir := t.TempDir()
	key := filepath.Join(dir, "id_locked")
	pub := testenv.WriteClientKey(t, key, "correct horse")
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{AuthorizedKeys: []ssh.PublicKey{pub}})
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("HCOPS_TEST_KEY_PASS", "correct horse")
	t.Setenv("HCOPS_TEST_WRONG_PASS", "battery staple")
	e := newInspectEnv(t, fmt.Sprintf(`  - {name: locked-01, kind: host, address: 127.0.0.1, connection: {port: %d, user: %s, key_file: %s, passphrase: {env: HCOPS_TEST_KEY_PASS}}}
  - {name: locked-02, kind: host, address: 127.0.0.1, connection: {port: %d, user: %s, key_file: %s, passphrase: {env: HCOPS_TEST_WRONG_PASS}}}
  - {name: locked-03, kind: host, address: 127.0.0.1, connection: {port: %d, user: %s, key_file: %s}}
`, sshd.Port, sshd.User, key, sshd.Port, sshd.User, key, sshd.Port, sshd.User, key))
	args := []string{"inspect", "locked-*", "--playbooks-dir", e.pbDir, "--playbook", "e2e",
		"--known-hosts", sshd.KnownHostsPath, "--connect-timeout", "5s", "-o", "json", "--no-store"}
	_, stdout, stderr := e.hcops(context.Background(), t, args...)
	var run result.Run
	if err := json.Unmarshal([]byte(stdout), &run); err != nil {
		t.Fatalf("json: %v\n%s\n%s", err, stdout, stderr)
	}
	got := map[string]result.Result{}
	for _, r := range run.Results {
		got[r.Asset+"/"+r.Check] = r
	}
	if r := got["locked-01/work"]; r.Status != result.OK || !strings.Contains(r.Evidence+r.Message, "hello from") {
		t.Errorf("locked-01 (right passphrase): %s %q", r.Status, r.Message)
	}
	if r := got["locked-02/connect"]; r.Status != result.Unreachable || !strings.Contains(r.Message, "wrong passphrase") {
		t.Errorf("locked-02 (wrong passphrase): %s %q", r.Status, r.Message)
	}
	if r := got["locked-03/connect"]; r.Status != result.Unreachable || !strings.Contains(r.Message, "connection.passphrase") {
		t.Errorf("locked-03 (no passphrase, no TTY): %s %q", r.Status, r.Message)
	}
	if strings.Contains(stdout+stderr, "correct horse") || strings.Contains(stdout+stderr, "battery staple") {
		t.Errorf("a passphrase reached the output")
	}
}

// A missing --identity, --known-hosts or key file is a usage error: exit 3
// at once naming the file, not every host UNREACHABLE "(network)" with
// "check the network path" (issue #12, 3).
func TestInspectMissingFilesAreUsageErrors(t *testing.T) {
	testenv.LookPath(t, "sshd")
	e := newInspectEnv(t, "  - {name: keyed-01, kind: host, address: 127.0.0.1, connection: {key_file: /missing/asset_key}}\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "app-*", "--identity", "/missing/key"}, "cannot read the identity file /missing/key: no such file or directory"},
		{[]string{"inspect", "app-*", "--known-hosts", "/missing/known_hosts"}, "cannot read the known_hosts file /missing/known_hosts"},
		{[]string{"inspect", "keyed-01"}, "the key file of keyed-01, /missing/asset_key, cannot be read"},
	} {
		code, stdout, stderr := e.hcops(context.Background(), t, append(tc.args, "--playbooks-dir", e.pbDir, "--playbook", "e2e", "--no-store")...)
		if code != ExitUnknown || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s\nwant %q", tc.args, code, stdout, stderr, tc.want)
		}
		if strings.Contains(stderr, "UNREACHABLE") || strings.Contains(stderr, "network path") {
			t.Errorf("%v: reported as a host problem: %s", tc.args, stderr)
		}
	}
	if _, err := os.Stat(e.db); err == nil {
		t.Errorf("a run was recorded although nothing ran")
	}
}
