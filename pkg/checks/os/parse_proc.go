package os

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Parsers for /proc files. The OS collectors read /proc with shell builtins
// wherever they can: no process is started on the target, and the format
// does not depend on locale or tool versions (procps 3.2 on CentOS 6 and
// procps-ng 4 print free differently; /proc/meminfo is the same).

// memInfo is the memory picture of a host, in bytes.
type memInfo struct {
	Total, Available, Free float64
	SwapTotal, SwapFree    float64
	// Estimated is true when the kernel (older than 3.14, e.g. CentOS 6)
	// has no MemAvailable and Available was estimated as free + buffers +
	// page cache.
	Estimated bool
}

// ParseMeminfo reads /proc/meminfo ("MemTotal:  3997272 kB").
func ParseMeminfo(s string) (memInfo, error) {
	vals := map[string]float64{}
	for _, line := range strings.Split(s, "\n") {
		key, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || v < 0 {
			continue
		}
		if len(f) > 1 && strings.EqualFold(f[1], "kB") {
			v *= 1024
		}
		vals[strings.TrimSpace(key)] = v
	}
	total, ok := vals["MemTotal"]
	if !ok || total <= 0 {
		return memInfo{}, errors.New("no MemTotal in /proc/meminfo")
	}
	m := memInfo{Total: total, Free: vals["MemFree"], SwapTotal: vals["SwapTotal"], SwapFree: vals["SwapFree"]}
	if a, ok := vals["MemAvailable"]; ok {
		m.Available = a
	} else {
		m.Available = vals["MemFree"] + vals["Buffers"] + vals["Cached"] + vals["SReclaimable"] - vals["Shmem"]
		m.Estimated = true
	}
	m.Available = min(max(m.Available, 0), total)
	m.SwapFree = min(max(m.SwapFree, 0), m.SwapTotal)
	return m, nil
}

// parseLoadavg reads /proc/loadavg ("0.00 0.01 0.03 2/111 2039").
func parseLoadavg(s string) ([3]float64, error) {
	var l [3]float64
	f := strings.Fields(s)
	if len(f) < 3 {
		return l, fmt.Errorf("/proc/loadavg: want 3 load averages, got %q", osShort(s))
	}
	for i := 0; i < 3; i++ {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil || v < 0 {
			return l, fmt.Errorf("/proc/loadavg: bad load average %q", f[i])
		}
		l[i] = v
	}
	return l, nil
}

// parseCPUList counts the CPUs in a kernel CPU list such as
// /sys/devices/system/cpu/online ("0-3,6,8-11" is 9 CPUs).
func parseCPUList(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty CPU list")
	}
	n := 0
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return 0, fmt.Errorf("bad CPU list %q", osShort(s))
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, fmt.Errorf("bad CPU list %q", osShort(s))
			}
		}
		n += b - a + 1
		if n > 1<<20 {
			return 0, fmt.Errorf("bad CPU list %q", osShort(s))
		}
	}
	return n, nil
}

// cpuTimes is the aggregate "cpu" line of /proc/stat, in clock ticks.
type cpuTimes struct {
	Total, Idle, IOWait, Steal float64
}

// parseProcStatCPU reads the "cpu  user nice system idle iowait irq softirq
// steal guest guest_nice" line. Guest time is already counted in user, so
// only the first eight fields make the total.
func parseProcStatCPU(line string) (cpuTimes, error) {
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("not a /proc/stat cpu line: %q", osShort(line))
	}
	var v [8]float64
	for i := 1; i < len(f) && i <= 8; i++ {
		x, err := strconv.ParseFloat(f[i], 64)
		if err != nil || x < 0 {
			return cpuTimes{}, fmt.Errorf("bad /proc/stat cpu field %q", f[i])
		}
		v[i-1] = x
	}
	t := cpuTimes{Idle: v[3], IOWait: v[4], Steal: v[7]}
	for _, x := range v {
		t.Total += x
	}
	return t, nil
}

// ParseUptime reads /proc/uptime ("350735.47 234388.90"): seconds since boot.
func ParseUptime(s string) (float64, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0, errors.New("/proc/uptime is empty")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("/proc/uptime: bad value %q", osShort(f[0]))
	}
	return v, nil
}

// osShort cuts s for error messages about unexpected output.
func osShort(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
