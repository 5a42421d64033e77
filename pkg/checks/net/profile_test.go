package net

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
)

// The built-in profiles load, and a device gets the profile of the
// longest sysObjectID prefix that is a whole OID prefix, else the
// HOST-RESOURCES-MIB fallback.
func TestProfilesMatch(t *testing.T) {
	ps, err := Profiles("")
	if err != nil {
		t.Fatal(err)
	}
	for objID, want := range map[string]string{
		"1.3.6.1.4.1.2011.2.23.96":    "huawei", // Huawei S5735
		".1.3.6.1.4.1.25506.1.1179":   "h3c",    // leading dot as agents write it
		"1.3.6.1.4.1.9.1.2694":        "cisco",
		"1.3.6.1.4.1.4881.1.1.10.1.1": "ruijie",
		"1.3.6.1.4.1.28557.1.36":      "hillstone",
		"1.3.6.1.4.1.8072.3.2.10":     "generic", // Net-SNMP on Linux (NAS, Sangfor)
		"1.3.6.1.4.1.20110.1":         "generic", // 20110 is not Huawei's 2011
		"1.3.6.1.4.1.90":              "generic", // nor 90 Cisco's 9
	} {
		if p := ps.Match(objID); p == nil || p.Vendor != want {
			t.Errorf("%s: got %v, want %s", objID, p, want)
		}
	}
}

// A profile of the site's own replaces the built-in one of its vendor; a
// broken one is refused with its file and line.
func TestProfilesFromDir(t *testing.T) {
	dir := t.TempDir()
	own := "vendor: huawei\nname: Huawei (site)\nmatch: [\"1.3.6.1.4.1.2011\"]\ncpu:\n  oid: 1.3.6.1.4.1.2011.6.3.4.1.2\n"
	if err := os.WriteFile(filepath.Join(dir, "huawei.yaml"), []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := Profiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := ps.Match("1.3.6.1.4.1.2011.2.23.96"); p.Name != "Huawei (site)" || p.CPU.OID != "1.3.6.1.4.1.2011.6.3.4.1.2" || p.Temperature != nil {
		t.Errorf("site profile not used: %+v", p)
	}

	for name, c := range map[string]struct{ body, want string }{
		"unknown key":   {"vendor: x\nmatch: [\"1.3.6.1.4.1.1\"]\ncpu:\n  oids: 1.2.3\n", "bad.yaml:4: field oids not found"},
		"bad oid":       {"vendor: x\nmatch: [\"1.3.6.1.4.1.1\"]\ntemperature:\n  oid: 1.3.x\n", `bad.yaml:3: temperature: "1.3.x" is not a dotted OID`},
		"no match":      {"vendor: x\ncpu: {oid: 1.2.3}\n", "bad.yaml:1: match: give the sysObjectID prefixes"},
		"states needed": {"vendor: x\nmatch: [\"*\"]\nfan: {oid: 1.2.3}\n", "bad.yaml:3: fan: a status column needs states"},
		"bad status":    {"vendor: x\nmatch: [\"*\"]\npsu:\n  oid: 1.2.3\n  states: {1: {status: fine, text: ok}}\n", `bad.yaml:3: psu: state 1: status "fine"`},
	} {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, "bad.yaml"), []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Profiles(d)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	if _, err := Profiles(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("a missing profiles_dir is accepted")
	}
}

// Every message key the checks use is in the catalogue, in both languages,
// the keys built at run time included.
func TestNetMessagesInCatalogue(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	var src []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			src = append(src, f)
		}
	}
	checktest.WantKeys(t, src, 30)
	for _, k := range []string{"first", "no_history", "reset", "discont", "wrap32", "interval"} {
		checktest.WantKey(t, "net.if.norate."+k)
	}
	for _, k := range []string{"cpu", "memory", "temperature", "fan", "psu", "status"} {
		checktest.WantKey(t, "net.health.advice."+k)
	}
	for _, f := range snmpFailures {
		checktest.WantKey(t, f.msg)
		checktest.WantKey(t, f.advice)
	}
	checktest.WantKey(t, "net.health.cpu_avg")
	checktest.WantKey(t, "net.health.cpu_max")
	for _, k := range []string{"fan", "psu", "status"} {
		checktest.WantKey(t, "net.health.state."+k)
		checktest.WantKey(t, "net.health.state_unknown."+k)
	}
}
