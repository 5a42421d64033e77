package db

import (
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	oschecks "github.com/cyhealth/hcops/pkg/checks/os"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
)

// Every message key the database checks use is in the catalogue, with both
// languages.
func TestDBMessagesInCatalogue(t *testing.T) {
	checktest.WantKeys(t, []string{"db.go", "postgres.go", "mysql.go"}, 90)
}

// dbAge writes English durations exactly as HumanAge does (reports and
// tests compare them), and Chinese ones with the unit in words.
func TestDBAge(t *testing.T) {
	en := &inspect.Env{Lang: i18n.EN}
	zh := &inspect.Env{Lang: i18n.ZH}
	for _, d := range []time.Duration{0, 45 * time.Second, 7 * time.Minute, time.Hour, 200 * time.Minute, 47 * time.Hour, 48 * time.Hour, 52 * time.Hour, 400 * 24 * time.Hour} {
		if got, want := subText(i18n.EN, dbAge(en, d)), oschecks.HumanAge(d); got != want {
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

// subText renders a nested message as a check's message shows it.
func subText(lang string, s i18n.Sub) string { return i18n.Render(lang, s.Key, s.Args) }
