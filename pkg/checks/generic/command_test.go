package inspect

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
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// prSentinel ends the script runSnippet feeds to sh: if a snippet read its
// stdin (which is the batched host script), the prSentinel would be eaten.
const prSentinel = "@@HCOPS_TEST_SENTINEL"

// runSnippet runs check's snippet for spec the way the host script does:
// the script is sent to /bin/sh on stdin, followed by more commands. It
// returns the snippet's section.
func prRunSnippet(t testing.TB, c Check, spec *Spec, a *inventory.Asset) *Section {
	t.Helper()
	script, err := c.Script(spec, a)
	if err != nil {
		t.Fatalf("Script: %v", err)
	}
	if script == "" {
		t.Fatalf("Script returned no snippet")
	}
	full := script + "\necho \"@@RC=$?\"\necho " + prSentinel + "\n"
	cmd := exec.Command("/bin/sh")
	cmd.Stdin = strings.NewReader(full)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	s := string(out)
	if !strings.HasSuffix(s, prSentinel+"\n") {
		t.Fatalf("snippet consumed the rest of the host script (no prSentinel):\n%s", s)
	}
	s = strings.TrimSuffix(s, prSentinel+"\n")
	i := strings.LastIndex(s, "@@RC=")
	if i < 0 {
		t.Fatalf("no exit code in output:\n%s", s)
	}
	rc, err := strconv.Atoi(strings.TrimSpace(s[i+5:]))
	if err != nil {
		t.Fatalf("exit code: %v", err)
	}
	return &Section{Stdout: s[:i], ExitCode: rc}
}

// evalSpec runs the check end to end on this machine and returns its results.
func prEval(t testing.TB, typ string, spec *Spec) []result.Result {
	t.Helper()
	c, ok := Lookup(typ)
	if !ok {
		t.Fatalf("check type %q not registered", typ)
	}
	spec.Type = typ
	if spec.Name == "" {
		spec.Name = typ
	}
	th, err := ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	asset := &inventory.Asset{Name: "localhost", Kind: inventory.KindHost, Address: "127.0.0.1"}
	env := &Env{Spec: spec, Asset: asset, Thresholds: th, Now: time.Now(), Since: time.Now().Add(-24 * time.Hour)}
	if script, err := c.Script(spec, asset); err != nil {
		return badParamsResult(env, typ, err)
	} else if script != "" {
		env.Section = prRunSnippet(t, c, spec, asset)
	}
	return c.Evaluate(context.Background(), env)
}

func prOne(t testing.TB, rs []result.Result) result.Result {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("got %d results, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

func TestCommandCheck(t *testing.T) {
	cases := []struct {
		name       string
		params     map[string]any
		warn, crit string
		want       result.Status
		msg        string // substring of the message
		value      *float64
	}{
		{"exit 0", map[string]any{"script": "echo all good"}, "", "", result.OK, "exit 0: all good", nil},
		{"exit 2 crit", map[string]any{"script": "echo broken; exit 2"}, "", "", result.Crit, "exit code 2 (want 0)", nil},
		{"warn code", map[string]any{"script": "exit 1", "warn_codes": []any{1}}, "", "", result.Warn, "exit code 1 counts as a warning", nil},
		{"ok codes", map[string]any{"script": "exit 3", "ok_codes": "0,3"}, "", "", result.OK, "exit 3", nil},
		{"missing tool", map[string]any{"command": "no-such-tool-hcops --version"}, "", "", result.Unknown, "command not found", nil},
		{"regex ok", map[string]any{"script": "echo status=green", "regex": "status=(green|ok)"}, "", "", result.OK, "", nil},
		{"regex fail", map[string]any{"script": "echo status=red", "regex": "status=green"}, "", "", result.Crit, "does not match /status=green/", nil},
		{"not_regex", map[string]any{"script": "printf 'a\\nERROR: disk gone\\nb\\n'", "not_regex": "ERROR"}, "", "", result.Crit, "matches /ERROR/: ERROR: disk gone", nil},
		{"first number", map[string]any{"script": "echo queue length 42 items", "unit": "items"}, "10", "50", result.Warn, "value 42 items (warn 10, crit 50)", prPtr(42)},
		{"named group", map[string]any{"script": "echo v1.2 latency=350ms", "value_regex": `latency=(?P<value>\d+)ms`, "unit": "ms"}, "200", "300", result.Crit, "value 350 ms", prPtr(350)},
		{"first group", map[string]any{"script": "echo used: 12.5%", "value_regex": `used: ([\d.]+)%`, "unit": "%"}, "80", "90", result.OK, "value 12.5%", prPtr(12.5)},
		{"no number", map[string]any{"script": "echo none here"}, "10", "", result.Unknown, "no number in the output", nil},
		{"syntax error isolated", map[string]any{"script": "if then fi ("}, "", "", result.Crit, "exit code 2", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := prOne(t, prEval(t, "command", &Spec{Params: c.params, Warn: c.warn, Crit: c.crit}))
			if r.Status != c.want {
				t.Errorf("status = %s, want %s (%s)", r.Status, c.want, r.Message)
			}
			if !strings.Contains(r.Message, c.msg) {
				t.Errorf("message %q does not contain %q", r.Message, c.msg)
			}
			if c.value != nil && (r.Value == nil || *r.Value != *c.value) {
				t.Errorf("value = %v, want %v", r.Value, *c.value)
			}
			if (r.Status == result.Warn || r.Status == result.Crit) && r.Advice == "" {
				t.Errorf("no advice on %s", r.Status)
			}
		})
	}
}

func TestCommandKeepsFullOutputAndStderr(t *testing.T) {
	script := "i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done; echo oops >&2; echo INSPECT_END 1"
	r := prOne(t, prEval(t, "command", &Spec{Params: map[string]any{"script": script}}))
	if r.Status != result.OK {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}
	for _, want := range []string{"line 0\n", "line 299\n", "oops\n", "INSPECT_END 1"} {
		if !strings.Contains(r.Evidence, want) {
			t.Errorf("evidence lacks %q", want)
		}
	}
}

func TestCommandScriptArrivesLiterally(t *testing.T) {
	dir := t.TempDir()
	canary := filepath.Join(dir, "pwned")
	// The script prints its own hostile-looking text; nothing in it may be
	// expanded by the outer host script.
	hostile := "printf '%s\\n' 'it'\"'\"'s' '$(touch " + canary + ")' '`touch " + canary + "`' \"a\nb\""
	r := prOne(t, prEval(t, "command", &Spec{Params: map[string]any{"script": hostile}}))
	want := "it's\n$(touch " + canary + ")\n`touch " + canary + "`\na\nb\n"
	if r.Evidence != want {
		t.Fatalf("evidence = %q, want %q", r.Evidence, want)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a command substitution inside the script was executed")
	}
}

func TestCommandBadParams(t *testing.T) {
	for _, p := range []map[string]any{
		{},
		{"script": "true", "regex": "("},
		{"script": "true", "ok_code": 1},
		{"script": strings.Repeat("x", commandMaxScript+1)},
	} {
		spec := &Spec{Name: "c", Type: "command", Params: p}
		if err := (commandCheck{}).Validate(spec); err == nil {
			t.Errorf("params %v accepted", p)
		}
		env := &Env{Spec: spec, Asset: &inventory.Asset{Name: "h"}}
		r := prOne(t, commandCheck{}.Evaluate(context.Background(), env))
		if r.Status != result.Unknown || r.Reason != "bad-params" {
			t.Errorf("params %v: %s %s", p, r.Status, r.Message)
		}
	}
}

func TestCommandMissingSection(t *testing.T) {
	spec := &Spec{Name: "c", Type: "command", Params: map[string]any{"script": "true"}}
	for _, sec := range []*Section{nil, {Missing: true}} {
		r := prOne(t, commandCheck{}.Evaluate(context.Background(), &Env{Spec: spec, Asset: &inventory.Asset{Name: "h"}, Section: sec}))
		if r.Status != result.Unknown || r.Reason != "no-output" {
			t.Errorf("section %+v: %s %s", sec, r.Status, r.Message)
		}
	}
}

func prPtr(v float64) *float64 { return &v }

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
	ca := newTestCA(t)
	_, certPEM := ca.issue(t, "his.example", []string{"his.example"}, time.Now().Add(-time.Hour), time.Now().Add(prDays(5)))
	certFile := writeCertFile(t, dir, "his.crt", certPEM)

	specs := []*Spec{
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
		c, _ := Lookup(s.Type)
		sn, err := c.Script(s, a)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		snippets = append(snippets, sn)
	}
	nonce := NewNonce()
	out, err := conn.Run(ctx, BuildScript(nonce, snippets))
	if err != nil {
		t.Fatal(err)
	}
	secs := SplitSections(nonce, out.Stdout, len(specs), out.Truncated)
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
		c, _ := Lookup(s.Type)
		th, _ := ParseThresholds(s.Warn, s.Crit)
		env := &Env{Spec: s, Asset: a, Thresholds: th, Section: &secs[i], Now: time.Now(), Since: time.Now().Add(-24 * time.Hour)}
		r := prOne(t, c.Evaluate(ctx, env))
		if r.Status != want[i].status || !strings.Contains(r.Message, want[i].msg) {
			t.Errorf("%s: %s %q; want %s containing %q\nsection: %+v", s.Name, r.Status, r.Message, want[i].status, want[i].msg, secs[i])
		}
	}
	if !strings.Contains(secs[0].Stdout, "INSPECT_END 1") {
		t.Errorf("workload output not passed through: %q", secs[0].Stdout)
	}
}

func TestCommandScriptFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "workload.sh")
	os.WriteFile(f, []byte("#!/bin/sh\necho \"== host\"\necho INSPECT_END 42\n"), 0o644)
	r := prOne(t, prEval(t, "command", &Spec{Params: map[string]any{"script_file": f}}))
	if r.Status != result.OK || r.Evidence != "== host\nINSPECT_END 42\n" {
		t.Fatalf("%s %q", r.Status, r.Evidence)
	}
	for _, p := range []map[string]any{{"script_file": f, "script": "true"}, {"script_file": filepath.Join(t.TempDir(), "nope.sh")}} {
		if err := (commandCheck{}).Validate(&Spec{Name: "c", Params: p}); err == nil || !strings.Contains(err.Error(), "parameter script_file") {
			t.Errorf("%v: %v", p, err)
		}
	}
}
