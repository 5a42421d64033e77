package report

import (
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Units in the report's language (issue #13): a Chinese report says 天,
// 小时, 分钟 and 秒, never "0.01 d"; byte counts are written in KiB, MiB,
// GiB (the binary prefixes read the same in both languages).

// unitSeconds is the length of a time unit in seconds.
var unitSeconds = map[string]float64{"ms": 0.001, "s": 1, "sec": 1, "min": 60, "h": 3600, "d": 86400, "days": 86400}

func isTimeUnit(unit string) bool { _, ok := unitSeconds[unit]; return ok }

// unitSuffix is what follows a number of unit: "%" directly, a word in
// Chinese directly ("5分钟"), other units after a space.
func unitSuffix(lang, unit string) string {
	switch unit {
	case "", "%":
		return unit
	case "C", "°C":
		return " ℃"
	}
	if key := "report.unit." + unit; i18n.Has(key) {
		w := i18n.T(lang, key)
		if lang == i18n.ZH {
			return w
		}
		return " " + w
	}
	return " " + unit
}

// fmtValueIn writes a measured value with its unit in lang: times as
// durations (14分钟 rather than 0.01 d), bytes in binary prefixes.
func fmtValueIn(lang string, v float64, unit string) string {
	if s, ok := unitSeconds[unit]; ok {
		return fmtSeconds(lang, v*s)
	}
	switch unit {
	case "B":
		return fmtBytes(v)
	case "KB", "KiB":
		return fmtBytes(v * 1024)
	}
	return fmtNum(v) + unitSuffix(lang, unit)
}

// fmtValueL is fmtValueIn for an optional value ("" when none).
func fmtValueL(lang string, v *float64, unit string) string {
	if v == nil {
		return ""
	}
	return fmtValueIn(lang, *v, unit)
}

// isASCII reports whether s has no character outside ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// readable is text from a host or a check, ready for a reader of lang:
// collector markers removed.
func readable(s string) string { return strings.TrimSpace(stripMarkers(clean(s))) }
