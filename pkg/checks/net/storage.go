package net

import (
	"context"
	"regexp"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// HOST-RESOURCES-MIB (RFC 2790) hrStorageTable columns and types.
const (
	oidHRStorageType  = "1.3.6.1.2.1.25.2.3.1.2"
	oidHRStorageDescr = "1.3.6.1.2.1.25.2.3.1.3"
	oidHRStorageUnits = "1.3.6.1.2.1.25.2.3.1.4"
	oidHRStorageSize  = "1.3.6.1.2.1.25.2.3.1.5"
	oidHRStorageUsed  = "1.3.6.1.2.1.25.2.3.1.6"
	hrStorageRAM      = "1.3.6.1.2.1.25.2.1.2"
	hrStorageFixed    = "1.3.6.1.2.1.25.2.1.4"
	hrStorageNetwork  = "1.3.6.1.2.1.25.2.1.10"
)

// hrStorage is one row of hrStorageTable, sizes in bytes.
type hrStorage struct {
	Index, Type, Descr string
	Size, Used         float64
}

// readHRStorage reads hrStorageTable. Sizes are Integer32 counts of
// allocation units; an agent that overflows them on a volume of more than
// 2^31 units reports a negative number, read here as the unsigned 32-bit
// value it wrapped from.
func readHRStorage(ctx context.Context, c *transport.SNMPClient) ([]hrStorage, error) {
	cols, order, err := walkColumns(ctx, c, []string{oidHRStorageType, oidHRStorageDescr, oidHRStorageUnits, oidHRStorageSize, oidHRStorageUsed})
	if err != nil {
		return nil, err
	}
	u32 := func(v transport.SNMPVar) float64 {
		f, _ := v.Float()
		if f < 0 {
			f += 1 << 32
		}
		return f
	}
	var out []hrStorage
	for _, idx := range order {
		units := u32(cols[oidHRStorageUnits][idx])
		if units <= 0 {
			units = 1
		}
		out = append(out, hrStorage{
			Index: idx, Type: cols[oidHRStorageType][idx].Str, Descr: oneLine(cols[oidHRStorageDescr][idx].Str, 120),
			Size: u32(cols[oidHRStorageSize][idx]) * units, Used: u32(cols[oidHRStorageUsed][idx]) * units,
		})
	}
	return out, nil
}

// storageCheck reports the capacity of a NAS's or appliance's volumes
// (type "snmp-storage") from HOST-RESOURCES-MIB hrStorageTable: one result
// per fixed or network disk (Item = its description, the mount point on
// Linux-based systems), the percentage used as the value (default warn
// ~:80, crit ~:90). Pseudo file systems (/dev, /run, /sys, /proc) are left
// out unless include names them.
type storageCheck struct{ noScript }

// Storage is the check type playbooks call "snmp-storage".
func Storage() inspect.Check { return storageCheck{} }

type storageParams struct {
	Include *regexp.Regexp `param:"include"` // only volumes whose description matches
	Exclude *regexp.Regexp `param:"exclude"` // leave out volumes whose description matches
}

// Defaults leaves out the pseudo file systems of Linux-based devices.
func (p *storageParams) Defaults() {
	p.Exclude = regexp.MustCompile(`^/(dev|run|sys|proc)(/|$)`)
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (storageCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[storageParams](spec)
}

// Evaluate reads hrStorageTable.
func (storageCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	const typ = "snmp-storage"
	p, err := inspect.ParamsOf[storageParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	c, bad := session(env, typ)
	if bad != nil {
		return []result.Result{*bad}
	}
	st, err := readHRStorage(ctx, c)
	if err != nil {
		return []result.Result{failure(env, typ, err)}
	}
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th, _ = inspect.ParseThresholds("~:80", "~:90")
	}
	var out []result.Result
	for _, s := range st {
		if s.Type != hrStorageFixed && s.Type != hrStorageNetwork {
			continue
		}
		if p.Include != nil && !p.Include.MatchString(s.Descr) {
			continue
		}
		if p.Include == nil && p.Exclude != nil && p.Exclude.MatchString(s.Descr) {
			continue
		}
		if s.Size <= 0 {
			continue
		}
		r := inspect.NewResult(env, typ, s.Descr)
		r.Status = result.OK
		pct := round(s.Used/s.Size*100, 1)
		th.Apply(&r, pct, "%")
		inspect.SetMsg(&r, env, "net.storage.msg", s.Descr, pct, gib(s.Used), gib(s.Size))
		if r.Status == result.Warn || r.Status == result.Crit {
			inspect.SetAdvice(&r, env, "net.storage.advice")
		}
		r.Metrics = []result.Metric{{Name: "snmp.storage_used_pct", Value: pct, Unit: "%"}, {Name: "snmp.storage_size_bytes", Value: s.Size, Unit: "B"}}
		out = append(out, r)
	}
	if len(out) == 0 {
		r := inspect.NewResult(env, typ, "")
		r.Status, r.Reason = result.Unknown, "no-data"
		inspect.SetMsg(&r, env, "net.storage.none", len(st))
		inspect.SetAdvice(&r, env, "net.storage.none_advice")
		return []result.Result{r}
	}
	return out
}

func gib(b float64) float64 { return round(b/(1<<30), 1) }
