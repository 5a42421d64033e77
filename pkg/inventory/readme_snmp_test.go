package inventory

import (
	"os"
	"strings"
	"testing"
)

// The README's snmp example is a valid inventory, and means what the text
// around it says: the group's v3 settings reach nothing by themselves, the
// NAS has a v2c community.
func TestREADMESNMPExample(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "## Network devices over SNMP")
	if !ok {
		t.Fatal("README has no '## Network devices over SNMP' section")
	}
	_, block, ok := strings.Cut(sec, "```yaml\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example in the SNMP section")
	}
	inv, err := LoadBytes("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's SNMP example is not a valid inventory: %v", err)
	}
	nas := inv.Asset("nas-01")
	if nas == nil || nas.SNMP == nil || nas.SNMP.Version != SNMPv2c || nas.SNMP.Community.Env != "HCOPS_SNMP_COMMUNITY" {
		t.Errorf("nas-01: %+v", nas)
	}
	g := inv.groupByName["network-devices"]
	if g == nil || g.SNMP == nil || g.SNMP.EffectiveLevel() != SNMPAuthPriv || g.SNMP.PrivKey.Vault != "snmp-priv" {
		t.Errorf("group network-devices: %+v", g)
	}
}
