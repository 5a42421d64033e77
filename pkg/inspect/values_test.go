package inspect

import (
	"testing"

	"github.com/cyhealth/hcops/pkg/result"
)

func TestBytesAndRound(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {150 * 1024 * 1024, "150 MiB"}, {3 << 40, "3 TiB"}} {
		if got := Bytes(c.in); got != c.want {
			t.Errorf("Bytes(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Round(87.29999999, 1); got != 87.3 {
		t.Errorf("Round = %v", got)
	}
	if Notable(result.OK) || Notable(result.Unknown) || !Notable(result.Warn) || !Notable(result.Crit) {
		t.Error("Notable: advice goes with WARN and CRIT only")
	}
	env := &Env{}
	if th := DefaultThresholds(env, "~:80", "~:90"); th.Warn == nil || th.Crit == nil {
		t.Errorf("defaults not applied: %+v", th)
	}
	given, _ := ParseThresholds("~:50", "")
	env.Thresholds = given
	if th := DefaultThresholds(env, "~:80", "~:90"); th.Crit != nil {
		t.Errorf("the playbook's own warn must win over the defaults: %+v", th)
	}
}

func TestDescriptionIn(t *testing.T) {
	d := "每日 Linux 巡检 / daily Linux inspection"
	if got := DescriptionIn(d, "zh"); got != "每日 Linux 巡检" {
		t.Errorf("zh: %q", got)
	}
	if got := DescriptionIn(d, "en"); got != "daily Linux inspection" {
		t.Errorf("en: %q", got)
	}
	for _, own := range []string{"disk space on /data", "input / output errors", "磁盘 / 分区", ""} {
		if got := DescriptionIn(own, "zh"); got != own {
			t.Errorf("a site's own description %q shown as %q", own, got)
		}
	}
}
