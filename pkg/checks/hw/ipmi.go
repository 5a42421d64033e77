package hw

import (
	"bufio"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// ipmiCheck reads the BMC's sensors and event log through ipmitool on the
// target (type "ipmi"): power supplies, fans, temperatures, voltages,
// memory, drives. A sensor whose status column says ok can still carry a
// failure in its event text (HP iLO reports "Failure detected" with status
// ok), so the event text is classified too.
//
// Parameters: sel_window (duration; SEL events newer than this, or since the
// last inspection, are reported; default: since the last inspection, at
// least 24h). Thresholds (warn/crit) apply to the hottest temperature
// sensor in °C (defaults: none; the BMC's own thresholds decide).
type ipmiCheck struct{}

// ipmiParams are the parameters of ipmi, decoded once when the playbook is
// loaded.
type ipmiParams struct {
	// SELWindow is how far back the event log is read; 0 means since the
	// last inspection.
	SELWindow time.Duration `param:"sel_window"`
}

// DecodeParams decodes the parameters (see inspect.ParamsDecoder).
func (ipmiCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[ipmiParams](spec)
}

const ipmiScript = `if ! command -v ipmitool >/dev/null 2>&1; then echo "@@NOTOOL ipmitool"; exit 0; fi
echo "@@SDR"
LC_ALL=C ipmitool sdr elist full 2>&1 || LC_ALL=C ipmitool sdr 2>&1
echo "@@SEL"
LC_ALL=C ipmitool sel elist 2>&1 | tail -n 200`

func (ipmiCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return ipmiScript, nil }

// ipmiSensor is one row of `ipmitool sdr` or `sdr elist full`.
type ipmiSensor struct {
	Name    string
	Status  string // ok, ns, nc, cr, nr, lnc, lcr, lnr, unc, ucr, unr
	Reading string // "20 degrees C", "0x00", or the event text (elist)
}

// ipmiEvent is one row of `ipmitool sel list|elist`.
type ipmiEvent struct {
	ID     string
	At     time.Time // zero when the BMC had no valid clock (Pre-Init)
	Sensor string
	Event  string
	State  string // Asserted / Deasserted
}

// parseIPMISDR reads both the 3-column `sdr` and the 5-column `sdr elist`
// layouts; lines that are neither (errors, banners) are ignored.
func parseIPMISDR(out string) []ipmiSensor {
	var sensors []ipmiSensor
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		switch len(f) {
		case 3: // name | reading | status
			sensors = append(sensors, ipmiSensor{Name: f[0], Reading: f[1], Status: strings.ToLower(f[2])})
		case 5: // name | id | status | entity | reading/event
			sensors = append(sensors, ipmiSensor{Name: f[0], Status: strings.ToLower(f[2]), Reading: f[4]})
		}
	}
	return sensors
}

// parseIPMISEL reads `ipmitool sel list` / `sel elist` rows:
// "   1 | 11/03/2021 | 15:01:48 | Memory #0x2b | Correctable ECC ... | Asserted".
func parseIPMISEL(out string, loc *time.Location) []ipmiEvent {
	var events []ipmiEvent
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) < 5 {
			continue
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		e := ipmiEvent{ID: f[0], Sensor: f[3], Event: f[4]}
		if len(f) > 5 {
			e.State = f[5]
		}
		if t, err := time.ParseInLocation("01/02/2006 15:04:05", f[1]+" "+f[2], loc); err == nil {
			e.At = t
		}
		events = append(events, e)
	}
	return events
}

// Event texts that mean a failed or degraded part even when the status
// column says ok. Matched case-insensitively.
var (
	ipmiCritText = regexp.MustCompile(`(?i)failure detected|failed|fault|uncorrectable|non-recoverable|critical|ac lost|power supply .*lost|drive fault|ierr|thermal trip|predictive failure`)
	ipmiWarnText = regexp.MustCompile(`(?i)non-redundant|redundancy lost|redundancy degraded|logging limit reached|correctable ecc|degraded|predictive|rebuild|throttl`)
	ipmiTempRE   = regexp.MustCompile(`(?i)^(-?[0-9.]+)\s*degrees\s*c`)
)

// classify returns the status of one sensor and why, in env's language
// (the BMC's own event text is quoted as it is).
func (s ipmiSensor) classify(env *inspect.Env) (result.Status, any) {
	switch s.Status {
	case "cr", "nr", "lcr", "ucr", "lnr", "unr":
		return result.Crit, i18n.S("hw.ipmi.status", s.Status, i18n.S("hw.ipmi.st."+s.Status))
	case "nc", "lnc", "unc":
		return result.Warn, i18n.S("hw.ipmi.status", s.Status, i18n.S("hw.ipmi.st."+s.Status))
	}
	text := s.Reading
	if ipmiCritText.MatchString(text) && !strings.Contains(strings.ToLower(text), "fully redundant") {
		return result.Crit, text
	}
	if ipmiWarnText.MatchString(text) {
		return result.Warn, text
	}
	return result.OK, ""
}

func (ipmiCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := result.Result{Type: "ipmi"}
	if r, done := hwSectionProblem(env, base, "ipmitool"); done {
		return []result.Result{r}
	}
	out := env.Section.Stdout
	sdrText, selText := hwSplit(out, "@@SDR", "@@SEL")
	if strings.Contains(sdrText, "Could not open device") || strings.Contains(sdrText, "No such file or directory") && len(parseIPMISDR(sdrText)) == 0 {
		r := base
		r.Status = result.Unknown
		r.Reason = "no-bmc"
		inspect.SetMsg(&r, env, "hw.ipmi.no_bmc")
		inspect.SetAdvice(&r, env, "hw.ipmi.no_bmc_advice")
		r.Evidence = hwFirstLines(sdrText, 5)
		return []result.Result{r}
	}
	sensors := parseIPMISDR(sdrText)
	if len(sensors) == 0 {
		r := base
		r.Status = result.Unknown
		inspect.SetMsg(&r, env, "hw.ipmi.no_rows")
		r.Evidence = hwFirstLines(sdrText, 10)
		return []result.Result{r}
	}

	var results []result.Result
	hottest, hottestName := -1000.0, ""
	var metrics []result.Metric
	for _, s := range sensors {
		if m := ipmiTempRE.FindStringSubmatch(s.Reading); m != nil {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				metrics = append(metrics, result.Metric{Name: "hw.temp_c", Value: v, Unit: "C"})
				if v > hottest {
					hottest, hottestName = v, s.Name
				}
			}
		}
		st, why := s.classify(env)
		if st == result.OK {
			continue
		}
		r := base
		r.Item = s.Name
		r.Status = st
		inspect.SetMsg(&r, env, "hw.ipmi.sensor", s.Name, why)
		r.Evidence = fmt.Sprintf("%s | %s | %s", s.Name, s.Status, s.Reading)
		inspect.SetAdviceSub(&r, env, ipmiAdvice(env, s))
		results = append(results, r)
	}

	summary := base
	summary.Item = "sensors"
	summary.Status = result.OK
	inspect.SetMsg(&summary, env, "hw.ipmi.summary", len(sensors), len(results))
	if hottestName != "" {
		inspect.AddMsg(&summary, env, "hw.ipmi.hottest", hottestName, hottest)
		env.Thresholds.Apply(&summary, hottest, "C")
	}
	summary.Metrics = metrics
	results = append([]result.Result{summary}, results...)

	// The event log: events since the last inspection.
	p, err := inspect.ParamsOf[ipmiParams](env.Spec)
	if err != nil {
		summary.Status = result.Unknown
		summary.SetText(err.Error())
		return []result.Result{summary}
	}
	// Since the last inspection, or the sel_window, or 24 h without either.
	since := inspect.WindowStart(env, p.SELWindow)
	var recent []ipmiEvent
	for _, e := range parseIPMISEL(selText, env.Now.Location()) {
		if !e.At.IsZero() && e.At.After(since) && !strings.EqualFold(e.State, "Deasserted") {
			recent = append(recent, e)
		}
	}
	sel := base
	sel.Item = "sel"
	sel.Status = result.OK
	sel.SetValue(float64(len(recent)), "events")
	inspect.SetMsg(&sel, env, "hw.ipmi.sel", len(recent), since.Format("2006-01-02 15:04"))
	var lines []string
	for _, e := range recent {
		st, _ := ipmiSensor{Name: e.Sensor, Status: "ok", Reading: e.Event}.classify(env)
		if st == result.OK {
			st = result.Warn
		}
		sel.Status = result.Worst(sel.Status, st)
		lines = append(lines, fmt.Sprintf("%s %s: %s", e.At.Format("2006-01-02 15:04:05"), e.Sensor, e.Event))
	}
	if len(recent) > 0 {
		inspect.SetAdvice(&sel, env, "hw.ipmi.sel_advice")
		sel.Evidence = strings.Join(hwLastN(lines, 20), "\n")
	}
	return append(results, sel)
}

func ipmiAdvice(env *inspect.Env, s ipmiSensor) i18n.Sub {
	n := strings.ToLower(s.Name + " " + s.Reading)
	switch {
	case strings.Contains(n, "power suppl") || strings.Contains(n, "ps"):
		return i18n.S("hw.ipmi.advice.psu")
	case strings.Contains(n, "fan"):
		return i18n.S("hw.ipmi.advice.fan")
	case strings.Contains(n, "temp"):
		return i18n.S("hw.ipmi.advice.temp")
	case strings.Contains(n, "memory") || strings.Contains(n, "ecc") || strings.Contains(n, "dimm"):
		return i18n.S("hw.ipmi.advice.memory")
	case strings.Contains(n, "drive") || strings.Contains(n, "disk"):
		return i18n.S("hw.ipmi.advice.drive")
	}
	return i18n.S("hw.ipmi.advice.other")
}

// hwSectionProblem turns a missing section, a failed collector or a missing
// tool into a result; done is false when the section is usable.
func hwSectionProblem(env *inspect.Env, base result.Result, tool string) (result.Result, bool) {
	r := base
	r.Status = result.Unknown
	switch {
	case env.Section == nil || env.Section.Missing:
		inspect.SetMsg(&r, env, "probe.no_output")
		return r, true
	case strings.HasPrefix(strings.TrimSpace(env.Section.Stdout), "@@NOTOOL"):
		r.Reason = "tool-missing"
		inspect.SetMsg(&r, env, "hw.tool_missing", tool)
		inspect.SetAdvice(&r, env, "hw.tool_advice", tool)
		return r, true
	}
	return r, false
}

// hwSplit cuts out the text after each marker line, up to the next
// marker. Missing markers give "".
func hwSplit(out string, markers ...string) (a, b string) {
	parts := make([]string, len(markers))
	cur := -1
	var sb strings.Builder
	flush := func() {
		if cur >= 0 {
			parts[cur] = sb.String()
		}
		sb.Reset()
	}
	for _, line := range strings.Split(out, "\n") {
		idx := -1
		for i, m := range markers {
			if strings.TrimSpace(line) == m {
				idx = i
			}
		}
		if idx >= 0 {
			flush()
			cur = idx
			continue
		}
		if cur >= 0 {
			sb.WriteString(line)
			sb.WriteByte('\n')
		}
	}
	flush()
	if len(parts) > 0 {
		a = parts[0]
	}
	if len(parts) > 1 {
		b = parts[1]
	}
	return a, b
}

func hwFirstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func hwLastN(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}

// IPMI is the check type playbooks call "ipmi".
func IPMI() inspect.Check { return ipmiCheck{} }
