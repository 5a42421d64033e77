package hw

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// hwCapture returns the captured output part of a testdata/hardware file.
func hwCapture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hardware", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if _, after, ok := strings.Cut(s, "captured output below (verbatim unless a note says otherwise) ----\n"); ok {
		return after
	}
	t.Fatalf("%s: no capture marker", name)
	return ""
}

func hwEval(t testing.TB, typ string, out string, spec *inspect.Spec, since time.Time) []result.Result {
	t.Helper()
	return hwEvalLang(t, typ, out, spec, since, "")
}

// hwEvalZH evaluates with Chinese messages and checks that every message
// and advice reads as Chinese.
func hwEvalZH(t *testing.T, typ string, out string, spec *inspect.Spec, since time.Time) []result.Result {
	t.Helper()
	rs := hwEvalLang(t, typ, out, spec, since, i18n.ZH)
	checktest.WantChinese(t, rs)
	return rs
}

func hwEvalLang(t testing.TB, typ string, out string, spec *inspect.Spec, since time.Time, lang string) []result.Result {
	t.Helper()
	c, ok := Lookup(typ)
	if !ok {
		t.Fatalf("check type %q not registered", typ)
	}
	if spec == nil {
		spec = &inspect.Spec{Name: typ, Type: typ}
	}
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	env := &inspect.Env{Spec: spec, Thresholds: th, Section: &inspect.Section{Stdout: out}, Since: since, Now: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC), Lang: lang}
	return c.Evaluate(context.Background(), env)
}

func hwFind(rs []result.Result, item string) *result.Result {
	for i := range rs {
		if rs[i].Item == item {
			return &rs[i]
		}
	}
	return nil
}

func TestIPMIPowerSupplyFailureHiddenBehindOKStatus(t *testing.T) {
	out := "@@SDR\n" + hwCapture(t, "hp-proliant-dl360__ipmitool-sdr-elist-full-psu-failure.txt") +
		"@@SEL\n" + hwCapture(t, "hp-proliant-dl360__ipmitool-sel-list.txt")
	rs := hwEval(t, "ipmi", out, nil, time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC))

	psu := hwFind(rs, "Power Supply 1")
	if psu == nil || psu.Status != result.Crit || !strings.Contains(psu.Message, "Failure detected") {
		t.Fatalf("PSU 1 failure not reported as CRIT: %+v", psu)
	}
	if r := hwFind(rs, "Power Supplies"); r == nil || r.Status != result.Warn {
		t.Errorf("lost PSU redundancy should be WARN: %+v", r)
	}
	if r := hwFind(rs, "Memory"); r == nil || r.Status != result.Warn {
		t.Errorf("ECC logging limit should be WARN: %+v", r)
	}
	if r := hwFind(rs, "Fans"); r != nil {
		t.Errorf("'Fully Redundant' fans reported as a problem: %+v", r)
	}
	sum := hwFind(rs, "sensors")
	if sum == nil || !strings.Contains(sum.Message, "hottest Temp 28 73 °C") {
		t.Errorf("summary should name the hottest sensor: %+v", sum)
	}
	sel := hwFind(rs, "sel")
	if sel == nil || sel.Value == nil || *sel.Value != 1 || sel.Status != result.Warn {
		t.Errorf("one ECC event after 2021-07-01 expected as WARN: %+v", sel)
	}
}

func TestIPMIThreeColumnAllOK(t *testing.T) {
	rs := hwEval(t, "ipmi", "@@SDR\n"+hwCapture(t, "ibm-system-x__ipmitool-sdr.txt")+"@@SEL\n", &inspect.Spec{Name: "ipmi", Type: "ipmi", Warn: "~:35", Crit: "~:45"}, time.Time{})
	for _, r := range rs {
		if r.Status != result.OK && r.Item != "sensors" {
			t.Errorf("unexpected problem: %+v", r)
		}
	}
	if sum := hwFind(rs, "sensors"); sum == nil || sum.Value == nil || *sum.Value != 20 {
		t.Errorf("ambient 20 °C should be the value: %+v", sum)
	}
}

func TestIPMIMissingToolAndDevice(t *testing.T) {
	rs := hwEval(t, "ipmi", "@@NOTOOL ipmitool\n", nil, time.Time{})
	if len(rs) != 1 || rs[0].Status != result.Unknown || !strings.Contains(rs[0].Message, "not installed") {
		t.Fatalf("missing ipmitool: %+v", rs)
	}
	rs = hwEval(t, "ipmi", "@@SDR\nCould not open device at /dev/ipmi0 or /dev/ipmi/0 or /dev/ipmidev/0: No such file or directory\n@@SEL\n", nil, time.Time{})
	if len(rs) != 1 || rs[0].Status != result.Unknown || rs[0].Reason != "no-bmc" {
		t.Fatalf("no BMC device: %+v", rs)
	}
}

func TestSmartHealthyFailingAndNVMe(t *testing.T) {
	spec := &inspect.Spec{Name: "smart", Type: "smart", Warn: "~:55", Crit: "~:65"}
	out := "@@DEV /dev/sda sat\n" + hwCapture(t, "hgst-travelstar-sata__smartctl-brief-healthy.txt") + "@@RC 0\n" +
		"@@DEV /dev/sdc sat\n" + hwCapture(t, "seagate-barracuda-7200.10__smartctl-a-failed.txt") +
		"@@DEV /dev/nvme0 nvme\n" + hwCapture(t, "transcend-mte850-nvme__smartctl-nvme.txt") + "@@RC 0\n"
	rs := hwEval(t, "smart", out, spec, time.Time{})
	if len(rs) != 3 {
		t.Fatalf("want 3 disks, got %d: %+v", len(rs), rs)
	}
	ok := hwFind(rs, "/dev/sda")
	if ok.Status != result.OK || ok.Value == nil || *ok.Value != 24 {
		t.Errorf("healthy HGST should be OK at 24 °C: %+v", ok)
	}
	bad := hwFind(rs, "/dev/sdc")
	if bad.Status != result.Crit || !strings.Contains(bad.Message, "FAILED") || !strings.Contains(bad.Message, "Current_Pending_Sector = 11166") || bad.Advice == "" {
		t.Errorf("failing disk: %+v", bad)
	}
	nv := hwFind(rs, "/dev/nvme0")
	if nv.Status != result.Crit || !strings.Contains(nv.Message, "0x09") || !strings.Contains(nv.Message, "spare below threshold") {
		t.Errorf("NVMe critical warning 0x09 should be CRIT: %+v", nv)
	}
}

// Disks captured on real machines, one per way smartctl says a disk is in
// trouble: the classic ATA table of a dying disk, the brief table of a
// disk whose temperature attribute failed once, and a SAS disk behind a
// MegaRAID controller whose sense data predicts failure. The healthy disk
// of the same classic layout stays OK.
func TestSmartCapturedFailures(t *testing.T) {
	spec := &inspect.Spec{Name: "smart", Type: "smart", Warn: "~:55", Crit: "~:65"}
	out := "@@DEV /dev/sda sat\n" + hwCapture(t, "seagate-barracuda-7200.10__smartctl-a-failed.txt") +
		"@@DEV /dev/sdb sat\n" + hwCapture(t, "wd-red-wd10efrx__smartctl-a-healthy.txt") +
		"@@DEV /dev/ada0 atacam\n" + hwCapture(t, "apple-ssd-sm256e__smartctl-brief-past-failure.txt") + "@@RC 0\n" +
		"@@DEV /dev/bus/0 megaraid,96\n" + hwCapture(t, "seagate-st3300657ss-sas-megaraid__smartctl-a-failure-prediction.txt")
	rs := hwEval(t, "smart", out, spec, time.Time{})
	cases := []struct {
		item    string
		want    result.Status
		tempC   float64
		has     []string
		advice  string
		noWords []string
	}{
		{"/dev/sda", result.Crit, 30, []string{"/dev/sda ST3160815AS 9RA0AHCY: ", "SMART self-assessment FAILED",
			"Reallocated_Sector_Ct failing now (value 1, threshold 36, raw 65453)", "Reported_Uncorrect = 313",
			"Current_Pending_Sector = 11166", "Offline_Uncorrectable = 11166"}, "replace the disk (serial 9RA0AHCY)", nil},
		{"/dev/sdb", result.OK, 32, []string{"WDC WD10EFRX-68PJCN0 WD-WCC4JJLTTXEV: healthy"}, "", nil},
		{"/dev/ada0 (atacam)", result.Warn, 34, []string{"Airflow_Temperature_Cel failed in the past"}, "airflow", []string{"Reallocated"}},
		{"/dev/bus/0 (megaraid,96)", result.Crit, 32, []string{"SEAGATE ST3300657SS 6SJ5S9N00000N3038WCB: ",
			"SMART health FAILURE PREDICTION THRESHOLD EXCEEDED [asc=5d, ascq=0]", "uncorrected errors: read 2, write 1",
			"2066 elements in the grown defect list"}, "serial 6SJ5S9N00000N3038WCB", []string{"verify"}},
	}
	for _, c := range cases {
		r := hwFind(rs, c.item)
		if r == nil {
			t.Errorf("no result for %s: %+v", c.item, rs)
			continue
		}
		if r.Status != c.want || r.Value == nil || *r.Value != c.tempC {
			t.Errorf("%s: got %s at %v °C, want %s at %v °C: %q", c.item, r.Status, r.Value, c.want, c.tempC, r.Message)
		}
		for _, h := range c.has {
			if !strings.Contains(r.Message, h) {
				t.Errorf("%s: want %q in %q", c.item, h, r.Message)
			}
		}
		for _, n := range c.noWords {
			if strings.Contains(r.Message, n) {
				t.Errorf("%s: %q should not be in %q", c.item, n, r.Message)
			}
		}
		if c.advice == "" && r.Advice != "" || !strings.Contains(r.Advice, c.advice) {
			t.Errorf("%s: advice %q, want it to hold %q", c.item, r.Advice, c.advice)
		}
	}
	// A temperature attribute that failed once is about cooling: no
	// disk replacement.
	if r := hwFind(rs, "/dev/ada0 (atacam)"); r != nil && strings.Contains(r.Advice, "back up the data") {
		t.Errorf("temperature-only warning advises a disk replacement: %q", r.Advice)
	}
}

// smartctl --format=brief marks failed attributes "NOW" and "Past" in its
// FAIL column, where the classic layout writes FAILING_NOW and
// In_the_past.
func TestSmartBriefFailColumn(t *testing.T) {
	d := parseSmartctl(hwCapture(t, "apple-ssd-sm256e__smartctl-brief-past-failure.txt"))
	if a := d.Attrs[190]; a.WhenFailed != "In_the_past" || a.Value != 55 || a.Thr != 45 || a.Raw != 45 {
		t.Errorf("190 Airflow_Temperature_Cel 'Past': %+v", a)
	}
	if a := d.Attrs[194]; a.WhenFailed != "-" || a.Raw != 34 {
		t.Errorf("194 Temperature_Celsius: %+v", a)
	}
	if d.Health != "PASSED" || d.Model != "APPLE SSD SM256E" {
		t.Errorf("health %q model %q", d.Health, d.Model)
	}
	sas := parseSmartctl(hwCapture(t, "seagate-st3300657ss-sas-megaraid__smartctl-a-failure-prediction.txt"))
	if sas.GrownDefects != 2066 || len(sas.Uncorrected) != 2 || sas.Uncorrected[0] != (smartUncorrected{"read", 2}) || sas.Uncorrected[1] != (smartUncorrected{"write", 1}) {
		t.Errorf("SAS error counters: grown %d, uncorrected %+v", sas.GrownDefects, sas.Uncorrected)
	}
}

func TestSmartNoDisks(t *testing.T) {
	rs := hwEval(t, "smart", "", nil, time.Time{})
	if len(rs) != 1 || rs[0].Status != result.Unknown || rs[0].Reason != "no-disks" {
		t.Fatalf("%+v", rs)
	}
}

func TestRaidMdstatAndMdadm(t *testing.T) {
	cases := []struct {
		name, out string
		item      string
		want      result.Status
		contains  string
	}{
		{"raid6 recovering with 2 missing", "@@MDSTAT\n" + hwCapture(t, "linux-raid6__proc-mdstat-recovery.txt"), "/dev/md0", result.Crit, "4 of 6 devices up [UUUU__]; recovery 19.6%"},
		{"raid1 resync", "@@MDSTAT\n" + hwCapture(t, "linux-raid1__proc-mdstat-resync.txt"), "/dev/md2", result.Warn, "resync in progress 51.4%"},
		{"raid1 clean", "@@MDSTAT\n" + hwCapture(t, "linux-raid1__proc-mdstat-resync.txt"), "/dev/md1", result.OK, "2/2"},
		{"mdadm faulty member", "@@MDSTAT\nmd1 : active raid1 sdb3[1] sda3[0](F)\n      41909248 blocks super 1.2 [2/1] [_U]\n\n@@MDADM /dev/md1\n" +
			hwCapture(t, "linux-raid1__mdadm-detail-active-degraded-faulty.txt"), "/dev/md1", result.Crit, "faulty: /dev/sda3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := hwEval(t, "raid", c.out, nil, time.Time{})
			r := hwFind(rs, c.item)
			if r == nil {
				t.Fatalf("no result for %s: %+v", c.item, rs)
			}
			if r.Status != c.want || !strings.Contains(r.Message, c.contains) {
				t.Errorf("got %s %q, want %s containing %q", r.Status, r.Message, c.want, c.contains)
			}
		})
	}
}

func TestRaidMdadmDetailParse(t *testing.T) {
	d := parseMdadmDetail(hwCapture(t, "sysrescue-vm__mdadm-detail-degraded.txt"))
	if !strings.Contains(d.State, "degraded") || d.Active != 1 || d.Raid != 2 {
		t.Errorf("degraded detail: %+v", d)
	}
	d = parseMdadmDetail(hwCapture(t, "sysrescue-vm__mdadm-detail-clean.txt"))
	if strings.TrimSpace(d.State) != "clean" || d.Active != 2 || d.Failed != 0 {
		t.Errorf("clean detail: %+v", d)
	}
}

// hwStorcli builds the raid section of a host running storcli: the
// outputs in files one after another, and after a "@@STORCLI-REBUILD"
// entry the rebuild progress, as raidScript prints them.
func hwStorcli(t *testing.T, files ...string) string {
	t.Helper()
	out := "@@STORCLI storcli64\n"
	for _, f := range files {
		if strings.HasPrefix(f, "@@") {
			out += f + "\n"
			continue
		}
		out += hwCapture(t, f)
	}
	return out
}

// hwItems lists the items of rs, to compare the set a run reports.
func hwItems(rs []result.Result) []string {
	var items []string
	for _, r := range rs {
		items = append(items, r.Item+" "+r.Status.String())
	}
	return items
}

// MegaRAID outputs captured on real controllers (storcli 1.03 to 7.x,
// perccli on ESXi, perccli2): what an engineer checks is that a degraded
// array is CRIT and names the drive to pull, that a rebuilding drive is
// WARN with its progress, that the failed drive itself is CRIT with its
// enclosure and slot, and that healthy controllers, spares, JBOD and new
// unconfigured drives raise nothing.
func TestRaidStorcliCaptured(t *testing.T) {
	type want struct {
		item   string
		status result.Status
		has    []string
		advice string
	}
	cases := []struct {
		name  string
		files []string
		items []string // every result, "item STATUS"
		want  []want
	}{
		{
			name:  "RAID10 rebuilding after a drive swap (storcli 7, 9361-8i)",
			files: []string{"mgh-megaraid-9361-8i__storcli-c0-show-excerpt-rebuilding.txt", "@@STORCLI-REBUILD", "mgh-megaraid-9361-8i__storcli-show-rebuild.txt"},
			items: []string{"dg 0 CRIT", "pd 252:0 WARN"},
			want: []want{
				{"dg 0", result.Crit, []string{"drive group 0 (RAID10) is Dgrd (degraded; want Optl)", "drives: 252:0 Rbld (rebuild 11%)"}, "do not pull other members"},
				{"pd 252:0", result.Warn, []string{"physical drive 252:0 (enclosure 252 slot 0) is Rbld (rebuilding), drive group 0", "rebuild 11% done, 12 Hours 54 Minutes left"}, "storcli /c0/e252/s0 show rebuild"},
			},
		},
		{
			name:  "same RAID10 after the rebuild",
			files: []string{"mgh-megaraid-9361-8i__storcli-c0-show-excerpt-optimal.txt"},
			items: []string{"dg 0 OK"},
			want:  []want{{"dg 0", result.OK, []string{"drive group 0 (RAID10) optimal"}, ""}},
		},
		{
			name:  "RAID5 with a failed member and a new foreign drive (perccli, ESXi)",
			files: []string{"dell-perc-esxi67__perccli-show-all-failed-drive.txt", "dell-perc-esxi67__perccli-c0-dall-show-failed-drive.txt"},
			items: []string{"dg 1 CRIT", "pd 32:2 CRIT"},
			want: []want{
				{"dg 1", result.Crit, []string{"drive group 1 (RAID5) is Dgrd", "drives: 32:2 Failed"}, "replace the failed drive(s)"},
				{"pd 32:2", result.Crit, []string{"physical drive 32:2 (enclosure 32 slot 2) is Failed (drive failed), drive group 1"}, "storcli /c0/e32/s2 show all"},
			},
		},
		{
			name: "RAID5 rebuilding onto the replacement (perccli, ESXi)",
			files: []string{"dell-perc-esxi67__perccli-topology-rebuilding.txt", "dell-perc-esxi67__perccli-show-all-need-attention-rebuilding.txt",
				"@@STORCLI-REBUILD", "dell-perc-esxi67__perccli-show-rebuild.txt"},
			items: []string{"dg 1 CRIT", "pd 32:4 WARN"},
			want: []want{
				{"dg 1", result.Crit, []string{"drives: 32:4 Rbld (rebuild 3%)"}, "a rebuild is running"},
				{"pd 32:4", result.Warn, []string{"is Rbld (rebuilding), drive group 1; rebuild 3% done"}, "let the rebuild finish"},
			},
		},
		{
			name:  "two RAID10 VDs degraded, the bad drive out of its group (UBad, DG -)",
			files: []string{"cloud-host-megaraid__storcli-c0-vall-show-raid10-degraded.txt", "cloud-host-megaraid__storcli-c0-eall-sall-show-ubad.txt"},
			items: []string{"vd 0/0 CRIT", "vd 0/1 CRIT", "pd 252:3 CRIT"},
			want: []want{
				{"vd 0/0", result.Crit, []string{"virtual drive 0/0 RAID10-A (RAID10) is Dgrd", "drives needing attention on controller 0: 252:3 UBad"}, "storcli /c0 show"},
				{"vd 0/1", result.Crit, []string{"virtual drive 0/1 RAID10-B (RAID10) is Dgrd", "252:3 UBad"}, ""},
				{"pd 252:3", result.Crit, []string{"physical drive 252:3 (enclosure 252 slot 3) is UBad (unconfigured bad)"}, "replace the drive in enclosure 252 slot 3"},
			},
		},
		{
			name:  "controller summary, then a healthy RAID5 beside JBOD and unconfigured drives (storcli 1.03)",
			files: []string{"lsi-9266-8i__storcli-show-system-overview.txt", "lsi-9266-8i__storcli-c0-show-raid5-optimal.txt"},
			items: []string{"vd 0/0 OK"},
			want:  []want{{"vd 0/0", result.OK, []string{"virtual drive 0/0 (RAID5) optimal"}, ""}},
		},
		{
			name:  "RAID5 degraded, global hot spare rebuilding (storcli 1.03, /c0/v0 show all)",
			files: []string{"lsi-9266-8i__storcli-c0-v0-show-all-degraded-rebuild.txt"},
			items: []string{"vd 0/0 CRIT", "pd 252:5 WARN"},
			want: []want{
				{"vd 0/0", result.Crit, []string{"virtual drive 0/0 (RAID5) is Dgrd", "drives: 252:5 Rbld"}, ""},
				{"pd 252:5", result.Warn, []string{"252:5 (enclosure 252 slot 5) is Rbld"}, ""},
			},
		},
		{
			name:  "perccli2: TiB sizes, State Conf with Status Online",
			files: []string{"pve-perc12__perccli2-c0-vall-show-all-optimal.txt"},
			items: []string{"vd 0/1 OK"},
			want:  []want{{"vd 0/1", result.OK, []string{"virtual drive 0/1 (RAID10) optimal"}, ""}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := hwEval(t, "raid", hwStorcli(t, c.files...), nil, time.Time{})
			if got := strings.Join(hwItems(rs), ", "); got != strings.Join(c.items, ", ") {
				t.Errorf("results %s, want %s", got, strings.Join(c.items, ", "))
			}
			for _, w := range c.want {
				r := hwFind(rs, w.item)
				if r == nil {
					t.Errorf("no %s", w.item)
					continue
				}
				if r.Status != w.status {
					t.Errorf("%s: %s, want %s: %q", w.item, r.Status, w.status, r.Message)
				}
				for _, h := range w.has {
					if !strings.Contains(r.Message, h) {
						t.Errorf("%s: want %q in %q", w.item, h, r.Message)
					}
				}
				if !strings.Contains(r.Advice, w.advice) || (w.status == result.OK) != (r.Advice == "") {
					t.Errorf("%s: advice %q, want it to hold %q", w.item, r.Advice, w.advice)
				}
				if r.Status != result.OK && r.Evidence == "" {
					t.Errorf("%s: no evidence", w.item)
				}
			}
		})
	}
}

// raidScript itself, under the real /bin/sh, with a stand-in storcli64 on
// PATH that prints the captured outputs: it must ask for `/call show`, and
// for the rebuild progress only because a drive is rebuilding.
func TestRaidScriptRunsStorcli(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"show.txt":    hwCapture(t, "mgh-megaraid-9361-8i__storcli-c0-show-excerpt-rebuilding.txt"),
		"rebuild.txt": "Controller = 0\nStatus = Success\nDescription = Show Drive Rebuild Status Succeeded.\n\n" + hwCapture(t, "mgh-megaraid-9361-8i__storcli-show-rebuild.txt"),
		"storcli64": "#!/bin/sh\necho \"$*\" >> " + dir + "/calls\ncase \"$*\" in\n" +
			"\"/call show\") cat " + dir + "/show.txt ;;\n" +
			"\"/call/eall/sall show rebuild\") cat " + dir + "/rebuild.txt ;;\n" +
			"*) echo \"Invalid command\"; exit 1 ;;\nesac\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out := string(checktest.RunSh(t, "PATH="+dir+":$PATH; export PATH\n"+raidScript))
	calls, _ := os.ReadFile(filepath.Join(dir, "calls"))
	if string(calls) != "/call show\n/call/eall/sall show rebuild\n" {
		t.Errorf("storcli calls: %q", calls)
	}
	rs := hwEval(t, "raid", out, nil, time.Time{})
	r := hwFind(rs, "pd 252:0")
	if r == nil || r.Status != result.Warn || !strings.Contains(r.Message, "rebuild 11% done, 12 Hours 54 Minutes left") {
		t.Errorf("rebuilding drive through the script: %+v\n%s", r, out)
	}
	if r := hwFind(rs, "dg 0"); r == nil || r.Status != result.Crit {
		t.Errorf("degraded drive group through the script: %+v", r)
	}

	// Nothing rebuilding: no second call.
	if err := os.WriteFile(filepath.Join(dir, "show.txt"), []byte(hwCapture(t, "mgh-megaraid-9361-8i__storcli-c0-show-excerpt-optimal.txt")), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "calls"))
	out = string(checktest.RunSh(t, "PATH="+dir+":$PATH; export PATH\n"+raidScript))
	if calls, _ := os.ReadFile(filepath.Join(dir, "calls")); string(calls) != "/call show\n" || strings.Contains(out, "@@STORCLI-REBUILD") {
		t.Errorf("healthy controller: calls %q, output %q", calls, out)
	}
}

// The rebuilding drive's progress is its value, so a report can show it.
func TestRaidStorcliRebuildValue(t *testing.T) {
	rs := hwEval(t, "raid", hwStorcli(t, "mgh-megaraid-9361-8i__storcli-c0-show-excerpt-rebuilding.txt", "@@STORCLI-REBUILD", "mgh-megaraid-9361-8i__storcli-show-rebuild.txt"), nil, time.Time{})
	r := hwFind(rs, "pd 252:0")
	if r == nil || r.Value == nil || *r.Value != 11 || r.Unit != "%" || !strings.Contains(r.Evidence, "/c0/e252/s0        11 In progress 12 Hours 54 Minutes") {
		t.Errorf("rebuild progress: %+v", r)
	}
}

// Table quirks of real outputs: blank lines inside a drive table (storcli
// 1.03), tables without closing dashes (a perccli paste), storcli2's State
// and Status columns, drives missing from the drive list but in the
// topology.
func TestParseStorcliTables(t *testing.T) {
	rep := parseStorcli(hwCapture(t, "lsi-9266-8i__storcli-c0-show-raid5-optimal.txt"))
	var got []string
	for _, d := range rep.Drives {
		got = append(got, d.Slot+"="+d.State+"/"+d.DG)
	}
	if strings.Join(got, " ") != "252:2=Onln/0 252:3=Onln/0 252:4=Onln/0 252:0=JBOD/- 252:1=JBOD/- 252:5=UGood/-" {
		t.Errorf("9266 drives (topology first, then PD LIST with blank lines): %v", got)
	}
	if len(rep.Arrays) != 2 || rep.Arrays[0].ID != "0" || !rep.Arrays[0].IsDG || rep.Arrays[1].ID != "0/0" || rep.Arrays[1].Label != "" {
		t.Errorf("9266 arrays: %+v", rep.Arrays)
	}
	rep = parseStorcli(hwCapture(t, "pve-perc12__perccli2-c0-vall-show-all-optimal.txt"))
	if len(rep.Drives) != 2 || rep.Drives[0].Slot != "268:1" || rep.Drives[0].State != "Online" || rep.Drives[0].DG != "0" {
		t.Errorf("perccli2 drives: %+v", rep.Drives)
	}
	rep = parseStorcli(hwCapture(t, "dell-perc-esxi67__perccli-c0-dall-show-failed-drive.txt"))
	if len(rep.Drives) != 3 || rep.Drives[1].Slot != "32:2" || rep.Drives[1].State != "Failed" || rep.Drives[1].DG != "1" {
		t.Errorf("perccli topology without closing dashes: %+v", rep.Drives)
	}
	rep = parseStorcli(hwCapture(t, "cloud-host-megaraid__storcli-c0-vall-show-raid10-degraded.txt"))
	if len(rep.Arrays) != 2 || rep.Arrays[0].Label != "RAID10-A" || rep.Arrays[1].Label != "RAID10-B" {
		t.Errorf("VD names: %+v", rep.Arrays)
	}
}

func TestMultipath(t *testing.T) {
	rs := hwEval(t, "multipath", hwCapture(t, "emc-vnx-iscsi__multipath-ll-failed-faulty.txt"), nil, time.Time{})
	if len(rs) != 2 {
		t.Fatalf("want 2 maps, got %+v", rs)
	}
	for _, r := range rs {
		if r.Status != result.Crit || !strings.Contains(r.Message, "no active path") {
			t.Errorf("all paths failed should be CRIT: %+v", r)
		}
	}
	rs = hwEval(t, "multipath", hwCapture(t, "rocky-linux-iscsi-lio__multipath-ll-healthy.txt"), nil, time.Time{})
	if len(rs) != 2 || rs[0].Item != "mpatha" || rs[0].Status != result.OK || !strings.Contains(rs[0].Message, "2 of 2 paths") {
		t.Errorf("healthy maps: %+v", rs)
	}
}

func TestEDAC(t *testing.T) {
	rs := hwEval(t, "edac", "mc0 0 0\nmc1 0 0\n", nil, time.Time{})
	if rs[0].Status != result.OK {
		t.Errorf("no errors: %+v", rs[0])
	}
	rs = hwEval(t, "edac", "mc0 12 0\n", nil, time.Time{})
	if rs[0].Status != result.Warn || *rs[0].Value != 12 {
		t.Errorf("correctable errors: %+v", rs[0])
	}
	rs = hwEval(t, "edac", "mc0 3 1\n", nil, time.Time{})
	if rs[0].Status != result.Crit {
		t.Errorf("uncorrectable: %+v", rs[0])
	}
	rs = hwEval(t, "edac", "@@NOEDAC\n", nil, time.Time{})
	if rs[0].Status != result.Unknown || rs[0].Reason != "no-edac" {
		t.Errorf("no edac: %+v", rs[0])
	}
}

func TestNIC(t *testing.T) {
	out := "eth0 1 up 1 1000 1000000 900000 0 0 10 0\n" +
		"eth1 1 down 0 -1 0 0 0 0 0 0\n" +
		"eth2 1 up 1 10000 1000 1000 50 0 0 0\n" +
		"veth12ab 0 up 1 10000 5 5 0 0 0 0\n"
	spec := &inspect.Spec{Name: "nic", Type: "nic", Params: map[string]any{"interfaces": []any{"eth0", "bond0"}}}
	rs := hwEval(t, "nic", out, spec, time.Time{})
	if r := hwFind(rs, "eth0"); r == nil || r.Status != result.OK {
		t.Errorf("eth0: %+v", r)
	}
	if r := hwFind(rs, "eth2"); r == nil || r.Status != result.Crit {
		t.Errorf("eth2 2.5%% errors should be CRIT: %+v", r)
	}
	if r := hwFind(rs, "bond0"); r == nil || r.Status != result.Crit || !strings.Contains(r.Message, "not found") {
		t.Errorf("missing expected interface: %+v", r)
	}
	if r := hwFind(rs, "veth12ab"); r != nil {
		t.Errorf("virtual interface should be skipped: %+v", r)
	}
	if r := hwFind(rs, "eth1"); r == nil || r.Status != result.OK {
		t.Errorf("unexpected eth1 without carrier is informational: %+v", r)
	}
}

// The findings an engineer acts on read as Chinese with every figure, name
// and state of the English message kept.
func TestHardwareMessagesInChinese(t *testing.T) {
	t.Run("failing SMART disk", func(t *testing.T) {
		spec := &inspect.Spec{Name: "smart", Type: "smart", Warn: "~:55", Crit: "~:65"}
		out := "@@DEV /dev/sda sat\n" + hwCapture(t, "hgst-travelstar-sata__smartctl-brief-healthy.txt") + "@@RC 0\n" +
			"@@DEV /dev/sdc sat\n" + hwCapture(t, "seagate-barracuda-7200.10__smartctl-a-failed.txt") +
			"@@DEV /dev/nvme0 nvme\n" + hwCapture(t, "transcend-mte850-nvme__smartctl-nvme.txt") + "@@RC 0\n" +
			"@@DEV /dev/bus/0 megaraid,96\n" + hwCapture(t, "seagate-st3300657ss-sas-megaraid__smartctl-a-failure-prediction.txt") +
			"@@DEV /dev/ada0 atacam\n" + hwCapture(t, "apple-ssd-sm256e__smartctl-brief-past-failure.txt") + "@@RC 0\n"
		rs := hwEvalZH(t, "smart", out, spec, time.Time{})
		bad := hwFind(rs, "/dev/sdc")
		for _, want := range []string{"/dev/sdc ST3160815AS 9RA0AHCY：", "SMART 自检结果为 FAILED", "Current_Pending_Sector = 11166（待映射扇区）", "Reallocated_Sector_Ct 当前已失效（当前值 1，阈值 36，原始值 65453）"} {
			if bad.Status != result.Crit || !strings.Contains(bad.Message, want) {
				t.Errorf("failing disk: want %q in %s %q", want, bad.Status, bad.Message)
			}
		}
		if !strings.Contains(bad.Advice, "备份 /dev/sdc") || !strings.Contains(bad.Advice, "序列号 9RA0AHCY") {
			t.Errorf("advice names the disk and its serial: %q", bad.Advice)
		}
		if ok := hwFind(rs, "/dev/sda"); !strings.HasSuffix(ok.Message, "：健康") {
			t.Errorf("healthy disk: %q", ok.Message)
		}
		if nv := hwFind(rs, "/dev/nvme0"); !strings.Contains(nv.Message, "NVMe 严重警告 0x09（可用备用空间低于阈值、已转为只读）") {
			t.Errorf("NVMe warning bits: %q", nv.Message)
		}
		if sas := hwFind(rs, "/dev/bus/0 (megaraid,96)"); !strings.Contains(sas.Message, "SMART 健康状态为 FAILURE PREDICTION THRESHOLD EXCEEDED [asc=5d, ascq=0]；不可纠正错误：读 2 次、写 1 次；增长缺陷列表共 2066 项") {
			t.Errorf("SAS disk: %q", sas.Message)
		}
		if ssd := hwFind(rs, "/dev/ada0 (atacam)"); !strings.Contains(ssd.Message, "Airflow_Temperature_Cel 曾经失效（In_the_past）") || !strings.Contains(ssd.Advice, "风道") {
			t.Errorf("temperature attribute failed in the past: %q / %q", ssd.Message, ssd.Advice)
		}
	})
	t.Run("degraded RAID", func(t *testing.T) {
		r := hwFind(hwEvalZH(t, "raid", "@@MDSTAT\n"+hwCapture(t, "linux-raid6__proc-mdstat-recovery.txt"), nil, time.Time{}), "/dev/md0")
		if r.Status != result.Crit || !strings.Contains(r.Message, "/dev/md0（raid6）阵列降级：应有 6 块成员盘，仅 4 块在线 [UUUU__]；重建（recovery）进度 19.6%") {
			t.Errorf("raid6 recovering: %s %q", r.Status, r.Message)
		}
		if !strings.Contains(r.Advice, "mdadm --manage /dev/md0 --remove") {
			t.Errorf("advice keeps the command: %q", r.Advice)
		}
		r = hwFind(hwEvalZH(t, "raid", "@@MDSTAT\nmd1 : active raid1 sdb3[1] sda3[0](F)\n      41909248 blocks super 1.2 [2/1] [_U]\n\n@@MDADM /dev/md1\n"+
			hwCapture(t, "linux-raid1__mdadm-detail-active-degraded-faulty.txt"), nil, time.Time{}), "/dev/md1")
		if r.Status != result.Crit || !strings.Contains(r.Message, "仅 1 块在线 [_U]；故障成员盘：/dev/sda3") {
			t.Errorf("raid1 with a faulty member: %s %q", r.Status, r.Message)
		}
		r = hwFind(hwEvalZH(t, "raid", "@@MDSTAT\n"+hwCapture(t, "linux-raid1__proc-mdstat-resync.txt"), nil, time.Time{}), "/dev/md2")
		if r.Status != result.Warn || !strings.Contains(r.Message, "正在同步（resync），进度 51.4%") {
			t.Errorf("raid1 resync: %s %q", r.Status, r.Message)
		}
		rs := hwEvalZH(t, "raid", hwStorcli(t, "cloud-host-megaraid__storcli-c0-vall-show-raid10-degraded.txt", "cloud-host-megaraid__storcli-c0-eall-sall-show-ubad.txt"), nil, time.Time{})
		if r := hwFind(rs, "vd 0/0"); r.Status != result.Crit || r.Message != "虚拟磁盘 0/0 RAID10-A（RAID10）状态为 Dgrd（降级，应为 Optl）；控制器 0 上需处理的硬盘：252:3 UBad" {
			t.Errorf("storcli degraded VD: %s %q", r.Status, r.Message)
		}
		if r := hwFind(rs, "pd 252:3"); r.Message != "物理盘 252:3（机箱 252 槽位 3）状态为 UBad（未配置的坏盘）" || !strings.Contains(r.Advice, "更换机箱 252 槽位 3 的硬盘（先用 storcli /c0/e252/s3 show all 核对序列号）") {
			t.Errorf("storcli bad drive: %q / %q", r.Message, r.Advice)
		}
		rs = hwEvalZH(t, "raid", hwStorcli(t, "mgh-megaraid-9361-8i__storcli-c0-show-excerpt-rebuilding.txt", "@@STORCLI-REBUILD", "mgh-megaraid-9361-8i__storcli-show-rebuild.txt"), nil, time.Time{})
		if r := hwFind(rs, "pd 252:0"); r.Status != result.Warn || r.Message != "物理盘 252:0（机箱 252 槽位 0）状态为 Rbld（正在重建），属于磁盘组 0；重建进度 11%，预计剩余 12 Hours 54 Minutes" {
			t.Errorf("storcli rebuilding drive: %s %q", r.Status, r.Message)
		}
		if r := hwFind(rs, "dg 0"); !strings.Contains(r.Message, "问题成员盘：252:0 Rbld（重建进度 11%）") || !strings.Contains(r.Advice, "不要拔出其他成员盘") {
			t.Errorf("storcli drive group rebuilding: %q / %q", r.Message, r.Advice)
		}
	})
	t.Run("IPMI power supply, fans, temperature", func(t *testing.T) {
		out := "@@SDR\n" + hwCapture(t, "hp-proliant-dl360__ipmitool-sdr-elist-full-psu-failure.txt") +
			"@@SEL\n" + hwCapture(t, "hp-proliant-dl360__ipmitool-sel-list.txt")
		rs := hwEvalZH(t, "ipmi", out, nil, time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC))
		if psu := hwFind(rs, "Power Supply 1"); !strings.Contains(psu.Message, "传感器 Power Supply 1：") || !strings.Contains(psu.Message, "Failure detected") || !strings.Contains(psu.Advice, "电源") {
			t.Errorf("PSU failure: %q / %q", psu.Message, psu.Advice)
		}
		if sum := hwFind(rs, "sensors"); !strings.Contains(sum.Message, "共读取 43 个传感器，3 个异常；温度最高的是 Temp 28，73 °C") {
			t.Errorf("summary: %q", sum.Message)
		}
		if sel := hwFind(rs, "sel"); !strings.Contains(sel.Message, "2021-07-01 00:00 以来 BMC 新增事件 1 条") {
			t.Errorf("SEL: %q", sel.Message)
		}
		st := hwEvalZH(t, "ipmi", "@@SDR\nFan 1 | 30h | ucr | 29.1 | 9800 RPM\n@@SEL\n", nil, time.Time{})
		if r := hwFind(st, "Fan 1"); r == nil || r.Status != result.Crit || r.Message != "传感器 Fan 1：状态 ucr（超过上限严重阈值）" || !strings.Contains(r.Advice, "风扇") {
			t.Errorf("threshold status: %+v", r)
		}
	})
	t.Run("multipath, EDAC, NIC, missing tool", func(t *testing.T) {
		rs := hwEvalZH(t, "multipath", hwCapture(t, "emc-vnx-iscsi__multipath-ll-failed-faulty.txt"), nil, time.Time{})
		if !strings.Contains(rs[0].Message, "无可用路径（共 2 条，均已失效）；故障路径：11:0:0:151 sdef failed/faulty、12:0:0:151 sdeg failed/faulty") {
			t.Errorf("multipath: %q", rs[0].Message)
		}
		if r := hwEvalZH(t, "edac", "mc0 3 1\n", nil, time.Time{})[0]; r.Message != "1 个内存控制器：开机以来 ECC 可纠正错误 3 个，不可纠正错误 1 个" {
			t.Errorf("edac: %q", r.Message)
		}
		spec := &inspect.Spec{Name: "nic", Type: "nic", Params: map[string]any{"interfaces": []any{"eth0", "bond0"}}}
		nics := hwEvalZH(t, "nic", "eth0 1 up 1 1000 1000000 900000 0 0 10 0\neth2 1 up 1 10000 1000 1000 50 0 0 0\n", spec, time.Time{})
		if r := hwFind(nics, "eth2"); r.Message != "eth2（up，10000 Mb/s）：开机以来共 2000 个数据包，错误 50 个，丢弃 0 个" {
			t.Errorf("nic errors: %q", r.Message)
		}
		if r := hwFind(nics, "bond0"); r.Message != "本机未找到网卡 bond0" {
			t.Errorf("missing nic: %q", r.Message)
		}
		if r := hwEvalZH(t, "raid", "@@NOTOOL mdadm\n", nil, time.Time{})[0]; !strings.Contains(r.Advice, "apt install mdadm") {
			t.Errorf("missing tool: %+v", r)
		}
	})
}

// Every message key the hardware checks use is in the catalogue, with both
// languages; the keys built at run time (IPMI status codes, SMART
// attributes, md actions) are checked one by one.
func TestHardwareMessagesInCatalogue(t *testing.T) {
	checktest.WantKeys(t, []string{"ipmi.go", "smart.go", "raid.go", "multipath.go", "edac.go", "nic.go"}, 60)
	for _, k := range []string{"nc", "cr", "nr", "lnc", "lcr", "lnr", "unc", "ucr", "unr"} {
		checktest.WantKey(t, "hw.ipmi.st."+k)
	}
	for _, id := range []string{"5", "187", "196", "197", "198"} {
		checktest.WantKey(t, "hw.smart.attr."+id)
	}
	for _, a := range []string{"resync", "recovery", "check", "reshape", "repair"} {
		checktest.WantKey(t, "hw.raid.act."+a)
	}
	for s := range storcliPDStates {
		checktest.WantKey(t, "hw.raid.pdst."+s)
	}
	for s := range storcliVDStates {
		checktest.WantKey(t, "hw.raid.vdst."+s)
	}
	for _, k := range []string{"hw.raid.pdst.other", "hw.raid.vdst.other", "hw.smart.op.read", "hw.smart.op.write", "hw.smart.op.verify"} {
		checktest.WantKey(t, k)
	}
}

// Garbage must never panic and must give a verdict of some kind.
func TestHardwareParsersSurviveGarbage(t *testing.T) {
	garbage := []string{"", "\x00\x01\x02", "|||||\n|a|b|c|d|e|f", "@@DEV\n@@RC x", "@@MDSTAT\nmd0 : \n[/] [U", "md0 : active raid1\n [2/1] [U_]", strings.Repeat("x|", 10000)}
	for _, typ := range []string{"ipmi", "smart", "raid", "multipath", "edac", "nic"} {
		for _, g := range garbage {
			rs := hwEval(t, typ, g, nil, time.Time{})
			if len(rs) == 0 {
				t.Errorf("%s: no result for %q", typ, g)
			}
		}
	}
}

func BenchmarkParseSmartctl(b *testing.B) {
	out := hwCapture(b, "hgst-travelstar-sata__smartctl-brief-healthy.txt")
	for b.Loop() {
		parseSmartctl(out)
	}
}

func BenchmarkParseIPMISDR(b *testing.B) {
	out := hwCapture(b, "hp-proliant-dl360__ipmitool-sdr-elist-full-psu-failure.txt")
	for b.Loop() {
		parseIPMISDR(out)
	}
}

// The hardware checks with parameters declare them as structs: a misspelt
// key is refused when the playbook is loaded, at its line, with the nearest
// known key; a good value is decoded once and used.
func TestHardwareTypedParams(t *testing.T) {
	cases := map[string]string{
		"  - {name: m, type: multipath, params: {min_path: 3}}":            `p.yaml:3: check m: parameter min_path: unknown parameter (did you mean min_paths?); known: min_paths`,
		"  - {name: n, type: nic, params: {interface: [eth0]}}":            `p.yaml:3: check n: parameter interface: unknown parameter (did you mean interfaces?); known: include_virtual, interfaces`,
		"  - name: i\n    type: ipmi\n    params:\n      sel_window: soon": `p.yaml:6: check i: parameter sel_window: want a duration like 30s, 15m, 24h or 7d, got "soon"`,
	}
	for check, want := range cases {
		_, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n"+check+"\n"), "p")
		if err == nil || err.Error() != want {
			t.Errorf("%s:\n got  %v\n want %s", check, err, want)
		}
	}
	pb, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n  - {name: m, type: multipath, params: {min_paths: 4}}\n"), "p")
	if err != nil {
		t.Fatal(err)
	}
	p, err := inspect.ParamsOf[multipathParams](&pb.Checks[0])
	if err != nil || p.MinPaths != 4 {
		t.Fatalf("%+v, %v", p, err)
	}
}
