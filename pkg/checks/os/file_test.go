package os

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestFileCheck(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "his-2026-11-28.dump")
	os.WriteFile(dump, make([]byte, 3*1024*1024), 0o640)
	os.Chmod(dump, 0o640)
	old := time.Now().Add(-30 * time.Hour)
	os.Chtimes(dump, old, old)
	empty := filepath.Join(dir, "empty.dump")
	os.WriteFile(empty, nil, 0o666)
	os.Chmod(empty, 0o666)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	link := filepath.Join(dir, "latest.dump")
	os.Symlink(dump, link)
	u, _ := user.Current()
	uid := strconv.Itoa(os.Getuid())

	cases := []struct {
		name       string
		params     map[string]any
		warn, crit string
		want       result.Status
		reason     string
		msg        string
	}{
		{"present", map[string]any{"path": dump}, "", "", result.OK, "", dump + ": 3.0 MiB, modified 30h"},
		{"missing", map[string]any{"path": filepath.Join(dir, "nope")}, "", "", result.Crit, "missing", "does not exist"},
		{"absent ok", map[string]any{"path": filepath.Join(dir, "core"), "state": "absent"}, "", "", result.OK, "", "absent, as expected"},
		{"should be absent", map[string]any{"path": dump, "state": "absent"}, "", "", result.Crit, "present", "exists but should not"},
		{"max_age", map[string]any{"path": dump, "max_age": "26h"}, "", "", result.Crit, "", "not updated for more than 26h"},
		{"warn_age", map[string]any{"path": dump, "warn_age": "1d", "max_age": "2d"}, "", "", result.Warn, "", "not updated for more than 24h"},
		{"fresh enough", map[string]any{"path": dump, "max_age": "2d"}, "", "", result.OK, "", ""},
		{"age thresholds in hours", map[string]any{"path": dump}, "~:24", "~:48", result.Warn, "", "age in hours outside (warn ~:24, crit ~:48)"},
		{"min_size", map[string]any{"path": empty, "min_size": 1}, "", "", result.Crit, "", "smaller than 1 B"},
		{"max_size", map[string]any{"path": dump, "max_size": "1M"}, "", "", result.Crit, "", "larger than 1.0 MiB"},
		{"mode exact", map[string]any{"path": dump, "mode": "0640"}, "", "", result.OK, "", "0640"},
		{"mode wrong", map[string]any{"path": empty, "mode": "0640"}, "", "", result.Crit, "", "mode 0666, want 0640"},
		{"mode_max", map[string]any{"path": empty, "mode_max": "644"}, "", "", result.Crit, "", "mode 0666 allows more than 0644"},
		{"owner by name", map[string]any{"path": dump, "owner": u.Username}, "", "", result.OK, "", ""},
		{"owner by uid", map[string]any{"path": dump, "owner": uid}, "", "", result.OK, "", ""},
		{"owner wrong", map[string]any{"path": dump, "owner": "oracle"}, "", "", result.Crit, "", "want oracle"},
		{"type directory", map[string]any{"path": sub, "type": "directory"}, "", "", result.OK, "", ""},
		{"type file but dir", map[string]any{"path": sub, "type": "file"}, "", "", result.Crit, "", "is a directory, want regular file"},
		{"symlink followed", map[string]any{"path": link, "mode": "0640", "type": "file"}, "", "", result.OK, "", "3.0 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := checktest.One(t, prEval(t, "file", &inspect.Spec{Params: c.params, Warn: c.warn, Crit: c.crit}))
			if r.Status != c.want || r.Reason != c.reason || !strings.Contains(r.Message, c.msg) {
				t.Fatalf("got %s %q %q; want %s %q containing %q", r.Status, r.Reason, r.Message, c.want, c.reason, c.msg)
			}
			if (r.Status == result.Warn || r.Status == result.Crit) && r.Advice == "" {
				t.Errorf("no advice")
			}
		})
	}
	r := checktest.One(t, prEval(t, "file", &inspect.Spec{Params: map[string]any{"path": dump}}))
	if r.Value == nil || *r.Value < 29.9 || *r.Value > 30.1 || r.Unit != "h" {
		t.Errorf("age value %v %q, want about 30 h", checktest.Deref(r.Value), r.Unit)
	}
}

func TestFileSeveralPathsAndHostileNames(t *testing.T) {
	dir := t.TempDir()
	const canary = "hcops-pwned"
	os.Remove(canary)
	t.Cleanup(func() { os.Remove(canary) })
	var paths []any
	for _, n := range []string{"it's", "$(touch " + canary + ")", "`touch " + canary + "`", "new\nline", "a b*", "-rf"} {
		p := filepath.Join(dir, n)
		os.WriteFile(p, []byte("x"), 0o600)
		paths = append(paths, p)
	}
	rs := prEval(t, "file", &inspect.Spec{Params: map[string]any{"paths": paths, "mode": "0600"}})
	if len(rs) != len(paths) {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs {
		if r.Status != result.OK || r.Item != paths[i] {
			t.Errorf("%q: %s %q", paths[i], r.Status, r.Message)
		}
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a path was executed by the shell")
	}
}

// TestFileFallbackWithoutStat runs the collector where stat -c fails (old
// or minimal systems), so the ls/date fallback is what the check reads.
func TestFileFallbackWithoutStat(t *testing.T) {
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "stat"), []byte("#!/bin/sh\necho 'stat: invalid option -- c' >&2\nexit 1\n"), 0o755)
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	dir := t.TempDir()
	p := filepath.Join(dir, "backup.tar")
	os.WriteFile(p, make([]byte, 2048), 0o640)
	os.Chmod(p, 0o750|os.ModeSetgid)
	old := time.Now().Add(-5 * time.Hour)
	os.Chtimes(p, old, old)
	u, _ := user.Current()
	r := checktest.One(t, prEval(t, "file", &inspect.Spec{Params: map[string]any{"path": p, "mode": "2750", "owner": u.Username, "min_size": "2K", "warn_age": "4h"}}))
	if r.Status != result.Warn || !strings.Contains(r.Message, "2.0 KiB, modified 5h") || !strings.Contains(r.Message, "2750") {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}

func TestParseFileOutput(t *testing.T) {
	out := strings.Join([]string{
		"@@HCOPS_NOW 1764400000",
		"@@HCOPS_FILE 0 STAT 1234 1764396400 640 0 0 root root regular file",
		"@@HCOPS_FILE 1 ABSENT",
		// busybox fallback style
		"@@HCOPS_FILE 2 LSN -rwsr-x--T    1 0        994        512 Nov 29 05:00 /x",
		"@@HCOPS_FILE 2 LS -rwsr-x--T    1 root     zabbix     512 Nov 29 05:00 /x",
		"@@HCOPS_FILE 2 MTIME 1764390000",
		"@@HCOPS_FILE 3 STAT garbage",
		"@@HCOPS_FILE 9 STAT 1 1 644 0 0 a b regular file", // index out of range: ignored
		"noise",
	}, "\n")
	now, fs := ParseFileOutput(out, 5)
	if now != 1764400000 {
		t.Errorf("now %d", now)
	}
	if f := fs[0]; !f.Exists || f.Size != 1234 || f.MTime != 1764396400 || f.Mode != 0o640 || f.User != "root" || f.Type != "regular file" {
		t.Errorf("stat: %+v", f)
	}
	if f := fs[1]; f.Exists || !f.Parsed {
		t.Errorf("absent: %+v", f)
	}
	if f := fs[2]; !f.Exists || f.Size != 512 || f.Mode != 0o4750|0o1000 || f.UID != "0" || f.GID != "994" || f.Group != "zabbix" || f.MTime != 1764390000 {
		t.Errorf("ls: %+v mode %o", f, f.Mode)
	}
	if f := fs[3]; f.Parsed || !strings.Contains(f.ParseProblem, "unexpected stat output") {
		t.Errorf("garbage: %+v", f)
	}
	if f := fs[4]; f.Parsed || f.ParseProblem == "" {
		t.Errorf("no output: %+v", f)
	}
}

func TestFileUnknownOnBadOutput(t *testing.T) {
	spec := &inspect.Spec{Name: "f", Type: "file", Params: map[string]any{"path": "/x"}}
	env := &inspect.Env{Spec: spec, Section: &inspect.Section{Stdout: "sh: stat: not found\n"}, Now: time.Now()}
	r := checktest.One(t, fileCheck{}.Evaluate(t.Context(), env))
	if r.Status != result.Unknown || !strings.Contains(r.Message, "/x: could not read the file's details") {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}

func TestFileBadParams(t *testing.T) {
	for _, p := range []map[string]any{{}, {"path": "/x", "state": "gone"}, {"path": "/x", "mode": 640}, {"path": "/x", "mode": "rw"}, {"path": "/x", "max_age": "old"}, {"path": "/x", "min_size": "big"}, {"path": "/x", "type": "link"}, {"paht": "/x"}} {
		if err := (fileCheck{}).Validate(&inspect.Spec{Name: "f", Params: p}); err == nil {
			t.Errorf("%v accepted", p)
		}
	}
}

func BenchmarkParseFileOutput(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("@@HCOPS_NOW 1764400000\n")
	for i := 0; i < 20; i++ {
		sb.WriteString("@@HCOPS_FILE " + strconv.Itoa(i) + " STAT 1234 1764396400 640 0 0 root root regular file\n")
	}
	out := sb.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, fs := ParseFileOutput(out, 20); !fs[19].Exists {
			b.Fatal("parse")
		}
	}
}
