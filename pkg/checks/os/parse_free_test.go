package os

import (
	"math"
	"strings"
	"testing"
)

const (
	kib = 1024.0
	mib = 1024.0 * 1024
)

func TestParseFree(t *testing.T) {
	kylin := osCapture(t, "memory", "kylin-v10-halberd-free-m-h.txt")
	// The Kylin note prints free -m and then free -h; the second table
	// alone is the human-readable format.
	lines := strings.Split(kylin, "\n")
	kylinH := strings.Join(lines[3:], "\n")
	tests := []struct {
		name                     string
		out                      string
		unit                     float64
		total, avail, swap, swpF float64
		estimated                bool
	}{
		// procps 3.2.8: available comes from the -/+ buffers/cache row.
		{"centos-6 old format", osCapture(t, "memory", "centos-6-free-m.txt"), mib, 1877 * mib, 1101 * mib, 0, 0, true},
		{"centos-7.7 new format", osCapture(t, "memory", "centos-7.7-free.txt"), kib, 3861332 * kib, 3389588 * kib, 2097148 * kib, 2097148 * kib, false},
		// The paste includes the shell prompt before and after.
		{"centos-7 free -k with prompts", osCapture(t, "memory", "centos-7-free-k.txt"), kib, 1011848 * kib, 746304 * kib, 0, 0, false},
		// Two tables back to back: the first one counts.
		{"kylin v10 free -m", kylin, mib, 6683 * mib, 5655 * mib, 8091 * mib, 8091 * mib, false},
		{"kylin v10 free -h", kylinH, 1, 6.5 * (1 << 30), 5.5 * (1 << 30), 7.9 * (1 << 30), 7.9 * (1 << 30), false},
		// Headers in a Chinese locale (LC_ALL=C is set by the engine, but a
		// fallback must not depend on it).
		{"localised row labels", "              total        used        free      shared  buff/cache   available\n内存：        1000         500         100          1         400         450\n交换：         200          50         150\n", mib, 1000 * mib, 450 * mib, 200 * mib, 150 * mib, false},
		// No available column and no -/+ row: estimated.
		{"no available column", "  total used free shared buffers cached\nMem: 1000 900 100 0 50 250\nSwap: 0 0 0\n", kib, 1000 * kib, 400 * kib, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseFree(tc.out, tc.unit)
			if err != nil {
				t.Fatal(err)
			}
			near := func(what string, got, want float64) {
				if math.Abs(got-want) > 1 {
					t.Errorf("%s = %.0f, want %.0f", what, got, want)
				}
			}
			near("total", m.Total, tc.total)
			near("available", m.Available, tc.avail)
			near("swap total", m.SwapTotal, tc.swap)
			near("swap free", m.SwapFree, tc.swpF)
			if m.Estimated != tc.estimated {
				t.Errorf("estimated = %v, want %v", m.Estimated, tc.estimated)
			}
		})
	}
	for _, bad := range []string{"", "free: command not found\n", "total used\nMem: x y z\n", "Mem: 1 2 3\n"} {
		if _, err := parseFree(bad, kib); err == nil {
			t.Errorf("parseFree(%q): want an error", bad)
		}
	}
}

func BenchmarkParseFree(b *testing.B) {
	out := osCapture(b, "memory", "kylin-v10-halberd-free-m-h.txt")
	for b.Loop() {
		if _, err := parseFree(out, mib); err != nil {
			b.Fatal(err)
		}
	}
}
