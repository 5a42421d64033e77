package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/pkg/checks"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// The hardware report is fed by the real hardware checks: the outputs of
// ipmitool, smartctl, mdadm, storcli and multipath captured on real
// machines (pkg/checks/hw/testdata/hardware) go through the checks'
// parsers with the thresholds of the built-in hardware-monthly playbook,
// and their results are stored as an inspection would store them.

// hwAt is when the hardware run happened: the BMC event log fixture holds
// an event of 3 November 2021, inside the playbook's 31-day window.
var hwAt = time.Date(2021, 11, 20, 8, 0, 0, 0, cst)

func hwFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "checks", "hw", "testdata", "hardware", name))
	if err != nil {
		t.Fatal(err)
	}
	_, out, ok := strings.Cut(string(b), "captured output below (verbatim unless a note says otherwise) ----\n")
	if !ok {
		t.Fatalf("%s: no capture marker", name)
	}
	return out
}

// hwPlaybook is the built-in hardware-monthly playbook.
func hwPlaybook(t *testing.T) map[string]*inspect.Spec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "playbooks", "hardware-monthly.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := inspect.ParsePlaybook(checks.All(), "hardware-monthly.yaml", data, "hardware-monthly")
	if err != nil {
		t.Fatal(err)
	}
	specs := map[string]*inspect.Spec{}
	for i := range pb.Checks {
		specs[pb.Checks[i].Type] = &pb.Checks[i]
	}
	return specs
}

// hwRun evaluates the check of type typ on out as the runner would for
// asset, in lang.
func hwRun(t *testing.T, specs map[string]*inspect.Spec, asset, typ, out string) []result.Result {
	t.Helper()
	spec := specs[typ]
	if typ == "nic" {
		s := *spec
		s.Params = map[string]any{"interfaces": []any{"eth0"}}
		spec = &s
	}
	c, ok := checks.All().Lookup(typ)
	if !ok {
		t.Fatalf("no check type %q", typ)
	}
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	env := &inspect.Env{Spec: spec, Thresholds: th, Section: &inspect.Section{Stdout: out}, Now: hwAt, Since: hwAt.AddDate(0, 0, -31), Lang: "en"}
	rs := c.Evaluate(context.Background(), env)
	for i := range rs {
		rs[i].Asset, rs[i].Check, rs[i].Playbook = asset, spec.Name, "hardware-monthly"
	}
	return rs
}

func hwAssets() []*inventory.Asset {
	phys := map[string]string{"hardware": "physical"}
	return []*inventory.Asset{
		{Name: "yj-01", Kind: "host", Address: "10.1.1.50", System: "HIS", Labels: phys},
		{Name: "pm-02", Kind: "host", Address: "10.1.1.51", System: "PACS", Labels: phys},
		{Name: "pm-03", Kind: "host", Address: "10.1.1.52", System: "PACS", Labels: phys},
	}
}

// seedAppliance stores one hardware run: yj-01 (the appliance) with a
// failed power supply, a failing SATA disk, an NVMe disk out of spare, a
// RAID1 with a faulty member, ECC errors, a SAN LUN without paths and a NIC
// with errors; pm-02 healthy but without EDAC; pm-03 unreachable.
func seedAppliance(t *testing.T) (int64, *ApplianceReport, func(lang string) *ApplianceReport) {
	t.Helper()
	specs := hwPlaybook(t)
	var rs []result.Result
	add := func(asset, typ, out string) { rs = append(rs, hwRun(t, specs, asset, typ, out)...) }
	add("yj-01", "ipmi", "@@SDR\n"+hwFixture(t, "hp-proliant-dl360__ipmitool-sdr-elist-full-psu-failure.txt")+"@@SEL\n"+hwFixture(t, "hp-proliant-dl360__ipmitool-sel-list.txt"))
	add("yj-01", "smart", "@@DEV /dev/sda sat\n"+hwFixture(t, "hgst-travelstar-sata__smartctl-brief-healthy.txt")+"@@RC 0\n"+
		"@@DEV /dev/sdc sat\n"+hwFixture(t, "seagate-barracuda-7200.10__smartctl-a-failed.txt")+"@@RC 24\n"+
		"@@DEV /dev/nvme0 nvme\n"+hwFixture(t, "transcend-mte850-nvme__smartctl-nvme.txt")+"@@RC 0\n")
	add("yj-01", "raid", "@@MDSTAT\nmd1 : active raid1 sdb3[1] sda3[0](F)\n      41909248 blocks super 1.2 [2/1] [_U]\n\n@@MDADM /dev/md1\n"+
		hwFixture(t, "linux-raid1__mdadm-detail-active-degraded-faulty.txt"))
	add("yj-01", "edac", "mc0 12 0\nmc1 0 0\n")
	add("yj-01", "multipath", hwFixture(t, "emc-vnx-iscsi__multipath-ll-failed-faulty.txt"))
	add("yj-01", "nic", "eth0 1 up 1 10000 1000000 900000 0 0 10 0\neth2 1 up 1 10000 1000 1000 50 0 0 0\n")

	add("pm-02", "ipmi", "@@SDR\n"+hwFixture(t, "ibm-system-x__ipmitool-sdr.txt")+"@@SEL\n")
	add("pm-02", "smart", "@@DEV /dev/sda sat\n"+hwFixture(t, "hgst-travelstar-sata__smartctl-brief-healthy.txt")+"@@RC 0\n")
	add("pm-02", "raid", "@@MDSTAT\n"+hwFixture(t, "linux-raid1__proc-mdstat-resync.txt"))
	add("pm-02", "edac", "@@NOEDAC\n")
	add("pm-02", "multipath", hwFixture(t, "rocky-linux-iscsi-lio__multipath-ll-healthy.txt"))
	add("pm-02", "nic", "eth0 1 up 1 1000 1000000 900000 0 0 0 0\n")

	rs = append(rs, result.Result{Asset: "pm-03", Check: "connect", Type: "connect", Status: result.Unreachable, Reason: result.ReasonTimeout,
		Message: "pm-03: cannot connect (timeout): dial tcp 10.1.1.52:22: i/o timeout", Advice: "check power, network and sshd", Playbook: "hardware-monthly"})
	// A database result in the same run belongs to the database report.
	rs = append(rs, dbr("yj-01", "db-status", "status", result.OK, fv(86400), "s", "", "", "PostgreSQL 12.2, primary, up 1d", ""))

	db := openStore(t)
	id := seedRun(t, db, hwAt, []string{"hardware-monthly", "db-health"}, hwAssets(), rs)
	build := func(lang string) *ApplianceReport {
		got, err := FindApplianceRun(context.Background(), db, time.Time{}, cst, nil, nil)
		if err != nil || got != id {
			t.Fatalf("latest hardware run: %d %v, want %d", got, err, id)
		}
		a, err := BuildAppliance(context.Background(), db, id, nil, testOpts(lang))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	return id, build("zh"), build
}

func server(t *testing.T, a *ApplianceReport, name string) ApplianceServer {
	t.Helper()
	for _, s := range a.Servers {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no server %q", name)
	return ApplianceServer{}
}

func cell(s ApplianceServer, key string) ApplianceCell {
	for _, c := range s.Summary {
		if c.Key == key {
			return c
		}
	}
	return ApplianceCell{}
}

func TestApplianceFromCapturedOutputs(t *testing.T) {
	_, a, _ := seedAppliance(t)
	if a.Header.Title != "一体机及物理服务器硬件巡检报告" || a.Period != "2021年11月" || a.Month != "2021-11" {
		t.Errorf("title %q period %q", a.Header.Title, a.Period)
	}
	if ov := a.Overview; ov.Servers != 3 || ov.Crit != 1 || ov.Unknown != 1 || ov.Unreachable != 1 || ov.Healthy != 0 {
		t.Errorf("overview %+v", ov)
	}
	if a.DBResults != 1 {
		t.Errorf("db results in the run: %d", a.DBResults)
	}

	yj := server(t, a, "yj-01")
	if yj.Status != result.Crit || yj.Disks != 3 || yj.DisksFailing != 2 || yj.Arrays != 1 || yj.ArraysDegraded != 1 ||
		yj.LUNs != 2 || yj.LUNsDegraded != 2 || *yj.MemCE != 12 || *yj.MemUE != 0 || *yj.HottestC != 73 || *yj.SELEvents != 1 {
		t.Errorf("appliance figures %+v", yj)
	}
	if c := cell(yj, "disks"); c.Status != result.Crit || c.Text != "3 块，异常 2 块" {
		t.Errorf("disk cell %+v", c)
	}
	if c := cell(yj, "sensors"); c.Status != result.Crit || c.Text != "最高 73 °C，异常 3 个" {
		t.Errorf("sensor cell %+v", c)
	}

	// The failing disk: CRIT in the disk section with the check's advice
	// (replace the disk, its serial) due today, and in the problems list.
	var disks HealthSection
	for _, s := range yj.Sections {
		if s.Key == "disks" {
			disks = s
		}
	}
	var sdc *HealthItem
	for i := range disks.Items {
		if disks.Items[i].Item == "/dev/sdc" {
			sdc = &disks.Items[i]
		}
	}
	if disks.Title != "硬盘 SMART 健康" || sdc == nil || sdc.Status != result.Crit || !strings.Contains(sdc.Message, "Current_Pending_Sector") ||
		!strings.HasPrefix(sdc.Advice, "建议当日内处理：") || !strings.Contains(sdc.Advice, "9RA0AHCY") || sdc.Evidence == "" {
		t.Errorf("failing disk item %+v", sdc)
	}
	var inProblems, psu bool
	for _, p := range a.Problems {
		if p.Asset == "yj-01" && p.Item == "/dev/sdc" && p.Level == result.Crit && p.Section == "硬盘 SMART 健康" {
			inProblems = true
		}
		if p.Item == "Power Supply 1" && p.Label == "电源：Power Supply 1" && p.Level == result.Crit {
			psu = true
		}
	}
	if !inProblems || !psu {
		t.Errorf("problems lack the failing disk (%v) or the failed power supply (%v): %+v", inProblems, psu, a.Problems)
	}
	if a.Problems[0].Asset != "pm-03" || a.Problems[0].Level != result.Unreachable || !strings.Contains(a.Problems[0].Advice, "sshd") {
		t.Errorf("the unreachable server should lead the problems: %+v", a.Problems[0])
	}

	pm2 := server(t, a, "pm-02")
	if c := cell(pm2, "memory"); c.Status != result.Unknown || c.Text != "未能判定" {
		t.Errorf("no EDAC cell %+v", c)
	}
	if c := cell(pm2, "raid"); c.Status != result.Warn || c.Text != "2 组，异常 1 组" {
		t.Errorf("raid resync cell %+v", c)
	}
	pm3 := server(t, a, "pm-03")
	if pm3.Reachable || len(pm3.Sections) != 1 || pm3.Sections[0].Key != "connect" || cell(pm3, "disks").Status != result.Unreachable {
		t.Errorf("unreachable server %+v", pm3)
	}
	if !strings.Contains(a.Conclusion, "yj-01") || !strings.Contains(a.Conclusion, "1 台服务器无法连接") {
		t.Errorf("conclusion %q", a.Conclusion)
	}
}

func TestApplianceRenderEveryFormat(t *testing.T) {
	_, _, build := seedAppliance(t)
	for _, lang := range []string{"zh", "en"} {
		a := build(lang)
		for _, format := range Formats {
			var buf bytes.Buffer
			if err := Render(&buf, format, a, ""); err != nil {
				t.Fatalf("%s %s: %v", lang, format, err)
			}
			out := buf.String()
			switch format {
			case FormatHTML, FormatMD:
				for _, want := range []string{a.Header.Title, a.CountLine, "yj-01", "/dev/sdc", "Power Supply 1", "mpatha", "hcops report db"} {
					if !strings.Contains(out, want) {
						t.Errorf("%s %s lacks %q", lang, format, want)
					}
				}
				if strings.Contains(out, "rapp.") || strings.Contains(out, "rhc.") {
					t.Errorf("%s %s shows a message key", lang, format)
				}
			case FormatJSON:
				var back ApplianceReport
				if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
					t.Fatal(err)
				}
				if back.Kind != "appliance" || len(back.Servers) != 3 || len(back.Columns) != 7 || back.Servers[0].Name != "pm-03" {
					t.Errorf("json %+v", back.Overview)
				}
			case FormatXLSX:
				f, err := excelize.OpenReader(&buf)
				if err != nil {
					t.Fatal(err)
				}
				sheets := f.GetSheetList()
				want := map[string][]string{"zh": {"概况", "硬件汇总", "问题与建议", "检查明细"}, "en": {"Summary", "Servers", "Problems", "Items"}}[lang]
				if strings.Join(sheets, ",") != strings.Join(want, ",") {
					t.Errorf("sheets %v, want %v", sheets, want)
				}
				rows, _ := f.GetRows(sheets[1])
				var yj []string
				for _, r := range rows {
					if len(r) > 1 && r[1] == "yj-01" {
						yj = r
					}
				}
				// Disks and failing disks are numbers after the part columns.
				if len(yj) < 16 || yj[14] != "3" || yj[15] != "2" {
					t.Errorf("yj-01 row %v", yj)
				}
				f.Close()
			}
		}
	}
}
