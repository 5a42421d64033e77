package report

import (
	"fmt"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// A stored result carries its message and advice as a code with args
// (issue #11): a report shows them in its own language, whatever the
// language of the run; results stored before codes existed, and raw text,
// show their stored text.

// coded is a stored result or report row: its texts and their meaning.
type coded interface {
	*result.Result | *store.StoredResult | *store.ReportRow
}

// msgIn returns r's message in lang.
func msgIn[T coded](lang string, r T) string {
	switch x := any(r).(type) {
	case *result.Result:
		return x.MessageIn(lang)
	case *store.StoredResult:
		return x.MessageIn(lang)
	case *store.ReportRow:
		if x.Code != "" {
			return i18n.Render(lang, x.Code, x.Args)
		}
		return x.Message
	}
	return ""
}

// adviceIn returns r's advice in lang.
func adviceIn[T coded](lang string, r T) string {
	switch x := any(r).(type) {
	case *result.Result:
		return x.AdviceIn(lang)
	case *store.StoredResult:
		return x.AdviceIn(lang)
	case *store.ReportRow:
		if x.AdviceCode != "" {
			return i18n.Render(lang, x.AdviceCode, x.AdviceArgs)
		}
		return x.Advice
	}
	return ""
}

// messagePart returns the arguments of the message want within a stored
// meaning (code, args): args themselves when code is want, or those of the
// first part of a concatenation (a message with notes appended) when that
// part is want. Reports read facts a check records as arguments this way,
// never from the text.
func messagePart(code string, args []any, want string) ([]any, bool) {
	if code == want {
		return args, true
	}
	if code == i18n.ConcatCode && len(args) > 0 {
		if s, ok := args[0].(i18n.Sub); ok && s.Key == want {
			return s.Args, true
		}
	}
	return nil, false
}

// argString is a data argument as text ("" for none).
func argString(a any) string {
	switch v := a.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return fmt.Sprint(a)
}
