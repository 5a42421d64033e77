package inventory

import (
	"strings"
	"testing"
)

// An snmp block on a group is inherited field by field: the asset sets its
// own community, the group's v3 settings reach another member, and a
// member without the group has no snmp block at all.
func TestSNMPInheritance(t *testing.T) {
	inv, err := LoadBytes("snmp.yaml", []byte(`
defaults:
  snmp: {timeout: 3s}
groups:
  switches:
    snmp: {version: "2c", community: {env: SW_COMMUNITY}}
  firewalls:
    snmp:
      version: "3"
      user: hcops
      auth_proto: SHA
      auth_key: {env: FW_AUTH}
      priv_proto: AES
      priv_key: {vault: fw-priv}
assets:
  - {name: sw-01, kind: network-device, address: 198.51.100.1, groups: [switches], snmp: {port: 1161}}
  - {name: sw-02, kind: network-device, address: 198.51.100.2, groups: [switches], snmp: {community: {file: /etc/hcops/sw02}}}
  - {name: fw-01, kind: security-device, address: 198.51.100.5, groups: [firewalls]}
  - {name: web-01, address: 192.0.2.10}
`))
	if err != nil {
		t.Fatal(err)
	}
	sw1, sw2, fw := inv.Asset("sw-01").SNMP, inv.Asset("sw-02").SNMP, inv.Asset("fw-01").SNMP
	if sw1 == nil || sw1.Port != 1161 || sw1.Community.Env != "SW_COMMUNITY" || sw1.Version != "2c" || sw1.Timeout != "3s" {
		t.Errorf("sw-01: %+v", sw1)
	}
	if sw2 == nil || sw2.Community.File != "/etc/hcops/sw02" || sw2.Community.Env != "" {
		t.Errorf("sw-02 keeps its own community reference: %+v", sw2)
	}
	if fw == nil || fw.Version != "3" || fw.User != "hcops" || fw.EffectiveLevel() != SNMPAuthPriv || fw.PrivKey.Vault != "fw-priv" {
		t.Errorf("fw-01: %+v", fw)
	}
	// The defaults' block (a timeout only) reaches every asset but
	// configures nothing: no problem, and SNMP is not configured.
	if s := inv.Asset("web-01").SNMP; s == nil || s.Timeout != "3s" || s.Configured() || !sw1.Configured() {
		t.Errorf("web-01: %+v", s)
	}
}

// Each mistake in an snmp block is reported at its file and line, with a
// hint; a community written in clear is refused.
func TestSNMPProblems(t *testing.T) {
	_, err := LoadBytes("bad.yaml", []byte(`assets:
  - name: sw-01
    kind: network-device
    address: 198.51.100.1
    snmp:
      version: v2
      community: public
  - name: sw-02
    kind: network-device
    address: 198.51.100.2
    snmp: {version: "2c"}
  - name: fw-01
    kind: security-device
    address: 198.51.100.5
    snmp:
      version: "3"
      level: authPriv
      auth_proto: SHA1
      auth_key: {env: A}
      timeout: 5m
  - name: fw-02
    kind: security-device
    address: 198.51.100.6
    snmp: {version: "3", user: u, priv_key: {env: P}, community: {env: X, file: /y}}
`))
	if err == nil {
		t.Fatal("accepted")
	}
	text := err.Error()
	for _, want := range []string{
		`bad.yaml:6:16: unknown SNMP version "v2"`,
		`bad.yaml:7:18: a secret must not be written in the inventory`,
		`bad.yaml:11:11: asset sw-02 uses SNMP v2c but has no community`,
		`bad.yaml:18:19: auth_proto "SHA1" is not supported`,
		`bad.yaml:20:16: SNMP timeout "5m" cannot be read or is out of range`,
		`bad.yaml:16:7: asset fw-01 uses SNMPv3 but has no user`,
		`bad.yaml:16:7: asset fw-01 has SNMPv3 level authPriv but no priv_key`,
		`asset fw-02 has an SNMPv3 privacy key (priv_key) but no authentication key (auth_key)`,
		`snmp.community may reference only one source`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}

// The selector key snmp.version picks the assets with SNMP settings (a
// community or a v3 user), with their version; a block of tuning alone
// does not count.
func TestSNMPSelector(t *testing.T) {
	inv, err := LoadBytes("sel.yaml", []byte(`
defaults:
  snmp: {timeout: 3s}
assets:
  - {name: sw-01, kind: network-device, address: 198.51.100.1, snmp: {community: {env: C}}}
  - {name: fw-01, kind: security-device, address: 198.51.100.5, snmp: {version: "3", user: u, auth_key: {env: A}}}
  - {name: nas-01, kind: storage, address: 198.51.100.30}
`))
	if err != nil {
		t.Fatal(err)
	}
	for expr, want := range map[string]string{
		"snmp.version":              "sw-01 fw-01",
		"!snmp.version":             "nas-01",
		"snmp.version=2c":           "sw-01",
		"kind=storage,snmp.version": "",
	} {
		sel, err := ParseExpr(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		var got []string
		for _, a := range inv.Assets {
			if sel.Match(a) {
				got = append(got, a.Name)
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: %v, want %s", expr, got, want)
		}
	}
}
