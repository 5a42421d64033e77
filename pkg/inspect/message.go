package inspect

import (
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// Checks write their messages through these helpers, which set the text in
// the run's language and record its meaning (code and args) together, so a
// report can show the result in another language (issue #11). Arguments are
// data (numbers, mount points, versions) or typed parts the renderer
// translates: i18n.S for a nested message, i18n.List for a list.

// envLang is the language of env's messages, English when unset.
func envLang(env *Env) string {
	if env != nil && env.Lang != "" {
		return env.Lang
	}
	return i18n.EN
}

// SetMsg sets r's message to the catalogue message key with args.
func SetMsg(r *result.Result, env *Env, key string, args ...any) {
	r.SetMessage(envLang(env), key, args...)
}

// AddMsg appends the catalogue message key with args to r's message.
func AddMsg(r *result.Result, env *Env, key string, args ...any) {
	r.AppendMessage(envLang(env), key, args...)
}

// AddNotes appends each note to r's message, each after sep.
func AddNotes(r *result.Result, env *Env, sep string, notes []i18n.Sub) {
	for _, n := range notes {
		r.AppendText(sep)
		AddMsg(r, env, n.Key, n.Args...)
	}
}

// SetAdvice sets r's advice to the catalogue message key with args.
func SetAdvice(r *result.Result, env *Env, key string, args ...any) {
	r.SetAdvice(envLang(env), key, args...)
}

// SetAdviceSub sets r's advice to a message built elsewhere (a helper that
// picks the advice for a cause); a zero Sub clears the advice.
func SetAdviceSub(r *result.Result, env *Env, s i18n.Sub) {
	if s.Key == "" {
		r.SetAdviceText("")
		return
	}
	r.SetAdvice(envLang(env), s.Key, s.Args...)
}

// SetMsgSub sets r's message to a message built elsewhere.
func SetMsgSub(r *result.Result, env *Env, s i18n.Sub) {
	r.SetMessage(envLang(env), s.Key, s.Args...)
}

// SubsAny returns subs as a slice of any, for an i18n.List.
func SubsAny(subs []i18n.Sub) []any {
	out := make([]any, len(subs))
	for i, s := range subs {
		out[i] = s
	}
	return out
}

// AddPart appends a typed part (an i18n.List, an i18n.Sub) to r's message.
func AddPart(r *result.Result, env *Env, part any) {
	r.AppendMessage(envLang(env), i18n.ConcatCode, part)
}
