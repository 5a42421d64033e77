package net

import (
	"context"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// systemCheck identifies the device and watches its clock (type
// "snmp-system"): sysName, sysDescr, the vendor profile its sysObjectID
// selects, and its uptime. A restart since the previous inspection (the
// device rebooted, or its agent restarted: snmpEngineBoots went up, or
// sysUpTime is shorter than the time since) is a WARN finding; the first
// run, or a run without history, only says so. One result per device,
// with the uptime in days as its value. An asset without SNMP settings
// gets one OK "not applicable" result saying that only ping checks it.
type systemCheck struct{ noScript }

// System is the check type playbooks call "snmp-system".
func System() inspect.Check { return systemCheck{} }

type systemParams struct {
	ProfilesDir string `param:"profiles_dir"` // extra vendor profiles (*.yaml), as for snmp-health
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (systemCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[systemParams](spec)
}

// Evaluate reads the system group and compares the clock with the
// previous run's.
func (systemCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	const typ = "snmp-system"
	p, err := inspect.ParamsOf[systemParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	c, bad := session(env, typ)
	if bad != nil {
		return []result.Result{*bad}
	}
	vs, err := c.Get(ctx, oidSysDescr, oidSysObjectID, oidSysName)
	if err != nil {
		return []result.Result{failure(env, typ, err)}
	}
	var descr, objID, name string
	for _, v := range vs {
		switch v.OID {
		case oidSysDescr:
			descr = v.Str
		case oidSysObjectID:
			objID = v.Str
		case oidSysName:
			name = v.Str
		}
	}
	cur, err := readSys(ctx, c, env.Now)
	if err != nil {
		return []result.Result{failure(env, typ, err)}
	}
	r := inspect.NewResult(env, typ, "")
	r.Status = result.OK
	r.Metrics = cur.metrics()
	r.SetValue(round(cur.Uptime/86400, 2), "d")
	r.Evidence = "sysName: " + name + "\nsysObjectID: " + objID + "\nsysDescr: " + oneLine(descr, 400)

	vendor := "?"
	profs, perr := Profiles(p.ProfilesDir)
	if perr == nil {
		if pr := profs.Match(objID); pr != nil {
			vendor = pr.Vendor
		}
	}
	inspect.SetMsg(&r, env, "net.sys.msg", orDash(name), vendor, orDash(oneLine(descr, 80)), round(cur.Uptime/86400, 1))
	if perr != nil {
		inspect.AddMsg(&r, env, "net.sep")
		inspect.AddMsg(&r, env, "net.profile.bad", perr.Error())
	}

	switch prev, ok := previousSys(ctx, env); {
	case env.Previous == nil:
		inspect.AddMsg(&r, env, "net.sep")
		inspect.AddMsg(&r, env, "net.sys.no_history")
	case !ok:
		inspect.AddMsg(&r, env, "net.sep")
		inspect.AddMsg(&r, env, "net.sys.first")
	case restarted(prev, cur):
		r.Status = result.Warn
		r.Reason = "rebooted"
		since := env.Now.Add(-time.Duration(cur.Uptime) * time.Second)
		inspect.AddMsg(&r, env, "net.sep")
		inspect.AddMsg(&r, env, "net.sys.rebooted", since.Format("2006-01-02 15:04"), prev.At.Format("2006-01-02 15:04"))
		inspect.SetAdvice(&r, env, "net.sys.rebooted_advice")
	}
	return []result.Result{r}
}

// previousSys is the clock sample of this check's previous result.
func previousSys(ctx context.Context, env *inspect.Env) (sysSample, bool) {
	if env.Previous == nil {
		return sysSample{}, false
	}
	prev, err := env.Previous(ctx)
	if err != nil {
		return sysSample{}, false
	}
	for _, r := range prev {
		if s, ok := prevSys(r); ok {
			return s, true
		}
	}
	return sysSample{}, false
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func round(v float64, digits int) float64 {
	p := 1.0
	for i := 0; i < digits; i++ {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}
