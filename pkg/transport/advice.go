package transport

import "github.com/cyhealth/hcops/pkg/i18n"

// AdviceCode returns the catalogue code of what the engineer should do
// about a host that is unreachable for reason (one of the result.Reason*
// constants), or "" for an unknown reason. A result records it as its
// advice code (result.Result.SetAdvice), so the advice is shown in the
// reader's language.
func AdviceCode(reason string) string {
	key := "transport.advice." + reason
	if !i18n.Has(key) {
		return ""
	}
	return key
}

// Advice returns the advice of AdviceCode in lang, or "" for an unknown
// reason.
func Advice(lang, reason string) string {
	if key := AdviceCode(reason); key != "" {
		return i18n.T(lang, key)
	}
	return ""
}
