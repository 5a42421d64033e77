package backup

import (
	"errors"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Verdicts, advice and errors of this package are catalogue messages
// (pkg/i18n, keys "backup.*"): the functions that write them take the
// language ("zh" or "en"; "" is English) from the caller, so the package
// stays free of any command-line state.

// say translates a catalogue key into lang.
func say(lang, key string, args ...any) string { return i18n.T(lang, key, args...) }

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

// human writes a duration the way an engineer says it: 3d4h, 26h, 45m in
// English, 3天4小时, 26小时, 45分钟 in Chinese.
func human(lang string, d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		h := int(d.Hours())
		if h%24 == 0 {
			return say(lang, "backup.dur.d", h/24)
		}
		return say(lang, "backup.dur.dh", h/24, h%24)
	case d >= time.Hour:
		return say(lang, "backup.dur.h", int(d.Hours()))
	case d >= time.Minute:
		return say(lang, "backup.dur.m", int(d.Minutes()))
	}
	return say(lang, "backup.dur.s", int(d.Seconds()))
}

// elapsed writes a measured time (a restore) to a tenth of a second: Go's
// own notation in English (1.234s, 2m3.5s), 1.2秒 / 2分3秒 in Chinese.
func elapsed(lang string, d time.Duration) string {
	if lang != i18n.ZH {
		return d.Round(time.Millisecond).String()
	}
	switch {
	case d < time.Minute:
		return say(lang, "backup.dur.sec", d.Seconds())
	case d < time.Hour:
		s := int(d.Round(time.Second).Seconds())
		return say(lang, "backup.dur.ms", s/60, s%60)
	}
	s := int(d.Round(time.Second).Seconds())
	return say(lang, "backup.dur.hms", s/3600, s%3600/60, s%60)
}

// join joins a list in lang: "a, b" / "a、b".
func join(lang string, items []string) string {
	return strings.Join(items, say(lang, "backup.sep.list"))
}

// joinClauses joins independent findings: "a; b" / "a；b".
func joinClauses(lang string, items []string) string {
	return strings.Join(items, say(lang, "backup.sep.clause"))
}
