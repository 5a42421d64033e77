package i18n

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

var osVerbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// Every OS check message exists in both languages and uses the same
// arguments in both (a %d in English and a %s in Chinese would print
// %!s(int=3) to the engineer).
func TestOSMessagesBothLanguagesSameVerbs(t *testing.T) {
	n := 0
	for k, m := range Keys() {
		if !strings.HasPrefix(k, "os.") {
			continue
		}
		n++
		if m.ZH == "" || m.EN == "" {
			t.Errorf("%s: missing a language: %+v", k, m)
			continue
		}
		if zh, en := osVerbs(m.ZH), osVerbs(m.EN); zh != en {
			t.Errorf("%s: verbs differ: zh %s, en %s", k, zh, en)
		}
	}
	if n < 50 {
		t.Errorf("only %d os.* messages registered", n)
	}
}

// osVerbs lists the verbs a format uses, per argument position.
func osVerbs(f string) string {
	pos := 0
	args := map[int]string{}
	for _, m := range osVerbRE.FindAllStringSubmatch(f, -1) {
		v := m[0]
		if v == "%%" {
			continue
		}
		if m[1] != "" {
			var idx int
			for _, c := range strings.Trim(m[1], "[]") {
				idx = idx*10 + int(c-'0')
			}
			pos = idx - 1
		}
		verb := v[len(v)-1:]
		if prev, ok := args[pos]; ok && prev != verb {
			return "conflict at " + string(rune('1'+pos))
		}
		args[pos] = verb
		pos++
	}
	keys := make([]int, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(args[k])
	}
	return b.String()
}
