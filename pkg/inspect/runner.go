package inspect

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Defaults of the runner (see bench/README.md for the measurements behind
// them). Forks is 32, not more: hcops itself needs ~3 ms of CPU per host, so
// what limits a fleet run is the targets' sshd (key exchange, session) when
// they share CPU — measured on the fleet harness, 32 concurrent hosts ran 500
// hosts in 26 s while 64 took 36 s, because sshd CPU per host rose by 40%
// under contention. Health-cloud VMs share hypervisor cores the same way.
// 250 hosts on a real network still take a few seconds at 32.
const (
	DefaultForks          = 32
	DefaultHostTimeout    = 120 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	// DefaultMaxEvidence bounds the raw output kept with one result.
	DefaultMaxEvidence = 16 << 10
	// ConnectCheck is the check name of the one result an unreachable host gets.
	ConnectCheck = "connect"
)

// DialFunc opens the one connection a host's checks share. ctx carries the
// connect timeout; it bounds the dial only and is cancelled once DialFunc
// returns. Errors that mean "could not reach the host at all" should be
// *transport.UnreachableError so the result names the reason.
type DialFunc func(ctx context.Context, a *inventory.Asset) (transport.Runner, error)

// Runner runs a Plan: a bounded pool of workers over hosts, one connection
// and one batched script per host, probes from this machine alongside.
type Runner struct {
	Dial           DialFunc
	Forks          int           // hosts inspected at once; DefaultForks when 0
	HostTimeout    time.Duration // per-host deadline; DefaultHostTimeout when 0
	ConnectTimeout time.Duration // DefaultConnectTimeout when 0
	// ProbeConcurrency bounds probes (http, tcp-connect, dns ...) running
	// from this machine at once, over all hosts; Forks when 0.
	ProbeConcurrency int
	// MaxEvidence bounds each result's evidence; DefaultMaxEvidence when 0.
	MaxEvidence int
	// Since says when asset was last inspected by playbook (ok false when
	// never, or when the run reads no history): checks see it as Env.Since,
	// zero when there is none.
	Since func(asset, playbook string) (time.Time, bool)
	// SNMP returns the run's SNMP session to an asset; checks see it as
	// Env.SNMP. Nil: no SNMP channel.
	SNMP func(a *inventory.Asset) (*transport.SNMPClient, error)
	// Previous returns the results check (its name) gave asset in its
	// latest earlier inspection by playbook, metrics included; checks see it
	// as Env.Previous. Nil when the run reads no history.
	Previous func(ctx context.Context, asset, playbook, check string) ([]result.Result, error)
	// Progress is called after each host with hosts done, hosts in total and
	// hosts with a problem (worst status not OK) so far.
	Progress func(done, total, problems int)
	// OnHost receives each finished host's results as soon as it is done
	// (serially: it needs no locking), so the caller can store them before
	// the run ends and nothing finished is lost on Ctrl-C or a crash.
	OnHost func(h *HostPlan, results []result.Result)
	// OnHostStart is called when a worker takes up a host (from that
	// worker's goroutine: it must be safe for concurrent use).
	OnHostStart func(h *HostPlan)
	// Systems are the inventory's application systems by name; checks of an
	// asset see its system (the http probe reads its endpoints).
	Systems map[string]*inventory.System
	// SQL is the run's pool of database connections (nil: checks open their own).
	SQL *transport.SQLPool
	// Lang is the language of messages checks write ("zh" or "en").
	Lang string
	// Site is the site this hcops runs at (Env.Site), "" when not set.
	Site string
	// DropEvidence keeps results in Outcome without their evidence once
	// OnHost has seen them (stored them): a 500-host run that only prints a
	// summary then holds kilobytes, not megabytes, per host.
	DropEvidence bool
	// Discard leaves Outcome.Results empty: results go to OnHost only, so a
	// run streamed to its output holds no host's results once written.
	Discard bool
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// Outcome is what a run produced.
type Outcome struct {
	Results []result.Result
	// Interrupted is set when ctx was cancelled before every host finished.
	// Hosts that had not finished are left out of Results entirely (no
	// partial host is recorded): the run's status says it is incomplete.
	Interrupted bool
	HostsDone   int
	HostsTotal  int
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Run inspects every host of p. It returns when all hosts are done, or
// promptly after ctx is cancelled.
func (r *Runner) Run(ctx context.Context, p *Plan) Outcome {
	forks := r.Forks
	if forks <= 0 {
		forks = DefaultForks
	}
	if forks > len(p.Hosts) {
		forks = max(len(p.Hosts), 1)
	}
	probes := r.ProbeConcurrency
	if probes <= 0 {
		probes = max(forks, 8)
	}
	probeSem := make(chan struct{}, probes)

	out := Outcome{HostsTotal: len(p.Hosts)}
	var mu sync.Mutex
	problems := 0
	jobs := make(chan *HostPlan)
	var wg sync.WaitGroup
	for w := 0; w < forks; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for hp := range jobs {
				if r.OnHostStart != nil && ctx.Err() == nil {
					r.OnHostStart(hp)
				}
				res, ok := r.runHost(ctx, hp, probeSem)
				if !ok {
					continue
				}
				mu.Lock()
				if r.OnHost != nil {
					r.OnHost(hp, res)
				}
				if r.DropEvidence {
					for i := range res {
						res[i].Evidence = ""
					}
				}
				if !r.Discard {
					out.Results = append(out.Results, res...)
				}
				out.HostsDone++
				worst := result.OK
				for i := range res {
					worst = result.Worst(worst, res[i].Status)
				}
				if worst != result.OK {
					problems++
				}
				if r.Progress != nil {
					r.Progress(out.HostsDone, out.HostsTotal, problems)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, hp := range p.Hosts {
		select {
		case jobs <- hp:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	out.Interrupted = out.HostsDone < out.HostsTotal && ctx.Err() != nil
	return out
}

// runHost inspects one host. ok is false when the run was interrupted before
// the host finished: its results are then dropped.
func (r *Runner) runHost(ctx context.Context, hp *HostPlan, probeSem chan struct{}) (res []result.Result, ok bool) {
	if ctx.Err() != nil {
		return nil, false
	}
	hostTimeout := r.HostTimeout
	if hostTimeout <= 0 {
		hostTimeout = DefaultHostTimeout
	}
	start := r.now()
	hctx, cancel := context.WithTimeout(ctx, hostTimeout)
	defer cancel()

	var shell, probes []*Item
	for _, it := range hp.Items {
		switch {
		case it.Err != nil:
			u := result.Result{Status: result.Unknown, Reason: "config", Message: it.Err.Error()}
			var c i18n.Coded
			if errors.As(it.Err, &c) {
				// A parameter or threshold error of ours: in the run's
				// language, and in the other one for a report.
				u.SetMessage(r.Lang, "inspect.param.detail", it.Err)
			}
			res = append(res, r.finish(hp, it, start, 0, []result.Result{u}, nil)...)
		case it.Shell():
			shell = append(shell, it)
		default:
			probes = append(probes, it)
		}
	}

	// Probes run from this machine alongside the host's script.
	probeRes := make([][]result.Result, len(probes))
	var pwg sync.WaitGroup
	for i, it := range probes {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			select {
			case probeSem <- struct{}{}:
			case <-hctx.Done():
				late := result.Result{Status: result.Unknown, Reason: result.ReasonTimeout}
				late.SetMessage(r.Lang, "inspect.run.probe_slot", hp.Name, hostTimeout)
				probeRes[i] = r.finish(hp, it, start, 0, []result.Result{late}, nil)
				return
			}
			defer func() { <-probeSem }()
			t0 := r.now()
			pctx := hctx
			if it.Spec.TimeoutSec > 0 {
				var cancel context.CancelFunc
				pctx, cancel = context.WithTimeout(hctx, time.Duration(it.Spec.TimeoutSec)*time.Second)
				defer cancel()
			}
			rs := r.evaluate(pctx, hp, it, nil)
			probeRes[i] = r.finish(hp, it, t0, r.now().Sub(t0), rs, nil)
		}()
	}

	if len(shell) > 0 {
		sr, done := r.runShell(ctx, hctx, hp, shell, start, hostTimeout)
		if !done {
			cancel()
			pwg.Wait()
			return nil, false
		}
		res = append(res, sr...)
	}
	pwg.Wait()
	if ctx.Err() != nil {
		return nil, false
	}
	for _, pr := range probeRes {
		res = append(res, pr...)
	}
	return res, true
}

// runShell dials the host, runs the batched script and evaluates each
// section. done is false when the run was interrupted meanwhile.
func (r *Runner) runShell(ctx, hctx context.Context, hp *HostPlan, items []*Item, start time.Time, hostTimeout time.Duration) (res []result.Result, done bool) {
	conn, err := r.dial(hctx, hp.Asset)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false
		}
		return []result.Result{r.unreachable(hp, start, err)}, true
	}
	if conn == nil {
		return []result.Result{r.unreachable(hp, start, errors.New("transport returned no connection"))}, true
	}
	defer conn.Close()

	nonce := NewNonce()
	snippets := make([]string, len(items))
	for i, it := range items {
		snippets[i] = it.Script
	}
	var secs []Section
	var outs []transport.Output
	var errs []error
	if items[0].PowerShell {
		secs, outs, errs = r.runPowerShell(hctx, conn, nonce, snippets)
	} else {
		o, runErr := conn.Run(hctx, BuildScript(nonce, snippets))
		secs = SplitSections(nonce, o.Stdout, len(items), o.Truncated)
		outs, errs = make([]transport.Output, len(items)), make([]error, len(items))
		for i := range items {
			outs[i], errs[i] = o, runErr
		}
	}
	if ctx.Err() != nil {
		return nil, false
	}
	elapsed := r.now().Sub(start)
	for i, it := range items {
		sec := &secs[i]
		if sec.Missing {
			res = append(res, r.finish(hp, it, start, elapsed, []result.Result{r.missing(hp, sec, outs[i], errs[i], hctx, hostTimeout)}, sec)...)
			continue
		}
		if it.Spec.TimeoutSec > 0 && sec.ExitCode == killedExitCode {
			killed := result.Result{Status: result.Unknown, Reason: result.ReasonTimeout}
			killed.SetMessage(r.Lang, "inspect.run.killed", hp.Name, it.Spec.TimeoutSec)
			killed.SetAdvice(r.Lang, "inspect.run.killed_advice")
			res = append(res, r.finish(hp, it, start, r.now().Sub(start), []result.Result{killed}, sec)...)
			continue
		}
		rs := r.evaluate(hctx, hp, it, sec)
		res = append(res, r.finish(hp, it, start, r.now().Sub(start), rs, sec)...)
	}
	return res, true
}

// runPowerShell runs a Windows host's PowerShell snippets as encoded
// commands (see PowerShellCommand), as few as cmd.exe's command line limit
// allows, one after another on the host's connection, and returns each
// snippet's section with the output and error of the command it ran in.
func (r *Runner) runPowerShell(hctx context.Context, conn transport.Runner, nonce string, snippets []string) ([]Section, []transport.Output, []error) {
	n := len(snippets)
	secs, outs, errs := make([]Section, n), make([]transport.Output, n), make([]error, n)
	cr, ok := conn.(transport.CommandRunner)
	if !ok {
		err := fmt.Errorf("%s: transport cannot run a PowerShell command (Windows hosts are reached over SSH)", conn.Target())
		for i := range snippets {
			secs[i], errs[i] = Section{Missing: true, ExitCode: -1}, err
		}
		return secs, outs, errs
	}
	for i := range secs {
		// Until its batch has run (a batch after the deadline never does).
		secs[i] = Section{Missing: true, ExitCode: -1}
	}
	batches, tooLong := PowerShellBatches(nonce, snippets, MaxPowerShellCommand)
	for _, b := range batches {
		if tooLong[b[0]] {
			errs[b[0]] = fmt.Errorf("PowerShell collector longer than a Windows command line allows (%d characters encoded)", MaxPowerShellCommand)
			continue
		}
		o, err := cr.RunCommand(hctx, PowerShellCommand(BuildPowerShellScript(nonce, snippets[b[0]:b[1]])))
		part := SplitSections(nonce, o.Stdout, b[1]-b[0], o.Truncated)
		for j := range part {
			secs[b[0]+j], outs[b[0]+j], errs[b[0]+j] = part[j], o, err
		}
		if hctx.Err() != nil {
			break
		}
	}
	return secs, outs, errs
}

// dial opens the host's connection within the connect timeout. The timer is
// owned here: a dial implementation that ignores its context still cannot
// hold a worker past the timeout (its late connection is closed).
func (r *Runner) dial(hctx context.Context, a *inventory.Asset) (transport.Runner, error) {
	if r.Dial == nil {
		return nil, errors.New("no transport configured")
	}
	ct := r.ConnectTimeout
	if ct <= 0 {
		ct = DefaultConnectTimeout
	}
	dctx, cancel := context.WithTimeout(hctx, ct)
	type dialed struct {
		conn transport.Runner
		err  error
	}
	ch := make(chan dialed, 1)
	go func() {
		c, err := r.Dial(dctx, a)
		ch <- dialed{c, err}
	}()
	// Grace beyond the timeout for an implementation that honours ctx to
	// report its own (better worded) error.
	grace := time.NewTimer(ct + min(ct/2, 2*time.Second))
	defer grace.Stop()
	select {
	case d := <-ch:
		cancel()
		return d.conn, d.err
	case <-grace.C:
	case <-hctx.Done():
	}
	cancel()
	go func() {
		if d := <-ch; d.conn != nil {
			d.conn.Close()
		}
	}()
	if hctx.Err() != nil && !errors.Is(hctx.Err(), context.DeadlineExceeded) {
		return nil, hctx.Err()
	}
	return nil, &transport.UnreachableError{Target: a.Name, Reason: result.ReasonTimeout,
		Err: fmt.Errorf("connect %s: no answer within %s", a.Name, ct)}
}

// unreachable is the one result of a host that could not be reached.
func (r *Runner) unreachable(hp *HostPlan, start time.Time, err error) result.Result {
	reason := transport.ReasonOf(err)
	if reason == "" {
		reason = result.ReasonNetwork
	}
	var detail error = err
	var ue *transport.UnreachableError
	if errors.As(err, &ue) && ue.Err != nil {
		detail = ue.Err
	}
	res := result.Result{
		Asset: hp.Name, Check: ConnectCheck, Type: ConnectCheck,
		System: hp.Asset.System, Zone: hp.Asset.Zone,
		Status: result.Unreachable, Reason: reason,
		StartedAt: start, DurationMS: r.now().Sub(start).Milliseconds(),
	}
	// The network error is the transport's raw text; the rest is meaning.
	res.SetMessage(r.Lang, "inspect.run.unreachable", hp.Name, reason, detail)
	res.SetAdvice(r.Lang, transport.AdviceCode(reason))
	if len(hp.Items) > 0 {
		res.Playbook = hp.Items[0].Playbook
	}
	return res
}

// missing is the result of a check whose section never completed.
func (r *Runner) missing(hp *HostPlan, sec *Section, o transport.Output, runErr error, hctx context.Context, hostTimeout time.Duration) result.Result {
	res := result.Result{Status: result.Unknown}
	switch {
	case errors.Is(hctx.Err(), context.DeadlineExceeded):
		res.Reason = result.ReasonTimeout
		res.SetMessage(r.Lang, "inspect.run.deadline", hp.Name, hostTimeout)
		res.SetAdvice(r.Lang, "inspect.run.deadline_advice")
	case runErr != nil:
		res.Reason = "connection"
		res.SetMessage(r.Lang, "inspect.run.conn_lost", hp.Name, runErr)
	case o.Truncated:
		res.Reason = "truncated"
		res.SetMessage(r.Lang, "inspect.run.truncated", hp.Name)
	default:
		res.Reason = "script"
		msg := strings.TrimSpace(string(o.Stderr))
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		res.SetMessage(r.Lang, "inspect.run.script_died", hp.Name, o.ExitCode)
		if msg != "" {
			res.AppendText(": " + msg)
		}
	}
	return res
}

// evaluate runs the check's Evaluate, turning a panic or an empty answer
// into UNKNOWN: a bug in one check type must not take the run down.
func (r *Runner) evaluate(ctx context.Context, hp *HostPlan, it *Item, sec *Section) (rs []result.Result) {
	defer func() {
		if p := recover(); p != nil {
			bug := result.Result{Status: result.Unknown, Reason: "internal", Evidence: string(debug.Stack())}
			bug.SetMessage(r.Lang, "inspect.run.panic", it.Spec.Type, fmt.Sprint(p))
			rs = []result.Result{bug}
		}
	}()
	var since time.Time
	ok := false
	if r.Since != nil {
		since, ok = r.Since(hp.Name, it.Playbook)
	}
	now := r.now()
	if !ok {
		// No earlier inspection: Since says so. A check that needs a
		// window falls back on its own (WindowStart); one that reports
		// "since the last inspection" must not invent one.
		since = time.Time{}
	}
	spec := it.Spec
	env := &Env{Spec: &spec, Asset: hp.Asset, Thresholds: it.Thresholds, Section: sec, Since: since, Now: now,
		SQL: r.SQL, System: r.Systems[hp.Asset.System], Lang: r.Lang, Site: r.Site}
	if r.SNMP != nil {
		env.SNMP = func() (*transport.SNMPClient, error) { return r.SNMP(hp.Asset) }
	}
	if r.Previous != nil {
		env.Previous = func(ctx context.Context) ([]result.Result, error) {
			return r.Previous(ctx, hp.Name, it.Playbook, spec.Name)
		}
	}
	rs = it.Check.Evaluate(ctx, env)
	if len(rs) == 0 {
		none := result.Result{Status: result.Unknown, Reason: "internal"}
		none.SetMessage(r.Lang, "inspect.run.no_result", it.Spec.Type)
		rs = []result.Result{none}
	}
	return rs
}

// finish fills the fields the runner owns and bounds the evidence.
func (r *Runner) finish(hp *HostPlan, it *Item, start time.Time, d time.Duration, rs []result.Result, sec *Section) []result.Result {
	maxEv := r.MaxEvidence
	if maxEv <= 0 {
		maxEv = DefaultMaxEvidence
	}
	for i := range rs {
		x := &rs[i]
		x.Asset = hp.Name
		x.System = hp.Asset.System
		x.Zone = hp.Asset.Zone
		x.Playbook = it.Playbook
		if x.Check == "" {
			x.Check = it.Spec.Name
		}
		if x.Type == "" {
			x.Type = it.Spec.Type
		}
		if x.StartedAt.IsZero() {
			x.StartedAt = start
		}
		if x.DurationMS == 0 {
			x.DurationMS = d.Milliseconds()
		}
		if x.Advice == "" && (x.Status == result.Warn || x.Status == result.Crit) {
			x.Advice = it.Spec.Advice
		}
		// A verdict other than OK without evidence gets the collector's
		// output, so the engineer can see what it was made from.
		if x.Evidence == "" && x.Status != result.OK && sec != nil {
			x.Evidence = sec.Stdout
			x.EvidenceTruncated = x.EvidenceTruncated || sec.Truncated
		}
		if len(x.Evidence) > maxEv {
			x.Evidence = truncateUTF8(x.Evidence, maxEv)
			x.EvidenceTruncated = true
		}
	}
	return rs
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Step back to the start of the character the cut falls in, and drop it
	// when it is incomplete.
	i := n
	for i > 0 && n-i < utf8.UTFMax && !utf8.RuneStart(s[i]) {
		i--
	}
	if !utf8.FullRuneInString(s[i:n]) {
		return s[:i]
	}
	return s[:n]
}
