package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A link's ends load from YAML, and the far end from a site is the one
// pinged; a link written before ends existed keeps its address.
func TestLinkEnds(t *testing.T) {
	dir := t.TempDir()
	src := `assets:
  - name: line-dc-01
    kind: link
    address: 198.51.100.253
    link:
      a: {site: local-dc, address: 198.51.100.253}
      b: {site: cloud, address: 192.0.2.253}
      availability: 99.9
  - name: inet-bw-01
    kind: link
    address: 203.0.113.1
`
	if err := os.WriteFile(filepath.Join(dir, "inv.yaml"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	inv := mustLoad(t, dir)
	line, old := inv.Asset("line-dc-01"), inv.Asset("inet-bw-01")
	if line == nil || line.Link == nil || line.Link.B.Address != "192.0.2.253" || line.Link.Availability != 99.9 {
		t.Fatalf("link not loaded: %+v", line)
	}
	for _, c := range []struct{ site, addr, end string }{
		{"local-dc", "192.0.2.253", "b"}, {"", "192.0.2.253", "b"}, {"elsewhere", "192.0.2.253", "b"}, {"cloud", "198.51.100.253", "a"},
	} {
		if addr, end := line.LinkTarget(c.site); addr != c.addr || end != c.end {
			t.Errorf("from %q: %s (end %s), want %s (end %s)", c.site, addr, end, c.addr, c.end)
		}
	}
	if addr, end := old.LinkTarget("cloud"); addr != "203.0.113.1" || end != "" {
		t.Errorf("link without ends: %s %s", addr, end)
	}
}

// `hcops inventory set/add` write a link's ends; the edited inventory is
// validated like a loaded one (an end's bad address is refused).
func TestEditLinkEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inv.yaml")
	if err := os.WriteFile(path, []byte("assets:\n  - {name: line-1, kind: link, address: 203.0.113.1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ed := mustLoad(t, path).Editor()
	if _, err := ed.Set("line-1", mustAssign(t, "link.a.site=dc", "link.a.address=198.51.100.1", "link.b.site=cloud", "link.b.address=192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	inv, err := ed.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if l := inv.Asset("line-1").Link; l == nil || l.A.Site != "dc" || l.B.Address != "192.0.2.1" {
		t.Fatalf("link after set: %+v", l)
	}
	ed = inv.Editor()
	if _, err := ed.Set("line-1", mustAssign(t, "link.b.address=bad..addr")); err == nil {
		if _, err = ed.Commit(); err == nil || !strings.Contains(err.Error(), "bad..addr") {
			t.Errorf("bad end address accepted: %v", err)
		}
	}
}
