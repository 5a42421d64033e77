package report

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// BuildDaily reads run runID, the previous run of the same kind and the
// run's inventory snapshot from the store and builds its daily report (of
// the assets of o.Scope.Zone only, when set).
func BuildDaily(ctx context.Context, db store.History, runID int64, o Options) (*Daily, error) {
	return BuildDailyRuns(ctx, db, []int64{runID}, o)
}

// BuildDailyRuns builds one daily report from the inspection runs ids
// (RunsForDay: the latest run of each runner on a day), merged:
//   - an asset's results come from the latest (by start time) of the runs
//     that inspected it, never a mix of two runs: when two runners
//     inspect the same asset, the latest result wins;
//   - what changed is measured against each runner's previous run (with
//     one run, against the previous run of the kind, as always);
//   - coverage is against the union of the runs' inventory snapshots.
//
// With o.Scope.Zone only the results of that zone's assets are read.
func BuildDailyRuns(ctx context.Context, db store.History, ids []int64, o Options) (*Daily, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("daily report: %w", store.ErrNotFound)
	}
	runs := make([]*result.Run, 0, len(ids))
	for _, id := range ids {
		run, err := db.GetRun(ctx, id, true)
		if err != nil {
			return nil, fmt.Errorf("daily report: %w", err)
		}
		if z := o.Scope.Zone; z != "" {
			run.Results = slices.DeleteFunc(run.Results, func(r result.Result) bool { return r.Zone != z })
		}
		runs = append(runs, run)
	}
	// Newest first: the first run that has an asset gives its results.
	slices.SortStableFunc(runs, func(a, b *result.Run) int {
		return cmp.Or(b.StartedAt.Compare(a.StartedAt), cmp.Compare(b.ID, a.ID))
	})
	in := DailyInput{Run: mergeRuns(runs)}
	if o.Scope.Zone != "" {
		// The runs' asset counts are of every zone: without a snapshot or
		// an inventory, coverage is of the zone's assets inspected.
		in.Run.Assets, in.Run.Inventory = 0, 0
	}
	var prevIDs []int64
	if len(runs) == 1 {
		if prev, err := db.PreviousRun(ctx, runs[0]); err == nil {
			in.Previous = prev
			if in.PreviousStatuses, err = db.RunStatuses(ctx, prev.ID); err != nil {
				return nil, fmt.Errorf("daily report: previous run: %w", err)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("daily report: %w", err)
		}
	} else {
		for _, run := range slices.Backward(runs) { // oldest first
			prev, err := previousOfRunner(ctx, db, run)
			if err != nil {
				return nil, fmt.Errorf("daily report: previous run: %w", err)
			}
			if prev == nil {
				continue
			}
			st, err := db.RunStatuses(ctx, prev.ID)
			if err != nil {
				return nil, fmt.Errorf("daily report: previous run: %w", err)
			}
			if in.Previous == nil || prev.StartedAt.After(in.Previous.StartedAt) {
				in.Previous = prev
			}
			prevIDs = append(prevIDs, prev.ID)
			if in.PreviousStatuses == nil {
				in.PreviousStatuses = map[result.Key]result.Status{}
			}
			for k, s := range st {
				// Oldest first, so a key two runners' previous runs share
				// keeps the status the newer one gave it.
				in.PreviousStatuses[k] = s
			}
		}
	}
	seen := map[string]bool{}
	for _, run := range runs {
		as, err := snapshotAssets(ctx, db, run.ID)
		if err != nil {
			return nil, fmt.Errorf("daily report: %w", err)
		}
		for _, a := range as {
			if !seen[a.Name] && o.inScope(a) {
				seen[a.Name] = true
				in.Assets = append(in.Assets, a)
			}
		}
	}
	if in.Assets == nil && o.Inventory != nil {
		for _, a := range o.Inventory.Assets {
			if o.inScope(a) {
				in.Assets = append(in.Assets, a)
			}
		}
	}
	d := NewDaily(in, o)
	o.dailyScope(d, runs)
	if len(prevIDs) > 1 {
		d.Changes.PreviousRunIDs = prevIDs
		ids := make([]string, len(prevIDs))
		for i, id := range prevIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		d.Changes.PreviousRuns = strings.Join(ids, o.t("report.scope.list_sep"))
	}
	return d, nil
}

// mergeRuns is one run made of runs (newest first): the newest run's
// identity, the earliest start and latest end, and each asset's results
// from the newest run that has any.
func mergeRuns(runs []*result.Run) result.Run {
	m := *runs[0]
	if len(runs) == 1 {
		return m
	}
	m.Results = nil
	m.Playbooks = nil
	m.Assets, m.Inventory = 0, 0
	taken := map[string]int64{} // asset -> the run its results come from
	var ranFrom, operators, selectors []string
	for _, r := range runs {
		if r.StartedAt.Before(m.StartedAt) {
			m.StartedAt = r.StartedAt
		}
		if m.FinishedAt.IsZero() || r.FinishedAt.IsZero() {
			m.FinishedAt = time.Time{}
		} else if r.FinishedAt.After(m.FinishedAt) {
			m.FinishedAt = r.FinishedAt
		}
		if m.Status == result.RunCompleted && r.Status != result.RunCompleted {
			m.Status = r.Status
		}
		for _, pb := range r.Playbooks {
			if !slices.Contains(m.Playbooks, pb) {
				m.Playbooks = append(m.Playbooks, pb)
			}
		}
		ranFrom, operators, selectors = addOnce(ranFrom, r.RanFrom), addOnce(operators, r.Operator), addOnce(selectors, r.Selector)
		m.Assets += r.Assets
		m.Inventory = max(m.Inventory, r.Inventory)
		for _, res := range r.Results {
			if from, ok := taken[res.Asset]; ok && from != r.ID {
				continue
			}
			taken[res.Asset] = r.ID
			m.Results = append(m.Results, res)
		}
	}
	m.RanFrom, m.Operator, m.Selector = strings.Join(ranFrom, ", "), strings.Join(operators, ", "), strings.Join(selectors, "; ")
	// GetRun orders results by asset and check: keep that order merged.
	slices.SortStableFunc(m.Results, func(a, b result.Result) int {
		return cmp.Or(cmp.Compare(a.Asset, b.Asset), cmp.Compare(a.Check, b.Check))
	})
	return m
}

func addOnce(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// previousOfRunner is the latest completed or interrupted run of run's
// kind and runner that started before it; nil when there is none.
func previousOfRunner(ctx context.Context, db store.History, run *result.Run) (*result.Run, error) {
	prev, err := db.ListRuns(ctx, store.RunFilter{Kind: run.Kind, Runner: run.Runner, Until: run.StartedAt, Limit: 20})
	if err != nil {
		return nil, err
	}
	for i := range prev {
		p := &prev[i]
		if p.ID != run.ID && (p.Status == result.RunCompleted || p.Status == result.RunInterrupted) {
			return p, nil
		}
	}
	return nil, nil
}

// dailyScope says, on a report merged from several runs or narrowed by a
// scope, which runs and which zone or runner it covers.
func (o *Options) dailyScope(d *Daily, runs []*result.Run) {
	var parts []string
	if len(runs) > 1 {
		refs := make([]string, 0, len(runs))
		// Oldest first, as the reader reads a day.
		for _, r := range slices.Backward(runs) {
			d.Runs = append(d.Runs, RunRef{ID: r.ID, Runner: clean(r.Runner), Zone: clean(r.Zone), Site: clean(r.Site),
				StartedAt: r.StartedAt.In(o.loc()), Status: r.Status})
			name := clean(r.Runner)
			if name == "" {
				name = o.t("report.scope.runner_unnamed")
			}
			if r.Zone != "" {
				refs = append(refs, o.t("report.scope.run_zone", name, clean(r.Zone), r.ID, fmtTime(r.StartedAt.In(o.loc()))))
			} else {
				refs = append(refs, o.t("report.scope.run", name, r.ID, fmtTime(r.StartedAt.In(o.loc()))))
			}
		}
		parts = append(parts, o.t("report.scope.runs", len(runs), strings.Join(refs, o.t("report.scope.list_sep"))))
		ids := make([]string, 0, len(runs))
		for _, r := range d.Runs {
			ids = append(ids, strconv.FormatInt(r.ID, 10))
		}
		d.Notes[len(d.Notes)-1] = o.t("report.daily.note_sources", strings.Join(ids, o.t("report.scope.list_sep")), len(runs))
	}
	parts = append(parts, o.scopeFilter()...)
	d.Scope = strings.Join(parts, o.t("report.scope.sep"))
}

// scopeFilter is the scope's zone and runner, as the report says them.
func (o *Options) scopeFilter() []string {
	var parts []string
	if o.Scope.Zone != "" {
		parts = append(parts, o.t("report.scope.zone", clean(o.Scope.Zone)))
	}
	if o.Scope.Runner != "" {
		parts = append(parts, o.t("report.scope.runner", clean(o.Scope.Runner)))
	}
	return parts
}

// RunsForDay returns the inspection runs the daily report of day (in loc)
// merges: the latest of each runner started that day, of o's scope (the
// runner's runs only; runs with results of the zone's assets only). A zero
// day is the day of the latest such run.
func RunsForDay(ctx context.Context, db store.History, day time.Time, loc *time.Location, sc store.Scope) ([]int64, error) {
	if loc == nil {
		loc = time.Local
	}
	hasZone := func(id int64) (bool, error) {
		if sc.Zone == "" {
			return true, nil
		}
		found := false
		err := db.EachRunAsset(ctx, id, sc.Zone, func(string) error {
			found = true
			return errStop
		})
		if errors.Is(err, errStop) {
			err = nil
		}
		return found, err
	}
	if day.IsZero() {
		latest, err := db.ListRuns(ctx, store.RunFilter{Kind: result.KindInspect, Runner: sc.Runner, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, r := range latest {
			ok, err := hasZone(r.ID)
			if err != nil {
				return nil, err
			}
			if ok {
				day = r.StartedAt.In(loc)
				break
			}
		}
		if day.IsZero() {
			return nil, fmt.Errorf("latest %s run: %w", result.KindInspect, store.ErrNotFound)
		}
	}
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	runs, err := db.ListRuns(ctx, store.RunFilter{Kind: result.KindInspect, Runner: sc.Runner, Since: start, Until: start.AddDate(0, 0, 1)})
	if err != nil {
		return nil, err
	}
	var ids []int64
	seen := map[string]bool{}
	for _, r := range runs { // newest first
		// A run with no result (stopped at once, failed to start) does
		// not hide the runner's earlier run of the day.
		if seen[r.Runner] || r.Counts == (result.Counts{}) {
			continue
		}
		ok, err := hasZone(r.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			seen[r.Runner] = true
			ids = append(ids, r.ID)
		}
	}
	if sc.Zone == "" {
		// A runner whose runs of the day have no result at all: its
		// latest, which the report shows as empty.
		for _, r := range runs {
			if !seen[r.Runner] {
				seen[r.Runner] = true
				ids = append(ids, r.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("inspection on %s: %w", start.Format("2006-01-02"), store.ErrNotFound)
	}
	return ids, nil
}

var errStop = errors.New("stop")

// snapshotAssets decodes the inventory snapshot saved with a run (a JSON
// array of assets, or an object with an "assets" array); nil when the run
// has none.
func snapshotAssets(ctx context.Context, db store.History, runID int64) ([]*inventory.Asset, error) {
	data, err := db.Snapshot(ctx, runID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var assets []*inventory.Asset
	if err := json.Unmarshal(data, &assets); err == nil {
		return assets, nil
	}
	var obj struct {
		Assets  []*inventory.Asset  `json:"assets"`
		Systems []*inventory.System `json:"systems"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("inventory snapshot of run %d: %w", runID, err)
	}
	return obj.Assets, nil
}

// RunForDay returns the latest inspection run started on the given day (in
// loc), or the latest inspection run at all when day is zero.
func RunForDay(ctx context.Context, db store.History, day time.Time, loc *time.Location) (int64, error) {
	if day.IsZero() {
		r, err := db.LatestRun(ctx, result.KindInspect)
		if err != nil {
			return 0, err
		}
		return r.ID, nil
	}
	if loc == nil {
		loc = time.Local
	}
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	id, err := db.RunOnDay(ctx, result.KindInspect, start, start.AddDate(0, 0, 1))
	if err != nil {
		return 0, fmt.Errorf("inspection on %s: %w", start.Format("2006-01-02"), err)
	}
	return id, nil
}
