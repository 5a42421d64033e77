package inspect

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/cyhealth/hcops/pkg/result"
)

// Small helpers every check domain shares for values and verdicts.

// Bytes formats a byte count the way df -h would, in binary units.
func Bytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	if b >= 100 {
		return fmt.Sprintf("%.0f %s", b, units[i])
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", b), ".0") + " " + units[i]
}

// Round rounds v to d decimals (values and metrics are stored rounded so
// reports do not print 87.29999999).
func Round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

// DefaultThresholds returns env's thresholds, or the check type's built-in
// defaults when the playbook and inventory gave neither warn nor crit.
func DefaultThresholds(env *Env, warn, crit string) Thresholds {
	if env.Thresholds.Warn != nil || env.Thresholds.Crit != nil {
		return env.Thresholds
	}
	th, err := ParseThresholds(warn, crit)
	if err != nil {
		// The defaults are constants of the check types; a bad one is a
		// bug that tests catch, never a user error.
		return env.Thresholds
	}
	return th
}

// Notable reports whether a status deserves advice (WARN or CRIT).
func Notable(s result.Status) bool { return s == result.Warn || s == result.Crit }

// DescriptionIn is a playbook's or check's description in lang. The
// built-in playbooks write "中文说明 / English text"; such a description
// shows only the half in lang, and any other is shown as written.
func DescriptionIn(desc, lang string) string {
	zh, en, ok := strings.Cut(desc, " / ")
	if !ok || strings.Contains(en, " / ") || !hasHan(zh) || hasHan(en) {
		return desc
	}
	if lang == "zh" {
		return strings.TrimSpace(zh)
	}
	return strings.TrimSpace(en)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
