package net

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// healthCheck reads CPU, memory, temperature, fans and power supplies
// (type "snmp-health") where the device's vendor profile says they are
// (profiles/*.yaml, chosen by sysObjectID; more from profiles_dir). One
// result per reading and component (Item "cpu/<name>", "temperature/<name>",
// "fan/<name>", ...), or one per reading when the profile folds rows
// (aggregate). CPU and memory are percentages (default warn ~:80, crit
// ~:90), temperature degrees Celsius (default warn ~:60, crit ~:70); a fan
// or power supply is OK, WARN or CRIT by the state the profile maps its
// value to. A device that answers none of its profile's OIDs is UNKNOWN,
// saying which profile was tried.
type healthCheck struct{ noScript }

// Health is the check type playbooks call "snmp-health".
func Health() inspect.Check { return healthCheck{} }

type healthParams struct {
	ProfilesDir string `param:"profiles_dir"` // extra vendor profiles (*.yaml)
	Vendor      string `param:"vendor"`       // use this vendor's profile whatever the sysObjectID
	CPUWarn     string `param:"cpu_warn"`
	CPUCrit     string `param:"cpu_crit"`
	MemWarn     string `param:"mem_warn"`
	MemCrit     string `param:"mem_crit"`
	TempWarn    string `param:"temp_warn"`
	TempCrit    string `param:"temp_crit"`

	cpu, mem, temp inspect.Thresholds
}

// Defaults: CPU and memory warn above 80 %, crit above 90 %; temperature
// warn above 60 °C, crit above 70 °C.
func (p *healthParams) Defaults() {
	p.CPUWarn, p.CPUCrit, p.MemWarn, p.MemCrit, p.TempWarn, p.TempCrit = "~:80", "~:90", "~:80", "~:90", "~:60", "~:70"
}

// CheckParams parses the ranges.
func (p *healthParams) CheckParams(spec *inspect.Spec) error {
	var err error
	if p.cpu, err = inspect.ParseThresholds(p.CPUWarn, p.CPUCrit); err != nil {
		return inspect.BadParamMsg(spec, "cpu_warn", "inspect.param.detail", err)
	}
	if p.mem, err = inspect.ParseThresholds(p.MemWarn, p.MemCrit); err != nil {
		return inspect.BadParamMsg(spec, "mem_warn", "inspect.param.detail", err)
	}
	if p.temp, err = inspect.ParseThresholds(p.TempWarn, p.TempCrit); err != nil {
		return inspect.BadParamMsg(spec, "temp_warn", "inspect.param.detail", err)
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (healthCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[healthParams](spec)
}

// Evaluate finds the profile and reads what it names.
func (healthCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	const typ = "snmp-health"
	p, err := inspect.ParamsOf[healthParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	c, bad := session(env, typ)
	if bad != nil {
		return []result.Result{*bad}
	}
	profs, err := Profiles(p.ProfilesDir)
	if err != nil {
		r := inspect.NewResult(env, typ, "")
		r.Status, r.Reason = result.Unknown, "bad-profile"
		inspect.SetMsg(&r, env, "net.profile.bad", err.Error())
		return []result.Result{r}
	}
	var prof *Profile
	objID := ""
	if p.Vendor != "" {
		for _, x := range profs {
			if x.Vendor == p.Vendor {
				prof = x
			}
		}
		if prof == nil {
			var names []string
			for _, x := range profs {
				names = append(names, x.Vendor)
			}
			return inspect.BadParamsResult(env, typ, fmt.Errorf("vendor %q: no such profile (have %s)", p.Vendor, strings.Join(names, ", ")))
		}
	} else {
		vs, err := c.Get(ctx, oidSysObjectID)
		if err != nil {
			return []result.Result{failure(env, typ, err)}
		}
		if len(vs) > 0 {
			objID = vs[0].Str
		}
		prof = profs.Match(objID)
	}
	if prof == nil {
		r := inspect.NewResult(env, typ, "")
		r.Status, r.Reason = result.Unknown, "no-profile"
		inspect.SetMsg(&r, env, "net.health.no_profile", orDash(objID))
		inspect.SetAdvice(&r, env, "net.health.profile_advice")
		return []result.Result{r}
	}
	h := &healthRun{env: env, c: c, prof: prof, p: p}
	var out []result.Result
	for _, part := range []struct {
		kind string
		m    *Metric
	}{{"cpu", prof.CPU}, {"memory", prof.Memory}, {"temperature", prof.Temperature}, {"fan", prof.Fan}, {"psu", prof.PSU}, {"status", prof.Status}} {
		if part.m == nil {
			continue
		}
		rs, err := h.read(ctx, part.kind, part.m)
		if err != nil {
			return []result.Result{failure(env, typ, err)}
		}
		out = append(out, rs...)
	}
	if len(out) == 0 {
		r := inspect.NewResult(env, typ, "")
		r.Status, r.Reason = result.Unknown, "no-data"
		inspect.SetMsg(&r, env, "net.health.no_data", prof.Vendor, orDash(objID))
		inspect.SetAdvice(&r, env, "net.health.no_data_advice")
		return []result.Result{r}
	}
	return out
}

// healthRun is one evaluation: the session, the profile and the row names
// read so far.
type healthRun struct {
	env   *inspect.Env
	c     *transport.SNMPClient
	prof  *Profile
	p     *healthParams
	names map[string]map[string]string // names column -> index -> name
}

// column walks one column and returns its values by row index (the OID
// suffix after the column).
func (h *healthRun) column(ctx context.Context, oid string) (map[string]transport.SNMPVar, []string, error) {
	vs, _, err := h.c.Walk(ctx, oid)
	if err != nil {
		return nil, nil, err
	}
	rows := map[string]transport.SNMPVar{}
	var order []string
	for _, v := range vs {
		idx, ok := strings.CutPrefix(v.OID, oid+".")
		if !ok || v.Absent {
			continue
		}
		if _, dup := rows[idx]; !dup {
			order = append(order, idx)
		}
		rows[idx] = v
	}
	sortIndexes(order)
	return rows, order, nil
}

// rowName names row idx from the metric's names column, else the
// profile's, else the index itself.
func (h *healthRun) rowName(ctx context.Context, m *Metric, idx string) string {
	col := m.Names
	if col == "" {
		col = h.prof.Names
	}
	if col == "" || col == "-" {
		return idx
	}
	if h.names == nil {
		h.names = map[string]map[string]string{}
	}
	names, ok := h.names[col]
	if !ok {
		names = map[string]string{}
		if rows, _, err := h.column(ctx, col); err == nil {
			for i, v := range rows {
				names[i] = oneLine(v.Str, 60)
			}
		}
		h.names[col] = names
	}
	if n := names[idx]; n != "" {
		return n
	}
	return idx
}

// read turns one profile metric into results.
func (h *healthRun) read(ctx context.Context, kind string, m *Metric) ([]result.Result, error) {
	type row struct {
		name string
		v    float64
		n    int // rows folded into this one (aggregate), else 0
	}
	var rows []row
	switch {
	case m.HRStorage == "ram":
		st, err := readHRStorage(ctx, h.c)
		if err != nil {
			return nil, err
		}
		for _, s := range st {
			if s.Type == hrStorageRAM && s.Size > 0 {
				rows = append(rows, row{name: s.Descr, v: s.Used / s.Size * 100})
			}
		}
	case m.Used != "":
		used, order, err := h.column(ctx, m.Used)
		if err != nil {
			return nil, err
		}
		free, _, err := h.column(ctx, m.Free)
		if err != nil {
			return nil, err
		}
		for _, idx := range order {
			u, ok1 := used[idx].Float()
			f, ok2 := free[idx].Float()
			if ok1 && ok2 && u+f > 0 {
				rows = append(rows, row{name: h.rowName(ctx, m, idx), v: u / (u + f) * 100})
			}
		}
	default:
		col, order, err := h.column(ctx, m.OID)
		if err != nil {
			return nil, err
		}
		for _, idx := range order {
			v, ok := col[idx].Float()
			if !ok || skipped(m.Skip, v) {
				continue
			}
			rows = append(rows, row{name: h.rowName(ctx, m, idx), v: v * m.Scale})
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if m.Aggregate != "" && len(m.States) == 0 {
		agg := rows[0].v
		for _, r := range rows[1:] {
			if m.Aggregate == "max" && r.v > agg {
				agg = r.v
			} else if m.Aggregate == "avg" {
				agg += r.v
			}
		}
		if m.Aggregate == "avg" {
			agg /= float64(len(rows))
		}
		rows = []row{{m.Aggregate, agg, len(rows)}}
	}
	var out []result.Result
	for _, rw := range rows {
		r := inspect.NewResult(h.env, "snmp-health", kind+"/"+rw.name)
		r.Status = result.OK
		switch kind {
		case "cpu":
			h.p.cpu.Apply(&r, round(rw.v, 1), "%")
			if rw.n > 0 {
				inspect.SetMsg(&r, h.env, "net.health.cpu_"+m.Aggregate, round(rw.v, 1), rw.n)
			} else {
				inspect.SetMsg(&r, h.env, "net.health.cpu", rw.name, round(rw.v, 1))
			}
		case "memory":
			h.p.mem.Apply(&r, round(rw.v, 1), "%")
			inspect.SetMsg(&r, h.env, "net.health.mem", rw.name, round(rw.v, 1))
		case "temperature":
			h.p.temp.Apply(&r, round(rw.v, 1), "C")
			inspect.SetMsg(&r, h.env, "net.health.temp", rw.name, round(rw.v, 1))
		default:
			st, known := m.States[int(rw.v)]
			switch {
			case !known:
				r.Status = result.Unknown
				r.Reason = "unknown-state"
				inspect.SetMsg(&r, h.env, "net.health.state_unknown."+kind, rw.name, int(rw.v))
			case st.Status == "skip":
				continue
			default:
				r.Status = map[string]result.Status{"ok": result.OK, "warn": result.Warn, "crit": result.Crit}[st.Status]
				inspect.SetMsg(&r, h.env, "net.health.state."+kind, rw.name, st.Text, int(rw.v))
			}
		}
		if r.Status == result.Warn || r.Status == result.Crit {
			inspect.SetAdvice(&r, h.env, "net.health.advice."+kind)
		}
		r.Metrics = []result.Metric{{Name: "snmp." + kind, Value: round(rw.v, 2), Unit: r.Unit}}
		out = append(out, r)
	}
	return out, nil
}

func skipped(skip []float64, v float64) bool {
	for _, s := range skip {
		if s == v {
			return true
		}
	}
	return false
}

// sortIndexes orders row indexes numerically, part by part (2 before 10).
func sortIndexes(idx []string) {
	sort.SliceStable(idx, func(i, j int) bool { return oidLess(idx[i], idx[j]) })
}

func oidLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for k := 0; k < len(pa) && k < len(pb); k++ {
		if len(pa[k]) != len(pb[k]) {
			return len(pa[k]) < len(pb[k])
		}
		if pa[k] != pb[k] {
			return pa[k] < pb[k]
		}
	}
	return len(pa) < len(pb)
}
