package i18n

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Tests every catalogue area shares: both languages present, and the same
// arguments with the same verbs in both (a %d in English and a %s in
// Chinese would print %!s(int=3) to the engineer).

// checkPrefixBothLanguages checks every message under prefix for both
// languages and matching verbs, and that the prefix has at least min keys.
func checkPrefixBothLanguages(t *testing.T, prefix string, min int) {
	t.Helper()
	n := 0
	for k, m := range Keys() {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		n++
		if m.ZH == "" || m.EN == "" {
			t.Errorf("%s: missing a language: %+v", k, m)
			continue
		}
		if zh, en := formatVerbs(m.ZH), formatVerbs(m.EN); zh != en {
			t.Errorf("%s: verbs differ: zh %q, en %q", k, zh, en)
		}
	}
	if n < min {
		t.Errorf("only %d %s* messages registered", n, prefix)
	}
}

// verbRE matches one fmt directive, with an argument index either
// before the flags (%[2]s) or right before the verb (%.0[3]f).
var verbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?(\[(\d+)\])?([a-zA-Z%])`)

// formatVerbs lists the verb used for each argument position, in order;
// positions a format skips show as a space.
func formatVerbs(f string) string {
	pos := 0
	args := map[int]byte{}
	for _, m := range verbRE.FindAllStringSubmatch(f, -1) {
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

func TestFormatVerbs(t *testing.T) {
	for f, want := range map[string]string{
		"%s is %d":                "sd",
		"%[2]s 上 %[1]d":           "ds",
		"约 %[4]s 小 %.0[3]f%%":     "  fs",
		"%+.0f%% and ±%.0f%%":     "ff",
		"%[1]s 的 %[1]s":           "s",
		"%[1]s then %[1]d":        "conflict at 1",
		"no verbs, 100%% certain": "",
	} {
		if got := formatVerbs(f); got != want {
			t.Errorf("formatVerbs(%q) = %q, want %q", f, got, want)
		}
	}
}
