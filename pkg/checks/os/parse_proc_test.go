package os

import (
	"strings"
	"testing"
)

func TestParseMeminfo(t *testing.T) {
	m, err := ParseMeminfo(osCapture(t, "memory", "linux-generic-meminfo.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != 3997272*1024 || m.Available != 3386876*1024 || m.Estimated {
		t.Errorf("generic meminfo: %+v", m)
	}
	// A kernel before 3.14 (CentOS 6) has no MemAvailable: estimated from
	// free + buffers + cache + reclaimable slab - shmem.
	old := "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 300 kB\nSReclaimable: 20 kB\nShmem: 70 kB\nSwapTotal: 400 kB\nSwapFree: 100 kB\n"
	m, err = ParseMeminfo(old)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Estimated || m.Available != 400*1024 || m.SwapTotal != 400*1024 || m.SwapFree != 100*1024 {
		t.Errorf("old meminfo: %+v", m)
	}
	deb, err := ParseMeminfo(osCapture(t, "memory", "debian-12-meminfo.txt"))
	if err != nil || deb.Total <= 0 || deb.Available <= 0 || deb.Available > deb.Total {
		t.Errorf("debian meminfo: %+v %v", deb, err)
	}
	for _, bad := range []string{"", "MemTotal: x kB", "MemTotal: 0 kB\n", "garbage"} {
		if _, err := ParseMeminfo(bad); err == nil {
			t.Errorf("ParseMeminfo(%q): want an error", bad)
		}
	}
}

func TestParseLoadavgAndCPUList(t *testing.T) {
	l, err := parseLoadavg(osCapture(t, "load", "linux-generic-loadavg.txt"))
	if err != nil || l != [3]float64{0, 0.01, 0.03} {
		t.Errorf("loadavg = %v %v", l, err)
	}
	for _, bad := range []string{"", "1 2", "a b c", "-1 0 0"} {
		if _, err := parseLoadavg(bad); err == nil {
			t.Errorf("parseLoadavg(%q): want an error", bad)
		}
	}
	for in, want := range map[string]int{"0": 1, "0-3": 4, "0-3,6,8-11": 9, "0-95\n": 96} {
		if n, err := parseCPUList(in); err != nil || n != want {
			t.Errorf("parseCPUList(%q) = %d %v, want %d", in, n, err, want)
		}
	}
	for _, bad := range []string{"", "x", "3-1", "0-", "0-99999999"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("parseCPUList(%q): want an error", bad)
		}
	}
}

func TestParseCPUSample(t *testing.T) {
	// Two readings 100 ticks apart: 60 idle, 10 iowait, 5 steal.
	out := "cpu  1000 0 500 8000 100 0 0 50 0 0\ncpu  1020 0 505 8060 110 0 0 55 0 0\n"
	u, err := parseCPUSample(out)
	if err != nil {
		t.Fatal(err)
	}
	if u.Busy != 30 || u.IOWait != 10 || u.Steal != 5 {
		t.Errorf("usage = %+v, want busy 30, iowait 10, steal 5", u)
	}
	for _, bad := range []string{"", "cpu 1 2 3 4\n", "cpu 1 2 3 4 5\ncpu 1 2 3 4 5\n", "cpu a b c d e\ncpu 1 2 3 4 5\n"} {
		if _, err := parseCPUSample(bad); err == nil {
			t.Errorf("parseCPUSample(%q): want an error", bad)
		}
	}
}

func TestParseUptime(t *testing.T) {
	if v, err := ParseUptime("350735.47 234388.90\n"); err != nil || v != 350735.47 {
		t.Errorf("uptime = %v %v", v, err)
	}
	for _, bad := range []string{"", "x y", "-5 1"} {
		if _, err := ParseUptime(bad); err == nil {
			t.Errorf("ParseUptime(%q): want an error", bad)
		}
	}
}

func BenchmarkParseMeminfo(b *testing.B) {
	out := osCapture(b, "memory", "linux-generic-meminfo.txt")
	for b.Loop() {
		if _, err := ParseMeminfo(out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCPUSample(b *testing.B) {
	out := strings.Repeat("cpu  1000 0 500 8000 100 0 0 50 0 0\n", 2)
	out = strings.Replace(out, "8000", "8100", 1)
	for b.Loop() {
		_, _ = parseCPUSample(out)
	}
}
