package inventory

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Each bad inventory in testdata/invalid-*.yaml and the exact message a
// user must see: every problem, with file:line:column and a hint.
var invalidCases = []struct {
	file string
	want string
}{
	{"invalid-address.yaml", `testdata/invalid-address.yaml:3:14: address "192.0.2.300" is not a valid IPv4 or IPv6 address or DNS name (e.g. 192.0.2.10, 2001:db8::10 or web01.example.org)
testdata/invalid-address.yaml:5:14: address "web 02.example.org" is not a valid IPv4 or IPv6 address or DNS name (e.g. 192.0.2.10, 2001:db8::10 or web01.example.org)
testdata/invalid-address.yaml:7:14: address "2001:db8::zz" is not a valid IPv4 or IPv6 address or DNS name (e.g. 192.0.2.10, 2001:db8::10 or web01.example.org)`},
	{"invalid-criticality.yaml", `testdata/invalid-criticality.yaml:3:18: invalid criticality "high" (one of: core, non-core)
testdata/invalid-criticality.yaml:7:18: invalid criticality "核心" (one of: core, non-core)`},
	{"invalid-db-tls.yaml", `testdata/invalid-db-tls.yaml:5:62: unknown database TLS mode "true" (one of: disable, prefer, require, verify-ca, verify-full; when not given, a connection over the network must use TLS and only a loopback one may go without)
testdata/invalid-db-tls.yaml:11:12: unknown database TLS mode "skip-verify" (one of: disable, prefer, require, verify-ca, verify-full; when not given, a connection over the network must use TLS and only a loopback one may go without)`},
	{"invalid-duplicate-name.yaml", `testdata/invalid-duplicate-name.yaml:4:11: duplicate asset name "web-01" (first defined at testdata/invalid-duplicate-name.yaml:2) (rename or remove one of them)
testdata/invalid-duplicate-name.yaml:8:5: key "address" given twice (first on line 7)`},
	{"invalid-jump-cycle.yaml", `testdata/invalid-jump-cycle.yaml:4:23: jump chain of "a" loops: a -> b -> a (the outermost jump host must not have a via)
testdata/invalid-jump-cycle.yaml:7:23: jump chain of "b" loops: b -> a -> b (the outermost jump host must not have a via)
testdata/invalid-jump-cycle.yaml:10:23: asset "c" cannot be its own jump host`},
	{"invalid-kind.yaml", `testdata/invalid-kind.yaml:3:11: unknown kind "switch" (one of: host, database, appliance, network-device, security-device, middleware, application, link, storage, cloud-service)`},
	{"invalid-link.yaml", `testdata/invalid-link.yaml:6:10: link end b has no address (the address that answers ping at that end) (e.g. link: {a: {site: local-dc, address: 198.51.100.253}, b: {site: cloud, address: 192.0.2.254}})
testdata/invalid-link.yaml:6:17: both ends of the link are at site dc: the ends must be at different sites (e.g. link: {a: {site: local-dc, address: 198.51.100.253}, b: {site: cloud, address: 192.0.2.254}})
testdata/invalid-link.yaml:7:21: link availability target 101 is not a percentage between 0 and 100
testdata/invalid-link.yaml:11:20: address "198.51.100.300" is not a valid IPv4 or IPv6 address or DNS name (e.g. 192.0.2.10, 2001:db8::10 or web01.example.org)
testdata/invalid-link.yaml:16:5: only assets of kind link take link: (this one is network-device)`},
	{"invalid-no-address.yaml", `testdata/invalid-no-address.yaml:2:5: host "web-01" has no address (set address, or connection.transport: local or none)
testdata/invalid-no-address.yaml:3:5: asset has no name (every asset needs a unique name)
testdata/invalid-no-address.yaml:4:11: invalid name "bad name" (use letters, digits, '.', '_' and '-', starting with a letter or digit)`},
	{"invalid-port.yaml", `testdata/invalid-port.yaml:3:11: port 70000 out of range (ports are 1 to 65535)
testdata/invalid-port.yaml:8:11: port 0 out of range (ports are 1 to 65535)
testdata/invalid-port.yaml:12:11: expected a number, got five`},
	{"invalid-refs.yaml", `testdata/invalid-refs.yaml:3:13: unknown system "lis" (declare it under systems, or check the spelling)
testdata/invalid-refs.yaml:9:13: unknown system "pacs-ris" (declare it under systems, or check the spelling)
testdata/invalid-refs.yaml:10:14: unknown group "cloud-host" (declare it under groups, or check the spelling)
testdata/invalid-refs.yaml:12:12: jump host "bastion" is not in the inventory (add the jump host as an asset, or check the spelling)`},
	{"invalid-secret.yaml", `testdata/invalid-secret.yaml:6:17: a secret must not be written in the inventory (write {env: VARIABLE}, {file: PATH} or {vault: NAME})
testdata/invalid-secret.yaml:7:19: passphrase may reference only one source (env, file or vault) (write {env: VARIABLE}, {file: PATH} or {vault: NAME})`},
	{"invalid-sla.yaml", `testdata/invalid-sla.yaml:4:25: cannot read deadline "soon" (e.g. 15m, 2h, 24h, 7d)
testdata/invalid-sla.yaml:5:21: availability 120 must be between 0 and 100
testdata/invalid-sla.yaml:6:14: bad members selector: selector "zone in (a": missing ')'`},
	// The parser's position, not the start of the enclosing collection
	// (yaml.v3 says line 2, line 1 and line 3); a column where the text
	// tells it (a flow list cut off fails the same wherever it is cut).
	{"invalid-syntax.yaml", `testdata/invalid-syntax.yaml:3: YAML syntax error: did not find expected ',' or ']'`},
	{"invalid-syntax-indent.yaml", `testdata/invalid-syntax-indent.yaml:5:4: YAML syntax error: did not find expected '-' indicator`},
	{"invalid-syntax-column.yaml", `testdata/invalid-syntax-column.yaml:4:14: YAML syntax error: mapping values are not allowed in this context`},
	{"invalid-top.yaml", `testdata/invalid-top.yaml:1:1: the top level must be a mapping (defaults, groups, systems, assets)`},
	{"invalid-types.yaml", `testdata/invalid-types.yaml:4:13: expected a list, got cloud-hosts
testdata/invalid-types.yaml:6:15: expected true or false, got maybe
testdata/invalid-types.yaml:7:13: expected a mapping (key: value), got [...]`},
	{"invalid-unknown-key.yaml", `testdata/invalid-unknown-key.yaml:3:5: unknown key "adress" (did you mean "address"?)
testdata/invalid-unknown-key.yaml:5:7: unknown key "usr" (did you mean "user"?)
testdata/invalid-unknown-key.yaml:6:1: unknown key "hosts" (known keys: defaults, groups, systems, assets)`},
}

func TestLoadInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid-*.yaml")
	if len(files) != len(invalidCases) {
		t.Errorf("%d invalid-*.yaml files but %d cases: every bad input needs its expected error", len(files), len(invalidCases))
	}
	for _, tc := range invalidCases {
		t.Run(tc.file, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", tc.file))
			if err == nil {
				t.Fatal("loaded without error")
			}
			ve, ok := err.(*ValidationError)
			if !ok {
				t.Fatalf("error is %T, want *ValidationError: %v", err, err)
			}
			if got := ve.Error(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if len(ve.Problems) != strings.Count(tc.want, "\n")+1 {
				t.Errorf("%d problems, want one per line", len(ve.Problems))
			}
		})
	}
}

func TestValidationErrorChinese(t *testing.T) {
	_, err := Load("testdata/invalid-unknown-key.yaml")
	ve := err.(*ValidationError)
	got := ve.Localized(i18n.ZH).Error()
	want := `testdata/invalid-unknown-key.yaml:3:5: 未知的键 "adress"（是否应为 "address"？）`
	if first, _, _ := strings.Cut(got, "\n"); first != want {
		t.Errorf("got %q, want %q", first, want)
	}
}

func mustLoad(t testing.TB, path string) *Inventory {
	t.Helper()
	inv, err := Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return inv
}

func TestLoadEffectiveSettings(t *testing.T) {
	inv := mustLoad(t, "testdata/valid.yaml")
	if got := names(inv.Assets); !reflect.DeepEqual(got, []string{"bastion-01", "pacs-app-01", "pacs-db-01", "oa-web-01"}) {
		t.Fatalf("assets in file order: %v", got)
	}
	app := inv.Asset("pacs-app-01")
	// From defaults, then cloud-hosts, then pacs-servers, then its own.
	if app.Zone != "intranet" || app.Site != "cloud" || app.System != "pacs" || app.Criticality != "core" {
		t.Errorf("inherited fields: zone=%q site=%q system=%q criticality=%q", app.Zone, app.Site, app.System, app.Criticality)
	}
	if want := map[string]string{"env": "prod", "team": "imaging", "role": "app"}; !reflect.DeepEqual(app.Labels, want) {
		t.Errorf("labels %v, want %v", app.Labels, want)
	}
	if app.Connection.User != "ops" || app.Connection.Port != 22 || app.Connection.Via != "bastion-01" {
		t.Errorf("connection %+v", app.Connection)
	}
	if app.Kind != KindHost {
		t.Errorf("kind defaults to host, got %q", app.Kind)
	}
	if app.Pos.File != "testdata/valid.yaml" || app.Pos.Line != 49 {
		t.Errorf("pos %+v, want testdata/valid.yaml:49", app.Pos)
	}
	// Checks merge field by field: asset over group over defaults.
	db := inv.Asset("pacs-db-01")
	if o, ok := inv.CheckOverride(db, "disk"); !ok || o.Warn != "85" || o.Crit != "95" {
		t.Errorf("disk override of pacs-db-01 = %+v, %v; want warn 85 (own) crit 95 (group)", o, ok)
	}
	if o, _ := inv.CheckOverride(app, "disk"); o.Warn != "80" || o.Crit != "95" {
		t.Errorf("disk override of pacs-app-01 = %+v; want warn 80 (defaults) crit 95 (group)", o)
	}
	if db.Database == nil || db.Database.Password.Env != "PACS_DB_PW" {
		t.Errorf("database %+v", db.Database)
	}
	oa := inv.Asset("oa-web-01")
	if oa.Zone != "internet" || oa.Connection.User != "root" || oa.Criticality != "non-core" {
		t.Errorf("oa-web-01: zone=%q user=%q criticality=%q", oa.Zone, oa.Connection.User, oa.Criticality)
	}
	// What was written, before inheritance, is kept for editing and export.
	if own := inv.Own(app); own.Zone != "" || own.Connection.Via != "" || !reflect.DeepEqual(own.Labels, map[string]string{"role": "app"}) {
		t.Errorf("own definition changed: %+v", own)
	}
	if s := inv.System("pacs"); s == nil || s.DisplayName("zh") != "区域PACS/RIS/BROKER" || s.SLA.Urgent.Fix != "2h" {
		t.Errorf("system pacs: %+v", s)
	}
	if g := inv.Group("cloud-hosts"); g == nil || g.Description != "云主机" || g.Connection.Via != "bastion-01" {
		t.Errorf("group cloud-hosts: %+v", g)
	}
}

func TestSystemMembersAndJumpChain(t *testing.T) {
	inv := mustLoad(t, "testdata/valid.yaml")
	if got := names(inv.SystemMembers("pacs")); !reflect.DeepEqual(got, []string{"pacs-app-01", "pacs-db-01"}) {
		t.Errorf("pacs members %v", got)
	}
	if got := names(inv.SystemMembers("oa")); !reflect.DeepEqual(got, []string{"oa-web-01"}) {
		t.Errorf("oa members %v", got)
	}
	chain, err := inv.JumpChain(inv.Asset("pacs-db-01"))
	if err != nil || !reflect.DeepEqual(names(chain), []string{"bastion-01"}) {
		t.Errorf("jump chain %v, %v", names(chain), err)
	}
	chain, err = inv.JumpChain(inv.Asset("bastion-01"))
	if err != nil || len(chain) != 0 {
		t.Errorf("bastion reached directly, got %v, %v", names(chain), err)
	}
}

func TestJumpChainOrderAndCycle(t *testing.T) {
	inv, err := LoadBytes("chain.yaml", []byte(`
assets:
  - {name: outer, address: 203.0.113.1}
  - {name: inner, address: 198.51.100.1, connection: {via: outer}}
  - {name: target, address: 192.0.2.1, connection: {via: inner}}
`))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := inv.JumpChain(inv.Asset("target"))
	if err != nil || !reflect.DeepEqual(names(chain), []string{"outer", "inner"}) {
		t.Errorf("chain %v (%v), want first hop first: [outer inner]", names(chain), err)
	}
	// A cycle is refused at load; JumpChain on a hand-made asset still errors.
	inv.Asset("outer").Connection.Via = "target"
	if _, err := inv.JumpChain(inv.Asset("target")); err == nil || !strings.Contains(err.Error(), "loops") {
		t.Errorf("cycle: %v", err)
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("00-defaults.yaml", "defaults:\n  zone: intranet\ngroups:\n  db: {criticality: core}\n")
	write("10-hosts.yml", "assets:\n  - {name: web-01, address: 192.0.2.1, connection: {via: bastion}}\n")
	write("dc/20-db.yaml", "assets:\n  - {name: db-01, kind: database, address: 192.0.2.2, groups: [db]}\n  - {name: bastion, address: 203.0.113.5}\n")
	write(".git/config.yaml", "not: an inventory\n")
	write("notes.txt", "ignored\n")
	inv := mustLoad(t, dir)
	if got := names(inv.Assets); !reflect.DeepEqual(got, []string{"web-01", "db-01", "bastion"}) {
		t.Errorf("assets %v", got)
	}
	if len(inv.Files) != 3 {
		t.Errorf("files %v", inv.Files)
	}
	if a := inv.Asset("db-01"); a.Zone != "intranet" || a.Criticality != "core" {
		t.Errorf("defaults from another file not applied: %+v", a)
	}
	write("30-more.yaml", "defaults:\n  site: x\nassets:\n  - {name: web-01, address: 192.0.2.9}\n")
	_, err := Load(dir)
	ve, ok := err.(*ValidationError)
	if !ok || len(ve.Problems) != 2 {
		t.Fatalf("want 2 problems (second defaults, duplicate name), got %v", err)
	}
	if !strings.Contains(ve.Problems[0].String(), "30-more.yaml:1:1: defaults given twice (first at "+filepath.Join(dir, "00-defaults.yaml")+":2)") {
		t.Errorf("problem 0: %s", ve.Problems[0])
	}
	if !strings.Contains(ve.Problems[1].String(), `30-more.yaml:4:12: duplicate asset name "web-01" (first defined at `+filepath.Join(dir, "10-hosts.yml")+":2)") {
		t.Errorf("problem 1: %s", ve.Problems[1])
	}
}

func TestLoadMissingAndEmpty(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing file: %v", err)
	}
	inv, err := LoadBytes("empty.yaml", []byte("# nothing yet\n"))
	if err != nil || len(inv.Assets) != 0 {
		t.Errorf("empty file: %v, %v", inv, err)
	}
}

func TestValidAddress(t *testing.T) {
	for s, want := range map[string]bool{
		"192.0.2.1": true, "2001:db8::1": true, "[2001:db8::1]": true, "db.example.org": true, "web-01": true,
		"192.0.2.256": false, "1.2.3": false, "": false, "a..b": false, "-a.example.org": false, "web 1": false,
		"fe80::1%eth0": true, "x_y.example.org": false,
	} {
		if got := ValidAddress(s); got != want {
			t.Errorf("ValidAddress(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]string{"15m": "15m0s", "2h": "2h0m0s", "1d": "24h0m0s", "1w": "168h0m0s", "1d12h": "36h0m0s", "30s": "30s"} {
		d, err := ParseDuration(s)
		if err != nil || d.String() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", s, d, err, want)
		}
	}
	for _, s := range []string{"", "soon", "2x", "h"} {
		if _, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) accepted", s)
		}
	}
}

func TestLocalhost(t *testing.T) {
	a := Localhost()
	if a.Name != "localhost" || a.Kind != KindHost || a.Connection.Transport != TransportLocal {
		t.Errorf("%+v", a)
	}
	if a.OS.Arch == "" || (runtime.GOOS == "linux" && a.OS.Family == "") {
		t.Errorf("os %+v", a.OS)
	}
}

func names(as []*Asset) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

// People who know Ansible write YAML anchors and merge keys; they work, and
// the asset's own keys win over the merged ones.
func TestLoadMergeKeys(t *testing.T) {
	inv, err := LoadBytes("merge.yaml", []byte(`
x-linux: &linux
  kind: host
  os: {family: kylin, arch: aarch64}
  connection: {user: ops, port: 2222}
assets:
  - <<: *linux
    name: web-01
    address: 192.0.2.1
    connection: {user: root}
`))
	if err != nil {
		t.Fatalf("%v", err)
	}
	a := inv.Asset("web-01")
	if a.OS.Family != "kylin" || a.Connection.User != "root" || a.Connection.Port != 2222 || a.Address != "192.0.2.1" {
		t.Errorf("merged asset: %+v", a)
	}
	_, err = LoadBytes("merge.yaml", []byte("x-a: &a {adress: 1}\nassets:\n  - <<: *a\n    name: b\n    address: 192.0.2.1\n"))
	if err == nil || !strings.Contains(err.Error(), `merge.yaml:1:10: unknown key "adress"`) {
		t.Errorf("a typo in a merged anchor: %v", err)
	}
}

// Hostile or broken files end in problems, quickly, never a panic or a
// hang: alias bombs, deep nesting, binary junk, huge scalars.
func TestLoadHostileInput(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("x-a: &a [{name: a}, {name: a}, {name: a}, {name: a}, {name: a}, {name: a}, {name: a}, {name: a}, {name: a}]\n")
	prev := "a"
	for _, c := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		bomb.WriteString("x-" + c + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n")
		prev = c
	}
	bomb.WriteString("assets: *i\n")
	deep := "assets:\n  - name: x\n    labels: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"
	junk := string([]byte{0x00, 0xff, 0xfe, 0x01, '{', '[', ':', 0x80})
	for name, data := range map[string]string{
		"alias bomb": bomb.String(),
		"deep":       deep,
		"junk":       junk,
		"huge":       "assets:\n  - name: " + strings.Repeat("a", 1<<20) + "\n",
		"tabs":       "assets:\n\t- name: x\n",
	} {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := LoadBytes(name+".yaml", []byte(data))
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Error("loaded without a problem")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("load did not finish in 10 s")
			}
		})
	}
}
