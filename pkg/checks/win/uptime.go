package win

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// uptimeCheck reports how long the host has been up (type "win-uptime")
// from Win32_OperatingSystem's LastBootUpTime and LocalDateTime, both read
// on the host so its clock's offset does not count. A boot after the last
// inspection is WARN (as for Linux uptime); thresholds, when given, apply
// to the uptime in days.
type uptimeCheck struct{}

// Uptime is the check type playbooks call "win-uptime".
func Uptime() inspect.Check { return winGuard{"win-uptime", uptimeCheck{}} }

func (uptimeCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[noParams](spec)
}

func (uptimeCheck) Validate(*inspect.Spec) error { return nil }

func (uptimeCheck) PowerShellScript(*inspect.Spec, *inventory.Asset) (string, error) {
	return `$o=Get-CimInstance Win32_OperatingSystem
ConvertTo-Json -Compress -InputObject @{boot=$o.LastBootUpTime.ToUniversalTime().ToString('o');now=$o.LocalDateTime.ToUniversalTime().ToString('o');os=$o.Caption;build=$o.BuildNumber}`, nil
}

type uptimeData struct {
	Boot  string `json:"boot"`
	Now   string `json:"now"`
	OS    string `json:"os"`
	Build string `json:"build"`
}

func (uptimeCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	const typ = "win-uptime"
	var d uptimeData
	if _, err := winJSON(env.Section.Stdout, &d); err != nil {
		return []result.Result{winUnparsable(typ, env, "Win32_OperatingSystem", err)}
	}
	boot, err1 := time.Parse(time.RFC3339Nano, strings.TrimSpace(d.Boot))
	hostNow, err2 := time.Parse(time.RFC3339Nano, strings.TrimSpace(d.Now))
	if err1 != nil || err2 != nil || hostNow.Before(boot) {
		return []result.Result{winUnparsable(typ, env, "LastBootUpTime", fmt.Errorf("boot %q, now %q", d.Boot, d.Now))}
	}
	up := hostNow.Sub(boot)
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	// The boot in this machine's clock.
	bootHere := now.Add(-up).Truncate(time.Second)
	r := result.Result{Type: typ}
	days := inspect.Round(up.Hours()/24, 2)
	env.Thresholds.Apply(&r, days, "d")
	r.Metrics = []result.Metric{{Name: "uptime.seconds", Value: up.Round(time.Second).Seconds(), Unit: "s"}}
	inspect.SetMsg(&r, env, "win.uptime.msg", winDuration(up), bootHere.Local().Format("2006-01-02 15:04"))
	if d.OS != "" {
		inspect.AddMsg(&r, env, "win.uptime.os", strings.TrimSpace(d.OS), strings.TrimSpace(d.Build))
	}
	if !env.Since.IsZero() && bootHere.After(env.Since.Add(time.Minute)) {
		r.Status = result.Worst(r.Status, result.Warn)
		r.Reason = "rebooted"
		inspect.SetMsg(&r, env, "win.uptime.rebooted", bootHere.Local().Format("2006-01-02 15:04:05"), env.Since.Local().Format("2006-01-02 15:04"), winDuration(up))
		inspect.SetAdvice(&r, env, "win.uptime.rebooted_advice")
	} else if inspect.Notable(r.Status) {
		inspect.SetAdvice(&r, env, "win.uptime.advice")
	}
	return []result.Result{r}
}

// winDuration renders an uptime in the catalogue's words (the duration
// keys the Linux uptime check uses), so a report renders it in its
// language.
func winDuration(d time.Duration) any {
	days := int(d / (24 * time.Hour))
	h := int(d % (24 * time.Hour) / time.Hour)
	m := int(d % time.Hour / time.Minute)
	switch {
	case days > 0:
		return i18n.S("os.dur.dh", days, h)
	case h > 0:
		return i18n.S("os.dur.hm", h, m)
	case m > 0:
		return i18n.S("os.dur.m", m)
	}
	return fmt.Sprintf("%.0fs", d.Seconds())
}
