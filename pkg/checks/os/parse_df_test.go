package os

import "testing"

func TestParseDF(t *testing.T) {
	// Plain df on CentOS 7.7 (no Type column).
	rows := parseDF(osCapture(t, "disk", "centos-7.7-df.txt"))
	if len(rows) != 7 {
		t.Fatalf("centos df: want 7 rows, got %d: %+v", len(rows), rows)
	}
	root := rows[4]
	if root.Source != "/dev/mapper/centos-root" || root.Mount != "/" || root.Total != 17811456 || root.Used != 1805580 || root.Avail != 16005876 || root.Type != "" {
		t.Errorf("centos root row = %+v", root)
	}
	// df prints 11%: used/(used+avail) rounded up.
	if p := root.UsedPct(); p < 10 || p > 11 {
		t.Errorf("centos root used %% = %.2f", p)
	}

	// df -PTk on Debian 12, with the collector's @@RO block after it.
	rows = parseDF(osCapture(t, "disk", "debian-12-df-PTk.txt"))
	if len(rows) != 1 || rows[0].Type != "ext4" || rows[0].Mount != "/" {
		t.Errorf("debian df -PTk rows = %+v", rows)
	}
	rows = parseDF(osCapture(t, "disk", "debian-12-df-PTi.txt"))
	if len(rows) != 1 || rows[0].Total != 16777216 || rows[0].Used != 430361 {
		t.Errorf("debian df -PTi rows = %+v", rows)
	}

	// Constructed quirks: a mount point with spaces, stderr merged into
	// stdout, a wrapped long source name (df without -P), "-" sizes.
	quirks := `Filesystem     Type 1024-blocks     Used Available Capacity Mounted on
df: /mnt/stale: Stale file handle
/dev/sdb1      xfs    1000     960    40      96% /mnt/my disk
/dev/mapper/very-long-volume-group-name-lv_data
               ext4   2000     100  1900       5% /data
nfs:/x         nfs       -       -     -        - /mnt/nfs
`
	rows = parseDF(quirks)
	if len(rows) != 2 {
		t.Fatalf("quirks: want 2 rows, got %+v", rows)
	}
	if rows[0].Mount != "/mnt/my disk" || rows[0].UsedPct() != 96 {
		t.Errorf("mount with space = %+v", rows[0])
	}
	if rows[1].Source != "/dev/mapper/very-long-volume-group-name-lv_data" || rows[1].Mount != "/data" {
		t.Errorf("wrapped source = %+v", rows[1])
	}
	if rows := parseDF("garbage\n\x00\n%%%% / /\n"); len(rows) != 0 {
		t.Errorf("garbage gave rows %+v", rows)
	}
}

func TestParseProcMounts(t *testing.T) {
	ms := parseProcMounts(osCapture(t, "disk", "debian-12-proc-mounts.txt"))
	var root, ro *procMount
	for i := range ms {
		switch ms[i].Mount {
		case "/":
			root = &ms[i]
		case "/mnt/sandboxing/model_tools_env/v1/python":
			ro = &ms[i]
		}
	}
	if root == nil || root.ReadOnly || root.Type != "ext4" {
		t.Errorf("root = %+v", root)
	}
	if ro == nil || !ro.ReadOnly {
		t.Errorf("read-only tmpfs = %+v", ro)
	}
	ms = parseProcMounts(`/dev/sdb1 /mnt/my\040disk ext4 ro,relatime 0 0`)
	if len(ms) != 1 || ms[0].Mount != "/mnt/my disk" || !ms[0].ReadOnly {
		t.Errorf("escaped mount = %+v", ms)
	}
	if got := mountUnescape(`a\04`); got != `a\04` {
		t.Errorf("short escape = %q", got)
	}
}

func BenchmarkParseDF(b *testing.B) {
	out := osCapture(b, "disk", "centos-7.7-df.txt")
	for b.Loop() {
		if len(parseDF(out)) == 0 {
			b.Fatal("no rows")
		}
	}
}
