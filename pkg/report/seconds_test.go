package report

import "testing"

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
