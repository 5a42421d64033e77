package inspect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func hwEval(t testing.TB, typ string, out string, spec *Spec, since time.Time) []result.Result {
	t.Helper()
	c, ok := Lookup(typ)
	if !ok {
		t.Fatalf("check type %q not registered", typ)
	}
	if spec == nil {
		spec = &Spec{Name: typ, Type: typ}
	}
	th, err := ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Spec: spec, Thresholds: th, Section: &Section{Stdout: out}, Since: since, Now: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}
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
	rs := hwEval(t, "ipmi", "@@SDR\n"+hwCapture(t, "ibm-system-x__ipmitool-sdr.txt")+"@@SEL\n", &Spec{Name: "ipmi", Type: "ipmi", Warn: "~:35", Crit: "~:45"}, time.Time{})
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
	spec := &Spec{Name: "smart", Type: "smart", Warn: "~:55", Crit: "~:65"}
	out := "@@DEV /dev/sda sat\n" + hwCapture(t, "hgst-travelstar-sata__smartctl-brief-healthy.txt") + "@@RC 0\n" +
		"@@DEV /dev/sdc sat\n" + hwCapture(t, "constructed__smartctl-a-failing-sata.txt") + "@@RC 24\n" +
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
	if bad.Status != result.Crit || !strings.Contains(bad.Message, "FAILED") || !strings.Contains(bad.Message, "Current_Pending_Sector = 23") || bad.Advice == "" {
		t.Errorf("failing disk: %+v", bad)
	}
	nv := hwFind(rs, "/dev/nvme0")
	if nv.Status != result.Crit || !strings.Contains(nv.Message, "0x09") || !strings.Contains(nv.Message, "spare below threshold") {
		t.Errorf("NVMe critical warning 0x09 should be CRIT: %+v", nv)
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

func TestRaidStorcliDegradedVD(t *testing.T) {
	rs := hwEval(t, "raid", "@@STORCLI storcli64\n"+hwCapture(t, "constructed__storcli-vall-show-degraded.txt"), nil, time.Time{})
	if r := hwFind(rs, "vd 1/1"); r == nil || r.Status != result.Crit || !strings.Contains(r.Message, "Dgrd") {
		t.Errorf("degraded VD: %+v", rs)
	}
	if r := hwFind(rs, "vd 0/0"); r == nil || r.Status != result.OK {
		t.Errorf("optimal VD: %+v", rs)
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
	spec := &Spec{Name: "nic", Type: "nic", Params: map[string]any{"interfaces": []any{"eth0", "bond0"}}}
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
