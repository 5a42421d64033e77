package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/report"
	"github.com/cyhealth/hcops/pkg/result"
)

const baselineInventory = `systems:
  - {name: rhis}
assets:
  - {name: rhis-app-01, kind: host, system: rhis, address: 10.1.1.21, os: {family: kylin, version: V10}}
  - {name: rhis-app-02, kind: host, system: rhis, address: 10.1.1.22, os: {family: uos, version: "20"}}
  - {name: rhis-db-01, kind: host, system: rhis, address: 10.1.1.11, os: {family: centos, version: "7.9"}}
`

const baselineWaivers = `waivers:
  - rule: ia-multi-factor
    selector: system=rhis
    justification: 双因素认证由云堡垒机实现
    compensating_control: sshd 仅接受堡垒机 10.1.0.5 的连接
    approver: 王强
    expires: 2099-12-31
`

// baselineCLI runs hcops with the inventory and history of dir, without
// --lang unless args give it.
func baselineCLI(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	root := newRootCmd(ios)
	root.SetArgs(append([]string{"--inventory", filepath.Join(dir, "inventory.yaml"), "--db", filepath.Join(dir, "history.db")}, args...))
	err := root.ExecuteContext(context.Background())
	if err != nil {
		if _, ok := err.(*exitStatusError); !ok {
			errOut.WriteString("hcops: " + err.Error() + "\n")
		}
	}
	return exitCode(err), out.String(), errOut.String()
}

// seedBaselineRun stores one mlps3-linux inspection of the three hosts as
// the contract says (one result per rule, Item the rule ID): the second
// factor fails everywhere, the rest passes.
func seedBaselineRun(t *testing.T, e *historyEnv) {
	t.Helper()
	db := e.open(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	var rs []result.Result
	for _, host := range []string{"rhis-app-01", "rhis-app-02", "rhis-db-01"} {
		for _, rule := range baseline.Rules() {
			r := result.Result{Asset: host, System: "rhis", Check: "mlps-" + rule.ID, Type: "baseline", Item: rule.ID,
				Playbook: baseline.Playbook, Status: result.OK, StartedAt: at, Evidence: "sshd -T: permitemptypasswords no"}
			r.SetText("checked " + rule.ID)
			if rule.ID == "ia-multi-factor" {
				r.Status = result.Crit
				r.SetText("sshd accepts a password alone")
				r.Evidence = "sshd -T: authenticationmethods any"
			}
			rs = append(rs, r)
		}
	}
	run := seedHistoryRun(t, db, result.KindInspect, at, result.RunCompleted, rs...)
	if run.ID == 0 {
		t.Fatal("no run stored")
	}
	db.Close()
}

func TestReportBaselineCLI(t *testing.T) {
	e := newHistoryEnv(t)
	t.Setenv("LANG", "en_US.UTF-8")
	t.Setenv("HCOPS_LANG", "")
	dir := e.dir
	if err := os.WriteFile(filepath.Join(dir, "inventory.yaml"), []byte(baselineInventory), 0o644); err != nil {
		t.Fatal(err)
	}

	// Nothing inspected yet: exit 3, naming the command to run.
	code, _, errOut := baselineCLI(t, dir, "report", "baseline")
	if code != ExitUnknown || !strings.Contains(errOut, "run hcops inspect --playbook mlps3-linux first") {
		t.Fatalf("empty history: %d %s", code, errOut)
	}

	seedBaselineRun(t, e)
	if err := os.WriteFile(filepath.Join(dir, "waivers.yaml"), []byte(baselineWaivers), 0o600); err != nil {
		t.Fatal(err)
	}

	// In Chinese by default, whatever LANG says; the waiver file beside
	// the inventory is read without being named.
	code, out, errOut := baselineCLI(t, dir, "report", "baseline", "--format", "json", "--out", "-")
	if code != 0 {
		t.Fatalf("report: %d %s", code, errOut)
	}
	var rep report.BaselineReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Header.Lang != "zh" || rep.Header.Title != "信息系统安全等级保护（三级）主机安全基线核查报告" || len(rep.Hosts) != 3 {
		t.Fatalf("header %+v, %d hosts", rep.Header, len(rep.Hosts))
	}
	if rep.Waivers != filepath.Join(dir, "waivers.yaml") || rep.Totals.Waived != 3 || rep.Totals.Fail != 0 {
		t.Errorf("waivers %q, totals %+v", rep.Waivers, rep.Totals)
	}
	for _, h := range rep.Hosts {
		if len(h.Items) != len(baseline.Rules()) || h.OS == "" {
			t.Errorf("%s: %d items, os %q", h.Name, len(h.Items), h.OS)
		}
	}

	if strings.Contains(errOut, "other users can change it") {
		t.Errorf("a 0600 waiver file is warned about: %s", errOut)
	}
	// A waiver file others can write is a way to hide findings: warned.
	os.Chmod(filepath.Join(dir, "waivers.yaml"), 0o666)
	_, _, errOut = baselineCLI(t, dir, "--lang", "en", "report", "baseline", "--format", "json", "--out", os.DevNull)
	if !strings.Contains(errOut, "waiver file "+filepath.Join(dir, "waivers.yaml")+" has mode 0666: other users can change it and so hide findings") {
		t.Errorf("writable waiver file not warned about: %s", errOut)
	}
	os.Chmod(filepath.Join(dir, "waivers.yaml"), 0o600)

	// --lang en gives the English report.
	code, out, _ = baselineCLI(t, dir, "--lang", "en", "report", "baseline", "--format", "md", "--out", "-")
	if code != 0 || !strings.HasPrefix(out, "# MLPS 2.0 level 3 host security baseline report") {
		t.Errorf("english: %d %.200s", code, out)
	}

	// The workbook an assessor filters: one checklist row per host and rule.
	xlsx := filepath.Join(dir, "out", "baseline.xlsx")
	os.MkdirAll(filepath.Dir(xlsx), 0o755)
	code, out, errOut = baselineCLI(t, dir, "report", "baseline", "-l", "system=rhis", "--format", "xlsx", "--out", xlsx)
	if code != 0 || strings.TrimSpace(out) != xlsx {
		t.Fatalf("xlsx: %d %q %s", code, out, errOut)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("核查记录")
	f.Close()
	if len(rows) != 1+3*len(baseline.Rules()) {
		t.Errorf("%d checklist rows", len(rows))
	}
	if st, err := os.Stat(xlsx); err != nil || st.Mode().Perm()&0o007 != 0 {
		t.Errorf("report file mode: %v %v", st.Mode(), err)
	}

	// --date: the checklist as it stood on a day; before any baseline run
	// there is none, and a date that is not one is a usage error.
	code, _, errOut = baselineCLI(t, dir, "--lang", "en", "report", "baseline", "--date", "2020-01-01")
	if code != ExitUnknown || !strings.Contains(errOut, "the history holds no mlps3-linux inspection up to 2020-01-01") {
		t.Errorf("--date before any run: %d %s", code, errOut)
	}
	code, out, errOut = baselineCLI(t, dir, "report", "baseline", "--date", time.Now().Format("2006-01-02"), "--format", "json", "--out", "-")
	if code != 0 || !strings.Contains(out, `"run_id": 1`) {
		t.Errorf("--date today: %d %s", code, errOut)
	}
	code, _, _ = baselineCLI(t, dir, "report", "baseline", "--date", "2026-13-01")
	if code != ExitUnknown {
		t.Errorf("bad --date: exit %d", code)
	}

	// A selection with no baseline results says so.
	code, _, errOut = baselineCLI(t, dir, "report", "baseline", "rhis-web-*")
	if code != ExitUnknown || !strings.Contains(errOut, "no mlps3-linux inspection for the selection") {
		t.Errorf("empty selection: %d %s", code, errOut)
	}

	// A malformed waiver file fails fast, naming file and line, and writes
	// no report.
	bad := strings.Replace(baselineWaivers, "expires: 2099-12-31", "expires: 2099-13-01", 1)
	bad = strings.Replace(bad, "approver:", "aprover:", 1)
	if err := os.WriteFile(filepath.Join(dir, "waivers.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(dir, "out", "bad.html")
	code, _, errOut = baselineCLI(t, dir, "report", "baseline", "--out", out2)
	w := filepath.Join(dir, "waivers.yaml")
	for _, want := range []string{
		"the waiver file " + w + " has problems; no report was written:",
		w + `:6:5: unknown key "aprover" (did you mean "approver"?)`,
		w + `:7:14: expiry date "2099-13-01" is not a date: write YYYY-MM-DD (e.g. 2027-06-30)`,
		"2 problem(s). Fix the waiver file and try again.",
	} {
		if code != ExitUnknown || !strings.Contains(errOut, want) {
			t.Errorf("bad waivers: exit %d, stderr lacks %q:\n%s", code, want, errOut)
		}
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a report was written despite the bad waiver file")
	}
	// In Chinese for a Chinese user.
	_, _, errOut = baselineCLI(t, dir, "--lang", "zh", "report", "baseline", "--out", out2)
	if !strings.Contains(errOut, w+`:7:14: 到期日 "2099-13-01" 不是有效日期`) {
		t.Errorf("bad waivers in Chinese:\n%s", errOut)
	}

	// A waiver file named on the command line must exist.
	code, _, errOut = baselineCLI(t, dir, "report", "baseline", "--waivers", filepath.Join(dir, "nosuch.yaml"))
	if code != ExitUnknown || !strings.Contains(errOut, "nosuch.yaml does not exist") {
		t.Errorf("missing --waivers: %d %s", code, errOut)
	}
}

// TestReportBaselineLocalEndToEnd runs the real mlps3-linux checks on this
// machine (no inventory: the local host), then writes the report from the
// history: every rule of the catalogue is in the checklist with a verdict,
// a record and the evidence read, in JSON and in Markdown.
func TestReportBaselineLocalEndToEnd(t *testing.T) {
	e := newHistoryEnv(t)
	t.Setenv("HCOPS_INVENTORY", "")
	code, _, errOut := e.hcops(t, "inspect", "--playbook", baseline.Playbook, "-o", "json")
	if code != ExitOK && code != ExitWarn && code != ExitCrit && code != ExitUnknown {
		t.Fatalf("inspect: exit %d\n%s", code, errOut)
	}
	code, out, errOut := e.hcops(t, "report", "baseline", "--format", "json", "--out", "-")
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, errOut)
	}
	var rep report.BaselineReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%.500s", err, out)
	}
	if len(rep.Hosts) != 1 || !rep.Hosts[0].Reachable || rep.Playbook != baseline.Playbook {
		t.Fatalf("hosts %+v", rep.Hosts)
	}
	h := rep.Hosts[0]
	valid := map[baseline.Verdict]bool{baseline.Pass: true, baseline.Partial: true, baseline.Fail: true, baseline.NotApplicable: true, baseline.NotChecked: true}
	rules := baseline.Rules()
	if len(h.Items) != len(rules) {
		t.Fatalf("%d items, want %d", len(h.Items), len(rules))
	}
	for i, it := range h.Items {
		if it.Rule != rules[i].ID || !valid[it.Verdict] || it.Record == "" || it.Evidence == "" || it.Check == "" ||
			it.Record == "the inspection has no result for this item (an older playbook, or the check did not run)" {
			t.Errorf("%s: verdict %q, record %q, evidence %q, check %q", rules[i].ID, it.Verdict, it.Record, it.Evidence, it.Check)
		}
		if (it.Verdict == baseline.Fail || it.Verdict == baseline.Partial) && it.Advice == "" {
			t.Errorf("%s: %s without remediation advice", it.Rule, it.Verdict)
		}
	}
	c := h.Counts
	if c.Total != len(rules) || c.Pass+c.Partial+c.Fail+c.NotApplicable+c.NotChecked != len(rules) {
		t.Errorf("counts %+v", c)
	}

	code, md, errOut := e.hcops(t, "report", "baseline", "--format", "md", "--out", "-")
	if code != 0 {
		t.Fatalf("report md: exit %d\n%s", code, errOut)
	}
	for _, r := range rules {
		if !strings.Contains(md, "(`"+r.ID+"`)") {
			t.Errorf("markdown lacks rule %s", r.ID)
		}
	}
	if n := strings.Count(md, "```text\n"); n < len(rules) {
		t.Errorf("markdown has %d evidence blocks, want one per rule (%d)", n, len(rules))
	}
}

// TestReportBaselineOverSSH inspects three hosts over a real sshd with the
// mlps3-linux playbook, and two that cannot be reached (one refuses, one
// hangs), then reports: the three hosts are the same machine, so every
// finding is one line naming all three, and the unreachable hosts are
// named in the conclusion with every item not checked.
func TestReportBaselineOverSSH(t *testing.T) {
	testenv.LookPath(t, "sshd")
	e := newInspectEnv(t, "")
	ctx := context.Background()
	code, out, errOut := e.hcops(ctx, t, "inspect", "--playbook", baseline.Playbook, "--identity", e.sshd.ClientKeyPath,
		"--known-hosts", e.sshd.KnownHostsPath, "--connect-timeout", "2s", "--host-timeout", "30s", "-o", "json")
	if code != ExitCrit && code != ExitUnknown { // findings, and down-01 and hung-01 cannot be reached
		t.Fatalf("inspect: exit %d\n%.2000s\n%s", code, out, errOut)
	}
	code, out, errOut = e.hcops(ctx, t, "report", "baseline", "--format", "json", "--out", "-")
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, errOut)
	}
	var rep report.BaselineReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%.500s", err, out)
	}
	reachable := map[string]bool{}
	for _, h := range rep.Hosts {
		reachable[h.Name] = h.Reachable
		if len(h.Items) != len(baseline.Rules()) {
			t.Errorf("%s: %d items", h.Name, len(h.Items))
		}
		if !h.Reachable && h.Counts.NotChecked != len(baseline.Rules()) {
			t.Errorf("%s unreachable but counts %+v", h.Name, h.Counts)
		}
	}
	if len(reachable) != 5 || !reachable["app-01"] || !reachable["app-02"] || !reachable["app-03"] || reachable["down-01"] || reachable["hung-01"] {
		t.Fatalf("hosts %v", reachable)
	}
	if len(rep.Findings) == 0 {
		t.Fatal("no finding: this machine is not hardened to MLPS level 3, so some must be found")
	}
	for _, f := range rep.Findings {
		if strings.Join(f.Hosts, ",") != "app-01,app-02,app-03" {
			t.Errorf("finding %d (%s %s): hosts %v, want the three inspected hosts on one line", f.No, f.Rule, f.Verdict, f.Hosts)
		}
	}
	if !strings.Contains(rep.Conclusion, "2 host(s) could not be reached at their latest check (down-01, hung-01)") {
		t.Errorf("conclusion %q", rep.Conclusion)
	}
}
