package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	htmltemplate "html/template"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/waiver"
	"github.com/xuri/excelize/v2"
)

// Messages as the baseline checks write them (a code and its arguments);
// registered here because the checks' own catalogue is not this package's.
func init() {
	i18n.Register(map[string]i18n.Msg{
		"test.rbl.ok":          {ZH: "符合：%s", EN: "compliant: %s"},
		"test.rbl.max_days":    {ZH: "%s 中 PASS_MAX_DAYS 为 %d，要求 ≤ 90", EN: "in %s, PASS_MAX_DAYS is %d; required ≤ 90"},
		"test.rbl.no_mfa":      {ZH: "sshd 未配置 AuthenticationMethods，仅口令或密钥单因素登录", EN: "sshd has no AuthenticationMethods: one factor only"},
		"test.rbl.retention":   {ZH: "logrotate 仅保留 %d 周日志，要求不少于 26 周", EN: "logrotate keeps %d weeks of logs; at least 26 required"},
		"test.rbl.faillock":    {ZH: "使用 pam_faillock，pam_tally2 不适用", EN: "pam_faillock is in use; pam_tally2 does not apply"},
		"test.rbl.unreadable":  {ZH: "无法读取 /etc/shadow（需要 root 权限）", EN: "/etc/shadow could not be read (root required)"},
		"test.rbl.adv.maxdays": {ZH: "%s：sed -i 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS 90/' /etc/login.defs", EN: "%s: sed -i 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS 90/' /etc/login.defs"},
		"test.rbl.adv.mfa":     {ZH: "经堡垒机登录并限制 sshd 来源地址，或启用 AuthenticationMethods publickey,password", EN: "log in through the bastion and restrict sshd to it, or require AuthenticationMethods publickey,password"},
		"test.rbl.adv.logrot":  {ZH: "在 /etc/logrotate.conf 设置 rotate 26（每周轮转）", EN: "set rotate 26 (weekly) in /etc/logrotate.conf"},
	})
}

// baselineAssets are the hosts of the seeded history: Kylin, UOS and
// CentOS hosts of the rhis system, a PACS host that cannot be reached, and
// a host with a hostile name.
func baselineAssets() []*inventory.Asset {
	return []*inventory.Asset{
		{Name: "rhis-app-01", Kind: "host", Address: "10.1.1.21", System: "rhis", OS: inventory.OS{Family: "kylin", Version: "V10 SP2"}},
		{Name: "rhis-app-02", Kind: "host", Address: "10.1.1.22", System: "rhis", OS: inventory.OS{Family: "uos", Version: "20"}},
		{Name: "rhis-db-01", Kind: "host", Address: "10.1.1.11", System: "rhis", OS: inventory.OS{Family: "centos", Version: "7.9"}},
		{Name: "pacs-01", Kind: "host", Address: "10.1.2.11", System: "pacs", OS: inventory.OS{Family: "centos", Version: "7.9"}},
		{Name: hostileAsset, Kind: "host", Address: "10.9.9.9", System: "lab", OS: inventory.OS{Family: "ubuntu", Version: "22.04"}},
	}
}

// baselineResults is one host's results of the mlps3-linux playbook, as
// the contract says: one result per rule, Item the rule ID; on every host
// ia-password-expiry is partial (with the host's own value), the second
// factor and log retention fail, pam_tally2 does not apply; rhis-db-01
// could not read /etc/shadow.
func baselineResults(host string, maxDays int, at time.Time) []result.Result {
	var out []result.Result
	for i, rule := range baseline.Rules() {
		r := result.Result{Asset: host, Check: "mlps-" + rule.ID, Type: "baseline", Item: rule.ID, Playbook: baseline.Playbook,
			Status: result.OK, StartedAt: at.Add(time.Duration(i) * time.Millisecond)}
		r.SetMessage(i18n.EN, "test.rbl.ok", rule.ID)
		r.Evidence = "/etc/login.defs: PASS_MIN_DAYS 7\n(read " + at.Format(time.RFC3339) + ")"
		switch rule.ID {
		case "ia-password-expiry":
			r.Status = result.Warn
			r.SetMessage(i18n.EN, "test.rbl.max_days", "/etc/login.defs", maxDays)
			r.SetAdvice(i18n.EN, "test.rbl.adv.maxdays", host)
			r.Evidence = "/etc/login.defs: PASS_MAX_DAYS " + itoa(maxDays) + "\n(read " + at.Format(time.RFC3339) + ")"
		case "ia-multi-factor":
			r.Status = result.Crit
			r.SetMessage(i18n.EN, "test.rbl.no_mfa")
			r.SetAdvice(i18n.EN, "test.rbl.adv.mfa")
			r.Evidence = "sshd -T: authenticationmethods any"
		case "au-log-retention":
			r.Status = result.Crit
			r.SetMessage(i18n.EN, "test.rbl.retention", 4)
			r.SetAdvice(i18n.EN, "test.rbl.adv.logrot")
			r.Evidence = "/etc/logrotate.conf: weekly\n/etc/logrotate.conf: rotate 4"
		case "ia-lockout-tally2":
			r.Reason = result.ReasonNotApplicable
			r.SetMessage(i18n.EN, "test.rbl.faillock")
		case "ia-empty-password":
			if host == "rhis-db-01" {
				r.Status, r.Reason = result.Unknown, "not-readable"
				r.SetMessage(i18n.EN, "test.rbl.unreadable")
				r.Evidence = ""
			}
		}
		out = append(out, r)
	}
	return out
}

// seedBaseline writes two mlps3-linux inspections and a linux-daily one
// into a fresh store: the first (11-20) checked every host, the second
// (11-28) all but rhis-app-02, and pacs-01 could not be reached in it.
func seedBaseline(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seedBaselineInto(t, db)
	return db
}

// seedBaselineInto writes seedBaseline's history into db.
func seedBaselineInto(t testing.TB, db store.History) {
	t.Helper()
	ctx := context.Background()
	assets := baselineAssets()
	snap, _ := json.Marshal(assets)
	write := func(at time.Time, playbook string, rs []result.Result) {
		run := &result.Run{Kind: result.KindInspect, StartedAt: at, Operator: "ops", RanFrom: "jump-01", Playbooks: []string{playbook}, Assets: len(assets)}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		for i := range rs {
			for _, a := range assets {
				if a.Name == rs[i].Asset {
					rs[i].System = a.System
				}
			}
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSnapshot(ctx, run.ID, snap); err != nil {
			t.Fatal(err)
		}
		run.FinishedAt = at.Add(2 * time.Minute)
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	first := time.Date(2026, 11, 20, 9, 0, 0, 0, cst)
	var rs []result.Result
	for _, a := range assets {
		rs = append(rs, baselineResults(a.Name, 99999, first)...)
	}
	write(first, baseline.Playbook, rs)

	second := time.Date(2026, 11, 28, 9, 0, 0, 0, cst)
	rs = nil
	for i, name := range []string{"rhis-app-01", "rhis-db-01", hostileAsset} {
		rs = append(rs, baselineResults(name, 180+i, second)...)
	}
	// The hostile host's record and evidence try to run in every format.
	for i := range rs {
		if rs[i].Asset == hostileAsset && rs[i].Item == "ac-sudoers" {
			rs[i].Status = result.Crit
			rs[i].SetText(hostileMsg)
			rs[i].Evidence = "<script>alert(1)</script>\n=HYPERLINK(\"http://x\")"
			rs[i].Advice = "=cmd|' /C calc'!A0"
		}
	}
	un := result.Result{Asset: "pacs-01", Check: connectCheck, Type: connectCheck, Playbook: baseline.Playbook, Status: result.Unreachable,
		Reason: result.ReasonTimeout, StartedAt: second}
	un.SetText("ssh 10.1.2.11:22: i/o timeout")
	rs = append(rs, un)
	write(second, baseline.Playbook, rs)

	// A later daily inspection is not a baseline: it changes nothing.
	write(second.Add(24*time.Hour), "linux-daily", []result.Result{{Asset: "rhis-app-01", Check: "load", Type: "load", Playbook: "linux-daily", Status: result.Crit}})
}

const testWaivers = `waivers:
  - rule: ia-multi-factor
    selector: system=rhis
    justification: 双因素认证由云堡垒机（USB-Key + 口令）实现
    compensating_control: sshd 仅接受堡垒机 10.1.0.5 的连接
    approver: 王强
    expires: 2027-06-30
  - clause: L3-CES1-14
    assets: [rhis-app-01]
    justification: 日志由日志审计系统集中留存
    compensating_control: 日志审计系统留存 180 天
    approver: 王强
    expires: 2026-11-28
`

func testWaiverSet(t testing.TB) *waiver.Set {
	t.Helper()
	set, err := waiver.Parse("waivers.yaml", []byte(testWaivers), BaselineCatalogue(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func buildTestBaseline(t testing.TB, lang string, sel *inventory.Selector) *BaselineReport {
	t.Helper()
	db := seedBaseline(t)
	rep, err := BuildBaseline(context.Background(), db, sel, time.Time{}, testWaiverSet(t), testOpts(lang))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestBaselineReport(t *testing.T) {
	rep := buildTestBaseline(t, i18n.ZH, nil)
	rules := baseline.Rules()
	hosts := map[string]*BaselineHost{}
	var names []string
	for i := range rep.Hosts {
		hosts[rep.Hosts[i].Name] = &rep.Hosts[i]
		names = append(names, rep.Hosts[i].Name)
	}
	// Every host that had a baseline inspection, in natural order, each from
	// its own latest run.
	if strings.Join(names, ",") != strings.Join([]string{hostileAsset, "pacs-01", "rhis-app-01", "rhis-app-02", "rhis-db-01"}, ",") {
		t.Fatalf("hosts %v", names)
	}
	if h := hosts["rhis-app-02"]; h.RunID != 1 || !h.InspectedAt.Equal(time.Date(2026, 11, 20, 9, 0, 0, 0, cst)) || h.OS != "uos 20" {
		t.Errorf("rhis-app-02 comes from the first run: %+v", h)
	}
	if h := hosts["rhis-app-01"]; h.RunID != 2 || h.Address != "10.1.1.21" || h.System != "rhis" || h.OS != "kylin V10 SP2" {
		t.Errorf("rhis-app-01 comes from the second run: run %d %s %s %s", h.RunID, h.Address, h.System, h.OS)
	}
	if rep.RuleCount != len(rules) || len(rep.RuleRows) != len(rules) || strings.Join(int64s(rep.Runs), ",") != "1,2" {
		t.Errorf("rules %d, rows %d, runs %v", rep.RuleCount, len(rep.RuleRows), rep.Runs)
	}
	for _, h := range rep.Hosts {
		if len(h.Items) != len(rules) {
			t.Fatalf("%s: %d items, want every rule (%d)", h.Name, len(h.Items), len(rules))
		}
		for i, it := range h.Items {
			if it.Rule != rules[i].ID || it.No != i+1 || it.Clause != rules[i].Clause || it.TestUnit != rules[i].TestUnit ||
				it.Title != i18n.T(i18n.ZH, "baseline.rule."+it.Rule+".title") || it.Requirement != i18n.T(i18n.ZH, "baseline.rule."+it.Rule+".req") {
				t.Fatalf("%s item %d: %+v", h.Name, i, it)
			}
		}
	}
	item := func(host, rule string) BaselineItem {
		for _, it := range hosts[host].Items {
			if it.Rule == rule {
				return it
			}
		}
		t.Fatalf("%s has no %s", host, rule)
		return BaselineItem{}
	}

	// The record is the check's message in the report's language, with
	// this host's own value; the evidence and the advice come with it.
	it := item("rhis-app-01", "ia-password-expiry")
	if it.Verdict != baseline.Partial || it.Record != "/etc/login.defs 中 PASS_MAX_DAYS 为 180，要求 ≤ 90" ||
		!strings.Contains(it.Evidence, "PASS_MAX_DAYS 180") || !strings.HasPrefix(it.Advice, "rhis-app-01：sed -i") {
		t.Errorf("password expiry: %+v", it)
	}
	if it := item("rhis-app-02", "ia-password-expiry"); it.Record != "/etc/login.defs 中 PASS_MAX_DAYS 为 99999，要求 ≤ 90" {
		t.Errorf("rhis-app-02 shows its own, older run: %q", it.Record)
	}
	if it := item("rhis-app-01", "ia-lockout-tally2"); it.Verdict != baseline.NotApplicable || it.Advice != "" {
		t.Errorf("tally2 on a faillock host: %+v", it)
	}
	if it := item("rhis-app-01", "ia-empty-password"); it.Verdict != baseline.Pass || it.Advice != "" {
		t.Errorf("a compliant item: %+v", it)
	}
	if it := item("rhis-db-01", "ia-empty-password"); it.Verdict != baseline.NotChecked || it.Record != "无法读取 /etc/shadow（需要 root 权限）" {
		t.Errorf("unreadable: %+v", it)
	}

	// Waivers: the second factor is waived on the rhis hosts only, and shown
	// as waived with its justification, never as compliant.
	for _, h := range []string{"rhis-app-01", "rhis-app-02", "rhis-db-01"} {
		it := item(h, "ia-multi-factor")
		if !it.Waived || it.Verdict != baseline.Fail || it.Shown() != Waived || it.Waiver != 1 ||
			it.WaiverNote != "已豁免（豁免第 1 条）：双因素认证由云堡垒机（USB-Key + 口令）实现；有效期至 2027年6月30日" {
			t.Errorf("%s mfa: %+v", h, it)
		}
	}
	if it := item(hostileAsset, "ia-multi-factor"); it.Waived || it.Verdict != baseline.Fail || it.WaiverNote != "" {
		t.Errorf("the waiver's selector does not pick the lab host: %+v", it)
	}
	// The log-retention waiver expired on 11-28 (the report is made on
	// 11-29): the finding resurfaces, and says which waiver expired.
	if it := item("rhis-app-01", "au-log-retention"); it.Waived || it.Shown() != baseline.Fail || it.Waiver != 2 ||
		it.WaiverNote != "豁免第 2 条已于 2026年11月28日 到期，按实际结果计入" {
		t.Errorf("expired waiver: %+v", it)
	}
	zh := func(k string) string { return i18n.T(i18n.ZH, k) }
	if w := rep.WaiverList; len(w) != 2 || !w[0].Active || w[0].Covered != 3 || w[0].Title != zh("baseline.rule.ia-multi-factor.title") ||
		w[1].Title != zh("baseline.rule.au-log-retention.title")+"、"+zh("baseline.rule.au-log-forward.title") ||
		w[1].Active || w[1].Covered != 0 || w[1].Resurfaced != 1 || w[1].Target != "L3-CES1-14" {
		t.Errorf("waiver appendix %+v", w)
	}

	// The unreachable host: every item not checked, with the reason.
	p := hosts["pacs-01"]
	if p.Reachable || p.Note != "ssh 10.1.2.11:22: i/o timeout" || p.Counts.NotChecked != len(rules) || p.Counts.Total != len(rules) {
		t.Errorf("unreachable host %+v", p.Counts)
	}
	if it := item("pacs-01", "au-auditd"); it.Verdict != baseline.NotChecked || it.Record != "主机无法连接，未能采集" {
		t.Errorf("unreachable item %+v", it)
	}

	// Counts add up: per host, per rule, per section and in total.
	var sum BaselineCounts
	for _, h := range rep.Hosts {
		c := h.Counts
		if c.Pass+c.Partial+c.Fail+c.Waived+c.NotApplicable+c.NotChecked != c.Total || c.Total != len(rules) {
			t.Errorf("%s counts %+v", h.Name, c)
		}
		sum.Total += c.Total
		sum.Waived += c.Waived
		sum.Fail += c.Fail
	}
	if rep.Totals.Total != 5*len(rules) || rep.Totals.Total != sum.Total || rep.Totals.Waived != 3 || rep.Totals.Fail != sum.Fail {
		t.Errorf("totals %+v", rep.Totals)
	}
	secTotal := 0
	for _, s := range rep.Sections {
		secTotal += s.Counts.Total
	}
	if secTotal != rep.Totals.Total || rep.Sections[0].Title != "身份鉴别" || rep.Sections[0].Verdict != baseline.Fail {
		t.Errorf("sections %+v", rep.Sections)
	}
	for _, r := range rep.RuleRows {
		if r.Rule == "ia-multi-factor" && (r.Counts.Waived != 3 || r.Counts.Fail != 1 || r.Counts.NotChecked != 1 || r.Verdict != baseline.Fail) {
			t.Errorf("mfa row %+v", r)
		}
	}

	// Findings across hosts: the same finding on several hosts is one line.
	var expiry, retention, mfaWaived *BaselineFinding
	for i := range rep.Findings {
		f := &rep.Findings[i]
		switch {
		case f.Rule == "ia-password-expiry" && f.Verdict == baseline.Partial:
			if expiry != nil {
				t.Errorf("password expiry split over two lines: %v and %v", expiry.Hosts, f.Hosts)
			}
			expiry = f
		case f.Rule == "au-log-retention" && f.Verdict == baseline.Fail:
			retention = f
		case f.Rule == "ia-multi-factor" && f.Waived:
			mfaWaived = f
		}
	}
	// The unreachable host is no finding: the conclusion names it.
	for _, f := range rep.Findings {
		if slicesContains(f.Hosts, "pacs-01") {
			t.Errorf("finding %d names the unreachable host", f.No)
		}
	}
	if !strings.Contains(rep.Conclusion, "其中 1 台主机最近一次核查时无法连接（pacs-01）") {
		t.Errorf("conclusion does not name the unreachable host: %s", rep.Conclusion)
	}
	if expiry == nil || len(expiry.Hosts) != 4 || expiry.Example != hostileAsset || expiry.Verdict != baseline.Partial {
		t.Errorf("password expiry finding %+v", expiry)
	}
	if retention == nil || len(retention.Hosts) != 4 || retention.Example != "" || retention.Record != "logrotate 仅保留 4 周日志，要求不少于 26 周" {
		t.Errorf("log retention finding %+v", retention)
	}
	if mfaWaived == nil || strings.Join(mfaWaived.Hosts, ",") != "rhis-app-01,rhis-app-02,rhis-db-01" || mfaWaived.Waiver != 1 {
		t.Errorf("waived mfa finding %+v", mfaWaived)
	}
	// 不符合 first, then 部分符合, then 未检查, then the waived ones.
	last := -1
	for _, f := range rep.Findings {
		r := map[baseline.Verdict]int{baseline.Fail: 0, baseline.Partial: 1, baseline.NotChecked: 2}[f.Verdict]
		if f.Waived {
			r = 3
		}
		if r < last {
			t.Errorf("finding %d (%s %s) out of order", f.No, f.Rule, f.Verdict)
		}
		last = r
	}

	if !strings.HasPrefix(rep.CountLine, "本次核查主机 5 台、基线要求 ") || !strings.Contains(rep.Conclusion, "已豁免 3 项") ||
		!strings.Contains(rep.Conclusion, "1 条豁免已过期") || !strings.HasPrefix(rep.Conclusion, "存在不符合项 ") {
		t.Errorf("count line %q\nconclusion %q", rep.CountLine, rep.Conclusion)
	}
	if rep.Header.Title != "信息系统安全等级保护（三级）主机安全基线核查报告" || rep.Header.ReportNo != "JXHC-20261128-2" ||
		rep.Period != "2026年11月20日 至 2026年11月28日" || rep.Waivers != "waivers.yaml" {
		t.Errorf("header %+v, period %q", rep.Header, rep.Period)
	}
}

// A selector keeps the hosts it picks; a history without baseline results
// (or none for the selection) is ErrNoResults.
func TestBaselineSelectionAndNoResults(t *testing.T) {
	sel, err := inventory.ParseExpr("system=rhis,os.family!=uos")
	if err != nil {
		t.Fatal(err)
	}
	rep := buildTestBaseline(t, i18n.EN, sel)
	var names []string
	for _, h := range rep.Hosts {
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != "rhis-app-01,rhis-db-01" || rep.Filter != "system=rhis,os.family!=uos" {
		t.Errorf("selected %v (filter %q)", names, rep.Filter)
	}
	db := seedBaseline(t)
	none, _ := inventory.ParseExpr("system=nosuch")
	if _, err := BuildBaseline(context.Background(), db, none, time.Time{}, nil, testOpts(i18n.EN)); !errors.Is(err, ErrNoResults) {
		t.Errorf("empty selection: %v", err)
	}
	daily, _ := seedDaily(t)
	if _, err := BuildBaseline(context.Background(), daily, nil, time.Time{}, nil, testOpts(i18n.EN)); !errors.Is(err, ErrNoResults) {
		t.Errorf("no baseline inspection: %v", err)
	}
}

// Without waivers nothing is waived and the report says no file was used.
func TestBaselineWithoutWaivers(t *testing.T) {
	db := seedBaseline(t)
	rep, err := BuildBaseline(context.Background(), db, nil, time.Time{}, nil, testOpts(i18n.EN))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Waived != 0 || len(rep.WaiverList) != 0 || rep.Waivers != "" || !slicesContains(rep.Notes, "No waiver file was used: every result counts as found.") {
		t.Errorf("totals %+v, notes %v", rep.Totals, rep.Notes)
	}
	if rep.Conclusion != "9 item(s) non-compliant on 4 host(s): remedy them as advised and check again. 4 item(s) partially compliant on 4 host(s): harden them at the same time. 42 item(s) could not be checked on 2 host(s) and cannot count as compliant: restore the collection and check again. 1 host(s) could not be reached at their latest check (pacs-01): restore the connection and check them again." {
		t.Errorf("conclusion %q", rep.Conclusion)
	}
}

// Every format renders, in one language at a time, with no raw catalogue
// key, and hostile host output is inert.
func TestBaselineRenderFormats(t *testing.T) {
	han := regexp.MustCompile(`\p{Han}`)
	for _, lang := range []string{i18n.ZH, i18n.EN} {
		rep := buildTestBaseline(t, lang, nil)
		for _, format := range []string{FormatHTML, FormatMD, FormatJSON, FormatXLSX, FormatDOCX} {
			var buf bytes.Buffer
			if err := Render(&buf, format, rep, ""); err != nil {
				t.Fatalf("%s %s: %v", lang, format, err)
			}
			if format == FormatXLSX || format == FormatDOCX {
				continue
			}
			out := buf.String()
			if m := regexp.MustCompile(`\b(rbl|baseline|report)\.[a-z_]+\.[a-z_.-]+`).FindString(out); m != "" && format != FormatJSON {
				t.Errorf("%s %s: raw key %q", lang, format, m)
			}
			if format == FormatMD { // fenced evidence is shown as written, never run
				out = regexp.MustCompile("(?s)```text\n.*?\n```").ReplaceAllString(out, "")
			}
			if regexp.MustCompile(`(^|[^\\])<(script|img)`).MatchString(out) {
				t.Errorf("%s %s: hostile text not escaped", lang, format)
			}
			if lang == i18n.EN && format != FormatJSON {
				// The Chinese in an English report is the site's client,
				// the test waivers' own text, and the test host's record.
				stripped := out
				for _, s := range []string{testSite().Client, testSite().Name, "双因素认证由云堡垒机（USB-Key + 口令）实现", "sshd 仅接受堡垒机 10.1.0.5 的连接", "日志由日志审计系统集中留存", "日志审计系统留存 180 天", "王强", "张伟", "李娜"} {
					stripped = strings.ReplaceAll(stripped, s, "")
					stripped = strings.ReplaceAll(stripped, mdEscape(s), "")
					stripped = strings.ReplaceAll(stripped, strings.ReplaceAll(htmltemplate.HTMLEscapeString(s), "+", "&#43;"), "")
				}
				if m := han.FindString(stripped); m != "" {
					i := strings.Index(stripped, m)
					t.Errorf("%s: Chinese in the English report: %q", format, stripped[max(0, i-80):min(len(stripped), i+80)])
				}
			}
		}
	}
}

func TestBaselineHTMLAndMarkdown(t *testing.T) {
	rep := buildTestBaseline(t, i18n.ZH, nil)
	var h, m bytes.Buffer
	if err := Render(&h, FormatHTML, rep, ""); err != nil {
		t.Fatal(err)
	}
	if err := Render(&m, FormatMD, rep, ""); err != nil {
		t.Fatal(err)
	}
	html, md := h.String(), m.String()
	for _, want := range []string{
		"<h1>信息系统安全等级保护（三级）主机安全基线核查报告</h1>",
		"<th>测评项</th><th>测评要求</th><th>结果记录</th><th>符合情况</th>",
		`<span class="vd vd-waived">已豁免</span>`,
		"附录：基线豁免清单",
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"<summary>证据</summary>",
		"8.1.4.1 身份鉴别",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// Each host has its own checklist with a row per rule.
	if n := strings.Count(html, `<div class="host"`); n != 5 {
		t.Errorf("%d host checklists in HTML", n)
	}
	for _, want := range []string{
		"# 信息系统安全等级保护（三级）主机安全基线核查报告",
		"| 序号 | 测评项 | 测评要求 | 结果记录 | 符合情况 |",
		"```text\n/etc/login.defs: PASS_MAX_DAYS 180",
		`\<script\>`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

func TestBaselineKeysTranslated(t *testing.T) {
	re := regexp.MustCompile(`"((?:rbl|waiver)\.[a-z0-9_.-]+)"`)
	files := []string{"baseline.go", "xlsx_baseline.go", "templates/baseline.html.tmpl", "templates/baseline.md.tmpl",
		filepath.Join("..", "waiver", "waiver.go"), filepath.Join("..", "..", "cmd", "hcops", "cmd_report_baseline.go")}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen++
			if msg, ok := i18n.Keys()[m[1]]; !ok || msg.ZH == "" || msg.EN == "" {
				t.Errorf("%s: key %q missing or untranslated", f, m[1])
			}
		}
	}
	if seen < 80 {
		t.Errorf("only %d keys found", seen)
	}
}

func int64s(v []int64) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = itoa(int(x))
	}
	return out
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestBaselineXLSX(t *testing.T) {
	rep := buildTestBaseline(t, i18n.ZH, nil)
	var buf bytes.Buffer
	if err := Render(&buf, FormatXLSX, rep, ""); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "概况,不符合项,测评项汇总,核查记录,豁免清单" {
		t.Fatalf("sheets %s", got)
	}
	rows, err := f.GetRows("核查记录")
	if err != nil {
		t.Fatal(err)
	}
	// One long checklist with a host column: every host × every rule.
	if len(rows) != 1+5*len(baseline.Rules()) {
		t.Fatalf("%d checklist rows, want %d", len(rows), 1+5*len(baseline.Rules()))
	}
	if got := strings.Join(rows[0], ","); got != "序号,主机,地址,应用系统,操作系统,安全控制点,条款,测评单元,测评项,测评要求,结果记录,符合情况,实测符合情况,豁免说明,整改建议,证据（采集内容）,采集时间,规则编号" {
		t.Errorf("checklist header %s", got)
	}
	found := map[string]bool{}
	for _, r := range rows[1:] {
		for len(r) < 18 {
			r = append(r, "")
		}
		switch {
		case r[1] == "rhis-app-01" && r[17] == "ia-multi-factor":
			found["waived"] = true
			if r[11] != "已豁免" || r[12] != "不符合" || !strings.Contains(r[13], "豁免第 1 条") || r[6] != "8.1.4.1 d)" || r[7] != "L3-CES1-04" || r[5] != "8.1.4.1 身份鉴别" {
				t.Errorf("waived row %q", r)
			}
		case r[1] == "rhis-app-01" && r[17] == "ia-password-expiry":
			found["partial"] = true
			if r[11] != "部分符合" || !strings.Contains(r[15], "PASS_MAX_DAYS 180") || r[2] != "10.1.1.21" || r[4] != "kylin V10 SP2" {
				t.Errorf("partial row %q", r)
			}
		case r[1] == hostileAsset && r[17] == "ac-sudoers":
			found["hostile"] = true
			// Text that a spreadsheet would run is shown as text.
			if !strings.HasPrefix(r[10], "'=cmd") || !strings.HasPrefix(r[14], "'=cmd") {
				t.Errorf("hostile row %q", r)
			}
		}
	}
	if len(found) != 3 {
		t.Errorf("rows found: %v", found)
	}
	// Nothing in the workbook is a formula.
	for _, sh := range f.GetSheetList() {
		rs, _ := f.GetRows(sh)
		for i, r := range rs {
			for j := range r {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if fm, _ := f.GetCellFormula(sh, cell); fm != "" {
					t.Errorf("%s!%s is a formula: %s", sh, cell, fm)
				}
			}
		}
	}
	// The assessor filters the checklist and scrolls with the header kept.
	panes, err := f.GetPanes("核查记录")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v %v", panes, err)
	}
	w, _ := f.GetRows("豁免清单")
	if len(w) != 3 || w[1][1] != "ia-multi-factor" || w[1][8] != "有效" || w[2][8] != "已过期" || w[2][7] != "2026-11-28" {
		t.Errorf("waivers sheet %q", w)
	}
}

// The report as an assessor prints it: A4 pages, one checklist per host.
// HCOPS_REPORT_SHOTS=dir keeps the PDF and PNG to look at.
func TestBaselineChromium(t *testing.T) {
	rep := buildTestBaseline(t, i18n.ZH, nil)
	var buf bytes.Buffer
	if err := Render(&buf, FormatHTML, rep, ""); err != nil {
		t.Fatal(err)
	}
	pdf, png := renderChromium(t, "baseline-zh", buf.Bytes(), true)
	b, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF: %v", pdf, err)
	}
	// Summary and findings, then a page break before each of the 5 hosts.
	if n := len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(b, -1)); n < 6 {
		t.Errorf("PDF has %d pages, want at least 6", n)
	}
	p, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(p, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s is not a PNG: %v", png, err)
	}
}

// The README's waiver example is a valid waiver file for the real
// catalogue, so a user who copies it starts from something that loads.
func TestREADMEWaiverExample(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "**Waivers / 豁免.**")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	block, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no waiver example")
	}
	set, err := waiver.Parse("README.md", []byte(block), BaselineCatalogue(), nil)
	if err != nil {
		t.Fatalf("the README's waiver example does not load: %v", err)
	}
	if len(set.Waivers) != 1 || set.Waivers[0].Rule != "ia-multi-factor" {
		t.Errorf("%+v", set.Waivers)
	}
}

// A check that failed as a whole on a host (the host timed out, the
// script died) gives no per-rule results: its rules show that failure,
// found through the check name other hosts' results give them; a rule
// whose check did answer elsewhere but not here is missing.
func TestBaselineCheckFailedAsAWhole(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, cst)
	full := baselineResults("rhis-app-01", 99999, at)
	var partial []result.Result
	for _, r := range baselineResults("rhis-app-02", 99999, at) {
		switch r.Item {
		case "ia-empty-password":
			r.Item, r.Status, r.Reason, r.Evidence = "", result.Unknown, result.ReasonTimeout, ""
			r.SetText("rhis-app-02: the host did not finish within 1m0s")
		case "ia-uid0-unique":
			continue
		}
		partial = append(partial, r)
	}
	in := &BaselineInput{Hosts: []BaselineHostInput{
		{Asset: &inventory.Asset{Name: "rhis-app-01"}, RunID: 1, At: at, Results: full},
		{Asset: &inventory.Asset{Name: "rhis-app-02"}, RunID: 1, At: at, Results: partial},
	}}
	rep := NewBaseline(in, testOpts(i18n.EN))
	h := rep.Hosts[1]
	if it := h.Items[0]; it.Rule != "ia-empty-password" || it.Verdict != baseline.NotChecked ||
		it.Record != "check mlps-ia-empty-password did not complete, so this item was not checked: rhis-app-02: the host did not finish within 1m0s" {
		t.Errorf("failed check: %+v", it)
	}
	if it := h.Items[1]; it.Rule != "ia-uid0-unique" || it.Verdict != baseline.NotChecked ||
		it.Record != "the inspection has no result for this item (an older playbook, or the check did not run)" {
		t.Errorf("missing rule: %+v", it)
	}
	if h.Counts.NotChecked != 2 || !h.Reachable || slicesContains(rep.Notes, "1 result(s) belong to no rule of the current catalogue (a newer or older playbook) and are not in the checklists.") {
		t.Errorf("counts %+v, notes %v", h.Counts, rep.Notes)
	}
}

// A waiver's selector is matched against the inventory as it is now: a
// host moved out of the waived system since its inspection is no longer
// waived; a host no longer in the inventory is not reported.
func TestBaselineWaiverMatchesCurrentInventory(t *testing.T) {
	inv, err := inventory.LoadBytes("inventory.yaml", []byte(`systems:
  - {name: rhis}
  - {name: lis}
assets:
  - {name: rhis-app-01, kind: host, address: 10.1.1.21, system: rhis}
  - {name: rhis-app-02, kind: host, address: 10.1.1.22, system: lis}
`))
	if err != nil {
		t.Fatal(err)
	}
	o := testOpts(i18n.ZH)
	o.Inventory = inv
	rep, err := BuildBaseline(context.Background(), seedBaseline(t), nil, time.Time{}, testWaiverSet(t), o)
	if err != nil {
		t.Fatal(err)
	}
	waived := map[string]bool{}
	for _, h := range rep.Hosts {
		for _, it := range h.Items {
			if it.Rule == "ia-multi-factor" {
				waived[h.Name] = it.Waived
			}
		}
	}
	if len(waived) != 2 || !waived["rhis-app-01"] || waived["rhis-app-02"] {
		t.Errorf("waived %v: rhis-app-02 is in lis now", waived)
	}
	// Hosts the register no longer has are left out, and named.
	want := "3 台主机有历史核查结果但已不在资产清单中（" + hostileAsset + "、pacs-01、rhis-db-01），未列入本报告。"
	if !slicesContains(rep.Notes, want) {
		t.Errorf("notes %q lack %q", rep.Notes, want)
	}
	// A selection names only the retired hosts it would have picked.
	sel, _ := inventory.ParseExpr("system=rhis")
	rep, err = BuildBaseline(context.Background(), seedBaseline(t), sel, time.Time{}, testWaiverSet(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1 台主机有历史核查结果但已不在资产清单中（rhis-db-01），未列入本报告。"; !slicesContains(rep.Notes, want) || len(rep.Hosts) != 1 {
		t.Errorf("selected: %d hosts, notes %q lack %q", len(rep.Hosts), rep.Notes, want)
	}
}

// The checklist as it stood on a day: each host's latest baseline run
// started before then.
func TestBaselineAsOf(t *testing.T) {
	db := seedBaseline(t)
	rep, err := BuildBaseline(context.Background(), db, nil, time.Date(2026, 11, 25, 0, 0, 0, 0, cst), nil, testOpts(i18n.ZH))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Hosts) != 5 || strings.Join(int64s(rep.Runs), ",") != "1" {
		t.Fatalf("%d hosts from runs %v", len(rep.Hosts), rep.Runs)
	}
	for _, h := range rep.Hosts {
		if !h.Reachable || h.RunID != 1 || len(h.Items) != len(baseline.Rules()) {
			t.Errorf("%s: run %d reachable %v", h.Name, h.RunID, h.Reachable)
		}
		if h.Name == "rhis-app-01" && h.Items[3].Record != "/etc/login.defs 中 PASS_MAX_DAYS 为 99999，要求 ≤ 90" {
			t.Errorf("rhis-app-01 as of 11-25: %q", h.Items[3].Record)
		}
	}
	// Waivers are judged on that day: the log-retention waiver (until
	// 11-28) still held on 11-24.
	rep, err = BuildBaseline(context.Background(), db, nil, time.Date(2026, 11, 25, 0, 0, 0, 0, cst), testWaiverSet(t), testOpts(i18n.ZH))
	if err != nil {
		t.Fatal(err)
	}
	if w := rep.WaiverList; len(w) != 2 || !w[1].Active || w[1].Covered != 1 {
		t.Errorf("waivers as of 11-24: %+v", w)
	}
	// As of the second run's day, the same as the latest.
	rep, err = BuildBaseline(context.Background(), db, nil, time.Date(2026, 11, 29, 0, 0, 0, 0, cst), nil, testOpts(i18n.ZH))
	if err != nil || strings.Join(int64s(rep.Runs), ",") != "1,2" {
		t.Fatalf("as of 11-29: %v %v", rep, err)
	}
	if _, err := BuildBaseline(context.Background(), db, nil, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), nil, testOpts(i18n.ZH)); !errors.Is(err, ErrNoResults) {
		t.Errorf("before any baseline run: %v", err)
	}
}
