package inventory

import (
	"os"
	"path/filepath"
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
