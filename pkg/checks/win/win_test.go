package win

import (
	"context"
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

// testChecks are this package's check types (checks.All imports this
// package, so its tests cannot use it).
var testChecks = inspect.Registry{
	"win-cpu":      CPU(),
	"win-memory":   Memory(),
	"win-disk":     Disk(),
	"win-service":  Service(),
	"win-eventlog": EventLog(),
	"win-uptime":   Uptime(),
	"win-reboot":   RebootPending(),
}

var (
	winNow   = time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	winSince = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
)

// capture returns a testdata sample after its header ("# ---- output
// below"), or a .raw file as it is.
func capture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".raw") {
		return string(b)
	}
	_, out, ok := strings.Cut(string(b), "# ---- output below\n")
	if !ok {
		t.Fatalf("%s: no '# ---- output below' line", name)
	}
	return out
}

// eval judges out with check type typ the way the runner does.
func eval(t *testing.T, typ, out string, spec *inspect.Spec, since time.Time, lang string) []result.Result {
	t.Helper()
	c := testChecks[typ]
	if spec == nil {
		spec = &inspect.Spec{Name: typ, Type: typ}
	}
	spec.Type = typ
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	env := &inspect.Env{Spec: spec, Asset: &inventory.Asset{Name: "ecg-app-01", OS: inventory.OS{Family: "windows"}},
		Thresholds: th, Section: &inspect.Section{Stdout: out}, Now: winNow, Since: since, Lang: lang}
	rs := c.Evaluate(context.Background(), env)
	if len(rs) == 0 {
		t.Fatalf("%s: no result", typ)
	}
	return rs
}

func TestCPU(t *testing.T) {
	r := checktest.One(t, eval(t, "win-cpu", capture(t, "cpu-2016.txt"), nil, winSince, "en"))
	if r.Status != result.OK || *r.Value != 35.5 || !strings.Contains(r.Message, "16 logical processors") {
		t.Errorf("2 sockets: %+v", r)
	}
	// No LoadPercentage: the performance counter's value, given as a
	// string, behind a BOM and a CRLF.
	r = checktest.One(t, eval(t, "win-cpu", capture(t, "cpu-noload-bom.raw"), nil, winSince, "zh"))
	if r.Status != result.Warn || *r.Value != 97 || r.Advice == "" || !checktest.HasHan(r.Message) {
		t.Errorf("busy, no LoadPercentage: %+v", r)
	}
	r = checktest.One(t, eval(t, "win-cpu", `{"load":140}`, nil, winSince, "en"))
	if r.Status != result.Unknown {
		t.Errorf("load 140%%: %+v", r)
	}
}

func TestMemory(t *testing.T) {
	r := checktest.One(t, eval(t, "win-memory", capture(t, "memory-2019.txt"), nil, winSince, "en"))
	// (16776720-1258291)/16776720 = 92.5 %: WARN by the default ~:90;
	// commit (25165348-2196012)/25165348 = 91.3 %.
	if r.Status != result.Warn || *r.Value != 92.5 {
		t.Errorf("memory: %+v", r)
	}
	if v, _ := checktest.Metric(r, "memory.commit"); v != 91.3 || !strings.Contains(r.Message, "commit charge 91.3%") {
		t.Errorf("commit: %v %q", v, r.Message)
	}
	spec := &inspect.Spec{Name: "mem", Warn: "~:95", Crit: "~:98", Params: map[string]any{"commit_warn": 95}}
	if r := checktest.One(t, eval(t, "win-memory", capture(t, "memory-2019.txt"), spec, winSince, "en")); r.Status != result.OK {
		t.Errorf("raised thresholds: %+v", r)
	}
	spec = &inspect.Spec{Name: "mem", Params: map[string]any{"comit_warn": 95}}
	if r := checktest.One(t, eval(t, "win-memory", capture(t, "memory-2019.txt"), spec, winSince, "en")); r.Status != result.Unknown || !strings.Contains(r.Message, "commit_warn") {
		t.Errorf("misspelt parameter: %+v", r)
	}
}

func TestDisk(t *testing.T) {
	rs := eval(t, "win-disk", capture(t, "disk-zh.txt"), nil, winSince, "zh")
	if len(rs) != 2 {
		t.Fatalf("want C: and D: (E: has no size), got %+v", rs)
	}
	c := checktest.ResultItem(t, rs, "C:")
	if c.Status != result.Warn || *c.Value != 92 || !strings.Contains(c.Advice, "C:") {
		t.Errorf("C: 92%% used: %+v", c)
	}
	d := checktest.ResultItem(t, rs, "D:")
	if d.Status != result.OK || *d.Value != 40 {
		t.Errorf("D: %+v", d)
	}
	checktest.WantChinese(t, rs)
	// One volume: an object, not an array.
	r := checktest.One(t, eval(t, "win-disk", capture(t, "disk-one.txt"), nil, winSince, "en"))
	if r.Item != "C:" || r.Status != result.Crit || *r.Value != 98 {
		t.Errorf("one volume: %+v", r)
	}
	spec := &inspect.Spec{Name: "disk", Params: map[string]any{"exclude_drives": []any{"c:"}}}
	rs = eval(t, "win-disk", capture(t, "disk-zh.txt"), spec, winSince, "en")
	if len(rs) != 1 || rs[0].Item != "D:" {
		t.Errorf("exclude_drives c: (any case): %+v", rs)
	}
}

func TestService(t *testing.T) {
	spec := &inspect.Spec{Name: "services", Params: map[string]any{"required": []any{"ECGService", "W3SVC", "EcgGateway"}}}
	r := checktest.One(t, eval(t, "win-service", capture(t, "service-zh.txt"), spec, winSince, "en"))
	if r.Status != result.Crit {
		t.Fatalf("required ECGService stopped: %+v", r)
	}
	for _, want := range []string{"1 required service(s) not running: ECGService (区域心电数据服务)", "not installed: EcgGateway", "; 1 more automatic service(s) not running: MSSQL$ECG"} {
		if !strings.Contains(r.Message, want) {
			t.Errorf("message lacks %q: %s", want, r.Message)
		}
	}
	// gupdate is on the default allow list, sppsvc and Dnscache are
	// trigger-start services.
	for _, not := range []string{"gupdate", "sppsvc", "Dnscache", "W3SVC"} {
		if strings.Contains(r.Message, not) {
			t.Errorf("message names %s: %s", not, r.Message)
		}
	}
	if !strings.Contains(r.Evidence, "ECGService\tStopped\tAuto\texit 1067") {
		t.Errorf("evidence: %q", r.Evidence)
	}
	spec = &inspect.Spec{Name: "services", Params: map[string]any{"allow_stopped": []any{"mssql$*"}, "include_trigger": true}}
	r = checktest.One(t, eval(t, "win-service", capture(t, "service-zh.txt"), spec, winSince, "zh"))
	if r.Status != result.Warn || strings.Contains(r.Message, "MSSQL") || !strings.Contains(r.Message, "Dnscache") || !strings.Contains(r.Message, "ECGService") {
		t.Errorf("allow_stopped, include_trigger: %+v", r)
	}
	checktest.WantChinese(t, []result.Result{r})
	r = checktest.One(t, eval(t, "win-service", `{"required":[],"services":null}`, nil, winSince, "en"))
	if r.Status != result.OK {
		t.Errorf("nothing stopped: %+v", r)
	}
}

func TestEventLog(t *testing.T) {
	r := checktest.One(t, eval(t, "win-eventlog", capture(t, "eventlog-zh.txt"), nil, winSince, "en"))
	// Since the last run: 3 x SCM 7031, 2 x Application Error 1000 and a
	// Kernel-Power 41; the DCOM 10016 is ignored, the 7000 is older.
	if r.Status != result.Crit || *r.Value != 6 {
		t.Fatalf("event log: %+v", r)
	}
	if !strings.Contains(r.Message, "5 error and 1 critical") || !strings.Contains(r.Message, "System Microsoft-Windows-Kernel-Power:41 ×1, System Service Control Manager:7031 ×3") {
		t.Errorf("message: %s", r.Message)
	}
	if strings.Contains(r.Evidence, "10016") || strings.Contains(r.Evidence, "older than") || !strings.Contains(r.Evidence, "EcgServer.exe") {
		t.Errorf("evidence: %s", r.Evidence)
	}
	// Never inspected before: the last 24 h (from 2026-12-06 03:00), the
	// same window here; a 2 h window keeps only the 01:10 event.
	spec := &inspect.Spec{Name: "ev", Params: map[string]any{"window": "2h"}}
	r = checktest.One(t, eval(t, "win-eventlog", capture(t, "eventlog-zh.txt"), spec, time.Time{}, "zh"))
	if r.Status != result.Warn || *r.Value != 1 {
		t.Errorf("2h window: %+v", r)
	}
	checktest.WantChinese(t, []result.Result{r})
	r = checktest.One(t, eval(t, "win-eventlog", capture(t, "eventlog-none.txt"), nil, winSince, "en"))
	if r.Status != result.OK || *r.Value != 0 {
		t.Errorf("none: %+v", r)
	}
	// Last inspected 30 days ago, but the collector read 7 days: counted
	// from 7 days ago, and said so.
	r = checktest.One(t, eval(t, "win-eventlog", capture(t, "eventlog-zh.txt"), nil, winNow.AddDate(0, 0, -30), "en"))
	if !strings.Contains(r.Message, "since "+winNow.AddDate(0, 0, -7).Local().Format("2006-01-02 15:04")) || *r.Value != 7 {
		t.Errorf("since the lookback: %+v", r)
	}
	spec = &inspect.Spec{Name: "ev", Params: map[string]any{"lookback": "1000d"}}
	if _, err := testChecks["win-eventlog"].(inspect.ParamsDecoder).DecodeParams(spec); err == nil {
		t.Errorf("lookback 1000d accepted")
	}
}

func TestUptime(t *testing.T) {
	r := checktest.One(t, eval(t, "win-uptime", capture(t, "uptime-2019.txt"), nil, winSince, "en"))
	if r.Status != result.OK || !strings.Contains(r.Message, "up 17d 0h") || !strings.Contains(r.Message, "build 17763") {
		t.Errorf("uptime: %+v", r)
	}
	// Booted 2026-12-07 01:00 UTC by the host's clock, after the last run.
	out := `{"boot":"2026-12-07T01:00:00.0000000Z","now":"2026-12-07T02:59:30.0000000Z"}`
	r = checktest.One(t, eval(t, "win-uptime", out, nil, winSince, "zh"))
	if r.Status != result.Warn || r.Reason != "rebooted" || r.Advice == "" {
		t.Errorf("rebooted: %+v", r)
	}
	checktest.WantChinese(t, []result.Result{r})
	// Never inspected: no reboot finding.
	if r := checktest.One(t, eval(t, "win-uptime", out, nil, time.Time{}, "en")); r.Status != result.OK {
		t.Errorf("first run: %+v", r)
	}
}

func TestRebootPending(t *testing.T) {
	r := checktest.One(t, eval(t, "win-reboot", capture(t, "reboot-pending.txt"), nil, winSince, "en"))
	if r.Status != result.Warn || !strings.Contains(r.Message, "RebootRequired") || !strings.Contains(r.Message, "PendingFileRenameOperations") || strings.Contains(r.Message, "CBS") {
		t.Errorf("pending: %+v", r)
	}
	spec := &inspect.Spec{Name: "reboot", Params: map[string]any{"file_renames": false}}
	r = checktest.One(t, eval(t, "win-reboot", capture(t, "reboot-pending.txt"), spec, winSince, "zh"))
	if r.Status != result.Warn || strings.Contains(r.Message, "PendingFileRename") {
		t.Errorf("file_renames false: %+v", r)
	}
	checktest.WantChinese(t, []result.Result{r})
	if r := checktest.One(t, eval(t, "win-reboot", capture(t, "reboot-none.txt"), nil, winSince, "en")); r.Status != result.OK {
		t.Errorf("none: %+v", r)
	}
}

// A collector that failed (PowerShell's localised error, no JSON), cut
// output, garbage and hostile JSON give UNKNOWN with the reason, never a
// panic or a verdict.
func TestBadOutput(t *testing.T) {
	wmi := capture(t, "wmi-error-zh.txt")
	for typ := range testChecks {
		for name, out := range map[string]string{
			"wmi error": wmi, "empty": "", "garbage": "\x00\xff@@HCOPS-\n{{{", "truncated json": `{"a":[1,2`,
			"wrong types": `{"load":"x","total_kb":[],"boot":5,"events":{"t":1},"services":"no","cbs":"maybe"}`,
			"array":       `[1,2,3]`,
		} {
			rs := eval(t, typ, out, nil, winSince, "en")
			for _, r := range rs {
				if r.Status != result.Unknown {
					t.Errorf("%s on %s: %+v", typ, name, r)
				}
				if r.Message == "" {
					t.Errorf("%s on %s: no message", typ, name)
				}
			}
			if name == "wmi error" && !strings.Contains(rs[0].Message, "Get-CimInstance : 无效类") {
				t.Errorf("%s: the PowerShell error is not in the message: %s", typ, rs[0].Message)
			}
		}
	}
	// No section at all (the batch died before it).
	env := &inspect.Env{Spec: &inspect.Spec{Name: "d", Type: "win-disk"}, Section: &inspect.Section{Missing: true}, Now: winNow}
	if r := checktest.One(t, Disk().Evaluate(context.Background(), env)); r.Status != result.Unknown || r.Reason != "no-output" {
		t.Errorf("missing section: %+v", r)
	}
}

// A Windows check on a Linux host is a configuration error the plan
// reports, not a probe that runs from here.
func TestLinuxHostRefused(t *testing.T) {
	for typ, c := range testChecks {
		s, err := c.Script(&inspect.Spec{Name: typ, Type: typ}, &inventory.Asset{Name: "his-app-01"})
		if s != "" || err == nil || !strings.Contains(err.Error(), "Windows hosts only") {
			t.Errorf("%s: %q %v", typ, s, err)
		}
		ps, err := c.(inspect.PowerShellScripter).PowerShellScript(&inspect.Spec{Name: typ, Type: typ}, &inventory.Asset{Name: "ecg-app-01"})
		if err != nil || !strings.HasPrefix(ps, "#hcops:"+typ+"\n") {
			t.Errorf("%s: PowerShell collector %q %v", typ, ps, err)
		}
	}
}

// Values from the playbook reach PowerShell single-quoted, with quotes
// doubled: a service name cannot end the string and run code.
func TestServiceNamesQuoted(t *testing.T) {
	spec := &inspect.Spec{Name: "s", Type: "win-service", Params: map[string]any{"required": []any{"a'b", "x’);Remove-Item C:\\ -Recurse;('"}}}
	ps, err := Service().(inspect.PowerShellScripter).PowerShellScript(spec, &inventory.Asset{Name: "w"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ps, `$q=@('a''b','x’’);Remove-Item C:\ -Recurse;(''')`) {
		t.Errorf("quoting: %s", ps)
	}
}
