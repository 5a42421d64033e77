package inspect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
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
	return hwEvalLang(t, typ, out, spec, since, "")
}

// hwEvalZH evaluates with Chinese messages and checks that every message
// and advice reads as Chinese.
func hwEvalZH(t *testing.T, typ string, out string, spec *Spec, since time.Time) []result.Result {
	t.Helper()
	rs := hwEvalLang(t, typ, out, spec, since, i18n.ZH)
	wantChinese(t, rs)
	return rs
}

func hwEvalLang(t testing.TB, typ string, out string, spec *Spec, since time.Time, lang string) []result.Result {
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
	env := &Env{Spec: spec, Thresholds: th, Section: &Section{Stdout: out}, Since: since, Now: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC), Lang: lang}
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

// The findings an engineer acts on read as Chinese with every figure, name
// and state of the English message kept.
func TestHardwareMessagesInChinese(t *testing.T) {
	t.Run("failing SMART disk", func(t *testing.T) {
		spec := &Spec{Name: "smart", Type: "smart", Warn: "~:55", Crit: "~:65"}
		out := "@@DEV /dev/sda sat\n" + hwCapture(t, "hgst-travelstar-sata__smartctl-brief-healthy.txt") + "@@RC 0\n" +
			"@@DEV /dev/sdc sat\n" + hwCapture(t, "constructed__smartctl-a-failing-sata.txt") + "@@RC 24\n" +
			"@@DEV /dev/nvme0 nvme\n" + hwCapture(t, "transcend-mte850-nvme__smartctl-nvme.txt") + "@@RC 0\n"
		rs := hwEvalZH(t, "smart", out, spec, time.Time{})
		bad := hwFind(rs, "/dev/sdc")
		for _, want := range []string{"/dev/sdc EXAMPLE HDD 2TB EXAMPLE-0001：", "SMART 自检结果为 FAILED", "Current_Pending_Sector = 23（待映射扇区）", "当前值 41，阈值 140，原始值 1265"} {
			if bad.Status != result.Crit || !strings.Contains(bad.Message, want) {
				t.Errorf("failing disk: want %q in %s %q", want, bad.Status, bad.Message)
			}
		}
		if !strings.Contains(bad.Advice, "备份 /dev/sdc") || !strings.Contains(bad.Advice, "序列号 EXAMPLE-0001") {
			t.Errorf("advice names the disk and its serial: %q", bad.Advice)
		}
		if ok := hwFind(rs, "/dev/sda"); !strings.HasSuffix(ok.Message, "：健康") {
			t.Errorf("healthy disk: %q", ok.Message)
		}
		if nv := hwFind(rs, "/dev/nvme0"); !strings.Contains(nv.Message, "NVMe 严重警告 0x09（可用备用空间低于阈值、已转为只读）") {
			t.Errorf("NVMe warning bits: %q", nv.Message)
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
		r = hwFind(hwEvalZH(t, "raid", "@@STORCLI storcli64\n"+hwCapture(t, "constructed__storcli-vall-show-degraded.txt"), nil, time.Time{}), "vd 1/1")
		if r.Status != result.Crit || !strings.Contains(r.Message, "虚拟磁盘 1/1（RAID5）状态为 Dgrd（应为 Optl）") {
			t.Errorf("storcli degraded VD: %s %q", r.Status, r.Message)
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
		spec := &Spec{Name: "nic", Type: "nic", Params: map[string]any{"interfaces": []any{"eth0", "bond0"}}}
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
	wantKeys(t, []string{"check_ipmi.go", "check_smart.go", "check_raid.go", "check_multipath.go", "check_edac.go", "check_nic.go"}, 60)
	for _, k := range []string{"nc", "cr", "nr", "lnc", "lcr", "lnr", "unc", "ucr", "unr"} {
		wantKey(t, "hw.ipmi.st."+k)
	}
	for _, id := range []string{"5", "187", "196", "197", "198"} {
		wantKey(t, "hw.smart.attr."+id)
	}
	for _, a := range []string{"resync", "recovery", "check", "reshape", "repair"} {
		wantKey(t, "hw.raid.act."+a)
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
