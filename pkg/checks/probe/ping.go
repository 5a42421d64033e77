package probe

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// pingCheck sends ICMP echo requests from this machine (type "ping"):
// packet loss, round-trip time and jitter to a device, a host or the far
// end of a link. One result per asset, Item = the address pinged.
//
// The value is the loss in percent; warn/crit (Nagios ranges) apply to it
// (default warn ~:1, crit ~:20). rtt_warn/rtt_crit apply to the average
// round-trip time in milliseconds (default ~:100 and ~:500). No reply at
// all is UNREACHABLE (the asset is down: the availability figures count
// it so); a machine that may open no ICMP socket is UNKNOWN with the
// reason.
//
// Jitter is the mean absolute difference between the round-trip times of
// consecutive replies (in sequence order), in milliseconds.
//
// For an asset of kind link with ends (inventory `link:`), the far end
// from the site this hcops runs at (setting `location`, HCOPS_LOCATION) is pinged:
// end b unless this site is b's. Metrics: ping.loss_pct, ping.rtt_min_ms,
// ping.rtt_avg_ms, ping.rtt_max_ms, ping.jitter_ms.
type pingCheck struct{}

// Ping is the check type playbooks call "ping".
func Ping() inspect.Check { return pingCheck{} }

// pingParams are the parameters of ping, decoded when the playbook is
// loaded.
type pingParams struct {
	Host     string        `param:"host"`     // address or name to ping; default the asset's (a link's far end)
	Count    int           `param:"count"`    // echo requests (default 5)
	Interval time.Duration `param:"interval"` // between requests (default 200ms)
	Timeout  time.Duration `param:"timeout"`  // wait for the last reply (default 2s)
	Size     int           `param:"size"`     // payload bytes (default 56)
	RTTWarn  string        `param:"rtt_warn"` // Nagios range on the average RTT, ms (default ~:100)
	RTTCrit  string        `param:"rtt_crit"` // Nagios range on the average RTT, ms (default ~:500)

	rtt inspect.Thresholds
}

// Defaults sets the defaults: 5 requests 200 ms apart, 2 s for the last
// reply.
func (p *pingParams) Defaults() {
	p.Count, p.Interval, p.Timeout, p.Size = 5, 200*time.Millisecond, 2*time.Second, 56
	p.RTTWarn, p.RTTCrit = "~:100", "~:500"
}

// Limits that keep one ping check short and polite.
const (
	pingMaxCount = 1000
	pingMinGap   = 10 * time.Millisecond
	pingMaxSize  = 65000
)

// CheckParams checks the parameters together.
func (p *pingParams) CheckParams(spec *inspect.Spec) error {
	switch {
	case p.Count < 1 || p.Count > pingMaxCount:
		return inspect.BadParamMsg(spec, "count", "probe.param.ping_count", pingMaxCount, p.Count)
	case p.Interval < pingMinGap:
		return inspect.BadParamMsg(spec, "interval", "probe.param.ping_interval", pingMinGap.String(), p.Interval.String())
	case p.Timeout <= 0:
		return inspect.BadParamMsg(spec, "timeout", "probe.param.more_than_0")
	case p.Size < 24 || p.Size > pingMaxSize:
		return inspect.BadParamMsg(spec, "size", "probe.param.ping_size", pingMaxSize, p.Size)
	}
	var err error
	if p.rtt, err = inspect.ParseThresholds(p.RTTWarn, p.RTTCrit); err != nil {
		return inspect.BadParamMsg(spec, "rtt_warn", "inspect.param.detail", err)
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (pingCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[pingParams](spec)
}

// Validate has nothing left to check: DecodeParams did.
func (pingCheck) Validate(*inspect.Spec) error { return nil }

// Script is empty: ping is a probe from this machine.
func (pingCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "", nil }

// Evaluate pings the target once and returns one result.
func (pingCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	p, err := inspect.ParamsOf[pingParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "ping", err)
	}
	host, end := p.Host, ""
	if host == "" && env.Asset != nil {
		host, end = env.Asset.LinkTarget(env.Site)
	}
	r := inspect.NewResult(env, "ping", host)
	if host == "" {
		r.Status = result.Unknown
		r.Reason = "bad-params"
		inspect.SetMsg(&r, env, "probe.ping.no_host")
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return []result.Result{r}
	}
	st, err := transport.Ping(ctx, host, transport.PingOptions{Count: p.Count, Interval: p.Interval, Timeout: p.Timeout, Size: p.Size})
	if err != nil {
		var perm *transport.ICMPPermissionError
		switch {
		case errors.As(err, &perm):
			r.Status = result.Unknown
			r.Reason = "icmp-permission"
			inspect.SetMsg(&r, env, "probe.ping.no_socket", perm.Unprivileged.Error(), perm.Raw.Error())
			inspect.SetAdvice(&r, env, "probe.advice.ping_socket")
		default:
			reason, why, advice := classifyNetErr(env, err)
			r.Status = result.Unreachable
			r.Reason = reason
			inspect.SetMsg(&r, env, "probe.ping.failed", host, why)
			inspect.SetAdviceSub(&r, env, advice)
		}
		return []result.Result{r}
	}
	r.DurationMS = st.Elapsed.Milliseconds()
	r.Evidence = pingEvidence(st)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r.Metrics = []result.Metric{{Name: "ping.loss_pct", Value: st.LossPct, Unit: "%"}}
	var from any = ""
	if end != "" {
		from = i18n.S("probe.ping.link_end", end)
	}
	if st.Received == 0 {
		r.Status = result.Unreachable
		r.Reason = "no-reply"
		r.SetValue(st.LossPct, "%")
		inspect.SetMsg(&r, env, "probe.ping.down", st.Addr, st.Sent, from)
		inspect.SetAdvice(&r, env, "probe.advice.ping_down")
		return []result.Result{r}
	}
	r.Metrics = append(r.Metrics,
		result.Metric{Name: "ping.rtt_min_ms", Value: ms(st.Min), Unit: "ms"},
		result.Metric{Name: "ping.rtt_avg_ms", Value: ms(st.Avg), Unit: "ms"},
		result.Metric{Name: "ping.rtt_max_ms", Value: ms(st.Max), Unit: "ms"},
		result.Metric{Name: "ping.jitter_ms", Value: ms(st.Jitter), Unit: "ms"})
	r.Status = result.OK
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th.Warn, _ = inspect.ParseRange("~:1")
		th.Crit, _ = inspect.ParseRange("~:20")
	}
	th.Apply(&r, st.LossPct, "%")
	inspect.SetMsg(&r, env, "probe.ping.ok", st.Addr, st.LossPct, st.Received, st.Sent,
		fmtMS(ms(st.Min)), fmtMS(ms(st.Avg)), fmtMS(ms(st.Max)), fmtMS(ms(st.Jitter)), from)
	lossStatus := r.Status
	rttStatus := p.rtt.Status(ms(st.Avg))
	r.Status = result.Worst(r.Status, rttStatus)
	switch {
	case lossStatus != result.OK:
		inspect.SetAdvice(&r, env, "probe.advice.ping_loss")
	case rttStatus != result.OK:
		r.AppendText("; ")
		inspect.AddMsg(&r, env, "probe.ping.slow", inspect.RangesText(env, p.rtt))
		inspect.SetAdvice(&r, env, "probe.advice.ping_slow")
	}
	return []result.Result{r}
}

// pingEvidence is the raw figures, for the evidence: which socket was used
// and every round-trip time.
func pingEvidence(st *transport.PingStats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ping %s: icmp socket %s, %d sent, %d received\n", st.Addr, st.Mode, st.Sent, st.Received)
	if st.PrivilegedError != nil {
		fmt.Fprintf(&b, "unprivileged socket refused (%v): used a raw socket\n", st.PrivilegedError)
	}
	for i, d := range st.RTTs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 3, 64))
	}
	if len(st.RTTs) > 0 {
		b.WriteString(" ms\n")
	}
	return inspect.Clip(b.String(), 4096)
}
