package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/vault"
)

func init() { vault.DefaultScrypt = vault.KDF{Name: vault.KDFScrypt, N: 1 << 10, R: 8, P: 1} }

// hcopsIn runs hcops in-process with stdin.
func hcopsIn(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		if _, silent := err.(*exitStatusError); !silent {
			errOut.WriteString(err.Error() + "\n")
		}
	}
	return out.String(), errOut.String(), exitCode(err)
}

func secretEnv(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "cfg"))
	t.Setenv("HCOPS_VAULT", "")
	t.Setenv("HCOPS_AUDIT_LOG", "")
	t.Setenv("HCOPS_VAULT_KEY_FILE", "")
	t.Setenv("HCOPS_VAULT_PASSPHRASE", "vault pass 口令")
	return filepath.Join(dir, "hcops")
}

func TestSecretCommands(t *testing.T) {
	dir := secretEnv(t)
	if _, errOut, code := hcopsIn(t, "s3cret-value\n", "secret", "set", "db/his"); code != 0 {
		t.Fatalf("set: %d %s", code, errOut)
	}
	hcopsIn(t, "tok", "secret", "set", "robot")
	out, _, code := hcopsIn(t, "", "secret", "get", "db/his")
	if code != 0 || out != "s3cret-value\n" {
		t.Fatalf("get: %d %q", code, out)
	}
	out, _, _ = hcopsIn(t, "", "secret", "list", "-o", "json")
	var infos []vault.Info
	if err := json.Unmarshal([]byte(out), &infos); err != nil || len(infos) != 2 || infos[0].Name != "db/his" {
		t.Fatalf("list: %v %s", err, out)
	}
	if strings.Contains(out, "s3cret") {
		t.Fatal("list shows a value")
	}
	st, err := os.Stat(filepath.Join(dir, "vault"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("vault file: %v %v", st, err)
	}
	// the changes are audited by name, never by value
	log, _ := os.ReadFile(filepath.Join(dir, "audit.log"))
	if !strings.Contains(string(log), "secret set db/his") || strings.Contains(string(log), "s3cret") {
		t.Fatalf("audit log: %s", log)
	}
	if _, errOut, code := hcopsIn(t, "", "secret", "rm", "robot"); code != 0 {
		t.Fatal(errOut)
	}
	cases := []struct {
		name  string
		env   map[string]string
		args  []string
		stdin string
		want  string
	}{
		{"wrong passphrase", map[string]string{"HCOPS_VAULT_PASSPHRASE": "nope"}, []string{"secret", "get", "db/his"}, "", "wrong passphrase or key file"},
		{"no such secret", nil, []string{"secret", "get", "robot"}, "", "has no secret robot"},
		{"bad name", nil, []string{"secret", "set", "a b"}, "x", `bad secret name "a b"`},
		{"empty value", nil, []string{"secret", "set", "x"}, "\n", "no value read for x"},
		{"no vault", nil, []string{"secret", "list", "--vault", filepath.Join(dir, "none")}, "", "no vault at"},
		{"key file on a passphrase vault", map[string]string{"HCOPS_VAULT_KEY_FILE": "/nonexistent"}, []string{"secret", "get", "db/his"}, "", "sealed with a passphrase"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			_, errOut, code := hcopsIn(t, c.stdin, c.args...)
			if code != ExitUnknown || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q; want 3 and %q", code, errOut, c.want)
			}
		})
	}
}

// TestVaultPasswordForRealConnection: a PostgreSQL asset whose password is
// {vault: NAME} is inspected over a real connection, and while hcops runs
// no process — its children included: a local check greps /proc/*/cmdline —
// shows the secret in its arguments.
func TestVaultPasswordForRealConnection(t *testing.T) {
	dir := secretEnv(t)
	pg := testenv.StartPostgres(t)
	// a secret of its own, so a match can only come from hcops
	const pw = "Vt-9xq2-pg-secret"
	pg.SQL(t, "", fmt.Sprintf("CREATE ROLE mon LOGIN PASSWORD '%s'", pw))
	if _, errOut, code := hcopsIn(t, pw+"\n", "secret", "set", "pg/mon"); code != 0 {
		t.Fatal(errOut)
	}
	pattern := filepath.Join(dir, "pattern")
	os.WriteFile(pattern, []byte(pw+"\n"), 0o600)
	pbDir := filepath.Join(dir, "playbooks")
	os.MkdirAll(pbDir, 0o755)
	os.WriteFile(filepath.Join(pbDir, "vault-db.yaml"), []byte("name: vault-db\ntarget: kind=database\nchecks:\n  - {name: status, type: db-status}\n"), 0o644)
	os.WriteFile(filepath.Join(pbDir, "vault-argv.yaml"), []byte(fmt.Sprintf(`name: vault-argv
checks:
  - name: argv
    type: command
    crit: "~:0"
    params: {script: "sleep 0.3; grep -lsF -f %s /proc/[0-9]*/cmdline | wc -l"}
`, pattern)), 0o644)
	inv := filepath.Join(dir, "inventory.yaml")
	os.WriteFile(inv, []byte(fmt.Sprintf(`assets:
  - name: pg-01
    kind: database
    address: 127.0.0.1
    port: %d
    database: {engine: postgresql, database: postgres, user: mon, password: {vault: pg/mon}, tls: disable}
  - name: self
    kind: host
    connection: {transport: local}
`, pg.Port)), 0o644)

	// Watch every process's arguments for the whole run.
	scan := func() string {
		files, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(pw)) {
				return f + ": " + string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
			}
		}
		return ""
	}
	// The watch sees a secret in arguments (a control).
	ctl := exec.Command("sh", "-c", "sleep 5", pw)
	if err := ctl.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	found := scan()
	ctl.Process.Kill()
	ctl.Wait()
	if found == "" {
		t.Fatal("the /proc watch does not see a secret in arguments")
	}
	var seen atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if s := scan(); s != "" {
				seen.Store(s)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	out, errOut, code := hcopsIn(t, "", "--inventory", inv, "--db", filepath.Join(dir, "history.db"), "--lang", "en",
		"inspect", "--playbooks-dir", pbDir, "--playbook", "vault-db", "--playbook", "vault-argv", "-o", "json", "--connect-timeout", "5s")
	close(stop)
	wg.Wait()
	if s := seen.Load(); s != nil {
		t.Fatalf("the secret is in a process's arguments: %s", s)
	}
	var run result.Run
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errOut)
	}
	got := map[string]result.Result{}
	for _, r := range run.Results {
		got[r.Asset+"/"+r.Check] = r
	}
	// Connected and read the server (WARN "restarted since the last
	// inspection" is fine: the server was just started).
	if r, ok := got["pg-01/status"]; !ok || (r.Status != result.OK && r.Status != result.Warn) || !strings.Contains(r.Message, "PostgreSQL") {
		t.Fatalf("pg-01 status over a {vault:} password: %+v\n%s", r, errOut)
	}
	if r, ok := got["self/argv"]; !ok || r.Status != result.OK || strings.TrimSpace(r.Evidence) != "0" {
		t.Fatalf("local check of /proc/*/cmdline: %+v", r)
	}
	if strings.Contains(out, pw) || strings.Contains(errOut, pw) {
		t.Fatal("the secret is in the output")
	}
	// A wrong vault passphrase: the asset cannot be reached, with a reason
	// that names the reference, not the secret.
	t.Setenv("HCOPS_VAULT_PASSPHRASE", "wrong")
	out, errOut, _ = hcopsIn(t, "", "--inventory", inv, "--db", filepath.Join(dir, "history.db"), "--lang", "en",
		"inspect", "--playbooks-dir", pbDir, "--playbook", "vault-db", "-o", "json")
	if !strings.Contains(out+errOut, "vault: pg/mon") || !strings.Contains(out+errOut, "wrong passphrase") {
		t.Fatalf("wrong passphrase:\n%s\n%s", out, errOut)
	}
}
