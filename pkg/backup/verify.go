package backup

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Aspects of a verification; each is one result (Item).
const (
	AspectFreshness = "freshness"
	AspectSequence  = "sequence"
	AspectRetention = "retention"
	AspectSize      = "size"
	AspectIntegrity = "integrity"
	AspectListing   = "listing"
)

// CheckName is the check name of a policy's results ("backup:NAME").
func CheckName(p *Policy) string { return "backup:" + p.Name }

func (p *Policy) base(aspect string) result.Result {
	asset := p.Of
	if asset == "" {
		asset = p.Asset
	}
	if asset == "" {
		asset = "localhost"
	}
	return result.Result{Asset: asset, Check: CheckName(p), Type: "backup", Item: aspect, System: p.System, Playbook: "backup"}
}

// ListingFailed is the result when copies could not be listed at all,
// written in lang. reason is the unreachable reason of err (or "").
func ListingFailed(p *Policy, err error, reason, lang string) result.Result {
	r := p.base(AspectListing)
	r.Status = result.Unknown
	advice := msg("backup.listing.advice")
	if reason != "" {
		r.Status = result.Unreachable
		r.Reason = reason
		if code := transport.AdviceCode(reason); code != "" {
			advice = msg(code)
		}
	}
	setAdvice(&r, lang, advice)
	setMsg(&r, lang, errMsg(err))
	return r
}

// Judge applies the metadata rules to the listed copies: freshness against
// the RPO, holes in the sequence, retention, and size sanity. It reads no
// data. Copies must be sorted oldest first (List does). Messages and advice
// are in lang ("zh" or "en").
func Judge(p *Policy, copies []Copy, now time.Time, lang string) []result.Result {
	interval, _ := p.Interval()
	rpo, _ := p.RPODuration()
	var out []result.Result
	// A copy dated after now is not evidence of a recent backup (a wrong
	// clock, or a forged time): it is named in the freshness verdict and
	// left out of every other judgement.
	copies, future := splitFuture(copies, now)

	// Freshness: the newest copy is younger than the RPO.
	fr := p.base(AspectFreshness)
	if len(copies) == 0 {
		fr.Status = result.Crit
		m, advice := msg("backup.fresh.none", p.where()), msg("backup.fresh.none_advice")
		if len(future) > 0 {
			m = clauses(m, futureMsg(future, now))
			advice = clauses(advice, msg("backup.verify.future_advice"))
		}
		setMsg(&fr, lang, m)
		setAdvice(&fr, lang, advice)
		return append(out, fr)
	}
	newest := copies[len(copies)-1]
	age := now.Sub(newest.Time)
	fr.SetValue(age.Hours(), "h")
	fr.Crit = "~:" + trimFloat(rpo.Hours())
	fr.Metrics = []result.Metric{{Name: "backup.age_h", Value: age.Hours(), Unit: "h"}, {Name: "backup.copies", Value: float64(len(copies))}}
	var m, advice i18n.Sub
	if age > rpo {
		fr.Status = result.Crit
		m = msg("backup.fresh.stale", newest.Name, human(age), human(rpo))
		advice = msg("backup.fresh.stale_advice")
	} else {
		fr.Status = result.OK
		m = msg("backup.fresh.ok", newest.Name, human(age), human(rpo))
	}
	if len(future) > 0 {
		fr.Status = result.Worst(fr.Status, result.Warn)
		m = clauses(m, futureMsg(future, now))
		advice = clauses(advice, msg("backup.verify.future_advice"))
	}
	setMsg(&fr, lang, m)
	setAdvice(&fr, lang, advice)
	out = append(out, fr)

	// Sequence: no expected copy missing inside the retention window.
	seq := p.base(AspectSequence)
	window := p.window(interval)
	start := now.Add(-window)
	var inWin []Copy
	for _, c := range copies {
		if !c.Time.Before(start) {
			inWin = append(inWin, c)
		}
	}
	var holes []i18n.Sub
	missing := 0
	worstGap := time.Duration(0)
	for i := 1; i < len(inWin); i++ {
		gap := inWin[i].Time.Sub(inWin[i-1].Time)
		if gap > interval*3/2 {
			n := int((gap+interval/2)/interval) - 1
			if n < 1 {
				n = 1
			}
			missing += n
			holes = append(holes, msg("backup.seq.hole", inWin[i-1].Time.Format("01-02 15:04"), inWin[i].Time.Format("01-02 15:04"), n))
			if gap > worstGap {
				worstGap = gap
			}
		}
	}
	seq.SetValue(float64(missing), "copies")
	seq.Status = result.OK
	if missing > 0 {
		seq.Status = result.Warn
		if worstGap > rpo {
			seq.Status = result.Crit
		}
		key := "backup.seq.missing_many"
		if missing == 1 {
			key = "backup.seq.missing_one"
		}
		setMsg(&seq, lang, msg(key, missing, human(window), clauses(holes...)))
		setAdvice(&seq, lang, msg("backup.seq.missing_advice"))
	} else {
		setMsg(&seq, lang, msg("backup.seq.ok", len(inWin), human(window), human(interval)))
	}
	out = append(out, seq)

	// Retention: not fewer copies than promised; more is a storage cost.
	ret := p.base(AspectRetention)
	ret.Status = result.OK
	ret.SetValue(float64(len(copies)), "copies")
	rt := p.Retention
	expected := p.expectedCopies(interval)
	oldest := copies[0]
	filling := now.Sub(oldest.Time) < time.Duration(rt.KeepLast-1)*interval+interval/2
	switch {
	case rt.KeepLast > 0 && len(copies) < rt.KeepLast && filling:
		// fewer copies than promised, but the series is younger than the
		// promise: it is still filling up
		setMsg(&ret, lang, msg("backup.ret.filling", len(copies), rt.KeepLast, human(now.Sub(oldest.Time))))
	case rt.KeepLast > 0 && len(copies) < rt.KeepLast:
		ret.Status = result.Crit
		setMsg(&ret, lang, msg("backup.ret.short", len(copies), rt.KeepLast, oldest.Time.Format("2006-01-02 15:04")))
		setAdvice(&ret, lang, msg("backup.ret.short_advice"))
	case expected > 0 && len(copies) > expected+expected/2+1:
		ret.Status = result.Warn
		setMsg(&ret, lang, msg("backup.ret.over", len(copies), expected, oldest.Time.Format("2006-01-02")))
		setAdvice(&ret, lang, msg("backup.ret.over_advice"))
	default:
		setMsg(&ret, lang, msg("backup.ret.ok", len(copies), oldest.Time.Format("2006-01-02 15:04")))
	}
	out = append(out, ret)

	// Size: zero bytes, below minimum, or a sudden shrink against the
	// previous copies — the classic silent failure.
	if newest.Size >= 0 {
		sz := p.base(AspectSize)
		sz.Status = result.OK
		sz.SetValue(float64(newest.Size), "B")
		sz.Metrics = []result.Metric{{Name: "backup.size_bytes", Value: float64(newest.Size), Unit: "B"}}
		minB, _ := p.MinBytes()
		ref := referenceSize(copies[:len(copies)-1])
		switch {
		case newest.Size == 0:
			sz.Status = result.Crit
			setMsg(&sz, lang, msg("backup.size.empty", newest.Name))
			setAdvice(&sz, lang, msg("backup.size.empty_advice"))
		case minB > 0 && newest.Size < minB:
			sz.Status = result.Crit
			setMsg(&sz, lang, msg("backup.size.below_min", newest.Name, humanBytes(newest.Size), humanBytes(minB)))
			setAdvice(&sz, lang, msg("backup.size.below_min_advice"))
		case ref > 0 && float64(newest.Size) < float64(ref)*(1-p.ShrinkPercent()/100):
			sz.Status = result.Crit
			drop := (1 - float64(newest.Size)/float64(ref)) * 100
			setMsg(&sz, lang, msg("backup.size.shrank", newest.Name, humanBytes(newest.Size), drop, humanBytes(ref)))
			setAdvice(&sz, lang, msg("backup.size.shrank_advice"))
		default:
			setMsg(&sz, lang, msg("backup.size.ok", newest.Name, humanBytes(newest.Size)))
			if ref > 0 {
				addMsg(&sz, lang, msg("backup.size.ok_ref", humanBytes(ref)))
			}
		}
		out = append(out, sz)
	}
	return out
}

// ClockSkew is how far after now a copy may be dated and still count: the
// clocks of the verifying machine and of the host writing the copies may
// differ a little.
const ClockSkew = time.Hour

// splitFuture splits copies (oldest first) into those dated up to
// now+ClockSkew and those dated after it.
func splitFuture(copies []Copy, now time.Time) (past, future []Copy) {
	limit := now.Add(ClockSkew)
	i := len(copies)
	for i > 0 && copies[i-1].Time.After(limit) {
		i--
	}
	return copies[:i], copies[i:]
}

// futureMsg names the future-dated copies with their dates, the latest
// first, at most three.
func futureMsg(future []Copy, now time.Time) i18n.Sub {
	var items []i18n.Sub
	for i := len(future) - 1; i >= 0 && len(items) < 3; i-- {
		c := future[i]
		items = append(items, msg("backup.verify.future_item", c.Name, c.Time.In(now.Location()).Format("2006-01-02 15:04")))
	}
	return msg("backup.verify.future", len(future), human(ClockSkew), more(list(items), len(future)))
}

// more is a list of the first items shown, with the total when some were
// left out ("a, b… (7 in all)").
func more(shown i18n.List, total int) any {
	if total > len(shown.Items) {
		return msg("backup.list.more", shown, total)
	}
	return shown
}

// judgeAnomalies is the listing verdict when the listing refused entries or
// its tools printed errors (ok false when there is nothing to say). A name
// with a control character is critical: it is what a forged listing record
// looks like. Other anomalies are warnings.
func judgeAnomalies(p *Policy, as []Anomaly, lang string) (result.Result, bool) {
	if len(as) == 0 {
		return result.Result{}, false
	}
	r := p.base(AspectListing)
	r.Status = result.Warn
	byKind := map[string][]any{}
	for _, a := range as {
		var item any = a.Name
		if a.Kind == AnomalyType {
			item = msg("backup.list.typed", a.Name, fileType(a.Type))
		}
		byKind[a.Kind] = append(byKind[a.Kind], item)
	}
	var found, advice []i18n.Sub
	for _, k := range []string{AnomalyName, AnomalyType, AnomalyRecord, AnomalyError} {
		items := byKind[k]
		if len(items) == 0 {
			continue
		}
		if k == AnomalyName {
			r.Status = result.Crit
		}
		found = append(found, msg("backup.list.anomaly."+k, more(list(items[:min(len(items), 3)]), len(items))))
		// Kinds that share their advice say it once.
		if a := msg("backup.list.anomaly." + k + "_advice"); len(advice) == 0 || render(i18n.EN, advice[len(advice)-1]) != render(i18n.EN, a) {
			advice = append(advice, a)
		}
	}
	r.SetValue(float64(len(as)), "entries")
	setMsg(&r, lang, clauses(found...))
	setAdvice(&r, lang, clauses(advice...))
	return r, true
}

// fileType names a stat file type in the reader's language ("fifo" →
// 命名管道), or as stat wrote it when the catalogue has no name for it.
func fileType(typ string) any {
	key := "backup.list.type." + strings.ReplaceAll(typ, " ", "_")
	if i18n.Has(key) {
		return msg(key)
	}
	return typ
}

// referenceSize is the median size of up to the five copies before the
// newest (robust to one odd copy).
func referenceSize(prev []Copy) int64 {
	var sizes []int64
	for i := len(prev) - 1; i >= 0 && len(sizes) < 5; i-- {
		if prev[i].Size > 0 {
			sizes = append(sizes, prev[i].Size)
		}
	}
	if len(sizes) == 0 {
		return 0
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	return sizes[len(sizes)/2]
}

// window is how far back the sequence is checked: the retention promise,
// bounded to a sensible span.
func (p *Policy) window(interval time.Duration) time.Duration {
	rt := p.Retention
	w := time.Duration(0)
	if rt.KeepDays > 0 {
		w = time.Duration(rt.KeepDays) * 24 * time.Hour
	}
	if rt.KeepLast > 0 {
		if lw := time.Duration(rt.KeepLast) * interval; lw > w {
			w = lw
		}
	}
	if w == 0 {
		w = 7 * interval
	}
	return w
}

// expectedCopies is how many copies the retention promise implies (0 when
// it cannot be said, e.g. keep forever).
func (p *Policy) expectedCopies(interval time.Duration) int {
	rt := p.Retention
	if rt.Forever {
		return 0
	}
	n := rt.KeepLast
	if rt.KeepDays > 0 && interval > 0 {
		if d := int(time.Duration(rt.KeepDays) * 24 * time.Hour / interval); d > n {
			n = d
		}
	}
	return n + rt.KeepDaily + rt.KeepWeekly
}

// where says where p's copies are looked for.
func (p *Policy) where() i18n.Sub {
	var host any = p.Asset
	if p.Asset == "" {
		host = msg("backup.where.local")
	}
	switch p.Kind {
	case KindRestic:
		return msg("backup.where.restic", p.Repository, host)
	case KindCommand:
		return msg("backup.where.command", host)
	case KindZFS, KindLVM:
		return msg("backup.where.snap", p.Kind, p.Dataset, host)
	}
	return msg("backup.where.path", p.Path, host)
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

func humanBytes(b int64) string {
	f := float64(b)
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", b)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

// VerifyOptions are the settings of Verify.
type VerifyOptions struct {
	Now       time.Time
	Lang      string
	Integrity bool // run integrity tests (policy permitting)
	AllCopies bool // test every copy, not only the newest
	// Slots bounds the integrity tests running at once across all the
	// policies being verified (one token per test); nil means no bound.
	Slots chan struct{}
}

// Verify lists, judges and integrity-tests one policy on r, the host that
// holds its copies. Where it can, the newest copy is tested in the listing's
// own session (ListAndTest), which then holds an integrity slot; otherwise it
// lists, then waits for a slot and tests separately.
func Verify(ctx context.Context, r transport.Runner, p *Policy, o VerifyOptions) []result.Result {
	integrity := o.Integrity && p.CheckIntegrity()
	var l Listing
	var tested *result.Result
	var err error
	if integrity && !o.AllCopies && combinable(p) {
		// One session lists and reads: it takes an integrity slot.
		if !acquire(ctx, o.Slots) {
			return []result.Result{ListingFailed(p, ctx.Err(), "", o.Lang)}
		}
		l, tested, err = listAndTest(ctx, r, p, o.Lang)
		release(o.Slots)
	} else {
		l, err = ListAll(ctx, r, p)
	}
	if err != nil {
		return []result.Result{ListingFailed(p, err, "", o.Lang)}
	}
	copies := l.Copies
	rs := Judge(p, copies, o.Now, o.Lang)
	if lr, ok := judgeAnomalies(p, l.Anomalies, o.Lang); ok {
		rs = append(rs, lr)
	}
	// The copy tested is the newest Judge counted, never one dated in the
	// future.
	past, _ := splitFuture(copies, o.Now)
	if !integrity || len(past) == 0 {
		return rs
	}
	if tested != nil && len(past) == len(copies) {
		return append(rs, *tested)
	}
	targets := past[len(past)-1:]
	if o.AllCopies {
		targets = copies
	}
	for _, c := range targets {
		if !acquire(ctx, o.Slots) {
			return rs
		}
		ir := Integrity(ctx, r, p, c, o.Lang)
		release(o.Slots)
		rs = append(rs, ir)
		if p.Kind == KindRestic {
			break // restic check covers the whole repository
		}
	}
	return rs
}

func acquire(ctx context.Context, slots chan struct{}) bool {
	if slots == nil {
		return ctx.Err() == nil
	}
	select {
	case slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func release(slots chan struct{}) {
	if slots != nil {
		<-slots
	}
}
