package win

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// eventLogCheck counts the Error and Critical events of the Windows event
// logs (type "win-eventlog"; System and Application by default) since the
// last inspection of the host (24 h when there was none: inspect.Env.Since,
// WindowStart). Levels are read as numbers (1 Critical, 2 Error), never as
// the localised level names. Any Critical event (an unexpected shutdown,
// Kernel-Power 41) is CRIT; the count of Error events is held against the
// thresholds (default warn ~:0). Events known as noise are left out by
// source:id (ignore, default DCOM 10016 and 10010).
//
// The collector cannot know when the host was last inspected (that is
// known when the output is judged), so it reads the last `lookback` (7d)
// of each log, at most max_events per log, newest first; the check keeps
// those after the window start.
type eventLogCheck struct{}

// EventLog is the check type playbooks call "win-eventlog".
func EventLog() inspect.Check { return winGuard{"win-eventlog", eventLogCheck{}} }

type eventLogParams struct {
	Logs      []string      `param:"logs"`       // event logs to read (default System, Application)
	Lookback  time.Duration `param:"lookback"`   // how far back the collector reads (default 7d)
	MaxEvents int           `param:"max_events"` // per log (default 500)
	Ignore    []string      `param:"ignore"`     // "source:id" globs left out
	Window    time.Duration `param:"window"`     // a fixed window instead of "since the last run"
}

func (p *eventLogParams) Defaults() {
	p.Logs = []string{"System", "Application"}
	p.Lookback = 7 * 24 * time.Hour
	p.MaxEvents = 500
	p.Ignore = []string{"Microsoft-Windows-DistributedCOM:10016", "Microsoft-Windows-DistributedCOM:10010"}
}

func (p *eventLogParams) CheckParams(spec *inspect.Spec) error {
	if len(p.Logs) == 0 {
		return inspect.BadParamMsg(spec, "logs", "win.param.logs")
	}
	if p.Lookback < time.Hour || p.Lookback > 90*24*time.Hour {
		return inspect.BadParamMsg(spec, "lookback", "win.param.lookback", p.Lookback.String())
	}
	if p.MaxEvents < 1 || p.MaxEvents > 5000 {
		return inspect.BadParamMsg(spec, "max_events", "win.param.max_events", p.MaxEvents)
	}
	return winCheckPatterns(spec, "ignore", p.Ignore)
}

func (eventLogCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[eventLogParams](spec)
}

func (eventLogCheck) Validate(*inspect.Spec) error { return nil }

func (eventLogCheck) PowerShellScript(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	p, err := inspect.ParamsOf[eventLogParams](spec)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`$s=(Get-Date).AddHours(-%d)
ConvertTo-Json -Compress -InputObject @{max=%d;events=@(foreach($l in %s){Get-WinEvent -FilterHashtable @{LogName=$l;Level=1,2;StartTime=$s} -MaxEvents %d -ErrorAction SilentlyContinue|ForEach-Object{$m=[string]$_.Message;if($m.Length -gt 300){$m=$m.Substring(0,300)};@{t=$_.TimeCreated.ToUniversalTime().ToString('o');log=$l;lvl=$_.Level;id=$_.Id;src=$_.ProviderName;msg=($m -replace '\s+',' ')}}})}`,
		int(p.Lookback.Hours()), p.MaxEvents, winPSList(p.Logs), p.MaxEvents), nil
}

type winEvent struct {
	T   string `json:"t"`
	Log string `json:"log"`
	Lvl winNum `json:"lvl"`
	ID  winNum `json:"id"`
	Src string `json:"src"`
	Msg string `json:"msg"`
}

type eventLogData struct {
	Max    winNum            `json:"max"`
	Events winList[winEvent] `json:"events"`
}

func (eventLogCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	const typ = "win-eventlog"
	p, err := inspect.ParamsOf[eventLogParams](env.Spec)
	if err != nil {
		return []result.Result{winParamError(typ, err)}
	}
	var d eventLogData
	if _, err := winJSON(env.Section.Stdout, &d); err != nil {
		return []result.Result{winUnparsable(typ, env, "Get-WinEvent", err)}
	}
	start := inspect.WindowStart(env, p.Window)
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	// The collector read only the last `lookback`: a last inspection
	// longer ago than that cannot be counted from, and the message says
	// from when it counted.
	if floor := now.Add(-p.Lookback); start.Before(floor) {
		start = floor
	}
	type group struct {
		key   string
		n     int
		crit  bool
		last  time.Time
		first winEvent
	}
	groups := map[string]*group{}
	perLog := map[string]int{}
	var errs, crits, unreadable int
	for _, e := range d.Events {
		perLog[e.Log]++
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(e.T))
		if err != nil {
			unreadable++
			continue
		}
		if t.Before(start) {
			continue
		}
		id := int(e.ID.V)
		key := fmt.Sprintf("%s:%d", e.Src, id)
		if winMatch(p.Ignore, key) {
			continue
		}
		crit := e.Lvl.Valid && e.Lvl.V == 1
		if crit {
			crits++
		} else {
			errs++
		}
		g := groups[e.Log+"/"+key]
		if g == nil {
			g = &group{key: e.Log + " " + key, first: e}
			groups[e.Log+"/"+key] = g
		}
		g.n++
		g.crit = g.crit || crit
		if t.After(g.last) {
			g.last, g.first = t, e
		}
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].crit != list[j].crit {
			return list[i].crit
		}
		if list[i].n != list[j].n {
			return list[i].n > list[j].n
		}
		return list[i].key < list[j].key
	})
	var top, ev []string
	for _, g := range list {
		top = append(top, fmt.Sprintf("%s ×%d", g.key, g.n))
		ev = append(ev, fmt.Sprintf("%s ×%d, last %s: %s", g.key, g.n, g.last.Local().Format("2006-01-02 15:04"), inspect.Clip(g.first.Msg, 200)))
	}
	r := result.Result{Type: typ}
	inspect.DefaultThresholds(env, "~:0", "").Apply(&r, float64(errs+crits), "")
	r.Metrics = []result.Metric{{Name: "eventlog.errors", Value: float64(errs)}, {Name: "eventlog.critical", Value: float64(crits)}}
	if crits > 0 {
		r.Status = result.Crit
	}
	since := start.Local().Format("2006-01-02 15:04")
	if errs+crits == 0 {
		inspect.SetMsg(&r, env, "win.eventlog.none", strings.Join(p.Logs, ", "), since)
	} else {
		inspect.SetMsg(&r, env, "win.eventlog.msg", errs, crits, strings.Join(p.Logs, ", "), since, winJoin(top, 3))
	}
	if d.Max.Valid {
		var full []string
		for _, l := range p.Logs {
			if perLog[l] >= int(d.Max.V) {
				full = append(full, l)
			}
		}
		if len(full) > 0 {
			inspect.AddMsg(&r, env, "win.eventlog.capped", strings.Join(full, ", "), int(d.Max.V))
		}
	}
	if unreadable > 0 {
		inspect.AddMsg(&r, env, "win.eventlog.bad_time", unreadable)
	}
	if inspect.Notable(r.Status) {
		if crits > 0 {
			inspect.SetAdvice(&r, env, "win.eventlog.advice_crit")
		} else {
			inspect.SetAdvice(&r, env, "win.eventlog.advice")
		}
	}
	if len(ev) > 0 {
		if len(ev) > 30 {
			ev = append(ev[:30], fmt.Sprintf("… (+%d)", len(ev)-30))
		}
		inspect.SetEvidence(&r, strings.Join(ev, "\n"), false)
	}
	return []result.Result{r}
}
