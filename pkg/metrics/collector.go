// Package metrics exports what hcops' history says in the Prometheus
// exposition format: the latest status and value of every check, backup
// ages, firing alerts, open tickets and their SLA clocks, the latest runs
// and the watcher's availability figures.
//
// Collector reads the history on every scrape (nothing is kept in memory),
// so a scrape shows what the merged history says, whichever runner wrote
// it: two runners in two network zones sharing one history give one view.
// `hcops watch --metrics ADDR` serves it on /metrics; `hcops metrics
// --textfile FILE` writes it once for node_exporter's textfile collector.
//
// Cardinality is bounded on purpose:
//   - labels are names from the inventory and the playbooks (asset, system,
//     zone, check, item, policy, kind, runner, class, clock, status); no
//     message, address, evidence or other free text is ever a label;
//   - an asset's check exports at most MaxItems items: when a check has
//     more (a disk check on a host with 300 mounts), the worst MaxItems-1
//     keep their own series and the rest fold into one series with item
//     "_other" carrying their worst status (hcops_check_items_folded says
//     how many were folded);
//   - a finding not seen for StaleAfter (7 days by default: an asset taken
//     out of the inventory, a check removed from the playbooks) is no
//     longer exported; hcops_findings_stale counts them;
//   - per-ticket clocks are exported for at most MaxTickets open tickets,
//     the closest to their deadline first.
package metrics

import (
	"context"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// History is what the collector reads; *store.DB implements it.
type History interface {
	EachFindingLatest(ctx context.Context, fn func(*store.FindingLatest) error) error
	ListRuns(ctx context.Context, f store.RunFilter) ([]result.Run, error)
	FiringAlerts(ctx context.Context) ([]store.Alert, error)
	Availability(ctx context.Context, since, until time.Time) ([]store.AvailabilityHour, error)
}

var _ History = (*store.DB)(nil)

// Defaults of the collector's bounds.
const (
	DefaultStaleAfter = 7 * 24 * time.Hour
	DefaultMaxItems   = 20
	DefaultMaxTickets = 100
	DefaultTimeout    = 20 * time.Second
	// AvailabilityWindow is the span hcops_availability_ratio covers.
	AvailabilityWindow = 24 * time.Hour
	// OtherItem is the item label of the series that folds a check's items
	// beyond MaxItems.
	OtherItem = "_other"
	// maxLabel bounds a label value's length in bytes.
	maxLabel = 200
)

// RunKinds are the run kinds exported by the hcops_run_* families.
var RunKinds = []string{result.KindInspect, result.KindBackup, result.KindDrill, result.KindProbe}

// Collector is a prometheus.Collector over the history. The zero bounds
// mean the defaults. It is safe for concurrent scrapes.
type Collector struct {
	History History
	// Inventory gives asset → system and zone when an inventory is
	// configured (nil, or returning nil, when not): it wins over what the
	// history recorded. It is a function so a reloaded inventory is used.
	Inventory func() *inventory.Inventory
	// Tickets reads the open tickets with their clocks (nil: no ticket
	// families).
	Tickets func() *ticket.Service
	// Now is the clock (time.Now when nil).
	Now        func() time.Time
	StaleAfter time.Duration
	MaxItems   int
	MaxTickets int
	// Timeout bounds one scrape's reads.
	Timeout time.Duration
	Log     *slog.Logger

	mu      sync.Mutex
	lastErr error
}

// Err returns the error of the latest scrape's read of the history (nil
// when it succeeded).
func (c *Collector) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

type family struct {
	desc *prometheus.Desc
	name string
	typ  prometheus.ValueType
}

func newFamily(name, help string, labels ...string) *family {
	return &family{desc: prometheus.NewDesc(name, help, labels, nil), name: name, typ: prometheus.GaugeValue}
}

var (
	fHistoryUp = newFamily("hcops_history_up",
		"1 when the last read of the history succeeded, 0 when it failed (see the hcops log).")
	fReadSeconds = newFamily("hcops_history_read_seconds",
		"Time this scrape took to read the history, in seconds.")

	assetLabels = []string{"asset", "system", "zone", "check", "item"}
	fStatus     = newFamily("hcops_check_status",
		"Latest status of a check (finding): 0 OK, 1 WARN, 2 UNKNOWN, 3 CRIT, 4 UNREACHABLE (pkg/result codes: bigger is worse, so max() is the worst). Item \"_other\" folds the items of a check beyond the per-check cap.",
		assetLabels...)
	fStatusSince = newFamily("hcops_check_status_since_timestamp_seconds",
		"When the check's latest status began (Unix time of the first result of the current streak); only for checks not OK.",
		assetLabels...)
	fValue = newFamily("hcops_check_value",
		"Value the check measured in its latest result, in the unit of label unit (only checks that measure a number).",
		append(append([]string{}, assetLabels...), "unit")...)
	fFolded = newFamily("hcops_check_items_folded",
		"Items of an asset's check folded into item \"_other\" of hcops_check_status because the check has more items than the per-check cap.",
		"asset", "system", "zone", "check")
	fFindings = newFamily("hcops_findings",
		"Findings by latest status, per zone and system (every item counted, none folded).",
		"zone", "system", "status")
	fStale = newFamily("hcops_findings_stale",
		"Findings left out of the export because no result was stored for them within the stale period (asset or check no longer inspected).")

	runLabels  = []string{"kind", "runner", "zone"}
	fRunStart  = newFamily("hcops_run_last_start_timestamp_seconds", "Start of the latest run of a kind by a runner (the host hcops ran on), Unix time.", runLabels...)
	fRunEnd    = newFamily("hcops_run_last_end_timestamp_seconds", "End of the latest run of a kind by a runner, Unix time (absent while it runs).", runLabels...)
	fRunDur    = newFamily("hcops_run_duration_seconds", "Duration of the latest run of a kind by a runner, in seconds (so far, while it runs).", runLabels...)
	fRunOK     = newFamily("hcops_run_completed", "1 when the latest run of a kind by a runner completed, 0 when it failed, was interrupted or is still running.", runLabels...)
	fRunAssets = newFamily("hcops_run_assets", "Assets the latest run of a kind by a runner targeted.", runLabels...)
	fRunRes    = newFamily("hcops_run_results", "Results of the latest run of a kind by a runner, by status.", "kind", "runner", "zone", "status")

	backupLabels = []string{"asset", "system", "zone", "policy"}
	fBackupAge   = newFamily("hcops_backup_age_seconds",
		"Age of the newest backup copy the latest verification found, at the time of the scrape, in seconds (its age when verified plus the time since).",
		backupLabels...)
	fBackupRPO = newFamily("hcops_backup_rpo_seconds",
		"Recovery point objective of the backup policy (the freshness threshold), in seconds.", backupLabels...)
	fBackupVerified = newFamily("hcops_backup_verified_timestamp_seconds",
		"When the backup policy's freshness was last verified, Unix time.", backupLabels...)

	fAlerts = newFamily("hcops_alerts_firing",
		"Firing (open) alerts by notified severity, system and zone; resolved alerts are not counted.",
		"severity", "system", "zone")

	fTickets = newFamily("hcops_tickets_open",
		"Tickets not closed, by class (urgent, serious, general, security), system, zone (of the ticket's asset; empty for a whole system's) and state.",
		"class", "system", "zone", "state")
	fTicketRemaining = newFamily("hcops_ticket_sla_remaining_seconds",
		"Time left on a running SLA clock of an open ticket, in seconds (negative once overdue); at most the per-scrape ticket cap, closest deadline first.",
		"ticket", "class", "system", "zone", "clock")
	fTicketsBreached = newFamily("hcops_tickets_sla_breached",
		"Tickets not closed with an SLA clock past its deadline, by class, system, zone and clock.",
		"class", "system", "zone", "clock")

	availLabels  = []string{"asset", "system", "zone"}
	fAvailRatio  = newFamily("hcops_availability_ratio", "Share of the watcher's availability probes the asset answered over the last 24 hours (0 to 1).", availLabels...)
	fAvailSample = newFamily("hcops_availability_samples", "Availability probes of the asset over the last 24 hours.", availLabels...)
	fAvailLast   = newFamily("hcops_availability_last_probe_timestamp_seconds", "When the watcher last probed the asset's availability, Unix time.", availLabels...)
)

var families = []*family{fHistoryUp, fReadSeconds, fStatus, fStatusSince, fValue, fFolded, fFindings, fStale,
	fRunStart, fRunEnd, fRunDur, fRunOK, fRunAssets, fRunRes, fBackupAge, fBackupRPO, fBackupVerified,
	fAlerts, fTickets, fTicketRemaining, fTicketsBreached, fAvailRatio, fAvailSample, fAvailLast}

// Names returns the metric names the collector exports, sorted.
func Names() []string {
	out := make([]string, len(families))
	for i, f := range families {
		out[i] = f.name
	}
	sort.Strings(out)
	return out
}

// Describe sends the descriptors of every family.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range families {
		ch <- f.desc
	}
}

// Collect reads the history and sends the metrics. A read that fails is
// logged and reported as hcops_history_up 0; what was read before it is
// still sent.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	s := &scrape{c: c, ch: ch, now: c.now(), inv: c.inventory(), histSystem: map[string]string{}, histZone: map[string]string{}}
	err := s.collect(ctx)
	c.mu.Lock()
	c.lastErr = err
	c.mu.Unlock()
	up := 1.0
	if err != nil {
		up = 0
		c.log().Error("metrics: reading the history failed", "err", err)
	}
	s.emit(fHistoryUp, up)
	s.emit(fReadSeconds, time.Since(start).Seconds())
}

func (c *Collector) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Collector) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}

func (c *Collector) inventory() *inventory.Inventory {
	if c.Inventory == nil {
		return nil
	}
	return c.Inventory()
}

func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// scrape is one Collect call.
type scrape struct {
	c   *Collector
	ch  chan<- prometheus.Metric
	now time.Time
	inv *inventory.Inventory
	// histSystem and histZone are each asset's system and zone as the
	// history recorded them (for the availability rows, which carry none).
	histSystem, histZone map[string]string
}

func (s *scrape) emit(f *family, v float64, labels ...string) {
	for i, l := range labels {
		labels[i] = label(l)
	}
	m, err := prometheus.NewConstMetric(f.desc, f.typ, v, labels...)
	if err != nil {
		s.c.log().Warn("metrics: series left out", "metric", f.name, "err", err)
		return
	}
	s.ch <- m
}

// label makes a value safe as a label value: valid UTF-8, one line of at
// most maxLabel bytes.
func label(v string) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	if len(v) > maxLabel {
		cut := maxLabel
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut]
	}
	return v
}

// where returns the asset's system and zone: the inventory's when it
// knows the asset, else what the history recorded.
func (s *scrape) where(asset, system, zone string) (string, string) {
	if s.inv != nil {
		if a := s.inv.Asset(asset); a != nil {
			return a.System, a.Zone
		}
	}
	return system, zone
}

func (s *scrape) collect(ctx context.Context) error {
	if err := s.findings(ctx); err != nil {
		return err
	}
	if err := s.runs(ctx); err != nil {
		return err
	}
	if err := s.alerts(ctx); err != nil {
		return err
	}
	if err := s.tickets(ctx); err != nil {
		return err
	}
	return s.availability(ctx)
}

type findingRow struct {
	f         store.FindingLatest
	sys, zone string
}

// findings exports the check families and backup ages. The findings come
// ordered by asset, check, item, so each asset's check is a run of rows:
// it is exported (capped) when the next one starts, and only one check's
// rows are held at a time.
func (s *scrape) findings(ctx context.Context) error {
	staleAfter := orDefault(s.c.StaleAfter, DefaultStaleAfter)
	maxItems := orDefault(s.c.MaxItems, DefaultMaxItems)
	since := s.now.Add(-staleAfter)
	stale := 0
	var group []findingRow // one asset's check
	counts := map[countKey]*[5]int{}
	if err := s.c.History.EachFindingLatest(ctx, func(f *store.FindingLatest) error {
		if f.LastSeen.Before(since) {
			stale++
			return nil
		}
		if f.Zone != "" {
			s.histZone[f.Asset] = f.Zone
		}
		if f.System != "" {
			s.histSystem[f.Asset] = f.System
		}
		sys, zone := s.where(f.Asset, f.System, f.Zone)
		if n := len(group); n > 0 {
			last := &group[n-1].f
			if last.Key == f.Key {
				group[n-1] = findingRow{f: *f, sys: sys, zone: zone} // the same key twice in one run: the later wins
				return nil
			}
			if last.Asset != f.Asset || last.Check != f.Check {
				s.exportGroup(group, maxItems, counts)
				group = group[:0]
			}
		}
		group = append(group, findingRow{f: *f, sys: sys, zone: zone})
		return nil
	}); err != nil {
		return err
	}
	if len(group) > 0 {
		s.exportGroup(group, maxItems, counts)
	}
	s.emit(fStale, float64(stale))
	keys := make([]countKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if keys[a].zone != keys[b].zone {
			return keys[a].zone < keys[b].zone
		}
		return keys[a].system < keys[b].system
	})
	for _, k := range keys {
		for st, n := range counts[k] {
			s.emit(fFindings, float64(n), k.zone, k.system, result.Status(st).String())
		}
	}
	return nil
}

type countKey struct{ zone, system string }

// exportGroup exports the findings of one asset's check (at most maxItems
// series) and counts them.
func (s *scrape) exportGroup(rows []findingRow, maxItems int, counts map[countKey]*[5]int) {
	for i := range rows {
		r := &rows[i]
		ck := countKey{r.zone, r.sys}
		c := counts[ck]
		if c == nil {
			c = &[5]int{}
			counts[ck] = c
		}
		if st := int(r.f.Status); st >= 0 && st < len(c) {
			c[st]++
		}
	}
	keep := rows
	if len(rows) > maxItems {
		// The worst items keep their series, the rest fold into _other.
		sort.SliceStable(rows, func(a, b int) bool {
			if rows[a].f.Status != rows[b].f.Status {
				return rows[a].f.Status.Severity() > rows[b].f.Status.Severity()
			}
			return rows[a].f.Item < rows[b].f.Item
		})
		keep = rows[:maxItems-1]
		folded := rows[maxItems-1:]
		worst := result.OK
		var since time.Time
		for i := range folded {
			if st := folded[i].f.Status; st.Severity() > worst.Severity() {
				worst = st
			}
		}
		for i := range folded {
			if folded[i].f.Status == worst && (since.IsZero() || folded[i].f.StatusSince.Before(since)) {
				since = folded[i].f.StatusSince
			}
		}
		r0 := &folded[0]
		s.emit(fStatus, float64(worst), r0.f.Asset, r0.sys, r0.zone, r0.f.Check, OtherItem)
		if worst != result.OK {
			s.emit(fStatusSince, unix(since), r0.f.Asset, r0.sys, r0.zone, r0.f.Check, OtherItem)
		}
		s.emit(fFolded, float64(len(folded)), r0.f.Asset, r0.sys, r0.zone, r0.f.Check)
	}
	for i := range keep {
		r := &keep[i]
		s.emit(fStatus, float64(r.f.Status), r.f.Asset, r.sys, r.zone, r.f.Check, r.f.Item)
		if r.f.Status != result.OK {
			s.emit(fStatusSince, unix(r.f.StatusSince), r.f.Asset, r.sys, r.zone, r.f.Check, r.f.Item)
		}
		if r.f.Value != nil && !math.IsNaN(*r.f.Value) {
			s.emit(fValue, *r.f.Value, r.f.Asset, r.sys, r.zone, r.f.Check, r.f.Item, r.f.Unit)
		}
	}
	// Backup freshness: one row per policy and asset, not capped.
	for i := range rows {
		s.backup(&rows[i])
	}
}

// backupFreshness is the item of a backup policy's freshness result
// (pkg/backup.AspectFreshness); its value is the newest copy's age in hours
// and its CRIT threshold "~:RPO".
const backupFreshness = "freshness"

func (s *scrape) backup(r *findingRow) {
	f := &r.f
	if f.Type != "backup" || f.Item != backupFreshness || !strings.HasPrefix(f.Check, "backup:") {
		return
	}
	policy := strings.TrimPrefix(f.Check, "backup:")
	s.emit(fBackupVerified, unix(f.LastSeen), f.Asset, r.sys, r.zone, policy)
	if f.Value != nil && f.Unit == "h" {
		age := *f.Value*3600 + s.now.Sub(f.LastSeen).Seconds()
		s.emit(fBackupAge, age, f.Asset, r.sys, r.zone, policy)
	}
	if rg, err := result.ParseRange(f.Crit); err == nil && rg != nil && !rg.Inside && !math.IsInf(rg.End, 0) {
		s.emit(fBackupRPO, rg.End*3600, f.Asset, r.sys, r.zone, policy)
	}
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

// runs exports the latest run of each kind per runner.
func (s *scrape) runs(ctx context.Context) error {
	for _, kind := range RunKinds {
		runs, err := s.c.History.ListRuns(ctx, store.RunFilter{Kind: kind, Limit: 50})
		if err != nil {
			return err
		}
		type runnerKey struct{ runner, zone string }
		seen := map[runnerKey]bool{}
		for i := range runs { // newest first
			r := &runs[i]
			// The runner's name (runner:, HCOPS_RUNNER), else the host
			// it ran on (runs stored before runners were named).
			k := runnerKey{r.Runner, r.Zone}
			if k.runner == "" {
				k.runner = r.RanFrom
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			s.emit(fRunStart, unix(r.StartedAt), kind, k.runner, k.zone)
			end := s.now
			if !r.FinishedAt.IsZero() {
				end = r.FinishedAt
				s.emit(fRunEnd, unix(r.FinishedAt), kind, k.runner, k.zone)
			}
			s.emit(fRunDur, math.Max(0, end.Sub(r.StartedAt).Seconds()), kind, k.runner, k.zone)
			done := 0.0
			if r.Status == result.RunCompleted {
				done = 1
			}
			s.emit(fRunOK, done, kind, k.runner, k.zone)
			s.emit(fRunAssets, float64(r.Assets), kind, k.runner, k.zone)
			for _, c := range []struct {
				st result.Status
				n  int
			}{{result.OK, r.Counts.OK}, {result.Warn, r.Counts.Warn}, {result.Unknown, r.Counts.Unknown},
				{result.Crit, r.Counts.Crit}, {result.Unreachable, r.Counts.Unreachable}} {
				s.emit(fRunRes, float64(c.n), kind, k.runner, k.zone, c.st.String())
			}
		}
	}
	return nil
}

// alerts counts the firing alerts.
func (s *scrape) alerts(ctx context.Context) error {
	as, err := s.c.History.FiringAlerts(ctx)
	if err != nil {
		return err
	}
	type k struct{ sev, sys, zone string }
	counts := map[k]int{}
	var keys []k
	for i := range as {
		a := &as[i]
		sys, zone := s.where(a.Asset, a.System, a.Zone)
		key := k{a.Severity.String(), sys, zone}
		if _, ok := counts[key]; !ok {
			keys = append(keys, key)
		}
		counts[key]++
	}
	for _, key := range keys {
		s.emit(fAlerts, float64(counts[key]), key.sev, key.sys, key.zone)
	}
	return nil
}

// tickets exports the open tickets and their clocks.
func (s *scrape) tickets(ctx context.Context) error {
	if s.c.Tickets == nil {
		return nil
	}
	svc := s.c.Tickets()
	if svc == nil {
		return nil
	}
	now := s.now
	svc = &ticket.Service{Store: svc.Store, Policy: svc.Policy, Now: func() time.Time { return now }}
	ts, err := svc.List(ctx, store.TicketFilter{NotClosed: true})
	if err != nil {
		return err
	}
	type openKey struct{ class, sys, zone, state string }
	type breachKey struct{ class, sys, zone, clock string }
	open := map[openKey]int{}
	breached := map[breachKey]int{}
	var openKeys []openKey
	var breachKeys []breachKey
	type running struct {
		id                     string
		class, sys, zone, name string
		left                   time.Duration
	}
	var clocks []running
	for _, t := range ts {
		if t.State == ticket.Closed {
			continue
		}
		// A ticket is of its asset's zone (or that of the asset of the
		// alert that opened it); a whole system's ticket is of none.
		zone := ""
		asset := t.Asset
		if asset == "" {
			asset = t.AlertKey.Asset
		}
		if asset != "" {
			_, zone = s.where(asset, "", s.histZone[asset])
		}
		ok := openKey{string(t.Class), t.System, zone, string(t.State)}
		if _, seen := open[ok]; !seen {
			openKeys = append(openKeys, ok)
		}
		open[ok]++
		for _, c := range t.Clocks {
			if c.Breach() {
				bk := breachKey{string(t.Class), t.System, zone, string(c.Name)}
				if _, seen := breached[bk]; !seen {
					breachKeys = append(breachKeys, bk)
				}
				breached[bk]++
			}
			if !c.Stopped {
				clocks = append(clocks, running{id: itoa(t.ID), class: string(t.Class), sys: t.System, zone: zone, name: string(c.Name), left: c.Remaining})
			}
		}
	}
	for _, k := range openKeys {
		s.emit(fTickets, float64(open[k]), k.class, k.sys, k.zone, k.state)
	}
	for _, k := range breachKeys {
		s.emit(fTicketsBreached, float64(breached[k]), k.class, k.sys, k.zone, k.clock)
	}
	sort.SliceStable(clocks, func(a, b int) bool { return clocks[a].left < clocks[b].left })
	if max := orDefault(s.c.MaxTickets, DefaultMaxTickets); len(clocks) > max {
		clocks = clocks[:max]
	}
	for _, c := range clocks {
		s.emit(fTicketRemaining, c.left.Seconds(), c.id, c.class, c.sys, c.zone, c.name)
	}
	return nil
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// availability exports the watcher's probe counts of the last 24 hours.
func (s *scrape) availability(ctx context.Context) error {
	hours, err := s.c.History.Availability(ctx, s.now.Add(-AvailabilityWindow), s.now.Add(time.Minute))
	if err != nil {
		return err
	}
	type agg struct {
		samples, down int
		last          time.Time
	}
	by := map[string]*agg{}
	var assets []string
	for _, h := range hours {
		a := by[h.Asset]
		if a == nil {
			a = &agg{}
			by[h.Asset] = a
			assets = append(assets, h.Asset)
		}
		a.samples += h.Samples
		a.down += h.Down
		if h.LastAt.After(a.last) {
			a.last = h.LastAt
		}
	}
	for _, name := range assets {
		a := by[name]
		if a.samples == 0 {
			continue
		}
		sys, zone := s.where(name, s.histSystem[name], s.histZone[name])
		s.emit(fAvailRatio, float64(a.samples-a.down)/float64(a.samples), name, sys, zone)
		s.emit(fAvailSample, float64(a.samples), name, sys, zone)
		s.emit(fAvailLast, unix(a.last), name, sys, zone)
	}
	return nil
}
