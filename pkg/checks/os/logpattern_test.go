package os

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// syslogLine writes a syslog-format line (host local time, as rsyslog does)
// at now-ago.
func syslogLine(ago time.Duration, msg string) string {
	return time.Now().Add(-ago).Local().Format("Jan _2 15:04:05") + " his-db01 " + msg + "\n"
}

func writeLog(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "messages")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// evalLog runs the log-pattern check on this machine with env.Since = since.
func evalLog(t *testing.T, spec *inspect.Spec, since time.Time) result.Result {
	t.Helper()
	spec.Type, spec.Name = "log-pattern", "log-errors"
	c := logPatternCheck{}
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	a := &inventory.Asset{Name: "localhost"}
	env := &inspect.Env{Spec: spec, Asset: a, Thresholds: th, Now: time.Now(), Since: since}
	env.Section = checktest.RunSnippet(t, c, spec, a)
	return checktest.One(t, c.Evaluate(context.Background(), env))
}

func TestLogPatternWindow(t *testing.T) {
	p := writeLog(t,
		syslogLine(50*time.Hour, "kernel: EXT4-fs error (device sda1): old news"),
		syslogLine(30*time.Hour, "kernel: EXT4-fs error (device sda1): yesterday"),
		syslogLine(3*time.Hour, "sshd[811]: Accepted publickey for root"),
		syslogLine(2*time.Hour, "kernel: EXT4-fs error (device sda1): first"),
		syslogLine(90*time.Minute, "kernel: Out of memory: Killed process 4242 (java)"),
		syslogLine(30*time.Minute, "kernel: EXT4-fs error (device sda1): last"),
		"    continuation line of the last error\n",
	)
	pattern := "error|Out of memory"
	// Since the last run, 24 h ago: the three recent matches, and the
	// continuation line, which takes the time of the line before it.
	r := evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": pattern}}, time.Now().Add(-24*time.Hour))
	if r.Status != result.Warn || *r.Value != 4 || !strings.Contains(r.Message, p+": 4 line(s) match /error|Out of memory/ since ") {
		t.Fatalf("since last run: %s %v %q", r.Status, checktest.Deref(r.Value), r.Message)
	}
	if !strings.Contains(r.Evidence, "Killed process 4242") || strings.Contains(r.Evidence, "yesterday") || r.Advice == "" {
		t.Fatalf("evidence %q", r.Evidence)
	}
	// Since the last run, one hour ago.
	r = evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": pattern}}, time.Now().Add(-time.Hour))
	if *r.Value != 2 {
		t.Fatalf("1h: %v %q", checktest.Deref(r.Value), r.Message)
	}
	// An explicit window wins over the last run.
	r = evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": pattern, "window": "36h"}, Warn: "~:5", Crit: "~:10"}, time.Now().Add(-time.Hour))
	if r.Status != result.OK || *r.Value != 5 {
		t.Fatalf("36h window: %s %v %q", r.Status, checktest.Deref(r.Value), r.Message)
	}
	// ignore and ignore_case.
	r = evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "ERROR|out of memory", "ignore_case": true, "ignore": "sda1\\): first"}}, time.Now().Add(-24*time.Hour))
	if *r.Value != 3 {
		t.Fatalf("ignore: %v %q", checktest.Deref(r.Value), r.Message)
	}
	r = evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "segfault"}}, time.Now().Add(-24*time.Hour))
	if r.Status != result.OK || *r.Value != 0 || r.Evidence != "" {
		t.Fatalf("no match: %s %v %q", r.Status, checktest.Deref(r.Value), r.Evidence)
	}
}

func TestLogPatternBoundedRead(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(syslogLine(time.Hour, "app: ERROR at the very start"))
	for sb.Len() < 200_000 {
		sb.WriteString(syslogLine(time.Hour, "app: all fine, nothing to see here"))
	}
	sb.WriteString(syslogLine(time.Minute, "app: ERROR near the end"))
	p := writeLog(t, sb.String())
	r := evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "ERROR", "max_bytes": "64K"}}, time.Now().Add(-24*time.Hour))
	if *r.Value != 1 || !strings.Contains(r.Message, "only the last 64.0 KiB of ") {
		t.Fatalf("%v %q", checktest.Deref(r.Value), r.Message)
	}
}

func TestLogPatternManyMatchesIsALowerBound(t *testing.T) {
	var lines []string
	for i := 0; i < logShipLines+50; i++ {
		lines = append(lines, syslogLine(time.Minute, fmt.Sprintf("sshd: Failed password for root from 10.0.0.%d", i%250)))
	}
	p := writeLog(t, lines...)
	r := evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "Failed password", "sample": 3}, Crit: "~:100"}, time.Now().Add(-24*time.Hour))
	if r.Status != result.Crit || !strings.Contains(r.Message, fmt.Sprintf("at least %d line(s) match", logShipLines)) {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
	if n := strings.Count(r.Evidence, "\n") + 1; n != 3 {
		t.Fatalf("sample has %d lines, want 3", n)
	}
}

func TestLogPatternWithoutTimestamps(t *testing.T) {
	p := writeLog(t, "ORA-00600: internal error\nfine\nORA-07445: exception\n")
	r := evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "ORA-[0-9]+"}}, time.Now().Add(-time.Hour))
	if *r.Value != 2 || !strings.Contains(r.Message, "no timestamps recognised") {
		t.Fatalf("%v %q", checktest.Deref(r.Value), r.Message)
	}
}

func TestLogPatternMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.log")
	r := evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "x"}}, time.Now())
	if r.Status != result.Unknown || r.Reason != "missing" || !strings.Contains(r.Message, "does not exist") {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
	r = evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "x", "missing": "ok"}}, time.Now())
	if r.Status != result.OK {
		t.Fatalf("missing ok: %s", r.Status)
	}
}

func TestLogPatternHostileValuesArriveLiterally(t *testing.T) {
	const canary = "hcops-pwned"
	os.Remove(canary)
	t.Cleanup(func() { os.Remove(canary) })
	dir := t.TempDir()
	p := filepath.Join(dir, "it's $(touch "+canary+") `touch "+canary+"`.log")
	os.WriteFile(p, []byte(syslogLine(time.Minute, "app: it's $(touch "+canary+") and `id`")), 0o644)
	pattern := `it's \$\(touch ` + canary + `\) and ` + "`id`"
	r := evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": pattern, "ignore": "'; touch " + canary + "; '"}}, time.Now().Add(-time.Hour))
	if r.Value == nil || *r.Value != 1 {
		t.Fatalf("%v %q", checktest.Deref(r.Value), r.Message)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a value was executed by the shell")
	}
}

// TestLogPatternJournal checks the journal pipeline. This machine has no
// running journald, so a stand-in journalctl (a shell script printing
// short-iso lines and recording its arguments) is put first on PATH; it is
// the only fake in these tests.
func TestLogPatternJournal(t *testing.T) {
	bin := t.TempDir()
	argsFile := filepath.Join(bin, "args")
	now := time.Now()
	iso := func(ago time.Duration) string { return now.Add(-ago).Format("2006-01-02T15:04:05-0700") }
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + inspect.ShellQuote(argsFile) + "\ncat <<'EOF'\n" +
		iso(3*time.Hour) + " his-db01 postgres[99]: FATAL: too many connections\n" +
		iso(20*time.Minute) + " his-db01 postgres[99]: FATAL: password authentication failed\n" +
		iso(10*time.Minute) + " his-db01 postgres[99]: LOG: checkpoint complete\n" +
		"EOF\n"
	os.WriteFile(filepath.Join(bin, "journalctl"), []byte(script), 0o755)
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))

	r := evalLog(t, &inspect.Spec{Params: map[string]any{"unit": "postgresql@15-main.service", "pattern": "FATAL"}}, now.Add(-time.Hour))
	if *r.Value != 1 || r.Item != "journal:postgresql@15-main.service" || !strings.Contains(r.Evidence, "password authentication failed") {
		t.Fatalf("%v %q %q", checktest.Deref(r.Value), r.Item, r.Evidence)
	}
	args, _ := os.ReadFile(argsFile)
	a := string(args)
	if !strings.Contains(a, "-u\npostgresql@15-main.service\n") || !strings.Contains(a, "--since\n") || !strings.Contains(a, "short-iso") {
		t.Fatalf("journalctl arguments:\n%s", a)
	}
	// The --since value is an absolute local time 26 h back.
	lines := strings.Split(a, "\n")
	for i, l := range lines {
		if l == "--since" && i+1 < len(lines) {
			ts, err := time.ParseInLocation("2006-01-02 15:04:05", lines[i+1], time.Local)
			if err != nil || ts.Sub(now.Add(-logJournalLookback)).Abs() > time.Minute {
				t.Fatalf("--since %q (%v)", lines[i+1], err)
			}
		}
	}
	// A start older than the lookback is reported.
	r = evalLog(t, &inspect.Spec{Params: map[string]any{"journal": true, "pattern": "FATAL"}}, now.Add(-72*time.Hour))
	if !strings.Contains(r.Message, "the journal was searched for the last 26h only") {
		t.Fatalf("%q", r.Message)
	}
}

func TestLogPatternNoJournal(t *testing.T) {
	env := &inspect.Env{Spec: &inspect.Spec{Name: "j", Params: map[string]any{"journal": true, "pattern": "x"}}, Section: &inspect.Section{Stdout: "@@HCOPS_LOG NOW 1 TZ +0800\n@@HCOPS_LOG NOJOURNAL\n"}, Now: time.Now()}
	r := checktest.One(t, logPatternCheck{}.Evaluate(context.Background(), env))
	if r.Status != result.Unknown || r.Reason != "tool-missing" {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}

func TestParseLogOutputCannotBeForged(t *testing.T) {
	out := "@@HCOPS_LOG NOW 1764400000 TZ +0800\n@@HCOPS_LOG SIZE 99\n@@HCOPS_LOG COUNT 2\nNov 29 05:00:00 h app: @@HCOPS_LOG COUNT 0\n@@HCOPS_LOG MISSING\n"
	o := ParseLogOutput(out)
	if !o.HasCount || o.Count != 2 || len(o.Lines) != 2 || o.Missing || o.Size != 99 || o.Zone.String() != "+0800" {
		t.Fatalf("%+v", o)
	}
	if o := ParseLogOutput("grep: not found\n"); o.HasCount {
		t.Fatalf("count from garbage: %+v", o)
	}
}

func TestLogLineTime(t *testing.T) {
	cst := time.FixedZone("+0800", 8*3600)
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, cst)
	cases := []struct {
		line string
		want time.Time
		ok   bool
	}{
		{"Jan  2 09:30:00 host kernel: x", time.Date(2026, 1, 2, 9, 30, 0, 0, cst), true},
		{"Dec 31 23:59:59 host kernel: x", time.Date(2025, 12, 31, 23, 59, 59, 0, cst), true}, // last year's line
		{"<13>Jan  2 09:30:00 host x", time.Date(2026, 1, 2, 9, 30, 0, 0, cst), true},
		{"2026-01-02T09:30:00+0800 host x", time.Date(2026, 1, 2, 9, 30, 0, 0, cst), true},
		{"2026-01-02T01:30:00Z host x", time.Date(2026, 1, 2, 1, 30, 0, 0, time.UTC), true},
		{"2026-01-02 09:30:00,123 ERROR [main] x", time.Date(2026, 1, 2, 9, 30, 0, 0, cst), true},
		{"2026-01-02T09:30:00.5+08:00 x", time.Date(2026, 1, 2, 9, 30, 0, 0, cst), true},
		{"2026/01/02 09:30:00 [error] 1#1: x", time.Date(2026, 1, 2, 9, 30, 0, 0, cst), true},
		{`10.0.0.1 - - [02/Jan/2026:09:30:00 +0800] "GET / HTTP/1.1" 500 1`, time.Date(2026, 1, 2, 9, 30, 0, 0, cst), true},
		{"ORA-00600: internal error", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, c := range cases {
		got, ok := LogLineTime(c.line, cst, now)
		if ok != c.ok || (ok && !got.Equal(c.want)) {
			t.Errorf("%q: %v %v, want %v %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

func TestLogPatternBadParams(t *testing.T) {
	for _, p := range []map[string]any{{"pattern": "x"}, {"path": "/x"}, {"path": "/x", "unit": "a", "pattern": "x"}, {"path": "/x", "pattern": "("}, {"path": "/x", "pattern": "x", "sample": 500}, {"path": "/x", "pattern": "x", "max_bytes": "lots"}, {"path": "/x", "pattern": "x", "missing": "maybe"}, {"path": "/x", "pattern": "x", "windwo": "1h"}} {
		if err := (logPatternCheck{}).Validate(&inspect.Spec{Name: "l", Params: p}); err == nil {
			t.Errorf("%v accepted", p)
		}
	}
}

func BenchmarkLogPatternEvaluate(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("@@HCOPS_LOG NOW 1764400000 TZ +0800\n@@HCOPS_LOG SIZE 4000000\n@@HCOPS_LOG COUNT 300\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&sb, "Nov 29 %02d:%02d:00 his-db01 kernel: EXT4-fs error (device sda1): block %d\n", i/60, i%60, i)
	}
	spec := &inspect.Spec{Name: "l", Type: "log-pattern", Params: map[string]any{"path": "/var/log/messages", "pattern": "error"}}
	env := &inspect.Env{Spec: spec, Section: &inspect.Section{Stdout: sb.String()}, Now: time.Unix(1764400000, 0), Since: time.Unix(1764400000-86400, 0)}
	b.ReportAllocs()
	for b.Loop() {
		if r := (logPatternCheck{}).Evaluate(context.Background(), env); r[0].Value == nil {
			b.Fatal("no value")
		}
	}
}

// TestLogPatternCapturedSyslog runs the collector over a real syslog excerpt
// (kernel OOM-killer lines from an Ubuntu host, see the file's header) kept
// in testdata/log-pattern.
func TestLogPatternCapturedSyslog(t *testing.T) {
	raw, err := os.ReadFile("testdata/log-pattern/ubuntu-droplet__kernel-log-oom-killer.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(raw), "# ---- captured output below (verbatim unless a note says otherwise) ----\n")
	if !ok {
		t.Fatal("sample has no captured-output marker")
	}
	p := writeLog(t, body)
	// The sample is from a 15 May: a window of 400 days always covers it
	// (the year is inferred as the latest 15 May not in the future).
	r := evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "Out of memory: Killed process", "window": "400d", "sample": 2}, Crit: "~:0"}, time.Now())
	if r.Status != result.Crit || r.Value == nil || *r.Value != 4 {
		t.Fatalf("%s %v %q", r.Status, checktest.Deref(r.Value), r.Message)
	}
	if !strings.HasSuffix(r.Evidence, "Killed process 15934 ((resolved)) total-vm:168424kB, anon-rss:4064kB, file-rss:3584kB, shmem-rss:0kB") {
		t.Fatalf("evidence %q", r.Evidence)
	}
	// Since the last run a day ago: none of these old lines count (unless
	// today happens to be the 15 or 16 May).
	if ts, _ := LogLineTime("May 15 23:09:30 x", time.Local, time.Now()); time.Since(ts) < 48*time.Hour {
		return
	}
	r = evalLog(t, &inspect.Spec{Params: map[string]any{"path": p, "pattern": "Out of memory"}}, time.Now().Add(-24*time.Hour))
	if r.Status != result.OK || *r.Value != 0 {
		t.Fatalf("last day: %s %v %q", r.Status, checktest.Deref(r.Value), r.Message)
	}
}
