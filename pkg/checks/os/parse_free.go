package os

import (
	"errors"
	"strconv"
	"strings"
)

// parseFree reads the output of free(1), the memory collector's fallback
// when /proc/meminfo cannot be read. Both layouts are understood:
//
//	procps 3.2 (CentOS 6, SLES 12):  total used free shared buffers cached
//	                                 -/+ buffers/cache: used free
//	procps-ng 3.3.10+ (CentOS 7+):   total used free shared buff/cache available
//
// unit is the size of one unit of the numbers (1024 for free -k, 1<<20 for
// free -m); human-readable values (free -h: "6.5Gi", "719Mi", "0B") carry
// their own unit. Only the first table is read when several follow each
// other.
func parseFree(s string, unit float64) (memInfo, error) {
	var cols []string
	var m memInfo
	haveMem, haveSwap, haveAvail := false, false, false
	var buffers, cached float64
	for _, raw := range strings.Split(s, "\n") {
		line := strings.TrimSpace(raw)
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		label := strings.TrimRight(f[0], ":：")
		switch {
		case cols == nil && strings.EqualFold(f[0], "total"):
			cols = f
		case cols != nil && (strings.EqualFold(label, "Mem") || label == "内存"):
			if haveMem {
				return freeDone(m, haveMem, haveAvail, buffers, cached)
			}
			vals := freeValues(f[1:], unit)
			for i, c := range cols {
				if i >= len(vals) || vals[i] < 0 {
					continue
				}
				switch strings.ToLower(c) {
				case "total":
					m.Total = vals[i]
				case "free":
					m.Free = vals[i]
				case "available":
					m.Available, haveAvail = vals[i], true
				case "buffers":
					buffers = vals[i]
				case "cached", "cache":
					cached = vals[i]
				case "buff/cache":
					cached = vals[i]
				}
			}
			haveMem = m.Total > 0
		case cols != nil && strings.HasPrefix(line, "-/+"):
			// "-/+ buffers/cache:  775  1101": used and free without cache;
			// the free figure is what old free calls available.
			_, rest, _ := strings.Cut(line, ":")
			vals := freeValues(strings.Fields(rest), unit)
			if len(vals) >= 2 && vals[1] >= 0 && !haveAvail {
				m.Available, haveAvail = vals[1], true
				m.Estimated = true
			}
		case cols != nil && (strings.EqualFold(label, "Swap") || label == "交换"):
			if haveSwap {
				continue
			}
			vals := freeValues(f[1:], unit)
			if len(vals) >= 3 && vals[0] >= 0 && vals[2] >= 0 {
				m.SwapTotal, m.SwapFree = vals[0], vals[2]
				haveSwap = true
			}
		}
	}
	return freeDone(m, haveMem, haveAvail, buffers, cached)
}

// freeDone completes a parsed table: without an available column or a
// -/+ buffers/cache row, available is estimated as free + buffers + cache.
func freeDone(m memInfo, haveMem, haveAvail bool, buffers, cached float64) (memInfo, error) {
	if !haveMem {
		return memInfo{}, errors.New("free: no Mem: line")
	}
	if !haveAvail {
		m.Available = m.Free + buffers + cached
		m.Estimated = true
	}
	m.Available = min(max(m.Available, 0), m.Total)
	m.SwapFree = min(max(m.SwapFree, 0), m.SwapTotal)
	return m, nil
}

// freeValues parses the numbers of one free row; -1 marks a value that is
// not a number.
func freeValues(f []string, unit float64) []float64 {
	out := make([]float64, len(f))
	for i, s := range f {
		out[i] = freeValue(s, unit)
	}
	return out
}

// freeValue parses "1877", "6.5Gi", "719Mi", "0B", "1.2G".
func freeValue(s string, unit float64) float64 {
	mult := unit
	num := s
	suffixes := []struct {
		s string
		m float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"Pi", 1 << 50},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"P", 1 << 50}, {"B", 1}}
	for _, sf := range suffixes {
		if strings.HasSuffix(s, sf.s) {
			num, mult = strings.TrimSuffix(s, sf.s), sf.m
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return -1
	}
	return v * mult
}
