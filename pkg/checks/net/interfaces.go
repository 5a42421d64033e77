package net

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// IF-MIB (RFC 2863) columns.
const (
	oidIfDescr       = "1.3.6.1.2.1.2.2.1.2"
	oidIfType        = "1.3.6.1.2.1.2.2.1.3"
	oidIfSpeed       = "1.3.6.1.2.1.2.2.1.5"
	oidIfAdmin       = "1.3.6.1.2.1.2.2.1.7"
	oidIfOper        = "1.3.6.1.2.1.2.2.1.8"
	oidIfInOctets    = "1.3.6.1.2.1.2.2.1.10"
	oidIfInUcast     = "1.3.6.1.2.1.2.2.1.11"
	oidIfInNUcast    = "1.3.6.1.2.1.2.2.1.12"
	oidIfInDiscards  = "1.3.6.1.2.1.2.2.1.13"
	oidIfInErrors    = "1.3.6.1.2.1.2.2.1.14"
	oidIfOutOctets   = "1.3.6.1.2.1.2.2.1.16"
	oidIfOutUcast    = "1.3.6.1.2.1.2.2.1.17"
	oidIfOutNUcast   = "1.3.6.1.2.1.2.2.1.18"
	oidIfOutDiscards = "1.3.6.1.2.1.2.2.1.19"
	oidIfOutErrors   = "1.3.6.1.2.1.2.2.1.20"
	oidIfName        = "1.3.6.1.2.1.31.1.1.1.1"
	oidIfHCInOctets  = "1.3.6.1.2.1.31.1.1.1.6"
	oidIfHCInUcast   = "1.3.6.1.2.1.31.1.1.1.7"
	oidIfHCInMcast   = "1.3.6.1.2.1.31.1.1.1.8"
	oidIfHCInBcast   = "1.3.6.1.2.1.31.1.1.1.9"
	oidIfHCOutOctets = "1.3.6.1.2.1.31.1.1.1.10"
	oidIfHCOutUcast  = "1.3.6.1.2.1.31.1.1.1.11"
	oidIfHCOutMcast  = "1.3.6.1.2.1.31.1.1.1.12"
	oidIfHCOutBcast  = "1.3.6.1.2.1.31.1.1.1.13"
	oidIfHighSpeed   = "1.3.6.1.2.1.31.1.1.1.15"
)

// virtualTypes are ifType values (IANAifType-MIB) of interfaces whose
// speed is nominal, not a capacity: other(1), softwareLoopback(24),
// propVirtual(53), tunnel(131), l2vlan(135), l3ipvlan(136), mplsTunnel(150).
// Net-SNMP says lo runs at 10 Mb/s, a Huawei Vlanif at 1000 Mb/s; a
// utilisation of that means nothing, so they get rates in bit/s only.
var virtualTypes = map[int]bool{1: true, 24: true, 53: true, 131: true, 135: true, 136: true, 150: true}

// maxPlausibleBps bounds a rate on an interface of unknown speed: more is
// a counter reset, not traffic.
const maxPlausibleBps = 400e9

// ifOperStatus values (RFC 2863).
var operText = map[int]string{1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "notPresent", 7: "lowerLayerDown"}

// The counters an interface result stores (metric names "if.<name>") and
// the rates it computes from two runs' counters.
// in_pkts/out_pkts are unicast packets, in_nucast/out_nucast multicast
// and broadcast ones: errors and discards are a share of all packets.
var ifCounters = []string{"in_octets", "out_octets", "in_pkts", "out_pkts", "in_nucast", "out_nucast",
	"in_errors", "out_errors", "in_discards", "out_discards"}

// ifSample is one interface as read in one run.
type ifSample struct {
	Index       string
	Name        string
	Admin, Oper int
	SpeedBps    float64
	Counters    map[string]float64 // by ifCounters name
	Bits        map[string]int     // 64 for ifHC* counters, else 32
}

// ifRates are what two samples give.
type ifRates struct {
	InBps, OutBps        float64
	InUtil, OutUtil      float64 // % of the speed; -1 when the speed is unknown
	ErrorPct, DiscardPct float64 // % of packets (in and out together)
	Hours                float64 // between the samples
}

// Why there are no rates for an interface.
const (
	noRateFirst    = "first"      // no previous sample of this interface
	noRateHistory  = "no-history" // the run reads no history
	noRateReset    = "reset"      // the agent restarted in between
	noRateDiscont  = "discont"    // an impossible rate: counters were reset or replaced
	noRateWrap32   = "wrap32"     // 32-bit counters may wrap more than once in between
	noRateInterval = "interval"   // no time between the samples
)

// computeRates compares two samples of the same interface taken elapsed
// seconds apart, the agent not restarted in between. reason is "" with
// rates, else one of the noRate* reasons.
func computeRates(prev, cur ifSample, elapsed float64) (ifRates, string) {
	if elapsed <= 0 {
		return ifRates{}, noRateInterval
	}
	d := map[string]float64{}
	for _, k := range ifCounters {
		p, okp := prev.Counters[k]
		c, okc := cur.Counters[k]
		if !okp || !okc {
			continue
		}
		bits := cur.Bits[k]
		if bits != prev.Bits[k] {
			// The agent switched between 32- and 64-bit counters.
			return ifRates{}, noRateDiscont
		}
		if strings.HasSuffix(k, "octets") && bits == 32 && wrapsWithin(32, cur.SpeedBps, elapsed) {
			return ifRates{}, noRateWrap32
		}
		v, ok := counterDelta(p, c, bits)
		if ok {
			d[k] = v
		}
	}
	r := ifRates{InUtil: -1, OutUtil: -1, Hours: elapsed / 3600}
	r.InBps = d["in_octets"] * 8 / elapsed
	r.OutBps = d["out_octets"] * 8 / elapsed
	if cur.SpeedBps > 0 {
		r.InUtil = r.InBps / cur.SpeedBps * 100
		r.OutUtil = r.OutBps / cur.SpeedBps * 100
		// More than the link can carry: the counters were reset or the
		// wrap was a reset. A spike that never happened is worse than no
		// figure.
		if r.InUtil > 110 || r.OutUtil > 110 {
			return ifRates{}, noRateDiscont
		}
	} else if r.InBps > maxPlausibleBps || r.OutBps > maxPlausibleBps {
		return ifRates{}, noRateDiscont
	}
	pkts := d["in_pkts"] + d["out_pkts"] + d["in_nucast"] + d["out_nucast"]
	if e := d["in_errors"] + d["out_errors"]; pkts+e > 0 {
		r.ErrorPct = e / (pkts + e) * 100
	}
	if x := d["in_discards"] + d["out_discards"]; pkts+x > 0 {
		r.DiscardPct = x / (pkts + x) * 100
	}
	return r, ""
}

// interfacesCheck reports each interface that is administratively up
// (type "snmp-interfaces", Item = ifName or ifDescr): link down while
// admin up is a finding (WARN, or CRIT with down: crit); for a link that
// is up, bandwidth utilisation (ifHCInOctets/ifHCOutOctets against
// ifHighSpeed; 32-bit ifInOctets/ifSpeed where the agent has no 64-bit
// counters), and error and discard rates as a share of packets, all from
// the difference between this run's counters and the previous run's
// (stored as metrics with the result). The value is the higher of in and
// out utilisation (default warn ~:80, crit ~:95); virtual interfaces
// (loopback, VLAN, tunnel), whose speed is nominal, get rates in bit/s and
// no utilisation. A first run, a run
// without history, a restart of the agent in between (sysUpTime,
// snmpEngineBoots), or counters that would give an impossible rate give
// no rate, and the message says which.
type interfacesCheck struct{ noScript }

// Interfaces is the check type playbooks call "snmp-interfaces".
func Interfaces() inspect.Check { return interfacesCheck{} }

type interfacesParams struct {
	Include      *regexp.Regexp `param:"include"`       // only interfaces whose name matches
	Exclude      *regexp.Regexp `param:"exclude"`       // leave out interfaces whose name matches
	Down         string         `param:"down"`          // status of a link down while admin up: warn (default) or crit
	ErrorsWarn   string         `param:"errors_warn"`   // Nagios range on errors, % of packets (default ~:0.1)
	ErrorsCrit   string         `param:"errors_crit"`   // (default ~:1)
	DiscardsWarn string         `param:"discards_warn"` // Nagios range on discards, % of packets (default ~:1)
	DiscardsCrit string         `param:"discards_crit"` // (default ~:5)

	errs, discards inspect.Thresholds
}

// Defaults: a link down is WARN; errors warn above 0.1 % of packets, crit
// above 1 %; discards warn above 1 %, crit above 5 %.
func (p *interfacesParams) Defaults() {
	p.Down, p.ErrorsWarn, p.ErrorsCrit, p.DiscardsWarn, p.DiscardsCrit = "warn", "~:0.1", "~:1", "~:1", "~:5"
}

// CheckParams checks the parameters together.
func (p *interfacesParams) CheckParams(spec *inspect.Spec) error {
	if p.Down != "warn" && p.Down != "crit" {
		return inspect.BadParamMsg(spec, "down", "net.param.down", p.Down)
	}
	var err error
	if p.errs, err = inspect.ParseThresholds(p.ErrorsWarn, p.ErrorsCrit); err != nil {
		return inspect.BadParamMsg(spec, "errors_warn", "inspect.param.detail", err)
	}
	if p.discards, err = inspect.ParseThresholds(p.DiscardsWarn, p.DiscardsCrit); err != nil {
		return inspect.BadParamMsg(spec, "discards_warn", "inspect.param.detail", err)
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (interfacesCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[interfacesParams](spec)
}

// Evaluate reads the interface tables and compares them with the previous
// run's counters.
func (interfacesCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	const typ = "snmp-interfaces"
	p, err := inspect.ParamsOf[interfacesParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	c, bad := session(env, typ)
	if bad != nil {
		return []result.Result{*bad}
	}
	sys, err := readSys(ctx, c, env.Now)
	if err != nil {
		return []result.Result{failure(env, typ, err)}
	}
	ifs, err := readInterfaces(ctx, c)
	if err != nil {
		return []result.Result{failure(env, typ, err)}
	}
	var prev map[string]result.Result
	var prevS sysSample
	havePrev := false
	if env.Previous != nil {
		if rs, err := env.Previous(ctx); err == nil {
			prev = map[string]result.Result{}
			for _, r := range rs {
				prev[r.Item] = r
				if s, ok := prevSys(r); ok && !havePrev {
					prevS, havePrev = s, true
				}
			}
		}
	}
	reset := havePrev && restarted(prevS, sys)
	util := env.Thresholds
	if util.Warn == nil && util.Crit == nil {
		util, _ = inspect.ParseThresholds("~:80", "~:95")
	}
	var out []result.Result
	for _, s := range ifs {
		if s.Admin != 1 {
			continue // administratively down (or testing): not meant to carry traffic
		}
		if p.Include != nil && !p.Include.MatchString(s.Name) || p.Exclude != nil && p.Exclude.MatchString(s.Name) {
			continue
		}
		r := inspect.NewResult(env, typ, s.Name)
		r.Status = result.OK
		speed := speedText(s.SpeedBps)
		if s.Oper != 1 {
			st := operText[s.Oper]
			if st == "" {
				st = strconv.Itoa(s.Oper)
			}
			switch s.Oper {
			case 2, 6, 7: // down, notPresent, lowerLayerDown
				r.Status = result.Warn
				if p.Down == "crit" {
					r.Status = result.Crit
				}
				r.Reason = "link-down"
				inspect.SetMsg(&r, env, "net.if.down", s.Name, st)
				inspect.SetAdvice(&r, env, "net.if.down_advice")
			default:
				inspect.SetMsg(&r, env, "net.if.state", s.Name, st)
			}
			out = append(out, r)
			continue
		}
		r.Metrics = append(sys.metrics(), ifMetrics(s)...)
		why := ""
		var rt ifRates
		pr, had := prev[s.Name]
		switch {
		case env.Previous == nil:
			why = noRateHistory
		case !had || !havePrev:
			why = noRateFirst
		case reset:
			why = noRateReset
		default:
			rt, why = computeRates(sampleFrom(pr), s, sys.At.Sub(prevS.At).Seconds())
		}
		if why != "" {
			if s.SpeedBps > 0 {
				inspect.SetMsg(&r, env, "net.if.up", s.Name, speed)
			} else {
				inspect.SetMsg(&r, env, "net.if.up_nospeed", s.Name)
			}
			inspect.AddMsg(&r, env, "net.sep")
			inspect.AddMsg(&r, env, "net.if.norate."+strings.ReplaceAll(why, "-", "_"))
			out = append(out, r)
			continue
		}
		r.Metrics = append(r.Metrics,
			result.Metric{Name: "if.in_bps", Value: round(rt.InBps, 0), Unit: "bit/s"},
			result.Metric{Name: "if.out_bps", Value: round(rt.OutBps, 0), Unit: "bit/s"},
			result.Metric{Name: "if.error_pct", Value: round(rt.ErrorPct, 4), Unit: "%"},
			result.Metric{Name: "if.discard_pct", Value: round(rt.DiscardPct, 4), Unit: "%"})
		if rt.InUtil >= 0 {
			r.Metrics = append(r.Metrics,
				result.Metric{Name: "if.in_util_pct", Value: round(rt.InUtil, 2), Unit: "%"},
				result.Metric{Name: "if.out_util_pct", Value: round(rt.OutUtil, 2), Unit: "%"})
			util.Apply(&r, round(max(rt.InUtil, rt.OutUtil), 1), "%")
			inspect.SetMsg(&r, env, "net.if.rates", s.Name, speed, round(rt.InUtil, 1), round(rt.OutUtil, 1),
				round(rt.ErrorPct, 3), round(rt.DiscardPct, 3), round(rt.Hours, 1))
		} else {
			inspect.SetMsg(&r, env, "net.if.rates_nospeed", s.Name, bpsText(rt.InBps), bpsText(rt.OutBps),
				round(rt.ErrorPct, 3), round(rt.DiscardPct, 3), round(rt.Hours, 1))
		}
		utilBad := r.Status
		r.Status = result.Worst(r.Status, p.errs.Status(rt.ErrorPct))
		r.Status = result.Worst(r.Status, p.discards.Status(rt.DiscardPct))
		switch {
		case utilBad == result.Warn || utilBad == result.Crit:
			inspect.SetAdvice(&r, env, "net.if.util_advice")
		case r.Status == result.Warn || r.Status == result.Crit:
			inspect.SetAdvice(&r, env, "net.if.errors_advice")
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		r := inspect.NewResult(env, typ, "")
		r.Status = result.OK
		r.Metrics = sys.metrics()
		inspect.SetMsg(&r, env, "net.if.none", len(ifs))
		out = append(out, r)
	}
	return out
}

// ifMetrics are the raw counters of s, stored for the next run.
func ifMetrics(s ifSample) []result.Metric {
	var m []result.Metric
	for _, k := range ifCounters {
		if v, ok := s.Counters[k]; ok {
			m = append(m, result.Metric{Name: "if." + k, Value: v})
		}
	}
	m = append(m, result.Metric{Name: "if.octets_bits", Value: float64(s.Bits["in_octets"])},
		result.Metric{Name: "if.pkts_bits", Value: float64(s.Bits["in_pkts"])},
		result.Metric{Name: "if.speed_bps", Value: s.SpeedBps, Unit: "bit/s"})
	return m
}

// sampleFrom reads the counters a previous result stored.
func sampleFrom(r result.Result) ifSample {
	s := ifSample{Name: r.Item, Counters: map[string]float64{}, Bits: map[string]int{}}
	ob, pb := 32, 32
	for _, m := range r.Metrics {
		k, ok := strings.CutPrefix(m.Name, "if.")
		if !ok {
			continue
		}
		switch k {
		case "octets_bits":
			ob = int(m.Value)
		case "pkts_bits":
			pb = int(m.Value)
		case "speed_bps":
			s.SpeedBps = m.Value
		default:
			s.Counters[k] = m.Value
		}
	}
	for _, k := range ifCounters {
		switch {
		case strings.HasSuffix(k, "octets"):
			s.Bits[k] = ob
		case strings.HasSuffix(k, "pkts"), strings.HasSuffix(k, "nucast"):
			s.Bits[k] = pb
		default:
			s.Bits[k] = 32
		}
	}
	return s
}

// readInterfaces walks the IF-MIB columns and returns the interfaces in
// ifIndex order.
func readInterfaces(ctx context.Context, c *transport.SNMPClient) ([]ifSample, error) {
	cols, order, err := walkColumns(ctx, c, []string{oidIfDescr, oidIfType, oidIfName, oidIfAdmin, oidIfOper, oidIfSpeed, oidIfHighSpeed,
		oidIfHCInOctets, oidIfHCOutOctets, oidIfHCInUcast, oidIfHCOutUcast, oidIfInOctets, oidIfOutOctets,
		oidIfInUcast, oidIfOutUcast, oidIfHCInMcast, oidIfHCInBcast, oidIfHCOutMcast, oidIfHCOutBcast,
		oidIfInNUcast, oidIfOutNUcast, oidIfInErrors, oidIfOutErrors, oidIfInDiscards, oidIfOutDiscards})
	if err != nil {
		return nil, err
	}
	num := func(col, idx string) (float64, bool) { return cols[col][idx].Float() }
	var out []ifSample
	for _, idx := range order {
		s := ifSample{Index: idx, Counters: map[string]float64{}, Bits: map[string]int{}}
		s.Name = oneLine(cols[oidIfName][idx].Str, 64)
		if s.Name == "" {
			s.Name = oneLine(cols[oidIfDescr][idx].Str, 64)
		}
		if s.Name == "" {
			s.Name = "ifIndex " + idx
		}
		a, _ := num(oidIfAdmin, idx)
		o, _ := num(oidIfOper, idx)
		s.Admin, s.Oper = int(a), int(o)
		typ, _ := num(oidIfType, idx)
		switch hs, okHS := num(oidIfHighSpeed, idx); {
		case virtualTypes[int(typ)]:
			// nominal speed: unknown
		case okHS && hs > 0:
			s.SpeedBps = hs * 1e6
		default:
			if sp, ok := num(oidIfSpeed, idx); ok && sp > 0 && sp < 4294967295 {
				s.SpeedBps = sp
			}
		}
		pick := func(name, hc, low string) {
			if v, ok := num(hc, idx); ok {
				s.Counters[name], s.Bits[name] = v, 64
			} else if v, ok := num(low, idx); ok {
				s.Counters[name], s.Bits[name] = v, 32
			}
		}
		pick("in_octets", oidIfHCInOctets, oidIfInOctets)
		pick("out_octets", oidIfHCOutOctets, oidIfOutOctets)
		pick("in_pkts", oidIfHCInUcast, oidIfInUcast)
		pick("out_pkts", oidIfHCOutUcast, oidIfOutUcast)
		// Multicast and broadcast: the 64-bit pair with 64-bit unicast,
		// else the 32-bit ifInNUcastPkts with 32-bit unicast; never mixed.
		nucast := func(name, mc, bc, low, ucast string) {
			m, okm := num(mc, idx)
			b, okb := num(bc, idx)
			switch {
			case s.Bits[ucast] == 64 && okm && okb:
				s.Counters[name], s.Bits[name] = m+b, 64
			case s.Bits[ucast] == 32:
				if v, ok := num(low, idx); ok {
					s.Counters[name], s.Bits[name] = v, 32
				}
			}
		}
		nucast("in_nucast", oidIfHCInMcast, oidIfHCInBcast, oidIfInNUcast, "in_pkts")
		nucast("out_nucast", oidIfHCOutMcast, oidIfHCOutBcast, oidIfOutNUcast, "out_pkts")
		for name, col := range map[string]string{"in_errors": oidIfInErrors, "out_errors": oidIfOutErrors, "in_discards": oidIfInDiscards, "out_discards": oidIfOutDiscards} {
			if v, ok := num(col, idx); ok {
				s.Counters[name], s.Bits[name] = v, 32
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// speedText writes a link speed the way engineers say it: "10 Mb/s",
// "1 Gb/s", "?" when unknown.
func speedText(bps float64) string {
	switch {
	case bps <= 0:
		return "?"
	case bps >= 1e9:
		return strconv.FormatFloat(bps/1e9, 'f', -1, 64) + " Gb/s"
	case bps >= 1e6:
		return strconv.FormatFloat(bps/1e6, 'f', -1, 64) + " Mb/s"
	}
	return strconv.FormatFloat(bps/1e3, 'f', -1, 64) + " kb/s"
}

// bpsText writes a measured rate with one decimal.
func bpsText(bps float64) string {
	switch {
	case bps >= 1e9:
		return fmt.Sprintf("%.1f Gb/s", bps/1e9)
	case bps >= 1e6:
		return fmt.Sprintf("%.1f Mb/s", bps/1e6)
	}
	return fmt.Sprintf("%.1f kb/s", bps/1e3)
}
