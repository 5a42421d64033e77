package report

// Several runners (one per network zone or site) write into one history:
// the reports read the merged history, and --zone / --runner narrow it
// (Options.Scope).

import (
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/store"
)

// inScope says whether asset a belongs to the report's zone (every asset
// when the report has none).
func (o *Options) inScope(a *inventory.Asset) bool {
	return o.Scope.Zone == "" || a.Zone == o.Scope.Zone
}

// runnerBucket is a run's runner within a bucket (a day, or the whole period).
type runnerBucket struct {
	bucket int
	runner string
}

// lastRuns returns the id of the last run of each runner in each bucket,
// in run order: with one runner, the last run of each bucket.
func lastRuns(runs []store.RunSummary, bucket func(store.RunSummary) int) []int64 {
	last := map[runnerBucket]int{}
	for i, r := range runs {
		last[runnerBucket{bucket(r), r.Runner}] = i
	}
	var out []int64
	for i, r := range runs {
		if last[runnerBucket{bucket(r), r.Runner}] == i {
			out = append(out, r.ID)
		}
	}
	return out
}

// firstRuns returns the id of the first run of each runner, in run order.
func firstRuns(runs []store.RunSummary) []int64 {
	seen := map[string]bool{}
	var out []int64
	for _, r := range runs {
		if !seen[r.Runner] {
			seen[r.Runner] = true
			out = append(out, r.ID)
		}
	}
	return out
}

// scopeRow is the summary sheet's scope row, none when the report has no
// scope.
func scopeRow(scope string) [][2]any {
	if scope == "" {
		return nil
	}
	return [][2]any{{"report.f.scope", scope}}
}
