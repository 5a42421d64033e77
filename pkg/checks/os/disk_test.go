package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestDiskCheckCentOS(t *testing.T) {
	// Plain df on CentOS 7.7: the tmpfs and devtmpfs rows are skipped by
	// their source name (no Type column), / and /boot are checked.
	rs := osEval(t, "disk", osCapture(t, "disk", "centos-7.7-df.txt"), nil, osNow)
	if len(rs) != 2 {
		t.Fatalf("want / and /boot, got %+v", rs)
	}
	root := osItem(t, rs, "/")
	if root.Status != result.OK || *root.Value != 10.1 || root.Warn != "~:85" || root.Crit != "~:95" {
		t.Errorf("/: %+v", root)
	}
	if osMetric(t, root, "disk.size_bytes") != 17811456*1024 || osMetric(t, root, "disk.used_bytes") != 1805580*1024 || osMetric(t, root, "disk.used_pct") != 10.1 {
		t.Errorf("/ metrics: %+v", root.Metrics)
	}
	boot := osItem(t, rs, "/boot")
	if *boot.Value != 22.9 {
		t.Errorf("/boot: %+v", boot)
	}
}

func TestDiskCheckFullAndReadOnly(t *testing.T) {
	// Constructed from the Debian capture's layout: /var nearly full, /data
	// remounted read-only after errors, a tmpfs and an iso9660 image.
	out := `@@RO
M /dev/vdc1 /data ext4 ro,relatime 0 0
M /dev/sr0 /media/cdrom iso9660 ro,relatime 0 0
@@DF
Filesystem     Type  1024-blocks     Used Available Capacity Mounted on
/dev/vda1      ext4     52428800 49000000   3250000      94% /
/dev/vdb1      xfs      52428800 50200000   2228800      96% /var
/dev/vdc1      ext4     10485760  1048576   9437184      10% /data
/dev/sr0       iso9660     4000     4000         0     100% /media/cdrom
`
	rs := osEval(t, "disk", out, nil, osNow)
	if len(rs) != 3 {
		t.Fatalf("want /, /var, /data (cdrom skipped), got %d: %+v", len(rs), rs)
	}
	root, v, data := osItem(t, rs, "/"), osItem(t, rs, "/var"), osItem(t, rs, "/data")
	if root.Status != result.Warn || v.Status != result.Crit || data.Status != result.Crit {
		t.Errorf("statuses: / %s, /var %s, /data %s", root.Status, v.Status, data.Status)
	}
	if !strings.Contains(v.Advice, "/var") || !strings.Contains(v.Advice, "2.1 GiB free of 50 GiB") {
		t.Errorf("/var advice = %q", v.Advice)
	}
	if data.Reason != "read-only" || !strings.Contains(data.Message, "read-only") || !strings.Contains(data.Advice, "fsck") {
		t.Errorf("/data: %+v", data)
	}
	// allow_readonly lets a deliberate read-only mount pass.
	rs = osEval(t, "disk", out, &inspect.Spec{Name: "disk", Params: map[string]any{"allow_readonly": []any{"/data"}}}, osNow)
	if d := osItem(t, rs, "/data"); d.Status != result.OK {
		t.Errorf("allowed read-only /data: %+v", d)
	}
	// mounts / exclude_mounts / include_types.
	rs = osEval(t, "disk", out, &inspect.Spec{Name: "disk", Params: map[string]any{"mounts": []any{"/var*", "/"}}}, osNow)
	if len(rs) != 2 {
		t.Errorf("mounts filter: %+v", rs)
	}
	rs = osEval(t, "disk", out, &inspect.Spec{Name: "disk", Params: map[string]any{"exclude_mounts": "/var", "include_types": "iso9660"}}, osNow)
	if len(rs) != 3 || rs[2].Item != "/media/cdrom" {
		t.Errorf("exclude /var, include iso9660: %+v", rs)
	}
	// A data volume that may run fuller than the rest.
	rs = osEval(t, "disk", out, &inspect.Spec{Name: "disk", Params: map[string]any{"mount_thresholds": map[string]any{"/va*": map[string]any{"warn": "~:97", "crit": "~:99"}}}}, osNow)
	if v, r := osItem(t, rs, "/var"), osItem(t, rs, "/"); v.Status != result.OK || v.Warn != "~:97" || r.Status != result.Warn {
		t.Errorf("mount_thresholds: /var %+v, / %+v", v, r)
	}
	if !strings.Contains(osItem(t, rs, "/").Evidence, "/dev/vda1 ext4") {
		t.Errorf("evidence of a WARN mount: %+v", osItem(t, rs, "/"))
	}
	c, _ := Lookup("disk")
	for _, bad := range []any{"~:90", map[string]any{"/x": "~:90"}, map[string]any{"/x": map[string]any{"wran": "1"}}, map[string]any{"/x": map[string]any{"warn": "9:1"}}} {
		if err := c.(inspect.Validator).Validate(&inspect.Spec{Name: "disk", Params: map[string]any{"mount_thresholds": bad}}); err == nil {
			t.Errorf("mount_thresholds %v: want an error", bad)
		}
	}
	// Thresholds from the playbook replace the defaults.
	rs = osEval(t, "disk", out, &inspect.Spec{Name: "disk", Warn: "~:97", Crit: "~:99"}, osNow)
	if v := osItem(t, rs, "/var"); v.Status != result.OK {
		t.Errorf("/var at 95.8%% with warn ~:97: %+v", v)
	}
}

// A FUSE filesystem an unprivileged user mounted with the source "@@RO"
// must neither hide the mounts df lists after it nor mark them read-only.
func TestDiskCheckMarkerInSource(t *testing.T) {
	out := "@@RO\n@@DF\nFilesystem Type 1024-blocks Used Available Capacity Mounted on\n@@RO fuse.x 100 1 99 1% /home/u/m\n/dev/vdb1 xfs 100 97 3 97% /var\n"
	rs := osEval(t, "disk", out, nil, osNow)
	if v := osItem(t, rs, "/var"); v.Status != result.Crit || v.Reason == "read-only" {
		t.Errorf("/var after a marker-named source: %+v", v)
	}
}

func TestDiskCheckDebian(t *testing.T) {
	rs := osEval(t, "disk", osCapture(t, "disk", "debian-12-df-PTk.txt"), nil, osNow)
	r := osOne(t, rs)
	if r.Item != "/" || r.Status != result.OK {
		t.Errorf("debian /: %+v", r)
	}
	if r := osOne(t, osEval(t, "disk", "df: cannot read table of mounted file systems: No such file or directory\n", nil, osNow)); r.Status != result.Unknown {
		t.Errorf("df failure: %+v", r)
	}
	onlyTmpfs := "Filesystem Type 1024-blocks Used Available Capacity Mounted on\ntmpfs tmpfs 100 1 99 1% /run\n"
	if r := osOne(t, osEval(t, "disk", onlyTmpfs, nil, osNow)); r.Status != result.Unknown || !strings.Contains(r.Message, "filtered") {
		t.Errorf("only tmpfs: %+v", r)
	}
}

func TestDiskScript(t *testing.T) {
	c, _ := Lookup("disk")
	s, err := c.Script(&inspect.Spec{Name: "disk"}, nil)
	if err != nil || !strings.Contains(s, "df -PTk -l -x tmpfs") {
		t.Errorf("default script: %v\n%s", err, s)
	}
	s, _ = c.Script(&inspect.Spec{Name: "disk", Params: map[string]any{"include_remote": true, "include_types": "tmpfs"}}, nil)
	if strings.Contains(s, " -l") || strings.Contains(s, "-x tmpfs") {
		t.Errorf("include_remote + tmpfs:\n%s", s)
	}
	if _, err := c.Script(&inspect.Spec{Name: "disk", Params: map[string]any{"mounts": "[bad"}}, nil); err == nil {
		t.Error("bad glob: want an error")
	}
	if err := c.(inspect.Validator).Validate(&inspect.Spec{Name: "disk", Params: map[string]any{"mount": "/"}}); err == nil || !strings.Contains(err.Error(), "did you mean mounts") {
		t.Errorf("misspelt parameter: %v", err)
	}
}

func TestInodeCheck(t *testing.T) {
	r := osOne(t, osEval(t, "inode", osCapture(t, "disk", "debian-12-df-PTi.txt"), nil, osNow))
	if r.Item != "/" || r.Status != result.OK || *r.Value != 2.6 || osMetric(t, r, "inode.used_pct") != 2.6 {
		t.Errorf("debian inodes: %+v", r)
	}
	// Constructed: a mail spool out of inodes, and btrfs with 0 inodes.
	out := `Filesystem     Type    Inodes   IUsed  IFree IUse% Mounted on
/dev/vdb1      ext4   1000000  990000  10000   99% /var/spool
/dev/vdc1      btrfs        0       0      0     - /srv
`
	rs := osEval(t, "inode", out, nil, osNow)
	r = osOne(t, rs)
	if r.Item != "/var/spool" || r.Status != result.Crit || !strings.Contains(r.Advice, "/var/spool") {
		t.Errorf("inodes exhausted: %+v", r)
	}
}

// BenchmarkEvaluateDisk evaluates a 40-filesystem host.
func BenchmarkEvaluateDisk(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Filesystem Type 1024-blocks Used Available Capacity Mounted on\n")
	for i := 0; i < 40; i++ {
		sb.WriteString("/dev/mapper/vg-lv" + string(rune('a'+i%26)) + " xfs 104857600 52428800 52428800 50% /data/" + string(rune('a'+i%26)) + "\n")
	}
	out := sb.String()
	for b.Loop() {
		osEval(b, "disk", out, nil, osNow)
	}
}
