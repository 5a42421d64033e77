// Package engine is hcops' application layer: Inspect, VerifyBackups and
// Drill take a request and return a run, telling an Observer what happens
// as it happens (run started, host started, host done with its results,
// results stored, run finished or interrupted). The command line's progress
// line, the dashboard, the watcher and the alert evaluator all consume the
// same events; none of them owns a worker pool, a dialer or SQL.
//
// The engine knows nothing of flags, terminals or output formats: a command
// builds a request, renders events and the returned run, and maps it to an
// exit code.
package engine

import (
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// Engine runs inspections, backup verifications and drills.
type Engine struct {
	// Store keeps runs and results; nil runs without history (--no-store).
	Store Store
	// Connect hands out connections to assets.
	Connect *connect.Factory
	// Lang is the language results are written in ("zh" or "en").
	Lang string
	// Audit records remote actions (Exec); nil records nothing.
	Audit audit.Appender
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// NewRun starts a run of kind: who ran it and from where are worked out
// here, once, for every kind of run (the store fills the same when it
// records the run).
func NewRun(kind string, now time.Time) *result.Run {
	run := &result.Run{Kind: kind, StartedAt: now, Status: result.RunRunning}
	if u, err := user.Current(); err == nil {
		run.Operator = u.Username
	}
	run.RanFrom, _ = os.Hostname()
	return run
}

// Store is what the engine needs of the history: record runs and read
// what earlier runs left (last inspection times, last drill's row counts).
type Store interface {
	store.Recorder
	store.Reader
}

// Observer receives a run's events, in order, from one goroutine at a time.
// It must not block for long: the run waits for it.
type Observer func(Event)

func (o Observer) emit(ev Event) {
	if o != nil {
		o(ev)
	}
}

// Event is something that happened in a run: one of the types below.
type Event interface{ isEvent() }

// RunStarted: the run is recorded (when there is a store) and its hosts
// are about to be worked on.
type RunStarted struct {
	Run   *result.Run
	Hosts int // hosts (or policies) the run will work on
	Forks int // at once
	// Order names the hosts in the order the run reports them (the
	// request's order), for consumers that write results as they come.
	Order []string
}

// HostStarted: a worker took up a host (or a backup policy).
type HostStarted struct{ Asset string }

// HostDone: a host (or policy) finished, with its results. Done, Total and
// Problems count hosts so far (Problems: worst status not OK).
type HostDone struct {
	Asset                 string
	Results               []result.Result
	Done, Total, Problems int
}

// ResultsStored: a host's results are in the history (Err nil), or could
// not be stored (the run goes on; what is stored stays).
type ResultsStored struct {
	Asset string
	Err   error
}

// RunFinished: the run ended, completed or interrupted (Run.Status).
// HostsDone of HostsTotal finished; an interrupted run keeps only those.
type RunFinished struct {
	Run                   *result.Run
	HostsDone, HostsTotal int
	// StoreErr is set when the run's end could not be recorded.
	StoreErr error
	// AuditErr is set when the run could not be appended to the audit log.
	AuditErr error
}

func (RunStarted) isEvent()    {}
func (HostStarted) isEvent()   {}
func (HostDone) isEvent()      {}
func (ResultsStored) isEvent() {}
func (RunFinished) isEvent()   {}

// Interrupted reports whether the run ended before all its work was done.
func (f RunFinished) Interrupted() bool { return f.Run.Status == result.RunInterrupted }

// auditRun appends one line for a finished inspection or drill: what ran,
// on which assets, how it ended. A failure is returned for the caller to
// warn about; the run itself stands.
func (e *Engine) auditRun(run *result.Run, targets []string, what string) error {
	if e.Audit == nil {
		return nil
	}
	rec := audit.Record{Time: run.StartedAt, User: run.Operator, From: run.RanFrom, Action: run.Kind,
		Targets: targets, Command: what, Outcome: run.Status,
		DurationMS: run.FinishedAt.Sub(run.StartedAt).Milliseconds(),
		Note: fmt.Sprintf("run %d: %d ok, %d warn, %d crit, %d unknown, %d unreachable", run.ID,
			run.Counts.OK, run.Counts.Warn, run.Counts.Crit, run.Counts.Unknown, run.Counts.Unreachable)}
	_, err := e.Audit.Append(rec)
	return err
}
