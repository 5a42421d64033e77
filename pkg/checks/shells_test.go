package checks

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// TestShellChecksBatchedOverSSH runs the shell-based checks of this file set
// (command, nagios-plugin, file, log-pattern, tls-cert files) the way an
// inspection does: every snippet batched into one script by BuildScript,
// sent over one session to a real OpenSSH sshd on loopback, the output cut
// by SplitSections, each check judging its own section.
func TestShellChecksBatchedOverSSH(t *testing.T) {
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d, err := transport.NewSSHDialer(transport.SSHConfig{
		KnownHostsFiles: []string{sshd.KnownHostsPath},
		Identities:      []string{sshd.ClientKeyPath},
		OwnKnownHosts:   filepath.Join(t.TempDir(), "known_hosts"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := d.Dial(ctx, transport.SSHTarget{Name: "his-db01", Address: sshd.Host, Port: sshd.Port, User: sshd.User})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// The sshd runs on this machine, so files made here are on the "host".
	dir := t.TempDir()
	plugin := writePlugin(t, dir, "check_queue", "echo 'QUEUE WARNING - 120 jobs | jobs=120;100;500;0'; exit 1")
	dump := filepath.Join(dir, "his dump's.sql")
	os.WriteFile(dump, []byte("-- dump\n"), 0o600)
	logf := filepath.Join(dir, "app.log")
	os.WriteFile(logf, []byte(time.Now().Add(-time.Minute).Format("2006-01-02 15:04:05")+" ERROR db connection lost\n"), 0o644)
	ca := checktest.NewCA(t)
	_, certPEM := ca.Issue(t, "his.example", []string{"his.example"}, time.Now().Add(-time.Hour), time.Now().Add(checktest.Days(5)))
	certFile := checktest.WriteCertFile(t, dir, "his.crt", certPEM)

	specs := []*inspect.Spec{
		{Name: "workload", Type: "command", Params: map[string]any{"script": "echo \"it's $(echo ok)\"; echo INSPECT_END 1; exit 0"}},
		{Name: "broken", Type: "command", Params: map[string]any{"script": "if then ("}},
		{Name: "queue", Type: "nagios-plugin", Params: map[string]any{"plugin": plugin}},
		{Name: "dump", Type: "file", Params: map[string]any{"path": dump, "mode": "0600", "max_age": "1h"}},
		{Name: "app-errors", Type: "log-pattern", Params: map[string]any{"path": logf, "pattern": "ERROR"}},
		{Name: "certs", Type: "tls-cert", Params: map[string]any{"files": certFile}},
	}
	a := &inventory.Asset{Name: "his-db01", Kind: inventory.KindHost, Address: sshd.Host}
	var snippets []string
	for _, s := range specs {
		c, _ := All().Lookup(s.Type)
		sn, err := c.Script(s, a)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		snippets = append(snippets, sn)
	}
	nonce := inspect.NewNonce()
	out, err := conn.Run(ctx, inspect.BuildScript(nonce, snippets))
	if err != nil {
		t.Fatal(err)
	}
	secs := inspect.SplitSections(nonce, out.Stdout, len(specs), out.Truncated)
	want := []struct {
		status result.Status
		msg    string
	}{
		{result.OK, "exit 0: it's ok"},
		{result.Crit, "exit code 2"},
		{result.Warn, "QUEUE WARNING - 120 jobs"},
		{result.OK, dump + ": 8 B, modified "},
		{result.Warn, "1 line(s) match /ERROR/"},
		{result.Crit, "certificate for his.example expires"}, // 5 days left, crit below 7
	}
	for i, s := range specs {
		c, _ := All().Lookup(s.Type)
		th, _ := inspect.ParseThresholds(s.Warn, s.Crit)
		env := &inspect.Env{Spec: s, Asset: a, Thresholds: th, Section: &secs[i], Now: time.Now(), Since: time.Now().Add(-24 * time.Hour)}
		r := checktest.One(t, c.Evaluate(ctx, env))
		if r.Status != want[i].status || !strings.Contains(r.Message, want[i].msg) {
			t.Errorf("%s: %s %q; want %s containing %q\nsection: %+v", s.Name, r.Status, r.Message, want[i].status, want[i].msg, secs[i])
		}
	}
	if !strings.Contains(secs[0].Stdout, "INSPECT_END 1") {
		t.Errorf("workload output not passed through: %q", secs[0].Stdout)
	}
}

// TestShellChecksUnderBusybox runs the file, log-pattern, tls-cert (files)
// and command collectors with BusyBox's sh and nothing but BusyBox applets on
// PATH, as on a minimal appliance or an embedded Linux, through the same
// `( eval ... )` wrapping the host script uses.
func TestShellChecksUnderBusybox(t *testing.T) {
	bb := testenv.LookPath(t, "busybox")
	bin := t.TempDir()
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range strings.Fields(string(list)) {
		os.Symlink(bb, filepath.Join(bin, n))
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "his dump's.sql")
	os.WriteFile(dump, make([]byte, 5000), 0o640)
	os.Chmod(dump, 0o640)
	old := time.Now().Add(-3 * time.Hour)
	os.Chtimes(dump, old, old)
	logf := filepath.Join(dir, "messages")
	os.WriteFile(logf, []byte(syslogLine(2*time.Hour, "kernel: I/O error, dev sda")+syslogLine(30*time.Hour, "kernel: I/O error, old")), 0o644)
	ca := checktest.NewCA(t)
	_, certPEM := ca.Issue(t, "bb.example", []string{"bb.example"}, time.Now().Add(-time.Hour), time.Now().Add(checktest.Days(50)))
	checktest.WriteCertFile(t, dir, "bb.crt", certPEM)

	cases := []struct {
		spec *inspect.Spec
		want result.Status
		msg  string
	}{
		{&inspect.Spec{Name: "file", Type: "file", Params: map[string]any{"path": dump, "mode": "0640", "max_age": "2h"}}, result.Crit, "4.9 KiB, modified 3h ago, 0640"},
		{&inspect.Spec{Name: "log", Type: "log-pattern", Params: map[string]any{"path": logf, "pattern": "I/O error"}}, result.Warn, ": 1 line(s) match"},
		{&inspect.Spec{Name: "tls", Type: "tls-cert", Params: map[string]any{"files": filepath.Join(dir, "*.crt")}}, result.OK, "certificate for bb.example expires"},
		{&inspect.Spec{Name: "cmd", Type: "command", Params: map[string]any{"script": "echo hi; exit 3", "ok_codes": "3"}}, result.OK, "exit 3: hi"},
	}
	a := &inventory.Asset{Name: "appliance"}
	for _, c := range cases {
		chk, _ := All().Lookup(c.spec.Type)
		script, err := chk.Script(c.spec, a)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(filepath.Join(bin, "sh"))
		cmd.Env = []string{"PATH=" + bin, "LC_ALL=C"}
		cmd.Stdin = strings.NewReader("( eval " + inspect.ShellQuote(script) + " ) </dev/null 2>&1\necho \"@@RC=$?\"\n")
		o, _ := cmd.Output()
		out := string(o)
		i := strings.LastIndex(out, "@@RC=")
		if i < 0 {
			t.Fatalf("%s: no exit status in %q", c.spec.Name, out)
		}
		rc, _ := strconv.Atoi(strings.TrimSpace(out[i+5:]))
		th, _ := inspect.ParseThresholds(c.spec.Warn, c.spec.Crit)
		env := &inspect.Env{Spec: c.spec, Asset: a, Thresholds: th, Section: &inspect.Section{Stdout: out[:i], ExitCode: rc}, Now: time.Now(), Since: time.Now().Add(-24 * time.Hour)}
		r := checktest.One(t, chk.Evaluate(context.Background(), env))
		if r.Status != c.want || !strings.Contains(r.Message, c.msg) {
			t.Errorf("%s: %s %q, want %s containing %q\noutput: %q", c.spec.Name, r.Status, r.Message, c.want, c.msg, out)
		}
	}
}

// writePlugin writes an executable shell plugin into dir and returns its path.
func writePlugin(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
func syslogLine(ago time.Duration, msg string) string {
	return time.Now().Add(-ago).Local().Format("Jan _2 15:04:05") + " his-db01 " + msg + "\n"
}
