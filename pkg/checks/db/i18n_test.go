package inspect

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// Every message key the database checks use is in the catalogue, with both
// languages.
func TestDBMessagesInCatalogue(t *testing.T) {
	wantKeys(t, []string{"check_db.go", "check_db_postgres.go", "check_db_mysql.go"}, 90)
}

// dbAge writes English durations exactly as humanAge does (reports and
// tests compare them), and Chinese ones with the unit in words.
func TestDBAge(t *testing.T) {
	en := &Env{Lang: i18n.EN}
	zh := &Env{Lang: i18n.ZH}
	for _, d := range []time.Duration{0, 45 * time.Second, 7 * time.Minute, time.Hour, 200 * time.Minute, 47 * time.Hour, 48 * time.Hour, 52 * time.Hour, 400 * 24 * time.Hour} {
		if got, want := subText(i18n.EN, dbAge(en, d)), humanAge(d); got != want {
			t.Errorf("dbAge(en, %v) = %q, humanAge %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		420 * time.Second: "7 分钟",
		42 * time.Second:  "42 秒",
		200 * time.Minute: "3 小时 20 分钟",
		3 * time.Hour:     "3 小时",
		52 * time.Hour:    "2 天 4 小时",
		72 * time.Hour:    "3 天",
	} {
		if got := subText(i18n.ZH, dbAge(zh, d)); got != want {
			t.Errorf("dbAge(zh, %v) = %q, want %q", d, got, want)
		}
	}
}

var probeKeyRE = msgKeyRE

// wantKeys checks the message keys files pass to probeT; a key ending in
// "." is the stem of keys built at run time, checked by the caller.
func wantKeys(t *testing.T, files []string, atLeast int) {
	t.Helper()
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range probeKeyRE.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue
			}
			n++
			wantKey(t, m[1])
		}
	}
	if n < atLeast {
		t.Fatalf("found only %d message uses in %v: is the pattern stale?", n, files)
	}
}

func wantKey(t *testing.T, key string) {
	t.Helper()
	m, ok := i18n.Keys()[key]
	if !ok {
		t.Errorf("message key %q is not in the catalogue", key)
		return
	}
	if m.ZH == "" || m.EN == "" {
		t.Errorf("message %q lacks a language", key)
	}
}

// subText renders a nested message as a check's message shows it.
func subText(lang string, s i18n.Sub) string { return i18n.Render(lang, s.Key, s.Args) }
