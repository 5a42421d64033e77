package inventory

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

func mustAssign(t *testing.T, ss ...string) []Assignment {
	t.Helper()
	var out []Assignment
	for _, s := range ss {
		a, err := ParseAssignment(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestEditKeepsCommentsAndOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inv.yaml")
	copyFile(t, "testdata/valid.yaml", path)
	orig, _ := os.ReadFile(path)
	inv := mustLoad(t, path)
	ed := inv.Editor()
	if _, err := ed.Set("pacs-app-01", mustAssign(t, "zone=internet", "labels.role=web", "groups+=dmz", "connection.port=2222")); err != nil {
		t.Fatal(err)
	}
	if err := ed.Add("web-09", "", mustAssign(t, "address=192.0.2.99", "groups=cloud-hosts", "labels.tier=front", "kind=host")); err != nil {
		t.Fatal(err)
	}
	if err := ed.Remove("oa-web-01"); err != nil {
		t.Fatal(err)
	}
	inv2, err := ed.Commit()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	text := string(got)
	for _, want := range []string{
		"# A small but complete inventory used by the unit tests.",
		"# the cloud bastion (云堡垒机)",
		"    groups: [cloud-hosts, pacs-servers, dmz]\n",
		"    labels: {role: web}\n",
		"  - name: web-09\n    kind: host\n    address: 192.0.2.99\n    groups: [cloud-hosts]\n    labels:\n      tier: front\n",
		"\nsystems:\n", // blank lines before sections kept
	} {
		if !strings.Contains(text, want) {
			t.Errorf("edited file lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "oa-web-01") {
		t.Error("removed asset still in file")
	}
	// Untouched parts are byte-identical: the defaults block and the systems.
	for _, keep := range []string{"defaults:\n  zone: intranet\n  criticality: non-core\n  labels: {env: prod}\n", "    sla:\n      urgent: {respond: 15m, fix: 2h}\n"} {
		if !strings.Contains(string(orig), keep) || !strings.Contains(text, keep) {
			t.Errorf("untouched block %q changed", keep)
		}
	}
	if bak, err := os.ReadFile(path + ".bak"); err != nil || string(bak) != string(orig) {
		t.Errorf(".bak is not the previous version: %v", err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("file mode changed to %v", st.Mode().Perm())
	}
	a := inv2.Asset("pacs-app-01")
	if a.Zone != "internet" || a.Labels["role"] != "web" || a.Connection.Port != 2222 || len(a.Groups) != 3 {
		t.Errorf("after set: %+v", a)
	}
	if inv2.Asset("web-09") == nil || inv2.Asset("oa-web-01") != nil {
		t.Error("add/rm not visible after reload")
	}
	// A second edit keeps exactly one .bak: the version before it.
	ed = inv2.Editor()
	if _, err := ed.Set("web-09", mustAssign(t, "labels.tier=", "notes=spare")); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Commit(); err != nil {
		t.Fatal(err)
	}
	bak, _ := os.ReadFile(path + ".bak")
	if string(bak) != text {
		t.Error(".bak is not the version before the last edit")
	}
	now, _ := os.ReadFile(path)
	if strings.Contains(string(now), "tier") || !strings.Contains(string(now), "notes: spare") {
		t.Errorf("unset/set: %s", now)
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestEditRefusesInvalidResult(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inv.yaml")
	copyFile(t, "testdata/valid.yaml", path)
	orig, _ := os.ReadFile(path)
	for _, tc := range []struct {
		do   func(ed *Editor) error
		want string
	}{
		{func(ed *Editor) error {
			_, err := ed.Set("pacs-db-01", mustAssign(t, "address=192.0.2.999"))
			return err
		}, `address "192.0.2.999" is not a valid`},
		{func(ed *Editor) error { return ed.Remove("bastion-01") }, `jump host "bastion-01" is not in the inventory`},
		{func(ed *Editor) error { _, err := ed.Set("oa-web-01", mustAssign(t, "groups+=nope")); return err }, `unknown group "nope"`},
		{func(ed *Editor) error {
			_, err := ed.Set("bastion-01", mustAssign(t, "connection.via=pacs-app-01"))
			return err
		}, `jump chain of "bastion-01" loops`},
	} {
		ed := mustLoad(t, path).Editor()
		if err := tc.do(ed); err != nil {
			t.Fatal(err)
		}
		_, err := ed.Commit()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("commit: %v, want %q", err, tc.want)
		}
		if now, _ := os.ReadFile(path); string(now) != string(orig) {
			t.Fatal("file written although the result is invalid")
		}
	}
	if _, err := os.Stat(path + ".bak"); err == nil {
		t.Error(".bak written for a refused edit")
	}
}

func TestLoadOrNewCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "inv.yaml")
	inv, err := LoadOrNew(path)
	if err != nil {
		t.Fatal(err)
	}
	ed := inv.Editor()
	if err := ed.Add("web-01", "", mustAssign(t, "address=192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Commit(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "assets:\n  - name: web-01\n    address: 192.0.2.1\n" {
		t.Errorf("new file:\n%s", b)
	}
	if _, err := LoadOrNew(filepath.Join(t.TempDir(), "nodir")); err == nil {
		t.Error("a missing path without .yaml must be refused")
	}
}

func TestParseAssignment(t *testing.T) {
	for s, want := range map[string]string{
		"zone=intranet": "zone=intranet", "group+=db": "groups+=db", "groups-=a,b": "groups-=a,b",
		"connection.become=yes": "connection.become=true", "labels.app.kubernetes.io/name=x": "labels.app.kubernetes.io/name=x",
		"checks.disk.crit=95": "checks.disk.crit=95", "notes=": "notes=",
	} {
		a, err := ParseAssignment(s)
		if err != nil || a.String() != want {
			t.Errorf("ParseAssignment(%q) = %v, %v; want %s", s, a, err, want)
		}
	}
	for _, s := range []string{"zone", "colour=red", "port=eighty", "connection.become=maybe", "zone+=x", "=x"} {
		if _, err := ParseAssignment(s); err == nil {
			t.Errorf("ParseAssignment(%q) accepted", s)
		}
	}
}

// Long lists are encoded in pieces for speed; the text must be the same as
// encoding in one piece.
func TestEncodeChunkedSameText(t *testing.T) {
	var b strings.Builder
	b.WriteString("# head comment\ndefaults:\n  zone: intranet\nassets:\n  # first\n")
	for i := 0; i < 3*chunkSize+7; i++ {
		b.WriteString("  - name: h-" + strconv.Itoa(i) + " # c\n    address: 192.0.2.1\n    labels: {a: b}\n")
	}
	b.WriteString("# before systems\nsystems:\n  - name: s\n")
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(b.String()), &root); err != nil {
		t.Fatal(err)
	}
	want, err := encodeNode(&root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeChunked(&root)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("chunked encoding differs:\n%s", firstDiff(string(got), string(want)))
	}
	again, _ := encodeNode(&root)
	if string(again) != string(want) {
		t.Error("encodeChunked changed the node tree")
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ": got " + al[i] + " want " + bl[i]
		}
	}
	return "lengths differ"
}
