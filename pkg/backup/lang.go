package backup

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// Verdicts, advice and errors of this package are catalogue messages
// (pkg/i18n, keys "backup.*"): the functions that write them take the
// language ("zh" or "en"; "" is English) from the caller, so the package
// stays free of any command-line state.

// Error is an error whose message is in the catalogue, so a command can
// show it in the user's language; Error() is English. Arguments that are
// errors with a Text(lang) method (this type, inventory.Error) are rendered
// in the same language.
type Error struct {
	Key  string
	Args []any
}

func errorf(key string, args ...any) error { return &Error{Key: key, Args: args} }

// Error is the message in English.
func (e *Error) Error() string { return e.Text(i18n.EN) }

// Text renders the error in lang.
func (e *Error) Text(lang string) string {
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if err, ok := a.(error); ok {
			args[i] = ErrorText(err, lang)
		} else {
			args[i] = a
		}
	}
	return i18n.T(lang, e.Key, args...)
}

// Unwrap returns the error among the arguments (the cause), so errors.Is
// and errors.As see through the message.
func (e *Error) Unwrap() error {
	for i := len(e.Args) - 1; i >= 0; i-- {
		if err, ok := e.Args[i].(error); ok {
			return err
		}
	}
	return nil
}

// localized is an error that can render itself in a language.
type localized interface {
	error
	Text(lang string) string
}

// ErrorText renders err in lang: the part of it that is a catalogue error
// (of this package, a *ValidationError, or any error with Text(lang)) is
// translated, context wrapped around it by fmt.Errorf stays as it is.
func ErrorText(err error, lang string) string {
	if err == nil {
		return ""
	}
	if l, ok := err.(localized); ok {
		return l.Text(lang)
	}
	var l localized
	if lang != i18n.EN && errors.As(err, &l) {
		return strings.Replace(err.Error(), l.Error(), l.Text(lang), 1)
	}
	return err.Error()
}

// Verdicts carry meaning (issue #11): a result's message and advice are
// recorded as a catalogue code with language-neutral arguments, so a run
// made under LANG=C shows in Chinese in the monthly report and the other
// way round. What is nested in a verdict and depends on the language — a
// duration, a joined list, a catalogue error — is a typed argument
// (i18n.Sub, i18n.List) rendered in the reader's language.

// msg is the catalogue message key with args as meaning: error arguments
// become errArg values, the rest is made neutral (i18n.S).
func msg(key string, args ...any) i18n.Sub {
	out := make([]any, len(args))
	for i, a := range args {
		if err, ok := a.(error); ok {
			out[i] = errArg(err)
		} else {
			out[i] = a
		}
	}
	return i18n.S(key, out...)
}

// render returns m in lang.
func render(lang string, m i18n.Sub) string { return i18n.Render(lang, m.Key, m.Args) }

// setMsg sets r's message to m, text in lang and meaning.
func setMsg(r *result.Result, lang string, m i18n.Sub) { r.SetMessage(lang, m.Key, m.Args...) }

// setAdvice sets r's advice to m, text in lang and meaning; a zero m
// clears it.
func setAdvice(r *result.Result, lang string, m i18n.Sub) {
	if m.Key == "" {
		r.SetAdviceText("")
		return
	}
	r.SetAdvice(lang, m.Key, m.Args...)
}

// addMsg appends m to r's message.
func addMsg(r *result.Result, lang string, m i18n.Sub) { r.AppendMessage(lang, m.Key, m.Args...) }

// asMsg turns an argument of errArg's kind (a Sub or raw text) into a
// message: raw text becomes a concatenation of that one part.
func asMsg(a any) i18n.Sub {
	if s, ok := a.(i18n.Sub); ok {
		return s
	}
	return i18n.Sub{Key: i18n.ConcatCode, Args: []any{fmt.Sprint(a)}}
}

// errMsg is err as a message (see errArg).
func errMsg(err error) i18n.Sub { return asMsg(errArg(err)) }

// errArg returns err as a message argument: a catalogue error (*Error,
// inventory.Error, a drill stop) as its message, an error that wraps one
// as a concatenation of the context around it and its message, any other
// error as its text (raw text is not translated).
func errArg(err error) any {
	switch e := err.(type) {
	case nil:
		return ""
	case *Error:
		return msg(e.Key, e.Args...)
	case errDrillStopped:
		return msg(e.key, e.args...)
	case *inventory.Error:
		args := make([]any, len(e.Args))
		for i, a := range e.Args {
			if inner, ok := a.(*inventory.Error); ok {
				args[i] = errArg(inner)
			} else {
				args[i] = a
			}
		}
		return i18n.S(e.Key, args...)
	}
	var l localized
	if !errors.As(err, &l) {
		return err.Error()
	}
	whole, inner := err.Error(), l.Error()
	i := strings.Index(whole, inner)
	if i < 0 {
		return whole
	}
	inside := errArg(l)
	if _, ok := inside.(string); ok {
		return whole // a localized error of a kind without meaning here
	}
	var parts []any
	if i > 0 {
		parts = append(parts, whole[:i])
	}
	parts = append(parts, inside)
	if rest := whole[i+len(inner):]; rest != "" {
		parts = append(parts, rest)
	}
	return i18n.Sub{Key: i18n.ConcatCode, Args: parts}
}

// human writes a duration the way an engineer says it: 3d4h, 26h, 45m in
// English, 3天4小时, 26小时, 45分钟 in Chinese.
func human(d time.Duration) i18n.Sub {
	switch {
	case d >= 48*time.Hour:
		h := int(d.Hours())
		if h%24 == 0 {
			return i18n.S("backup.dur.d", h/24)
		}
		return i18n.S("backup.dur.dh", h/24, h%24)
	case d >= time.Hour:
		return i18n.S("backup.dur.h", int(d.Hours()))
	case d >= time.Minute:
		return i18n.S("backup.dur.m", int(d.Minutes()))
	}
	return i18n.S("backup.dur.s", int(d.Seconds()))
}

// elapsed writes a measured time (a restore) to a tenth of a second: 1.2s,
// 2m3s, 1h2m3s in English; 1.2秒, 2分3秒, 1小时2分3秒 in Chinese.
func elapsed(d time.Duration) i18n.Sub {
	switch {
	case d < time.Minute:
		return i18n.S("backup.dur.sec", d.Seconds())
	case d < time.Hour:
		s := int(d.Round(time.Second).Seconds())
		return i18n.S("backup.dur.ms", s/60, s%60)
	}
	s := int(d.Round(time.Second).Seconds())
	return i18n.S("backup.dur.hms", s/3600, s%3600/60, s%60)
}

// list joins items in the reader's language: "a, b" / "a、b".
func list[T any](items []T) i18n.List {
	l := i18n.List{Items: make([]any, len(items)), Sep: "backup.sep.list"}
	for i, it := range items {
		l.Items[i] = it
	}
	return l
}

// clauses is a message of independent findings: "a; b" / "a；b".
func clauses(parts ...i18n.Sub) i18n.Sub {
	l := i18n.List{Sep: "backup.sep.clause"}
	for _, p := range parts {
		if p.Key != "" {
			l.Items = append(l.Items, p)
		}
	}
	if len(l.Items) == 1 {
		return l.Items[0].(i18n.Sub)
	}
	return i18n.Sub{Key: i18n.ConcatCode, Args: []any{l}}
}
