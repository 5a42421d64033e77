package os

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// timeOffsetCheck reports how far the host's clock is from its time
// servers (type "time-offset"). Wrong clocks break Kerberos and TLS, make
// log correlation across systems impossible and put wrong times on medical
// records. The first time daemon that answers is asked: chrony (chronyc
// tracking), ntpd (ntpq -p), then systemd (timedatectl; with
// systemd-timesyncd its timesync-status gives the offset).
//
// The value is the absolute offset in milliseconds; thresholds apply to it
// (playbook default warn ~:100, crit ~:1000). A clock that is not
// synchronised is at least WARN, whatever the offset. Where no tool is
// installed or none answers the result is UNKNOWN naming what was tried.
type timeOffsetCheck struct{}

// DecodeParams rejects every parameter: the check takes none
// (inspect.ParamsDecoder).
func (timeOffsetCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[osNoParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (timeOffsetCheck) Validate(spec *inspect.Spec) error { return osValidate[osNoParams](spec) }

// chronyc -n: no DNS lookups of the servers (a slow resolver must not eat
// the host's time budget).
const timeScript = `if command -v chronyc >/dev/null 2>&1; then echo "@@CHRONYC"; chronyc -n tracking 2>&1 && exit 0; fi
if command -v ntpq >/dev/null 2>&1; then echo "@@NTPQ"; ntpq -pn 2>&1 && exit 0; fi
if command -v timedatectl >/dev/null 2>&1; then
  echo "@@TIMEDATECTL"
  if timedatectl status 2>&1; then echo "@@TIMESYNC"; timedatectl timesync-status 2>/dev/null; exit 0; fi
fi
echo "@@NOTOOL"`

// Script returns the collector.
func (timeOffsetCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	if _, err := inspect.ParamsOf[osNoParams](spec); err != nil {
		return "", err
	}
	return timeScript, nil
}

// timeSync is what a time daemon says.
type timeSync struct {
	Tool      string
	OffsetMS  float64 // local clock minus reference; positive = fast
	HasOffset bool
	Synced    bool
	Source    string // reference server
	Known     bool   // the output was understood
}

// parseChronyTracking reads `chronyc tracking`.
func parseChronyTracking(s string) timeSync {
	ts := timeSync{Tool: "chronyc"}
	leapSeen := false
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "Reference ID":
			f := strings.Fields(v)
			if len(f) > 0 {
				ts.Source = strings.Trim(strings.Join(f[1:], " "), "()")
				if ts.Source == "" {
					ts.Source = f[0]
				}
			}
		case "System time":
			// "0.000260112 seconds fast of NTP time" / "7.81 seconds slow of NTP time"
			f := strings.Fields(v)
			if len(f) >= 3 {
				if x, err := strconv.ParseFloat(f[0], 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
					ts.OffsetMS = x * 1000
					if f[2] == "slow" {
						ts.OffsetMS = -ts.OffsetMS
					}
					ts.HasOffset = true
				}
			}
		case "Leap status":
			leapSeen = true
			ts.Synced = !strings.Contains(strings.ToLower(v), "not synchronised")
		}
	}
	ts.Known = ts.HasOffset && leapSeen
	if ts.Source == "00000000" || ts.Source == "7F7F0101" {
		// No reference, or chrony's local clock reference: not synced to
		// a server.
		ts.Synced = false
	}
	return ts
}

// parseNtpq reads `ntpq -pn`: the line starting with '*' is the system peer;
// its offset column is in milliseconds.
func parseNtpq(s string) timeSync {
	ts := timeSync{Tool: "ntpq"}
	header := false
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "remote") && strings.Contains(line, "offset") {
			header = true
			continue
		}
		if !strings.HasPrefix(line, "*") {
			continue
		}
		f := strings.Fields(line[1:])
		if len(f) < 9 {
			continue
		}
		x, err := strconv.ParseFloat(f[8], 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		ts.Source, ts.OffsetMS, ts.HasOffset, ts.Synced = f[0], x, true, true
	}
	ts.Known = header
	return ts
}

// parseTimedatectl reads `timedatectl status` (old "NTP synchronized" and
// new "System clock synchronized" wording) and the optional
// `timedatectl timesync-status` ("Offset: +1.234ms").
func parseTimedatectl(status, timesync string) timeSync {
	ts := timeSync{Tool: "timedatectl"}
	for _, line := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "NTP synchronized", "System clock synchronized":
			ts.Known = true
			ts.Synced = strings.TrimSpace(v) == "yes"
		}
	}
	for _, line := range strings.Split(timesync, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Offset":
			if ms, ok := parseSystemdSpan(strings.TrimSpace(v)); ok {
				ts.OffsetMS, ts.HasOffset = ms, true
			}
		case "Server":
			ts.Source = strings.TrimSpace(v)
		}
	}
	return ts
}

// parseSystemdSpan reads "+1.234ms", "-523us", "+2.5s" into milliseconds.
func parseSystemdSpan(s string) (float64, bool) {
	for _, u := range []struct {
		suffix string
		ms     float64
	}{{"us", 0.001}, {"µs", 0.001}, {"ms", 1}, {"min", 60000}, {"s", 1000}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			x, err := strconv.ParseFloat(num, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return 0, false
			}
			return x * u.ms, true
		}
	}
	return 0, false
}

// Evaluate decides on the clock offset.
func (timeOffsetCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("time-offset")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	blocks := osSplit(env.Section.Stdout)
	var ts timeSync
	var tried []string
	var failures []string
	for i, b := range blocks {
		switch b.Name {
		case "CHRONYC":
			ts = parseChronyTracking(b.Body)
		case "NTPQ":
			ts = parseNtpq(b.Body)
		case "TIMEDATECTL":
			sync := ""
			if i+1 < len(blocks) && blocks[i+1].Name == "TIMESYNC" {
				sync = blocks[i+1].Body
			}
			ts = parseTimedatectl(b.Body, sync)
		default:
			continue
		}
		tried = append(tried, ts.Tool)
		if !ts.Known {
			failures = append(failures, ts.Tool+": "+strings.TrimSpace(osFirstLine(b.Body)))
		}
	}
	if !ts.Known {
		r := base
		if len(tried) == 0 {
			r = osUnknownMsg(base, env, "tool-missing", "os.time.notool")
			inspect.SetAdvice(&r, env, "os.time.notool_advice")
		} else {
			r = osUnknownMsg(base, env, "no-answer", "os.time.noanswer", strings.Join(failures, "; "))
			inspect.SetAdvice(&r, env, "os.time.noanswer_advice")
		}
		osSetEvidence(&r, env.Section.Stdout, 20, false)
		return []result.Result{r}
	}
	r := base
	if !ts.Synced {
		r.Status = result.Warn
		r.Reason = "not-synchronised"
	}
	if ts.HasOffset {
		abs := inspect.Round(math.Abs(ts.OffsetMS), 3)
		inspect.DefaultThresholds(env, "~:100", "~:1000").Apply(&r, abs, "ms")
		r.Metrics = []result.Metric{{Name: "time.offset_ms", Value: abs, Unit: "ms"}}
	}
	switch {
	case !ts.Synced && ts.HasOffset:
		inspect.SetMsg(&r, env, "os.time.unsynced_offset", ts.Tool, osSignedMS(ts.OffsetMS))
	case !ts.Synced:
		inspect.SetMsg(&r, env, "os.time.unsynced", ts.Tool)
	case ts.HasOffset:
		inspect.SetMsg(&r, env, "os.time.offset", osSignedMS(ts.OffsetMS), ts.Source, ts.Tool)
	default:
		inspect.SetMsg(&r, env, "os.time.synced", ts.Tool)
	}
	if inspect.Notable(r.Status) {
		if ts.Synced {
			inspect.SetAdvice(&r, env, "os.time.offset_advice", ts.Tool)
		} else {
			inspect.SetAdvice(&r, env, "os.time.unsynced_advice", ts.Tool)
		}
		osSetEvidence(&r, env.Section.Stdout, 20, false)
	}
	return []result.Result{r}
}

// osSignedMS writes an offset as "+0.260 ms" or "-7810.537 ms".
func osSignedMS(ms float64) string {
	return fmt.Sprintf("%+.3f ms", ms)
}

// TimeOffset is the check type playbooks call "time-offset".
func TimeOffset() inspect.Check { return osGuard{timeOffsetCheck{}} }
