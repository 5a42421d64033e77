package inspect

import (
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Formatting helpers the check types share for messages.

// LineAt returns the line of s containing byte offset i.
func LineAt(s string, i int) string {
	start := strings.LastIndexByte(s[:i], '\n') + 1
	end := strings.IndexByte(s[i:], '\n')
	if end < 0 {
		return strings.TrimSpace(s[start:])
	}
	return strings.TrimSpace(s[start : i+end])
}

// FormatNum writes a number without trailing zeros.
func FormatNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// RangesText describes the thresholds for a message: " (warn 80, crit 90)",
// or "" when there are none.
func RangesText(env *Env, t Thresholds) any {
	var parts []any
	if t.Warn != nil {
		parts = append(parts, i18n.S("probe.range.warn", t.Warn.String()))
	}
	if t.Crit != nil {
		parts = append(parts, i18n.S("probe.range.crit", t.Crit.String()))
	}
	if len(parts) == 0 {
		return ""
	}
	return i18n.S("probe.range.list", i18n.List{Items: parts, Sep: "probe.range.sep"})
}
