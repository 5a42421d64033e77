package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/transport"
)

// InspectRequest is one inspection: which assets, which playbooks, how.
type InspectRequest struct {
	Assets    []*inventory.Asset  // in the order results are reported
	Playbooks []*inspect.Playbook // already loaded
	// Selector is the selection as the user wrote it, recorded with the run.
	Selector string
	// InventorySize is the number of assets in the inventory (1 without one).
	InventorySize int
	// Systems are the inventory's application systems by name.
	Systems map[string]*inventory.System

	// Site is the site this hcops runs at (the `location` setting), "" when
	// not set: links are measured from it (inspect.Env.Site).
	Site string

	Forks                       int
	HostTimeout, ConnectTimeout time.Duration
	// DropEvidence keeps the returned results without evidence once stored
	// (table and Nagios output never show it; it is in history).
	DropEvidence bool
	// Stream leaves the returned run without results: they come only in
	// HostDone events (counts and worst status are kept), so an output
	// written as hosts finish holds no host in memory once written.
	Stream bool
}

// ErrNothingToInspect: no playbook check applies to any selected asset.
var ErrNothingToInspect = errors.New("no check of these playbooks applies to the selected assets")

// Inspect plans and runs an inspection. Every host's results are stored as
// the host finishes (Ctrl-C or a crash later loses nothing already done),
// and the run is returned with its results in the order of req.Assets. A
// planning problem, a missing key file (*connect.FileError) or a history
// that cannot be opened is an error; a host that cannot be reached is a
// result. When ctx is cancelled the run ends promptly as interrupted.
func (e *Engine) Inspect(ctx context.Context, req InspectRequest, on Observer) (*result.Run, error) {
	plan, err := inspect.BuildPlan(inspect.PlanInput{
		Assets: req.Assets, Playbooks: req.Playbooks,
		Match: func(expr string) (func(*inventory.Asset) bool, error) {
			sel, err := inventory.ParseExpr(expr)
			if err != nil {
				return nil, err
			}
			return sel.Match, nil
		},
	})
	if err != nil {
		return nil, err
	}
	if len(plan.Hosts) == 0 {
		return nil, ErrNothingToInspect
	}
	// Only the hosts a collector runs on are reached over SSH: an asset
	// checked by probes alone (a switch, a link, transport none) needs no
	// key file.
	// The run's inventory snapshot still holds every planned asset: reports
	// read addresses, database settings and systems from it.
	hosts := make([]*inventory.Asset, 0, len(plan.Hosts))
	var shellHosts []*inventory.Asset
	for _, h := range plan.Hosts {
		hosts = append(hosts, h.Asset)
		for _, it := range h.Items {
			if it.Err == nil && it.Shell() {
				shellHosts = append(shellHosts, h.Asset)
				break
			}
		}
	}
	if err := e.Connect.Preflight(shellHosts); err != nil {
		return nil, err
	}

	run := NewRun(result.KindInspect, e.now())
	run.Playbooks, run.Selector, run.Assets, run.Inventory = plan.Playbooks, req.Selector, len(plan.Hosts), req.InventorySize
	db := e.Store
	since := map[string]map[string]time.Time{}
	if db != nil {
		for _, pb := range plan.Playbooks {
			if since[pb], err = db.LastSeen(ctx, result.KindInspect, pb); err != nil {
				return nil, err
			}
		}
		unreachableFirst(ctx, db, plan)
		if err := db.BeginRun(ctx, run); err != nil {
			return nil, err
		}
		if data, err := json.Marshal(hosts); err == nil {
			if err := db.SaveSnapshot(ctx, run.ID, data); err != nil {
				on.emit(ResultsStored{Err: err})
			}
		}
	}
	forks := req.Forks
	if forks <= 0 {
		forks = inspect.DefaultForks
	}
	planned := map[string]bool{}
	for _, h := range plan.Hosts {
		planned[h.Name] = true
	}
	var names []string
	for _, a := range req.Assets {
		if planned[a.Name] {
			names = append(names, a.Name)
		}
	}
	on.emit(RunStarted{Run: run, Hosts: len(plan.Hosts), Forks: min(forks, len(plan.Hosts)), Order: names})

	sqlPool := transport.NewSQLPool()
	defer sqlPool.Close()
	var startMu sync.Mutex
	var storeErr error
	var done, problems int
	var counts result.Counts // of every result, also when not kept (Stream)
	runner := &inspect.Runner{
		Dial:           e.Connect.Runner,
		Forks:          forks,
		HostTimeout:    req.HostTimeout,
		ConnectTimeout: req.ConnectTimeout,
		Systems:        req.Systems,
		SQL:            sqlPool,
		SNMP:           e.Connect.SNMP,
		Lang:           e.Lang,
		Site:           req.Site,
		Since: func(asset, playbook string) (time.Time, bool) {
			t, ok := since[playbook][asset]
			return t, ok
		},
		DropEvidence: req.DropEvidence,
		Discard:      req.Stream,
		OnHostStart: func(h *inspect.HostPlan) {
			startMu.Lock()
			defer startMu.Unlock()
			on.emit(HostStarted{Asset: h.Name})
		},
		Progress: func(d, _, p int) { done, problems = d, p },
		OnHost: func(h *inspect.HostPlan, rs []result.Result) {
			startMu.Lock()
			defer startMu.Unlock()
			if db != nil && storeErr == nil {
				// Stored as each host finishes: Ctrl-C or a crash later
				// loses nothing already done.
				storeErr = db.AddResults(context.WithoutCancel(ctx), run.ID, rs)
				on.emit(ResultsStored{Asset: h.Name, Err: storeErr})
			}
			worst := result.OK
			for i := range rs {
				worst = result.Worst(worst, rs[i].Status)
				counts.Add(rs[i].Status)
			}
			// Progress is reported after OnHost: count this host here.
			d, p := done+1, problems
			if worst != result.OK {
				p++
			}
			on.emit(HostDone{Asset: h.Name, Results: rs, Done: d, Total: len(plan.Hosts), Problems: p})
		},
	}
	if db != nil {
		runner.Previous = func(ctx context.Context, asset, playbook, check string) ([]result.Result, error) {
			if _, ok := since[playbook][asset]; !ok {
				return nil, nil // never inspected by this playbook: no query
			}
			return db.PreviousResults(ctx, result.KindInspect, playbook, asset, check, run.ID)
		}
	}
	out := runner.Run(ctx, plan)

	order := make(map[string]int, len(req.Assets))
	for i, a := range req.Assets {
		order[a.Name] = i
	}
	slices.SortStableFunc(out.Results, func(a, b result.Result) int { return cmp.Compare(order[a.Asset], order[b.Asset]) })
	run.Results = out.Results
	run.FinishedAt = e.now()
	run.Status = result.RunCompleted
	if out.Interrupted {
		// The run covers what it finished: its assets, counts and worst
		// are those of the hosts with results, not of the plan.
		run.Status = result.RunInterrupted
		run.Assets = out.HostsDone
	}
	run.Tally()
	if req.Stream {
		run.Counts, run.Worst = counts, counts.Worst()
	}
	fin := RunFinished{Run: run, HostsDone: out.HostsDone, HostsTotal: out.HostsTotal}
	if db != nil {
		fin.StoreErr = db.FinishRun(context.WithoutCancel(ctx), run)
	}
	fin.AuditErr = e.auditRun(run, names, "inspect "+strings.Join(run.Playbooks, ","))
	on.emit(fin)
	return run, nil
}

// unreachableFirst moves the hosts that were UNREACHABLE in the previous
// inspection to the front of the queue. A host that is down usually stays
// down, and its connect timeout then runs alongside the healthy hosts'
// work instead of after it: a run with dead hosts costs no more than one
// without. Output order is unaffected. History errors only lose the
// optimisation.
func unreachableFirst(ctx context.Context, db store.Reader, plan *inspect.Plan) {
	last, err := db.LatestRun(ctx, result.KindInspect)
	if err != nil {
		return
	}
	down := map[string]bool{}
	_ = db.EachResult(ctx, store.ResultFilter{RunID: last.ID, Status: []result.Status{result.Unreachable}}, func(r *store.StoredResult) error {
		down[r.Asset] = true
		return nil
	})
	if len(down) == 0 {
		return
	}
	slices.SortStableFunc(plan.Hosts, func(a, b *inspect.HostPlan) int {
		switch {
		case down[a.Name] && !down[b.Name]:
			return -1
		case down[b.Name] && !down[a.Name]:
			return 1
		}
		return 0
	})
}
