package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// BuildDaily reads run runID, the previous run of the same kind and the
// run's inventory snapshot from the store and builds its daily report.
func BuildDaily(ctx context.Context, db store.History, runID int64, o Options) (*Daily, error) {
	run, err := db.GetRun(ctx, runID, true)
	if err != nil {
		return nil, fmt.Errorf("daily report: %w", err)
	}
	in := DailyInput{Run: *run}
	if prev, err := db.PreviousRun(ctx, run); err == nil {
		in.Previous = prev
		if in.PreviousStatuses, err = db.RunStatuses(ctx, prev.ID); err != nil {
			return nil, fmt.Errorf("daily report: previous run: %w", err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("daily report: %w", err)
	}
	in.Assets, err = snapshotAssets(ctx, db, runID)
	if err != nil {
		return nil, fmt.Errorf("daily report: %w", err)
	}
	if in.Assets == nil && o.Inventory != nil {
		in.Assets = o.Inventory.Assets
	}
	return NewDaily(in, o), nil
}

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
