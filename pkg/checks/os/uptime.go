package os

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// uptimeCheck reports how long the host has been up and whether it
// rebooted since the last inspection (type "uptime"). A reboot inside the
// window (env.Since to now) is WARN with the boot time: the engineer should
// know whether it was planned. The boot time is computed from /proc/uptime
// and this machine's clock, so a wrong clock on the target does not fake or
// hide a reboot.
//
// Thresholds (optional) apply to the uptime in days, e.g. warn ~:365 to
// find hosts that have missed every kernel update for a year.
type uptimeCheck struct{}

// DecodeParams rejects every parameter: the check takes none
// (inspect.ParamsDecoder).
func (uptimeCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[osNoParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (uptimeCheck) Validate(spec *inspect.Spec) error { return osValidate[osNoParams](spec) }

// Script reads /proc/uptime with the shell's read builtin.
func (uptimeCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	if _, err := inspect.ParamsOf[osNoParams](spec); err != nil {
		return "", err
	}
	return `read -r u < /proc/uptime && echo "$u"`, nil
}

// Evaluate decides on reboots and uptime.
func (uptimeCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("uptime")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	secs, err := ParseUptime(env.Section.Stdout)
	if err != nil {
		r := osUnknownMsg(base, env, "unparsable", "os.uptime.unparsable", err)
		osSetEvidence(&r, env.Section.Stdout, 5, false)
		return []result.Result{r}
	}
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	boot := now.Add(-time.Duration(secs * float64(time.Second))).Truncate(time.Second)
	days := inspect.Round(secs/86400, 2)
	r := base
	env.Thresholds.Apply(&r, days, "d")
	r.Metrics = []result.Metric{{Name: "uptime.seconds", Value: math.Round(secs), Unit: "s"}}
	up := osDuration(env, secs)
	inspect.SetMsg(&r, env, "os.uptime.msg", up, boot.Local().Format("2006-01-02 15:04"))
	// A minute of slack: the collector ran a moment before Now.
	if !env.Since.IsZero() && boot.After(env.Since.Add(time.Minute)) {
		r.Status = result.Worst(r.Status, result.Warn)
		r.Reason = "rebooted"
		inspect.SetMsg(&r, env, "os.uptime.rebooted", boot.Local().Format("2006-01-02 15:04:05"), env.Since.Local().Format("2006-01-02 15:04"), up)
		inspect.SetAdvice(&r, env, "os.uptime.rebooted_advice")
	} else if inspect.Notable(r.Status) {
		inspect.SetAdvice(&r, env, "os.uptime.advice")
	}
	return []result.Result{r}
}

// osDuration writes an uptime as "12d 3h", "3h 5m" or "42s".
func osDuration(env *inspect.Env, secs float64) any {
	d := time.Duration(secs) * time.Second
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
	return fmt.Sprintf("%.0fs", secs)
}

// Uptime is the check type playbooks call "uptime".
func Uptime() inspect.Check { return osGuard{uptimeCheck{}} }
