package transport

import "github.com/cyhealth/hcops/pkg/i18n"

// Advice returns, in lang, what the engineer should do about a host that
// is unreachable for reason (one of the result.Reason* constants), or ""
// for an unknown reason. Checks put it in result.Result.Advice.
func Advice(lang, reason string) string {
	key := "transport.advice." + reason
	if !i18n.Has(key) {
		return ""
	}
	return i18n.T(lang, key)
}
