package os

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// kernelLogCheck reports OOM kills and kernel errors since the last
// inspection (type "kernel-log"): messages of priority err or worse from
// the kernel, read with journalctl -k where systemd's journal runs, else
// from the kernel ring buffer (dmesg -r). An OOM kill means the kernel
// killed a program to free memory, usually a business process, so it is
// CRIT; other kernel errors (I/O errors, filesystem errors, hardware
// errors, hung tasks) are WARN. Messages matching the `ignore` regular
// expression are left out.
//
// The collector reads at most the last 300 error lines of the last
// `lookback` (default 7d, so a Monday run still sees Friday night); the
// window itself starts at env.Since, the previous inspection.
type kernelLogCheck struct{}

type kernelLogOptions struct {
	lookback time.Duration
	ignore   *regexp.Regexp
}

// kernelLogTyped are the parameters of kernel-log, decoded once when the
// playbook is loaded.
type kernelLogTyped struct {
	Lookback time.Duration  `param:"lookback"` // how far back the log is read
	Ignore   *regexp.Regexp `param:"ignore"`   // lines matching it are not errors
}

// Defaults reads a week back.
func (p *kernelLogTyped) Defaults() { p.Lookback = 7 * 24 * time.Hour }

// CheckParams wants at least an hour.
func (p *kernelLogTyped) CheckParams(spec *inspect.Spec) error {
	if p.Lookback < time.Hour {
		return inspect.BadParamMsg(spec, "lookback", "os.param.at_least_1h", p.Lookback.String())
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (kernelLogCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[kernelLogTyped](spec)
}

func kernelLogParams(spec *inspect.Spec) (kernelLogOptions, error) {
	p, err := inspect.ParamsOf[kernelLogTyped](spec)
	if err != nil {
		return kernelLogOptions{}, err
	}
	return kernelLogOptions{lookback: p.Lookback, ignore: p.Ignore}, nil
}

// Validate checks the parameters when the playbook is loaded.
func (kernelLogCheck) Validate(spec *inspect.Spec) error { _, err := kernelLogParams(spec); return err }

// Script returns the collector. The journal is used only when systemd runs
// (a journalctl binary on a non-systemd host has no journal to read).
// journalctl runs without -q on purpose: -q also hides the warning that
// the system journal is not readable, which would turn "cannot see" into a
// false "no errors".
func (kernelLogCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	o, err := kernelLogParams(spec)
	if err != nil {
		return "", err
	}
	hours := strconv.Itoa(int(o.lookback.Hours() + 0.5))
	return `read -r up rest < /proc/uptime && echo "@@UPTIME $up"
if [ -d /run/systemd/system ] && command -v journalctl >/dev/null 2>&1; then
  echo "@@JOURNAL"
  journalctl -k -p err --no-pager -o short-iso --since=-` + hours + `h 2>&1 | tail -n 300
elif command -v dmesg >/dev/null 2>&1; then
  echo "@@DMESG"
  dmesg -r 2>&1 | grep -E '^<[0-3]>|^dmesg:' | tail -n 300
else
  echo "@@NOTOOL"
fi`, nil
}

// kernelEvent is one kernel message.
type kernelEvent struct {
	Time time.Time
	Text string
}

var (
	kernelDmesgRE = regexp.MustCompile(`^(?:<(\d+)>)?.*?\[\s*(\d+\.\d+)\]\s?(.*)$`)
	kernelOOMRE   = regexp.MustCompile(`[Oo]ut of memory(?: \(oom_kill_allocating_task\))?: Kill(?:ed)? process (\d+) \((.+?)\)(?: total-vm| score|,|$)`)
)

// parseKernelJournal reads `journalctl -o short-iso` lines:
// "2026-11-29T05:12:41+0800 host kernel: text" (older systemd) or with
// "+08:00" (newer).
func parseKernelJournal(s string) []kernelEvent {
	var out []kernelEvent
	for _, line := range strings.Split(s, "\n") {
		ts, rest, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		var t time.Time
		var err error
		for _, layout := range []string{"2006-01-02T15:04:05-0700", "2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05.999999-07:00", "2006-01-02T15:04:05.999999-0700"} {
			if t, err = time.Parse(layout, ts); err == nil {
				break
			}
		}
		if err != nil {
			continue
		}
		_, text, ok := strings.Cut(rest, "kernel: ")
		if !ok {
			continue
		}
		out = append(out, kernelEvent{Time: t, Text: strings.TrimSpace(text)})
	}
	return out
}

// parseKernelDmesg reads dmesg -r lines ("<3>[  518.05] text"); the time
// is boot time plus the timestamp, boot time being collection time minus
// uptime. Lines of the syslog form ("May 15 23:09:30 host kernel: [518.05]
// text") are read the same way.
func parseKernelDmesg(s string, boot time.Time) []kernelEvent {
	var out []kernelEvent
	for _, line := range strings.Split(s, "\n") {
		m := kernelDmesgRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		if m[1] != "" {
			if p, err := strconv.Atoi(m[1]); err == nil && p%8 > 3 {
				continue
			}
		}
		secs, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		out = append(out, kernelEvent{Time: boot.Add(time.Duration(secs * float64(time.Second))), Text: strings.TrimSpace(m[3])})
	}
	return out
}

// Evaluate counts OOM kills and errors in the window.
func (kernelLogCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("kernel-log")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	o, err := kernelLogParams(env.Spec)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	since := env.Since
	if since.IsZero() {
		since = now.Add(-24 * time.Hour)
	}
	blocks := osSplit(env.Section.Stdout)
	var events []kernelEvent
	var body, source string
	if b, ok := osFind(blocks, "JOURNAL"); ok {
		body, source = b.Body, "journalctl -k"
		events = parseKernelJournal(b.Body)
	} else if b, ok := osFind(blocks, "DMESG"); ok {
		body, source = b.Body, "dmesg"
		u, _ := osFind(blocks, "UPTIME")
		up, err := strconv.ParseFloat(u.Arg, 64)
		if err != nil {
			r := osUnknownMsg(base, env, "unparsable", "os.klog.no_uptime")
			osSetEvidence(&r, env.Section.Stdout, 10, false)
			return []result.Result{r}
		}
		events = parseKernelDmesg(b.Body, now.Add(-time.Duration(up*float64(time.Second))))
	} else if _, ok := osFind(blocks, "NOTOOL"); ok {
		return []result.Result{osUnknownMsg(base, env, "tool-missing", "os.klog.notool")}
	} else {
		r := osUnknownMsg(base, env, "unparsable", "os.klog.unparsable")
		osSetEvidence(&r, env.Section.Stdout, 10, false)
		return []result.Result{r}
	}
	low := strings.ToLower(body)
	if len(events) == 0 && (strings.Contains(low, "operation not permitted") || strings.Contains(low, "insufficient permissions") ||
		strings.Contains(low, "permission denied") || strings.Contains(low, "not seeing messages from other users and the system")) {
		r := osUnknownMsg(base, env, "not-readable", "os.klog.denied", source, strings.TrimSpace(osFirstLine(body)))
		inspect.SetAdvice(&r, env, "os.klog.denied_advice")
		return []result.Result{r}
	}
	var ooms, errs []kernelEvent
	var victims []string
	for _, e := range events {
		if !e.Time.After(since) || o.ignore != nil && o.ignore.MatchString(e.Text) {
			continue
		}
		if m := kernelOOMRE.FindStringSubmatch(e.Text); m != nil {
			ooms = append(ooms, e)
			victims = append(victims, fmt.Sprintf("%s (%s)", m[2], m[1]))
			continue
		}
		// Companions of an OOM kill, not separate errors: the reaper's
		// report, the summary line of newer kernels, and the "Killed
		// process" line that follows "Kill process" on 3.10 kernels.
		if strings.HasPrefix(e.Text, "oom_reaper:") || strings.HasPrefix(e.Text, "oom-kill:") || strings.HasPrefix(e.Text, "Killed process") {
			continue
		}
		errs = append(errs, e)
	}
	r := base
	r.SetValue(float64(len(ooms)+len(errs)), "")
	r.Metrics = []result.Metric{{Name: "kernel.oom_kills", Value: float64(len(ooms))}, {Name: "kernel.errors", Value: float64(len(errs))}}
	sinceText := since.Local().Format("2006-01-02 15:04")
	var lines []string
	for _, e := range append(append([]kernelEvent{}, ooms...), errs...) {
		lines = append(lines, e.Time.Local().Format("2006-01-02 15:04:05")+" "+e.Text)
	}
	switch {
	case len(ooms) > 0:
		r.Status = result.Crit
		r.Reason = "oom-kill"
		inspect.SetMsg(&r, env, "os.klog.oom", len(ooms), sinceText, osList(osUniq(victims), 5))
		if len(errs) > 0 {
			inspect.AddMsg(&r, env, "os.klog.and_errors", len(errs))
		}
		inspect.SetAdvice(&r, env, "os.klog.oom_advice")
	case len(errs) > 0:
		r.Status = result.Warn
		r.Reason = "kernel-errors"
		inspect.SetMsg(&r, env, "os.klog.errors", len(errs), sinceText, osShort(errs[len(errs)-1].Text))
		inspect.SetAdvice(&r, env, "os.klog.errors_advice")
	default:
		r.Status = result.OK
		inspect.SetMsg(&r, env, "os.klog.clean", sinceText, source)
	}
	if len(lines) > 0 {
		osSetEvidence(&r, strings.Join(lines, "\n"), 20, true)
	}
	// env.Thresholds may raise the status on the event count (e.g. crit 10:
	// for hosts where any kernel error is an emergency); they never lower it.
	if env.Thresholds.Warn != nil || env.Thresholds.Crit != nil {
		env.Thresholds.Apply(&r, float64(len(ooms)+len(errs)), "")
	}
	return []result.Result{r}
}

// osUniq returns items without repeats, in first-seen order.
func osUniq(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// KernelLog is the check type playbooks call "kernel-log".
func KernelLog() inspect.Check { return osGuard{kernelLogCheck{}} }
