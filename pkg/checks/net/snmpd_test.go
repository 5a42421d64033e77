package net

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// device is an asset read over SNMP from a real agent on the loopback.
func device(name string, port int, s inventory.SNMP) *inventory.Asset {
	s.Port = port
	if s.Timeout == "" {
		s.Timeout = "1s"
	}
	if s.Retries == nil {
		zero := 0
		s.Retries = &zero
	}
	a := &inventory.Asset{Name: name, Kind: inventory.KindNetworkDevice, Address: "127.0.0.1", SNMP: &s}
	a.Connection.Transport = inventory.TransportNone
	return a
}

// run evaluates check typ on a through a run's connection factory, as the
// engine does, with prev as the previous run's results (nil: none; noStore:
// no history at all).
type runOpts struct {
	prev    []result.Result
	noStore bool
	spec    *inspect.Spec
	now     time.Time
	lang    string
}

func runCheck(t *testing.T, typ string, a *inventory.Asset, o runOpts) []result.Result {
	t.Helper()
	f, err := connect.New(connect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, ok := testChecks.Lookup(typ)
	if !ok {
		t.Fatalf("no check type %s", typ)
	}
	spec := o.spec
	if spec == nil {
		spec = &inspect.Spec{}
	}
	spec.Name, spec.Type = typ, typ
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	now := o.now
	if now.IsZero() {
		now = time.Now()
	}
	env := &inspect.Env{Spec: spec, Asset: a, Thresholds: th, Now: now, Lang: o.lang,
		SNMP: func() (*transportClient, error) { return f.SNMP(a) }}
	if !o.noStore {
		prev := o.prev
		env.Previous = func(context.Context) ([]result.Result, error) { return prev, nil }
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.Evaluate(ctx, env)
}

func snmpv2c(t *testing.T, s *testenv.SNMPD) inventory.SNMP {
	t.Setenv("HCOPS_TEST_SNMP_COMMUNITY", s.Community)
	return inventory.SNMP{Version: "2c", Community: inventory.SecretRef{Env: "HCOPS_TEST_SNMP_COMMUNITY"}}
}

var envSeq int

// snmpv3 is a v3 setting whose keys are in environment variables of
// their own (each call its own, as the inventory refers to them).
func snmpv3(t *testing.T, s *testenv.SNMPD, user, auth, priv string) inventory.SNMP {
	envSeq++
	a, p := fmt.Sprintf("HCOPS_TEST_SNMP_AUTH_%d", envSeq), fmt.Sprintf("HCOPS_TEST_SNMP_PRIV_%d", envSeq)
	t.Setenv(a, auth)
	c := inventory.SNMP{Version: "3", User: user, AuthProto: "SHA", AuthKey: inventory.SecretRef{Env: a}}
	if priv != "" {
		t.Setenv(p, priv)
		c.PrivProto, c.PrivKey = "AES", inventory.SecretRef{Env: p}
	}
	return c
}

// The agent is reached with the right v2c community and with both v3
// users; the wrong community, the wrong v3 keys, an unknown user and a
// secret that cannot be read each give a clear result naming the device
// and the cause (UNKNOWN with the reason: whether the device is down is
// ping's to say), within the timeout, and never a secret.
func TestSNMPAccess(t *testing.T) {
	s := testenv.StartSNMPD(t, testenv.SNMPDOptions{Extra: "sysObjectID .1.3.6.1.4.1.2011.2.23.96"})
	for _, c := range []struct {
		name string
		snmp inventory.SNMP
	}{
		{"v2c", snmpv2c(t, s)},
		{"v3 authPriv", snmpv3(t, s, s.PrivUser, s.AuthKey, s.PrivKey)},
	} {
		r := checktest.One(t, runCheck(t, "snmp-system", device("core-sw-01", s.Port, c.snmp), runOpts{}))
		if r.Status != result.OK || !strings.Contains(r.Message, "hcops-test-agent") || !strings.Contains(r.Message, "huawei") {
			t.Errorf("%s: %s %s (%s)", c.name, r.Status, r.Message, r.Evidence)
		}
		if v, ok := checktest.Metric(r, metricUptime); !ok || v < 0 {
			t.Errorf("%s: no uptime metric: %+v", c.name, r.Metrics)
		}
	}
	// authNoPriv: the second user, set up separately (t.Setenv above is
	// shared by name).
	r := checktest.One(t, runCheck(t, "snmp-system", device("core-sw-02", s.Port, snmpv3(t, s, s.AuthUser, s.AuthKey, "")), runOpts{}))
	if r.Status != result.OK {
		t.Errorf("v3 authNoPriv: %s %s", r.Status, r.Message)
	}

	bad := []struct {
		name, reason, msg string
		snmp              inventory.SNMP
	}{
		{"wrong community", result.ReasonTimeout, "wrong community or agent down", func() inventory.SNMP {
			t.Setenv("HCOPS_TEST_SNMP_WRONG", "not-the-community")
			return inventory.SNMP{Version: "2c", Community: inventory.SecretRef{Env: "HCOPS_TEST_SNMP_WRONG"}}
		}()},
		{"wrong auth key", result.ReasonAuth, "wrong authentication key", snmpv3(t, s, s.PrivUser, "wrong-auth-key-9", s.PrivKey)},
		{"unknown user", result.ReasonAuth, "user nobody", snmpv3(t, s, "nobody", s.AuthKey, s.PrivKey)},
		{"unset secret", result.ReasonAuth, "cannot read the SNMP secret of core-sw-01: snmp.community: environment variable HCOPS_TEST_SNMP_UNSET is not set", inventory.SNMP{Version: "2c", Community: inventory.SecretRef{Env: "HCOPS_TEST_SNMP_UNSET"}}},
	}
	for _, c := range bad {
		start := time.Now()
		r := checktest.One(t, runCheck(t, "snmp-system", device("core-sw-01", s.Port, c.snmp), runOpts{}))
		if r.Status != result.Unknown || r.Reason != c.reason || !strings.Contains(r.Message, "core-sw-01") || !strings.Contains(r.Message, c.msg) || r.Advice == "" {
			t.Errorf("%s: %s/%s %q advice %q", c.name, r.Status, r.Reason, r.Message, r.Advice)
		}
		if el := time.Since(start); el > 8*time.Second {
			t.Errorf("%s: took %s with a 1 s timeout", c.name, el)
		}
		for _, secret := range []string{s.Community, s.AuthKey, s.PrivKey, "not-the-community", "wrong-auth-key-9"} {
			if strings.Contains(r.Message+r.Evidence+r.Advice, secret) {
				t.Errorf("%s: a secret in the result: %q %q", c.name, r.Message, r.Evidence)
			}
		}
	}
	// The wrong privacy key: Net-SNMP drops what it cannot decrypt, after
	// answering the engine discovery; the result names the privacy key.
	r = checktest.One(t, runCheck(t, "snmp-system", device("core-sw-01", s.Port, snmpv3(t, s, s.PrivUser, s.AuthKey, "wrong-priv-key-9")), runOpts{}))
	if r.Status != result.Unknown || r.Reason != result.ReasonAuth || !strings.Contains(r.Message, "core-sw-01") || !strings.Contains(r.Message, "wrong privacy key") {
		t.Errorf("wrong priv key: %s/%s %q", r.Status, r.Reason, r.Message)
	}

	// Chinese, as the site reads it.
	zh := runCheck(t, "snmp-system", device("core-sw-01", s.Port, snmpv2c(t, s)), runOpts{lang: "zh"})
	checktest.WantChinese(t, zh)
}

// Nothing listens: a closed port answers with ICMP port unreachable (or
// nothing); the result says so within the timeout, not hung.
func TestSNMPNoAgent(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	t.Setenv("HCOPS_TEST_SNMP_COMMUNITY", "x")
	start := time.Now()
	rs := runCheck(t, "snmp-interfaces", device("nas-01", port, inventory.SNMP{Community: inventory.SecretRef{Env: "HCOPS_TEST_SNMP_COMMUNITY"}}), runOpts{})
	r := checktest.One(t, rs)
	if r.Status != result.Unknown || r.Reason == "" || !strings.Contains(r.Message, "nas-01") || time.Since(start) > 8*time.Second {
		t.Errorf("no agent: %s/%s %q after %s", r.Status, r.Reason, r.Message, time.Since(start))
	}
}

// An asset without SNMP settings gets one OK "not applicable" line saying
// that only ping checks it.
func TestSNMPNotConfigured(t *testing.T) {
	a := &inventory.Asset{Name: "fw-09", Kind: inventory.KindSecurityDevice, Address: "192.0.2.9"}
	r := checktest.One(t, runCheck(t, "snmp-system", a, runOpts{}))
	if r.Status != result.OK || r.Reason != result.ReasonNotApplicable || !strings.Contains(r.Message, "only ping") {
		t.Errorf("%+v", r)
	}
}

// Interfaces from the real agent, run after run: the first run has no
// rates and says so, the second computes them from the first run's
// counters (traffic sent over the loopback in between shows), and after
// the agent restarts the system check reports the restart and the
// interface check gives no rate instead of a spike.
func TestSNMPInterfacesAcrossRuns(t *testing.T) {
	s := testenv.StartSNMPD(t, testenv.SNMPDOptions{})
	a := device("core-sw-01", s.Port, snmpv2c(t, s))

	first := runCheck(t, "snmp-interfaces", a, runOpts{})
	lo := checktest.ResultItem(t, first, "lo")
	if lo.Status != result.OK || !strings.Contains(lo.Message, "first sample") {
		t.Fatalf("first run, lo: %s %q", lo.Status, lo.Message)
	}
	if v, ok := checktest.Metric(lo, "if.in_octets"); !ok || v <= 0 {
		t.Errorf("lo counters not stored: %+v", lo.Metrics)
	}
	if _, ok := checktest.Metric(lo, "if.in_nucast"); !ok {
		t.Errorf("lo: multicast and broadcast counters not stored: %+v", lo.Metrics)
	}
	if bits, _ := checktest.Metric(lo, "if.octets_bits"); bits != 64 {
		t.Errorf("lo: want the 64-bit ifHC counters, got %v-bit", bits)
	}
	sys1 := runCheck(t, "snmp-system", a, runOpts{})
	if !strings.Contains(sys1[0].Message, "first sample") {
		t.Errorf("first system run: %q", sys1[0].Message)
	}
	// Without history there is nothing to compare with, and it says so.
	ns := checktest.ResultItem(t, runCheck(t, "snmp-interfaces", a, runOpts{noStore: true}), "lo")
	if !strings.Contains(ns.Message, "--no-store") {
		t.Errorf("--no-store: %q", ns.Message)
	}

	// 4 MB over the loopback between the runs, and time for the agent's
	// interface cache (a few seconds) to expire.
	sendLoopback(t, 4<<20)
	time.Sleep(6 * time.Second)
	second := runCheck(t, "snmp-interfaces", a, runOpts{prev: first})
	lo2 := checktest.ResultItem(t, second, "lo")
	in, ok := checktest.Metric(lo2, "if.in_bps")
	if !ok || in < 4<<20*8/10 {
		// The 4 MB went through lo in at most ~10 s between the samples.
		t.Errorf("second run, lo: in %v bit/s (%q)", in, lo2.Message)
	}
	if strings.Contains(lo2.Message, "first sample") || lo2.Value == nil && !strings.Contains(lo2.Message, "speed unknown") {
		t.Errorf("second run, lo: %q value %v", lo2.Message, checktest.Deref(lo2.Value))
	}
	t.Logf("lo: %s (metrics %v)", lo2.Message, lo2.Metrics)
	sys2 := checktest.One(t, runCheck(t, "snmp-system", a, runOpts{prev: sys1}))
	if sys2.Status != result.OK {
		t.Errorf("no restart yet: %s %q", sys2.Status, sys2.Message)
	}

	s.Restart(t)
	third := runCheck(t, "snmp-interfaces", a, runOpts{prev: second})
	lo3 := checktest.ResultItem(t, third, "lo")
	if _, spiked := checktest.Metric(lo3, "if.in_bps"); spiked || lo3.Status != result.OK || !strings.Contains(lo3.Message, "restarted") {
		t.Errorf("after the restart, lo: %s %q %+v", lo3.Status, lo3.Message, lo3.Metrics)
	}
	sys3 := checktest.One(t, runCheck(t, "snmp-system", a, runOpts{prev: []result.Result{sys2}}))
	if sys3.Status != result.Warn || sys3.Reason != "rebooted" || !strings.Contains(sys3.Message, "restarted") || sys3.Advice == "" {
		t.Errorf("after the restart, system: %s %q", sys3.Status, sys3.Message)
	}
	// The run after that has rates again.
	fourth := runCheck(t, "snmp-interfaces", a, runOpts{prev: third})
	if _, ok := checktest.Metric(checktest.ResultItem(t, fourth, "lo"), "if.in_bps"); !ok {
		t.Errorf("the run after the restart has no rate: %q", checktest.ResultItem(t, fourth, "lo").Message)
	}
}

// sendLoopback sends n bytes over UDP on the loopback.
func sendLoopback(t *testing.T, n int) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	c, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chunk := make([]byte, 32000)
	for sent := 0; sent < n; sent += len(chunk) {
		if _, err := c.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
}

// A Huawei switch, emulated: the real agent answers with Huawei's
// sysObjectID and serves HUAWEI-ENTITY-EXTENT-MIB rows and entPhysicalName
// through a pass handler; the profile (data) turns them into results.
func TestSNMPHealthHuaweiProfile(t *testing.T) {
	const ent = `.1.3.6.1.2.1.47.1.1.1.1.7.67108867 string Board 0/0
.1.3.6.1.2.1.47.1.1.1.1.7.67108873 string MPU Board 1
`
	const hw = `.1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5.67108867 integer 0
.1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5.67108873 integer 23
.1.3.6.1.4.1.2011.5.25.31.1.1.1.1.7.67108867 integer 0
.1.3.6.1.4.1.2011.5.25.31.1.1.1.1.7.67108873 integer 41
.1.3.6.1.4.1.2011.5.25.31.1.1.1.1.11.67108867 integer 0
.1.3.6.1.4.1.2011.5.25.31.1.1.1.1.11.67108873 integer 75
.1.3.6.1.4.1.2011.5.25.31.1.1.10.1.7.0.1 integer 1
.1.3.6.1.4.1.2011.5.25.31.1.1.10.1.7.0.2 integer 2
.1.3.6.1.4.1.2011.5.25.31.1.1.18.1.6.0.1 integer 1
.1.3.6.1.4.1.2011.5.25.31.1.1.18.1.6.0.2 integer 3
`
	s := testenv.StartSNMPD(t, testenv.SNMPDOptions{
		Extra: "sysObjectID .1.3.6.1.4.1.2011.2.23.96",
		Pass: []testenv.SNMPPass{
			{Name: "entity", Root: ".1.3.6.1.2.1.47", Data: ent},
			{Name: "huawei", Root: ".1.3.6.1.4.1.2011.5.25.31", Data: hw},
		},
	})
	rs := runCheck(t, "snmp-health", device("core-sw-01", s.Port, snmpv2c(t, s)), runOpts{})
	want := map[string]result.Status{
		"cpu/MPU Board 1": result.OK, "memory/MPU Board 1": result.OK, "temperature/MPU Board 1": result.Crit,
		"fan/0.1": result.OK, "fan/0.2": result.Crit, "psu/0.1": result.OK, "psu/0.2": result.Warn,
	}
	if len(rs) != len(want) {
		t.Errorf("got %d results, want %d (the rows reading 0 are no sensor):", len(rs), len(want))
	}
	for _, r := range rs {
		t.Logf("%s %s: %s", r.Item, r.Status, r.Message)
		if st, ok := want[r.Item]; !ok || st != r.Status {
			t.Errorf("%s: %s, want %s", r.Item, r.Status, st)
		}
	}
	if r := checktest.ResultItem(t, rs, "cpu/MPU Board 1"); checktest.Deref(r.Value) != 23.0 {
		t.Errorf("cpu: %v", checktest.Deref(r.Value))
	}
	if r := checktest.ResultItem(t, rs, "temperature/MPU Board 1"); r.Advice == "" || !strings.Contains(r.Message, "75.0") {
		t.Errorf("temperature: %q advice %q", r.Message, r.Advice)
	}
	if r := checktest.ResultItem(t, rs, "fan/0.2"); !strings.Contains(r.Message, "abnormal") {
		t.Errorf("fan: %q", r.Message)
	}
	// The fan is repaired: the next run reads the new value.
	s.SetPassData(t, "huawei", strings.Replace(hw, "10.1.7.0.2 integer 2", "10.1.7.0.2 integer 1", 1))
	rs = runCheck(t, "snmp-health", device("core-sw-01", s.Port, snmpv2c(t, s)), runOpts{lang: "zh"})
	if r := checktest.ResultItem(t, rs, "fan/0.2"); r.Status != result.OK {
		t.Errorf("repaired fan: %s %q", r.Status, r.Message)
	}
	checktest.WantChinese(t, rs)
}

// Any other device (here Net-SNMP's own sysObjectID) falls back on the
// standard HOST-RESOURCES-MIB: CPU load and RAM use of the real machine.
func TestSNMPHealthGeneric(t *testing.T) {
	s := testenv.StartSNMPD(t, testenv.SNMPDOptions{})
	rs := runCheck(t, "snmp-health", device("nas-01", s.Port, snmpv2c(t, s)), runOpts{})
	var cpu, mem bool
	for _, r := range rs {
		t.Logf("%s %s: %s", r.Item, r.Status, r.Message)
		v := checktest.Deref(r.Value)
		f, _ := v.(float64)
		switch {
		case strings.HasPrefix(r.Item, "cpu/"):
			cpu = r.Value != nil && f >= 0 && f <= 100
		case strings.HasPrefix(r.Item, "memory/"):
			mem = r.Value != nil && f > 0 && f <= 100
		}
	}
	// hrProcessorLoad is a one-minute average: a fresh agent has none yet
	// and the CPU is simply not reported.
	if !mem {
		t.Errorf("want memory from HOST-RESOURCES-MIB, got %+v", rs)
	}
	t.Logf("CPU reported: %v", cpu)
}

// NAS capacity from the real agent's hrStorageTable: the root file system
// is there, the pseudo file systems are not.
func TestSNMPStorage(t *testing.T) {
	s := testenv.StartSNMPD(t, testenv.SNMPDOptions{})
	a := device("nas-01", s.Port, snmpv2c(t, s))
	a.Kind = inventory.KindStorage
	rs := runCheck(t, "snmp-storage", a, runOpts{})
	root := checktest.ResultItem(t, rs, "/")
	if v, _ := checktest.Deref(root.Value).(float64); root.Value == nil || v <= 0 || v > 100 || root.Unit != "%" {
		t.Errorf("/: %+v", root)
	}
	for _, r := range rs {
		if strings.HasPrefix(r.Item, "/dev/") || strings.HasPrefix(r.Item, "/run") || strings.HasPrefix(r.Item, "/sys") {
			t.Errorf("pseudo file system reported: %s", r.Item)
		}
	}
	// A threshold the root file system is over: CRIT with advice.
	full := checktest.ResultItem(t, runCheck(t, "snmp-storage", a, runOpts{spec: &inspect.Spec{Warn: "~:0", Crit: "~:0"}}), "/")
	if full.Status != result.Crit || full.Advice == "" {
		t.Errorf("over threshold: %s %q", full.Status, full.Advice)
	}
}

// A Cisco switch, emulated likewise: memory from used and free pool
// bytes, and CISCO-ENVMON-MIB rows named by their own description column.
func TestSNMPHealthCiscoProfile(t *testing.T) {
	const cisco = `.1.3.6.1.4.1.9.9.109.1.1.1.1.8.1 gauge 12
.1.3.6.1.4.1.9.9.13.1.3.1.2.1 string Inlet
.1.3.6.1.4.1.9.9.13.1.3.1.3.1 gauge 31
.1.3.6.1.4.1.9.9.13.1.4.1.2.1 string Fan 1
.1.3.6.1.4.1.9.9.13.1.4.1.2.2 string Fan 2
.1.3.6.1.4.1.9.9.13.1.4.1.3.1 integer 1
.1.3.6.1.4.1.9.9.13.1.4.1.3.2 integer 5
.1.3.6.1.4.1.9.9.13.1.5.1.2.1 string PS1
.1.3.6.1.4.1.9.9.13.1.5.1.3.1 integer 3
.1.3.6.1.4.1.9.9.48.1.1.1.2.1 string Processor
.1.3.6.1.4.1.9.9.48.1.1.1.5.1 gauge 950
.1.3.6.1.4.1.9.9.48.1.1.1.6.1 gauge 50
`
	s := testenv.StartSNMPD(t, testenv.SNMPDOptions{
		Extra: "sysObjectID .1.3.6.1.4.1.9.1.2694",
		Pass:  []testenv.SNMPPass{{Name: "cisco", Root: ".1.3.6.1.4.1.9.9", Data: cisco}},
	})
	rs := runCheck(t, "snmp-health", device("ngfw-01", s.Port, snmpv2c(t, s)), runOpts{})
	want := map[string]result.Status{
		"cpu/1": result.OK, "memory/Processor": result.Crit, "temperature/Inlet": result.OK,
		"fan/Fan 1": result.OK, "psu/PS1": result.Crit, // "Fan 2" is notPresent: no result
	}
	if len(rs) != len(want) {
		t.Errorf("got %d results, want %d", len(rs), len(want))
	}
	for _, r := range rs {
		t.Logf("%s %s: %s", r.Item, r.Status, r.Message)
		if st, ok := want[r.Item]; !ok || st != r.Status {
			t.Errorf("%s: %s, want %s", r.Item, r.Status, st)
		}
	}
	if r := checktest.ResultItem(t, rs, "memory/Processor"); checktest.Deref(r.Value) != 95.0 {
		t.Errorf("memory: %v, want 95 (950 used of 1000)", checktest.Deref(r.Value))
	}
}

// A site's own profile (profiles_dir) for its Hillstone firewalls,
// against an emulated one: the profile from the directory replaces the
// built-in one, and its per-processor rows fold into their average.
func TestSNMPHealthSiteProfile(t *testing.T) {
	const cpu = `.1.3.6.1.4.1.28557.99.1.2 integer 30
.1.3.6.1.4.1.28557.99.1.1 integer 10
`
	s := testenv.StartSNMPD(t, testenv.SNMPDOptions{
		Extra: "sysObjectID .1.3.6.1.4.1.28557.1.36",
		Pass:  []testenv.SNMPPass{{Name: "cpu", Root: ".1.3.6.1.4.1.28557.99", Data: cpu}},
	})
	dir := t.TempDir()
	prof := "vendor: hillstone\nname: Hillstone (site)\nmatch: [\"1.3.6.1.4.1.28557\"]\ncpu: {oid: 1.3.6.1.4.1.28557.99.1, aggregate: avg}\n"
	if err := os.WriteFile(filepath.Join(dir, "hillstone.yaml"), []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := &inspect.Spec{Params: map[string]any{"profiles_dir": dir}}
	rs := runCheck(t, "snmp-health", device("ngfw-02", s.Port, snmpv2c(t, s)), runOpts{spec: spec})
	r := checktest.One(t, rs)
	if r.Item != "cpu/avg" || checktest.Deref(r.Value) != 20.0 || !strings.Contains(r.Message, "average of 2 processors") {
		t.Errorf("cpu: %s %v %q", r.Item, checktest.Deref(r.Value), r.Message)
	}
	// Without the directory, the built-in Hillstone profile: the agent here
	// serves HOST-RESOURCES-MIB memory.
	rs = runCheck(t, "snmp-health", device("ngfw-02", s.Port, snmpv2c(t, s)), runOpts{})
	if r := checktest.ResultItem(t, rs, "memory/Physical memory"); r.Value == nil {
		t.Errorf("built-in profile, memory: %+v", r)
	}
}
