package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// History is what the dashboard reads of the history: findings for the
// tiles and the asset table, results and metrics for a drill-down, the
// latest run for "last inspection". *store.DB implements it.
type History interface {
	EachFinding(ctx context.Context, f store.FindingFilter, fn func(*store.Finding) error) error
	EachResult(ctx context.Context, f store.ResultFilter, fn func(*store.StoredResult) error) error
	Metrics(ctx context.Context, f store.MetricFilter, fn func(store.MetricPoint) error) error
}

// Alerts reads firing alerts and changes them by hand, as `hcops alert
// ack|silence` do. *store.DB implements it.
type Alerts interface {
	Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error)
	AckAlert(ctx context.Context, id int64, by string, at time.Time) error
	SilenceAlert(ctx context.Context, id int64, until time.Time, by string, at time.Time) error
}

// Tickets reads tickets with their clocks and records actions on them:
// *ticket.Service, the same code as `hcops ticket`.
type Tickets interface {
	List(ctx context.Context, f store.TicketFilter) ([]*ticket.Ticket, error)
	Act(ctx context.Context, id int64, a ticket.Action) (*ticket.Ticket, error)
}

// Availability reads the watcher's probe counts. *store.DB implements it.
type Availability interface {
	Availability(ctx context.Context, since, until time.Time) ([]store.AvailabilityHour, error)
}

// Inspector inspects the named assets, telling on what happens (the
// engine's events) as it happens; the command builds it on engine.Inspect
// with the CLI's settings. It returns when the run ends or ctx is done.
type Inspector func(ctx context.Context, assets []string, on engine.Observer) error

// Deps is where the dashboard reads from and acts through. Only History is
// required; a nil part leaves its screen empty (and its actions off).
type Deps struct {
	Inventory    *inventory.Inventory
	History      History
	Alerts       Alerts
	Tickets      Tickets
	Availability Availability
	Inspect      Inspector
}

// FindingWindow is how far back a finding must have been seen to count:
// a check removed from the playbooks keeps its last state forever.
const FindingWindow = 30 * 24 * time.Hour

// assetRow is one line of the assets table.
type assetRow struct {
	Name, Kind, System, Zone, Address string
	Worst                             result.Status
	Counts                            result.Counts
	LastSeen                          time.Time
	Seen                              bool // has findings at all
	Tickets                           int
	Alerts                            int
	asset                             *inventory.Asset
	search                            string // lower-case text the plain filter matches
}

// tile is one system or zone on the overview.
type tile struct {
	Key, Title string
	Zone       bool
	Worst      result.Status
	Counts     result.Counts // findings by status
	Assets     int
	Seen       bool
	// Avail is the measured availability this month (percent), known when
	// AvailKnown; Target is the system's target (0: none set).
	Avail      float64
	AvailKnown bool
	Target     float64
	Alerts     int
	Tickets    int
	// Nearest is the remaining time of the nearest running SLA clock of
	// its open tickets (negative when overdue); HasNearest when there is one.
	Nearest    time.Duration
	HasNearest bool
	LastSeen   time.Time
}

// snapshot is everything the screens show, read in one go off the UI
// goroutine.
type snapshot struct {
	At      time.Time
	Assets  []assetRow
	Tiles   []tile
	Alerts  []store.Alert
	Tickets []*ticket.Ticket
	// Findings by asset, worst first, for the drill-down.
	Findings map[string][]store.Finding
	Errs     []string
}

// load reads a snapshot at now, of zone's assets only when zone is set.
func load(ctx context.Context, d Deps, lang, zone string, now time.Time) *snapshot {
	s := &snapshot{At: now, Findings: map[string][]store.Finding{}}
	rows := map[string]*assetRow{}
	var order []string
	add := func(name string) *assetRow {
		if r, ok := rows[name]; ok {
			return r
		}
		r := &assetRow{Name: name}
		rows[name] = r
		order = append(order, name)
		return r
	}
	if d.Inventory != nil {
		for _, a := range d.Inventory.Assets {
			r := add(a.Name)
			r.Kind, r.System, r.Zone, r.Address, r.asset = a.Kind, a.System, a.Zone, a.Address, a
		}
	}
	if d.History != nil {
		err := d.History.EachFinding(ctx, store.FindingFilter{SeenSince: now.Add(-FindingWindow)}, func(f *store.Finding) error {
			r := add(f.Asset)
			if r.System == "" {
				r.System = f.System
			}
			r.Worst = max(r.Worst, f.Status)
			r.Seen = true
			r.Counts.Add(f.Status)
			if f.LastSeen.After(r.LastSeen) {
				r.LastSeen = f.LastSeen
			}
			s.Findings[f.Asset] = append(s.Findings[f.Asset], *f)
			return nil
		})
		if err != nil {
			s.Errs = append(s.Errs, "findings: "+err.Error())
		}
	}
	for _, fs := range s.Findings {
		slices.SortStableFunc(fs, func(a, b store.Finding) int {
			return cmp.Or(cmp.Compare(b.Status, a.Status), a.Key.Compare(b.Key))
		})
	}
	if d.Alerts != nil {
		as, err := d.Alerts.Alerts(ctx, store.AlertFilter{State: store.AlertFiring})
		if err != nil {
			s.Errs = append(s.Errs, "alerts: "+err.Error())
		}
		s.Alerts = as
		for _, a := range as {
			add(a.Asset).Alerts++
		}
	}
	if d.Tickets != nil {
		ts, err := d.Tickets.List(ctx, store.TicketFilter{NotClosed: true})
		if err != nil {
			s.Errs = append(s.Errs, "tickets: "+err.Error())
		}
		s.Tickets = ts
		for _, t := range ts {
			if t.Asset != "" {
				add(t.Asset).Tickets++
			}
		}
	}
	// An asset the inventory does not list (another runner's) takes the
	// zone its alerts were raised in.
	for _, a := range s.Alerts {
		if r := rows[a.Asset]; r != nil && r.Zone == "" {
			r.Zone = a.Zone
		}
	}
	for _, n := range order {
		r := rows[n]
		if zone != "" && r.Zone != zone {
			delete(rows, n)
			delete(s.Findings, n)
			continue
		}
		r.search = strings.ToLower(strings.Join([]string{r.Name, r.Kind, r.System, r.Zone, r.Address}, " "))
		s.Assets = append(s.Assets, *r)
	}
	if zone != "" {
		s.Alerts = slices.DeleteFunc(s.Alerts, func(a store.Alert) bool { return a.Zone != zone && (a.Zone != "" || rows[a.Asset] == nil) })
		// A ticket is of the zone of its asset (or its alert's asset); a
		// ticket of a whole system, with no asset, is of no zone.
		s.Tickets = slices.DeleteFunc(s.Tickets, func(t *ticket.Ticket) bool {
			a := t.Asset
			if a == "" {
				a = t.AlertKey.Asset
			}
			return rows[a] == nil
		})
	}
	s.Tiles = buildTiles(ctx, d, s, lang, now)
	if zone != "" {
		// The inventory's systems with nothing in the zone are not shown.
		s.Tiles = slices.DeleteFunc(s.Tiles, func(t tile) bool { return !t.Zone && t.Assets == 0 && t.Tickets == 0 })
	}
	return s
}

// nearest is the remaining time of t's nearest running clock.
func nearest(t *ticket.Ticket) (time.Duration, bool) {
	var best time.Duration
	ok := false
	for _, c := range t.Clocks {
		if c.Stopped || c.Paused {
			continue
		}
		if !ok || c.Remaining < best {
			best, ok = c.Remaining, true
		}
	}
	return best, ok
}

// buildTiles makes a tile per system (inventory order, then systems only
// the history knows) and per zone.
func buildTiles(ctx context.Context, d Deps, s *snapshot, lang string, now time.Time) []tile {
	var sys, zones []*tile
	byKey := map[string]*tile{}
	get := func(zone bool, key, title string) *tile {
		k := fmt.Sprint(zone, "/", key)
		if t, ok := byKey[k]; ok {
			return t
		}
		t := &tile{Key: key, Title: title, Zone: zone}
		byKey[k] = t
		if zone {
			zones = append(zones, t)
		} else {
			sys = append(sys, t)
		}
		return t
	}
	if d.Inventory != nil {
		for _, sy := range d.Inventory.Systems {
			t := get(false, sy.Name, sy.DisplayName(lang))
			t.Target = sy.SLA.Availability
		}
	}
	// Assets of no system (this machine inspected without an inventory,
	// hosts not yet assigned) share one tile, as the CLI groups them.
	sysTile := func(sy string) *tile {
		if sy == "" {
			return get(false, "", i18n.T(lang, "inspect.no_system"))
		}
		return get(false, sy, sy)
	}
	sysOf := map[string]string{}
	for _, r := range s.Assets {
		sysOf[r.Name] = r.System
		ts := []*tile{sysTile(r.System)}
		if r.Zone != "" {
			ts = append(ts, get(true, r.Zone, r.Zone))
		}
		for _, t := range ts {
			t.Assets++
			t.Counts.OK += r.Counts.OK
			t.Counts.Warn += r.Counts.Warn
			t.Counts.Crit += r.Counts.Crit
			t.Counts.Unknown += r.Counts.Unknown
			t.Counts.Unreachable += r.Counts.Unreachable
			if r.Seen {
				t.Worst = max(t.Worst, r.Worst)
				t.Seen = true
			}
			if r.LastSeen.After(t.LastSeen) {
				t.LastSeen = r.LastSeen
			}
			t.Alerts += r.Alerts
		}
	}
	zoneOf := map[string]string{}
	for _, r := range s.Assets {
		zoneOf[r.Name] = r.Zone
	}
	for _, tk := range s.Tickets {
		sy := tk.System
		if sy == "" {
			sy = sysOf[tk.Asset]
		}
		ts := []*tile{sysTile(sy)}
		if z := zoneOf[tk.Asset]; z != "" {
			ts = append(ts, get(true, z, z))
		}
		rem, ok := nearest(tk)
		for _, t := range ts {
			t.Tickets++
			if ok && (!t.HasNearest || rem < t.Nearest) {
				t.Nearest, t.HasNearest = rem, true
			}
		}
	}
	if d.Availability != nil {
		start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
		hs, err := d.Availability.Availability(ctx, start, now)
		if err != nil {
			s.Errs = append(s.Errs, "availability: "+err.Error())
		}
		samples, down := map[*tile]int{}, map[*tile]int{}
		for _, h := range hs {
			sy, ok := sysOf[h.Asset]
			if !ok {
				continue
			}
			t := sysTile(sy)
			samples[t] += h.Samples
			down[t] += h.Down
		}
		for t, n := range samples {
			if n > 0 {
				t.Avail, t.AvailKnown = 100*float64(n-down[t])/float64(n), true
			}
		}
	}
	out := make([]tile, 0, len(sys)+len(zones))
	for _, t := range sys {
		out = append(out, *t)
	}
	for _, t := range zones {
		out = append(out, *t)
	}
	return out
}

// detail is an asset's drill-down: its latest results with evidence, a
// series per metric, its open tickets and alerts.
type detail struct {
	Asset   string
	Results []store.StoredResult
	Series  []series
	Err     string
}

// series is one metric's recent values, oldest first.
type series struct {
	Name, Unit string
	Values     []float64
}

// SeriesWindow is how much history the drill-down's sparklines cover.
const SeriesWindow = 14 * 24 * time.Hour

// loadDetail reads asset's latest results (those its findings point at)
// and its metrics over SeriesWindow.
func loadDetail(ctx context.Context, d Deps, s *snapshot, asset string, now time.Time) *detail {
	out := &detail{Asset: asset}
	if d.History == nil {
		return out
	}
	want := map[result.Key]int64{}
	var runs []int64
	for _, f := range s.Findings[asset] {
		want[f.Key] = f.LastRunID
		if !slices.Contains(runs, f.LastRunID) {
			runs = append(runs, f.LastRunID)
		}
	}
	var errs []error
	for _, id := range runs {
		err := d.History.EachResult(ctx, store.ResultFilter{RunID: id, Asset: asset}, func(r *store.StoredResult) error {
			if want[r.Key()] == id {
				out.Results = append(out.Results, *r)
			}
			return nil
		})
		errs = append(errs, err)
	}
	slices.SortStableFunc(out.Results, func(a, b store.StoredResult) int {
		return cmp.Or(cmp.Compare(b.Status, a.Status), a.Key().Compare(b.Key()))
	})
	byName := map[string]*series{}
	var names []string
	errs = append(errs, d.History.Metrics(ctx, store.MetricFilter{Asset: asset, Since: now.Add(-SeriesWindow), Until: now.Add(time.Minute)},
		func(p store.MetricPoint) error {
			name := p.Name
			if p.Item != "" && !strings.Contains(name, p.Item) {
				name += " " + p.Item
			}
			sr, ok := byName[name]
			if !ok {
				sr = &series{Name: name, Unit: p.Unit}
				byName[name] = sr
				names = append(names, name)
			}
			sr.Values = append(sr.Values, p.Value)
			return nil
		}))
	slices.Sort(names)
	for _, n := range names {
		out.Series = append(out.Series, *byName[n])
	}
	if err := errors.Join(errs...); err != nil {
		out.Err = err.Error()
	}
	return out
}
