package i18n

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// backupVerbRE matches one fmt directive, with an argument index either
// before the flags (%[2]s) or right before the verb (%.0[3]f).
var backupVerbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?(\[(\d+)\])?([a-zA-Z%])`)

// Every backup message exists in both languages and uses the same
// arguments with the same verbs in both: a %d in English and a %s in
// Chinese would print %!s(int=3) to the engineer, and a missing argument
// would drop a copy name or an age from the verdict.
func TestBackupMessagesBothLanguagesSameVerbs(t *testing.T) {
	n := 0
	for k, m := range Keys() {
		if !strings.HasPrefix(k, "backup.") {
			continue
		}
		n++
		if m.ZH == "" || m.EN == "" {
			t.Errorf("%s: missing a language: %+v", k, m)
			continue
		}
		zh, en := backupVerbs(m.ZH), backupVerbs(m.EN)
		if zh != en {
			t.Errorf("%s: verbs differ: zh %q, en %q", k, zh, en)
		}
	}
	if n < 150 {
		t.Errorf("only %d backup.* messages registered", n)
	}
}

// The formats really print their arguments in both languages: no
// %!(EXTRA …), %!(MISSING) or %!(BADINDEX) when given values of the verbs'
// kinds.
func TestBackupMessagesFormatCleanly(t *testing.T) {
	for k, m := range Keys() {
		if !strings.HasPrefix(k, "backup.") {
			continue
		}
		verbs := backupVerbs(m.EN)
		if verbs == "" || strings.HasPrefix(verbs, "conflict") {
			continue
		}
		var args []any
		for _, v := range verbs {
			switch v {
			case 'd':
				args = append(args, 7)
			case 'f':
				args = append(args, 2.5)
			case 'v':
				args = append(args, fmt.Errorf("boom"))
			default:
				args = append(args, "x")
			}
		}
		for _, lang := range []string{ZH, EN} {
			if s := T(lang, k, args...); strings.Contains(s, "%!") {
				t.Errorf("%s (%s): %s", k, lang, s)
			}
		}
	}
}

func TestBackupVerbsParser(t *testing.T) {
	for f, want := range map[string]string{
		"%s is %d":                "sd",
		"%[2]s 上 %[1]d":           "ds",
		"约 %[4]s 小 %.0[3]f%%":     "  fs",
		"%+.0f%% and ±%.0f%%":     "ff",
		"%[1]s 的 %[1]s":           "s",
		"%[1]s then %[1]d":        "conflict at 1",
		"no verbs, 100%% certain": "",
	} {
		if got := backupVerbs(f); got != want {
			t.Errorf("backupVerbs(%q) = %q, want %q", f, got, want)
		}
	}
}

// backupVerbs lists the verb used for each argument position, in order;
// positions a format skips show as a space.
func backupVerbs(f string) string {
	pos := 0
	args := map[int]byte{}
	for _, m := range backupVerbRE.FindAllStringSubmatch(f, -1) {
		verb := m[6]
		if verb == "%" {
			continue
		}
		idx := m[2]
		if idx == "" {
			idx = m[5]
		}
		if idx != "" {
			n, _ := strconv.Atoi(idx)
			pos = n - 1
		}
		if prev, ok := args[pos]; ok && prev != verb[0] {
			return "conflict at " + strconv.Itoa(pos+1)
		}
		args[pos] = verb[0]
		pos++
	}
	keys := make([]int, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var b strings.Builder
	for i, k := range keys {
		prev := -1
		if i > 0 {
			prev = keys[i-1]
		}
		b.WriteString(strings.Repeat(" ", k-prev-1))
		b.WriteByte(args[k])
	}
	return b.String()
}
