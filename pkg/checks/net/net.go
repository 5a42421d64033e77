// Package net holds the check types that read network, security and
// storage devices over SNMP from this machine: snmp-system (identity,
// uptime, reboots between runs), snmp-interfaces (status, error and discard
// rates, bandwidth utilisation from counters across runs), snmp-health
// (CPU, memory, temperature, fans and power supplies through vendor
// profiles that are data, see profiles/) and snmp-storage (capacity from
// HOST-RESOURCES-MIB). They are probes: Script is empty and the session
// comes from the run (inspect.Env.SNMP), one per device, never opened by a
// check.
package net

import (
	"context"
	"errors"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Standard OIDs (SNMPv2-MIB, RFC 3418; SNMP-FRAMEWORK-MIB, RFC 3411).
const (
	oidSysDescr     = "1.3.6.1.2.1.1.1.0"
	oidSysObjectID  = "1.3.6.1.2.1.1.2.0"
	oidSysUpTime    = "1.3.6.1.2.1.1.3.0"
	oidSysName      = "1.3.6.1.2.1.1.5.0"
	oidEngineBoots  = "1.3.6.1.6.3.10.2.1.2.0"
	oidEngineTime   = "1.3.6.1.6.3.10.2.1.3.0"
	metricUptime    = "snmp.uptime_s"
	metricBoots     = "snmp.engine_boots"
	ticksPerSecond  = 100
	sysUpTimeWrapTk = 1 << 32 // sysUpTime is TimeTicks: it wraps after 497 days
)

// noScript is the Script of every check here: they are probes.
type noScript struct{}

// Script is empty: the check reads the device over SNMP from this machine.
func (noScript) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "", nil }

// Validate has nothing left to check: DecodeParams did.
func (noScript) Validate(*inspect.Spec) error { return nil }

// session returns the device's SNMP session, or the one result that says
// why there is none: SNMP not configured for the asset (OK, not
// applicable: only ping applies), no SNMP channel in this run, or the
// device could not be read (see failure).
func session(env *inspect.Env, typ string) (*transport.SNMPClient, *result.Result) {
	r := inspect.NewResult(env, typ, "")
	switch {
	case env.Asset == nil || !env.Asset.SNMP.Configured():
		r.Status, r.Reason = result.OK, result.ReasonNotApplicable
		inspect.SetMsg(&r, env, "net.snmp.not_configured")
		inspect.SetAdvice(&r, env, "net.snmp.not_configured_advice")
		return nil, &r
	case env.SNMP == nil:
		r.Status, r.Reason = result.Unknown, "no-channel"
		inspect.SetMsg(&r, env, "net.snmp.no_channel")
		return nil, &r
	}
	c, err := env.SNMP()
	if err != nil {
		f := failure(env, typ, err)
		return nil, &f
	}
	return c, nil
}

// failure turns an SNMP error into the result the engineer reads: which
// device, and what to look at — the community (v2c gives no answer when it
// is wrong), the v3 user or keys, or the agent.
//
// The status is UNKNOWN (the readings could not be taken), with the cause
// as the reason (timeout, auth, refused, dns), and not UNREACHABLE: that
// status says the device is down, and the availability figures (SLA2 for
// storage, the per-asset availability) count a run with an UNREACHABLE
// result as an outage. Whether a device is up is the ping check's to say;
// a wrong community or a stopped agent on a device that answers ping is a
// fault to fix, not downtime.
func failure(env *inspect.Env, typ string, err error) result.Result {
	r := inspect.NewResult(env, typ, "")
	r.Status, r.Reason = result.Unknown, transport.ReasonOf(err)
	if r.Reason == "" {
		r.Reason = "snmp-error"
	}
	r.Evidence = err.Error()
	name, where, ver, user := "", "", "", ""
	if a := env.Asset; a != nil {
		name, ver = a.Name, a.SNMP.Version
		if ver == "" {
			ver = inventory.SNMPv2c
		}
		user = a.SNMP.User
		port := a.SNMP.Port
		if port == 0 {
			port = 161
		}
		addr := a.Address
		if addr == "" {
			addr = a.Name
		}
		where = net.JoinHostPort(addr, strconv.Itoa(port))
	}
	for _, f := range snmpFailures {
		if errors.Is(err, f.err) && (f.version == "" || f.version == ver) {
			arg := user
			if f.err == transport.ErrSNMPNoAnswer {
				arg = where
			}
			inspect.SetMsg(&r, env, f.msg, name, arg)
			inspect.SetAdvice(&r, env, f.advice)
			return r
		}
	}
	switch {
	case r.Reason == result.ReasonAuth:
		// A secret reference that cannot be read (the error names the
		// field and the reference, never a value).
		why := err
		var ue *transport.UnreachableError
		if errors.As(err, &ue) && ue.Err != nil {
			why = ue.Err // "snmp.community: environment variable X is not set"
		}
		inspect.SetMsg(&r, env, "net.snmp.secret", name, why)
		inspect.SetAdvice(&r, env, "net.snmp.secret_advice")
	default:
		inspect.SetMsg(&r, env, "net.snmp.failed", name, err.Error())
	}
	return r
}

// snmpFailures are the SNMP errors that have a message and advice of their
// own, first match wins; the no-answer messages name the address, the
// others the v3 user.
var snmpFailures = []struct {
	err         error
	version     string // "" for any version
	msg, advice string
}{
	{transport.ErrSNMPNoAnswer, inventory.SNMPv2c, "net.snmp.no_answer_v2c", "net.snmp.no_answer_v2c_advice"},
	{transport.ErrSNMPNoAnswer, "", "net.snmp.no_answer_v3", "net.snmp.no_answer_v3_advice"},
	{transport.ErrSNMPWrongDigest, "", "net.snmp.wrong_digest", "net.snmp.key_advice"},
	{transport.ErrSNMPDecryption, "", "net.snmp.decryption", "net.snmp.key_advice"},
	{transport.ErrSNMPNotAuthentic, "", "net.snmp.not_authentic", "net.snmp.user_key_advice"},
	{transport.ErrSNMPSilentV3, "", "net.snmp.silent_v3", "net.snmp.key_advice"},
	{transport.ErrSNMPUnknownUser, "", "net.snmp.unknown_user", "net.snmp.user_advice"},
	{transport.ErrSNMPLevel, "", "net.snmp.level", "net.snmp.user_advice"},
}

// sysSample is what every run records of the agent's clock: enough to tell
// a restart since the previous run from a wrap of sysUpTime.
type sysSample struct {
	At     time.Time
	Uptime float64 // seconds (sysUpTime / 100)
	Boots  float64 // snmpEngineBoots; -1 when the agent does not say
}

// readSys reads sysUpTime and snmpEngineBoots.
func readSys(ctx context.Context, c *transport.SNMPClient, now time.Time) (sysSample, error) {
	vs, err := c.Get(ctx, oidSysUpTime, oidEngineBoots)
	if err != nil {
		return sysSample{}, err
	}
	s := sysSample{At: now, Uptime: -1, Boots: -1}
	for _, v := range vs {
		f, ok := v.Float()
		if !ok {
			continue
		}
		switch v.OID {
		case oidSysUpTime:
			s.Uptime = f / ticksPerSecond
		case oidEngineBoots:
			s.Boots = f
		}
	}
	if s.Uptime < 0 {
		return s, errors.New("the agent returned no sysUpTime")
	}
	return s, nil
}

// metrics of a sysSample, stored with a result so the next run can tell a
// restart.
func (s sysSample) metrics() []result.Metric {
	m := []result.Metric{{Name: metricUptime, Value: s.Uptime, Unit: "s"}}
	if s.Boots >= 0 {
		m = append(m, result.Metric{Name: metricBoots, Value: s.Boots})
	}
	return m
}

// prevSys reads the sysSample stored with a previous result.
func prevSys(r result.Result) (sysSample, bool) {
	s := sysSample{At: r.StartedAt, Uptime: -1, Boots: -1}
	for _, m := range r.Metrics {
		switch m.Name {
		case metricUptime:
			s.Uptime = m.Value
		case metricBoots:
			s.Boots = m.Value
		}
	}
	return s, s.Uptime >= 0 && !s.At.IsZero()
}

// restarted reports whether the agent restarted (the device rebooted, or
// its SNMP agent was restarted) between prev and cur: snmpEngineBoots went
// up, or sysUpTime is shorter than the time since prev — unless that is
// sysUpTime wrapping at 2^32 ticks (497 days), which the expected value
// modulo the wrap tells apart. Counters are reset by a restart.
func restarted(prev, cur sysSample) bool {
	if prev.Boots >= 0 && cur.Boots >= 0 && cur.Boots != prev.Boots {
		return true
	}
	elapsed := cur.At.Sub(prev.At).Seconds()
	if elapsed <= 0 {
		return cur.Uptime < prev.Uptime
	}
	// Slack for the time between stamping the sample and reading the
	// uptime (seconds), and for the agent's clock running a little slow
	// (0.1 %: a minute and a half a day).
	slack := 5 + elapsed/1000
	if cur.Uptime+slack >= prev.Uptime+elapsed {
		return false
	}
	wrap := float64(sysUpTimeWrapTk) / ticksPerSecond
	expect := math.Mod(prev.Uptime+elapsed, wrap)
	return math.Abs(cur.Uptime-expect) > slack
}

// walkColumns walks the columns of one SNMP table and returns each
// column's values by row index, and the row indexes in order: the rows the
// first column has (absent values left out).
func walkColumns(ctx context.Context, c *transport.SNMPClient, columns []string) (map[string]map[string]transport.SNMPVar, []string, error) {
	cols := make(map[string]map[string]transport.SNMPVar, len(columns))
	var order []string
	for i, col := range columns {
		vs, _, err := c.Walk(ctx, col)
		if err != nil {
			return nil, nil, err
		}
		m := map[string]transport.SNMPVar{}
		for _, v := range vs {
			if idx, ok := strings.CutPrefix(v.OID, col+"."); ok && !v.Absent {
				m[idx] = v
				if i == 0 {
					order = append(order, idx)
				}
			}
		}
		cols[col] = m
	}
	sortIndexes(order)
	return cols, order, nil
}
