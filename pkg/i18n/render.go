package i18n

// Messages with meaning: a result stores a catalogue code and its
// language-neutral arguments, and is translated when it is shown (a report in
// Chinese of a run made under cron with LANG=C is entirely Chinese). The
// arguments are numbers, strings that are data (mount points, host names,
// versions) and, for the parts that depend on the language, typed values this
// file renders: a nested message (Sub), a list joined in the language (List)
// and a concatenation of parts (Concat). All of them survive a round trip
// through JSON (see DecodeArgs), and Render accepts what encoding/json
// produces (float64 for every number, maps for nested values).

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Sub is a nested message: a catalogue key and its arguments, rendered in the
// language of the outer message. In JSON it is {"code": key, "args": [...]}.
type Sub struct {
	Key  string `json:"code"`
	Args []any  `json:"args,omitempty"`
}

// S returns the nested message key with args (args made neutral, see Neutral).
func S(key string, args ...any) Sub { return Sub{Key: key, Args: Neutral(args)} }

// List is a list joined in the language: Sep is a catalogue key whose text
// separates the items ("、" in Chinese, ", " in English for ListSep), or,
// when it is not a key, the literal separator. In JSON it is
// {"list": [...], "sep": sep}.
type List struct {
	Items []any  `json:"list"`
	Sep   string `json:"sep,omitempty"`
}

// ListSep is the catalogue key of the default list separator.
const ListSep = "i18n.list_sep"

// Strings returns a List of plain data strings joined with sep (ListSep when "").
func Strings(items []string, sep string) List {
	l := List{Items: make([]any, len(items)), Sep: sep}
	for i, s := range items {
		l.Items[i] = s
	}
	return l
}

// ConcatCode is the code of a message made of several parts (a head, then
// notes added one by one): its args are the parts, each a Sub or literal
// text, rendered and concatenated.
const ConcatCode = "i18n.concat"

func init() {
	Register(map[string]Msg{
		ListSep:    {"、", ", "},
		ConcatCode: {"", ""}, // rendered by Render itself
	})
}

// Neutral returns args with values that do not survive JSON or depend on the
// process turned into data: an error becomes its text, a time its RFC 3339
// form, a duration its Go text, a fmt.Stringer its string. Numbers, strings,
// bools, Sub, List and slices stay as they are.
func Neutral(args []any) []any {
	if len(args) == 0 {
		return nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64,
			Sub, List, []string, []int, []any:
			out[i] = v
		case *Sub:
			out[i] = *v
		case error:
			out[i] = neutralError(v)
		case time.Time:
			out[i] = v.Format(time.RFC3339)
		case time.Duration:
			out[i] = v.String()
		case fmt.Stringer:
			out[i] = v.String()
		default:
			out[i] = v
		}
	}
	return out
}

// Render returns the message code in lang with args: T with the typed
// arguments (Sub, List, and their decoded JSON forms) rendered in lang, and
// numbers converted to what each verb of the format wants (a %d gets an
// integer even when the number came back from JSON as a float64).
func Render(lang, code string, args []any) string {
	if code == ConcatCode {
		var b strings.Builder
		for _, p := range args {
			b.WriteString(renderArg(lang, p))
		}
		return b.String()
	}
	mu.RLock()
	m, ok := messages[code]
	mu.RUnlock()
	if !ok {
		if len(args) > 0 {
			parts := make([]string, len(args))
			for i, a := range args {
				parts[i] = renderArg(lang, a)
			}
			return code + " " + strings.Join(parts, " ")
		}
		return code
	}
	f := m.EN
	if lang == ZH && m.ZH != "" {
		f = m.ZH
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, coerce(lang, f, args)...)
}

// renderArg renders one argument as text in lang (used where a typed
// argument stands for a whole string).
func renderArg(lang string, a any) string {
	switch v := typed(a).(type) {
	case Sub:
		return Render(lang, v.Key, v.Args)
	case List:
		sep := v.Sep
		if sep == "" {
			sep = ListSep
		}
		if Has(sep) {
			sep = T(lang, sep)
		}
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = renderArg(lang, it)
		}
		return strings.Join(parts, sep)
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// typed turns the JSON form of a Sub or List (a map) back into the type;
// other values are returned as they are.
func typed(a any) any {
	if p, ok := a.(*Sub); ok && p != nil {
		return *p
	}
	m, ok := a.(map[string]any)
	if !ok {
		return a
	}
	if code, ok := m["code"].(string); ok {
		s := Sub{Key: code}
		if args, ok := m["args"].([]any); ok {
			s.Args = args
		}
		return s
	}
	if items, ok := m["list"].([]any); ok {
		l := List{Items: items}
		l.Sep, _ = m["sep"].(string)
		return l
	}
	return a
}

// renderVerbRE matches one fmt directive, with an argument index either before the
// flags (%[2]s) or right before the verb (%.0[3]f).
var renderVerbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*(\d+|\*)?(\.\d*)?(\[(\d+)\])?([a-zA-Z%])`)

// coerce renders typed args in lang and fits numbers to the verb that
// formats them: integers for %d %x %o %b %c, floats for %f %e %g, text for
// %s %q when a typed value stands there.
func coerce(lang, format string, args []any) []any {
	out := make([]any, len(args))
	copy(out, args)
	verbs := make([]byte, len(args))
	pos := 0
	for _, m := range renderVerbRE.FindAllStringSubmatch(format, -1) {
		verb := m[7]
		if verb == "%" {
			continue
		}
		idx := m[2]
		if idx == "" {
			idx = m[6]
		}
		if idx != "" {
			n, _ := strconv.Atoi(idx)
			pos = n - 1
		}
		if pos >= 0 && pos < len(verbs) && verbs[pos] == 0 {
			verbs[pos] = verb[0]
		}
		pos++
	}
	for i, a := range out {
		a = typed(a)
		switch v := a.(type) {
		case Sub, List, map[string]any:
			out[i] = renderArg(lang, v)
			continue
		}
		switch verbs[i] {
		case 'd', 'x', 'X', 'o', 'O', 'b', 'c', 'U':
			if f, ok := asFloat(a); ok && f == math.Trunc(f) && !math.IsInf(f, 0) {
				out[i] = int64(f)
				continue
			}
		case 'f', 'F', 'e', 'E', 'g', 'G':
			if f, ok := asFloat(a); ok {
				out[i] = f
				continue
			}
		}
		out[i] = a
	}
	return out
}

// asFloat reads any Go number (or json.Number) as a float64.
func asFloat(a any) (float64, bool) {
	switch v := a.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int8:
		return float64(v), true
	case int16:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint8:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// EncodeArgs returns args as JSON ("" for none), for storing.
func EncodeArgs(args []any) (string, error) {
	if len(args) == 0 {
		return "", nil
	}
	b, err := json.Marshal(args)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// DecodeArgs reads args stored by EncodeArgs; nested messages and lists come
// back as Sub and List, numbers as float64. Empty text is no args.
func DecodeArgs(s string) ([]any, error) {
	if s == "" {
		return nil, nil
	}
	var raw []any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	return decodeAll(raw), nil
}

func decodeAll(raw []any) []any {
	for i, a := range raw {
		switch v := typed(a).(type) {
		case Sub:
			v.Args = decodeAll(v.Args)
			raw[i] = v
		case List:
			v.Items = decodeAll(v.Items)
			raw[i] = v
		}
	}
	return raw
}

// Coded is an error that carries its meaning as a catalogue message, so a
// message that quotes it can be shown in any language.
type Coded interface {
	error
	I18n() Sub
}

// neutralError is err as a message argument: its text, or, when it wraps a
// Coded error, that error's message with the wrapping text around it
// ("snmp.community: " + the coded part) so it renders in any language.
func neutralError(err error) any {
	var c Coded
	if !errors.As(err, &c) {
		return err.Error()
	}
	whole, part := err.Error(), c.Error()
	i := strings.LastIndex(whole, part)
	if i < 0 {
		return whole
	}
	head, tail := whole[:i], whole[i+len(part):]
	if head == "" && tail == "" {
		return c.I18n()
	}
	parts := []any{}
	if head != "" {
		parts = append(parts, head)
	}
	parts = append(parts, c.I18n())
	if tail != "" {
		parts = append(parts, tail)
	}
	return Sub{Key: ConcatCode, Args: parts}
}
