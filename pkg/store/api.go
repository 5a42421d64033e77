package store

// This file holds the store's filter and value types, fixed early so that
// inspection, backup and reports could be written against them. The methods
// are in store.go (Open, Close, SQL), runs.go, results.go, snapshot.go and
// maintenance.go.

import (
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// RunFilter selects runs for ListRuns.
type RunFilter struct {
	Kind   string    // "" for any
	Since  time.Time // zero for no lower bound (started_at >= Since)
	Until  time.Time // zero for no upper bound (started_at < Until)
	Status string    // "" for any
	Limit  int       // 0 for no limit; newest first
	Runner string    // "" for any: runs of this runner
	Zone   string    // "" for any: runs of runners in this zone
}

// ResultFilter selects results for EachResult.
type ResultFilter struct {
	Kind   string    // run kind, "" for any
	Since  time.Time // run started_at >= Since
	Until  time.Time // run started_at < Until
	Asset  string    // "" for any
	Check  string    // "" for any
	RunID  int64     // 0 for any
	Status []result.Status
}

// StoredResult is a result with the run it belongs to.
type StoredResult struct {
	RunID        int64
	RunStartedAt time.Time
	result.Result
}

// MetricPoint is one stored metric sample.
type MetricPoint struct {
	RunID int64
	At    time.Time
	Asset string
	Check string
	Item  string
	Name  string
	Value float64
	Unit  string
}

// MetricFilter selects metric samples.
type MetricFilter struct {
	Since, Until time.Time
	Asset        string // "" for any
	Name         string // "" for any; exact metric name
	NamePrefix   string // "" for any
}

// MaintenanceWindow is declared planned downtime, excluded from availability.
type MaintenanceWindow struct {
	ID     int64     `json:"id"`
	Asset  string    `json:"asset,omitempty"`  // asset name or "" for all assets of System
	System string    `json:"system,omitempty"` // system name or ""
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason"`
}
