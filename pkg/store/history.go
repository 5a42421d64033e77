package store

import (
	"context"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// History is hcops' record of runs, their results and metrics, findings,
// inventory snapshots and maintenance windows, as commands, the engine and
// the reports use it. *DB, the embedded SQLite file, implements it; a
// second backend (PostgreSQL, for several runners in different network
// zones sharing one history) implements the same methods, and nothing that
// takes a History changes.
//
// Rules every implementation keeps, and callers may rely on:
//   - runs are ordered by StartedAt, ties by storage order; a run id is an
//     identity, not a clock: two runners may store runs out of time order;
//   - results come back in the order each method documents, never in
//     result-id order, and no method takes or returns result ids;
//   - writes are transactional per call: AddResults stores a batch and the
//     findings it updates whole, or nothing;
//   - a missing run, snapshot, finding or window is ErrNotFound (wrapped).
type History interface {
	Recorder
	Reader
	ReportReader
	MaintenanceStore

	// Prune deletes runs started before olderThan with everything that
	// hangs off them; CountPrunable says what Prune would delete.
	Prune(ctx context.Context, olderThan time.Time) (int64, error)
	CountPrunable(ctx context.Context, olderThan time.Time) (runs, results int64, err error)

	// Location says where the history lives, for messages: a file path,
	// or a server and database name (never a password).
	Location() string
	Close() error
}

// Recorder is what a run writes: its start, its results in batches, its
// inventory snapshot and its end.
type Recorder interface {
	BeginRun(ctx context.Context, run *result.Run) error
	AddResults(ctx context.Context, runID int64, rs []result.Result) error
	SaveSnapshot(ctx context.Context, runID int64, data []byte) error
	FinishRun(ctx context.Context, run *result.Run) error
}

// Reader reads runs, results, metrics, snapshots and findings back.
type Reader interface {
	GetRun(ctx context.Context, id int64, withResults bool) (*result.Run, error)
	ListRuns(ctx context.Context, f RunFilter) ([]result.Run, error)
	LatestRun(ctx context.Context, kind string) (*result.Run, error)
	PreviousRun(ctx context.Context, run *result.Run) (*result.Run, error)
	LastSeen(ctx context.Context, kind, playbook string) (map[string]time.Time, error)
	PreviousResults(ctx context.Context, kind, playbook, asset, check string, exclude int64) ([]result.Result, error)
	EachResult(ctx context.Context, f ResultFilter, fn func(*StoredResult) error) error
	Metrics(ctx context.Context, f MetricFilter, fn func(MetricPoint) error) error
	Snapshot(ctx context.Context, runID int64) ([]byte, error)
	EachFinding(ctx context.Context, f FindingFilter, fn func(*Finding) error) error
	Finding(ctx context.Context, k result.Key) (*Finding, error)
}

// ReportReader is the cheap, streaming reads the reports are built from.
type ReportReader interface {
	RunSummaries(ctx context.Context, kind string, since, until time.Time, sc Scope) ([]RunSummary, error)
	RunOnDay(ctx context.Context, kind string, since, until time.Time) (int64, error)
	RunStatuses(ctx context.Context, runID int64) (map[result.Key]result.Status, error)
	EachReportRow(ctx context.Context, kind string, since, until time.Time, f ReportRowFilter, fn func(*ReportRow) error) error
	EachRunAsset(ctx context.Context, runID int64, zone string, fn func(asset string) error) error
	EachRunCheck(ctx context.Context, runID int64, fn func(asset, typ, check, playbook string) error) error
	AssetSystems(ctx context.Context, runIDs []int64) (map[string]string, error)
}

// MaintenanceStore keeps the declared maintenance windows.
type MaintenanceStore interface {
	AddMaintenance(ctx context.Context, w *MaintenanceWindow) error
	Maintenance(ctx context.Context, since, until time.Time) ([]MaintenanceWindow, error)
	DeleteMaintenance(ctx context.Context, id int64) error
}

// DB is the SQLite History.
var _ History = (*DB)(nil)

// Location is the database file as given to Open.
func (db *DB) Location() string { return db.path }
