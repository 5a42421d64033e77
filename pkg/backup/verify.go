package backup

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
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

// ListingFailed is the result when copies could not be listed at all.
func ListingFailed(p *Policy, err error, reason string) result.Result {
	r := p.base(AspectListing)
	r.Status = result.Unknown
	if reason != "" {
		r.Status = result.Unreachable
		r.Reason = reason
	}
	r.Message = err.Error()
	r.Advice = "check that the host holding the copies is reachable and the path/command in backups.yaml is right"
	return r
}

// Judge applies the metadata rules to the listed copies: freshness against
// the RPO, holes in the sequence, retention, and size sanity. It reads no
// data. Copies must be sorted oldest first (List does).
func Judge(p *Policy, copies []Copy, now time.Time) []result.Result {
	interval, _ := p.Interval()
	rpo, _ := p.RPODuration()
	var out []result.Result

	// Freshness: the newest copy is younger than the RPO.
	fr := p.base(AspectFreshness)
	if len(copies) == 0 {
		fr.Status = result.Crit
		fr.Message = fmt.Sprintf("no copies found (%s)", p.where())
		fr.Advice = "check that the backup job runs and writes where the policy says; a backup that does not exist cannot be restored"
		return append(out, fr)
	}
	newest := copies[len(copies)-1]
	age := now.Sub(newest.Time)
	fr.SetValue(age.Hours(), "h")
	fr.Crit = "~:" + trimFloat(rpo.Hours())
	fr.Metrics = []result.Metric{{Name: "backup.age_h", Value: age.Hours(), Unit: "h"}, {Name: "backup.copies", Value: float64(len(copies))}}
	if age > rpo {
		fr.Status = result.Crit
		fr.Message = fmt.Sprintf("newest copy %s is %s old, older than the RPO of %s", newest.Name, human(age), human(rpo))
		fr.Advice = "the last backup runs failed or did not run: check the backup job's log and schedule, then run it now and verify again"
	} else {
		fr.Status = result.OK
		fr.Message = fmt.Sprintf("newest copy %s, %s old (RPO %s)", newest.Name, human(age), human(rpo))
	}
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
	var holes []string
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
			holes = append(holes, fmt.Sprintf("%s → %s (%d missing)", inWin[i-1].Time.Format("01-02 15:04"), inWin[i].Time.Format("01-02 15:04"), n))
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
		seq.Message = fmt.Sprintf("%d expected cop%s missing in the last %s: %s", missing, plural(missing, "y", "ies"), human(window), strings.Join(holes, "; "))
		seq.Advice = "find in the backup job's log why those runs failed; the data of those periods can only be restored from older or newer copies"
	} else {
		seq.Message = fmt.Sprintf("no gaps: %d copies in the last %s, one every %s expected", len(inWin), human(window), human(interval))
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
		ret.Message = fmt.Sprintf("%d copies, policy keeps %d: the series started %s ago and is still filling", len(copies), rt.KeepLast, human(now.Sub(oldest.Time)))
	case rt.KeepLast > 0 && len(copies) < rt.KeepLast:
		ret.Status = result.Crit
		ret.Message = fmt.Sprintf("only %d copies, the policy promises %d (oldest %s)", len(copies), rt.KeepLast, oldest.Time.Format("2006-01-02 15:04"))
		ret.Advice = "the backup product's retention deletes too early, or runs failed: fix it so the promised restore points exist"
	case expected > 0 && len(copies) > expected+expected/2+1:
		ret.Status = result.Warn
		ret.Message = fmt.Sprintf("%d copies kept, the policy needs about %d: copies beyond the policy cost storage (oldest %s)", len(copies), expected, oldest.Time.Format("2006-01-02"))
		ret.Advice = "check the pruning job of the backup product; delete copies beyond the retention policy only after confirming they are not needed (e.g. legal hold)"
	default:
		ret.Message = fmt.Sprintf("%d copies, oldest %s", len(copies), oldest.Time.Format("2006-01-02 15:04"))
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
			sz.Message = fmt.Sprintf("newest copy %s is empty (0 bytes)", newest.Name)
			sz.Advice = "the backup job wrote nothing: check its log (disk full, permission, dump error) and run it again"
		case minB > 0 && newest.Size < minB:
			sz.Status = result.Crit
			sz.Message = fmt.Sprintf("newest copy %s is %s, below the minimum %s", newest.Name, humanBytes(newest.Size), humanBytes(minB))
			sz.Advice = "the copy is too small to be complete: check the backup job's log and compare its contents with the source"
		case ref > 0 && float64(newest.Size) < float64(ref)*(1-p.ShrinkPercent()/100):
			sz.Status = result.Crit
			drop := (1 - float64(newest.Size)/float64(ref)) * 100
			sz.Message = fmt.Sprintf("newest copy %s is %s, %.0f%% smaller than the previous copies (%s)", newest.Name, humanBytes(newest.Size), drop, humanBytes(ref))
			sz.Advice = "a sudden shrink usually means a partial backup (a database or directory missing, a dump that stopped): check the job's log and the copy's contents before relying on it"
		default:
			sz.Message = fmt.Sprintf("newest copy %s is %s", newest.Name, humanBytes(newest.Size))
			if ref > 0 {
				sz.Message += fmt.Sprintf(" (previous copies about %s)", humanBytes(ref))
			}
		}
		out = append(out, sz)
	}
	return out
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

func (p *Policy) where() string {
	host := p.Asset
	if host == "" {
		host = "this machine"
	}
	switch p.Kind {
	case KindRestic:
		return fmt.Sprintf("restic repository %s on %s", p.Repository, host)
	case KindCommand:
		return fmt.Sprintf("listing command on %s", host)
	case KindZFS, KindLVM:
		return fmt.Sprintf("%s snapshots of %s on %s", p.Kind, p.Dataset, host)
	}
	return fmt.Sprintf("%s on %s", p.Path, host)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

// human writes a duration as 3d4h, 26h, 45m.
func human(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		h := int(d.Hours())
		if h%24 == 0 {
			return fmt.Sprintf("%dd", h/24)
		}
		return fmt.Sprintf("%dd%dh", h/24, h%24)
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
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
