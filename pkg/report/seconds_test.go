package report

import (
	"testing"
	"time"
)

func TestFmtSeconds(t *testing.T) {
	for _, c := range []struct {
		v      float64
		zh, en string
	}{
		{3.24, "3.2秒", "3.2 s"},
		{0, "0秒", "0 s"},
		{0.043, "0.04秒", "0.04 s"},
		{0.001, "<0.01秒", "<0.01 s"},
		{75, "1分15秒", "1 min 15 s"},
		{600, "10分钟", "10 min"},
		{1250, "20分50秒", "20 min 50 s"},
		{40 * 86400, "40天", "40 d"},
		{7260, "2小时1分钟", "2 h 1 min"},
	} {
		if got := fmtSeconds("zh", c.v); got != c.zh {
			t.Errorf("zh %v: %q, want %q", c.v, got, c.zh)
		}
		if got := fmtSeconds("en", c.v); got != c.en {
			t.Errorf("en %v: %q, want %q", c.v, got, c.en)
		}
	}
}

// Outage lengths are written in minutes; one of a few seconds is "under a
// minute", never "0 minutes", and none at all stays 0.
func TestFmtDurationShortOutage(t *testing.T) {
	for _, c := range []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"zh", 0, "0分钟"}, {"en", 0, "0 min"},
		{"zh", 12 * time.Second, "不足1分钟"}, {"en", 12 * time.Second, "under 1 min"},
		{"zh", 40 * time.Second, "1分钟"}, {"en", 135 * time.Minute, "2 h 15 min"},
	} {
		if got := fmtDuration(c.lang, c.d); got != c.want {
			t.Errorf("fmtDuration(%s, %v) = %q, want %q", c.lang, c.d, got, c.want)
		}
	}
}
