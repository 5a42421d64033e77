package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/backup"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/transport"
)

// BackupRequest is a backup verification or a round of drills over the
// policies of one backups.yaml.
type BackupRequest struct {
	File      *backup.File
	Policies  []*backup.Policy // the selected ones, in file order
	Inventory *inventory.Inventory
	// Selector is what the user selected (policy globs), kept with the run.
	Selector string
	// Forks bounds policies verified at once; HostTimeout bounds one
	// policy's verification, and is how long a drill's copy may send no
	// data.
	Forks       int
	HostTimeout time.Duration

	// Verification: integrity tests (stream the newest copy), of every
	// copy, at most IntegrityParallel at once.
	Integrity         bool
	AllCopies         bool
	IntegrityParallel int

	// Drills: which copy (the newest, a random one, or by name) and the
	// deadline of each drill.
	Copy         string
	Random       bool
	DrillTimeout time.Duration
}

// DrillStarted: a drill is about to restore Copy of Policy into Into (a
// drill server's host, or a scratch directory for archives).
type DrillStarted struct {
	Policy   string
	Copy     string
	CopyTime time.Time
	Into     string
	Archive  bool
}

// Warning: something the user should know that does not change the run's
// verdicts (the source database's row counts could not be read, ...),
// already worded in the engine's language.
type Warning struct{ Message string }

func (DrillStarted) isEvent() {}
func (Warning) isEvent()      {}

// ErrNoDrill: none of the selected policies has a drill: section.
var ErrNoDrill = errors.New("none of the selected policies has a drill: section")

// BackupHosts reaches the hosts holding backup copies, one connection per
// host shared by the policies on it. Close ends them.
type BackupHosts struct {
	e     *Engine
	req   *BackupRequest
	mu    sync.Mutex
	conns map[string]*connEntry
}

type connEntry struct {
	once sync.Once
	r    transport.Runner
	err  error
}

// NewBackupHosts returns the connections of a backup command over req's
// policies (backup list uses it directly; verify and drill make their own).
func (e *Engine) NewBackupHosts(req *BackupRequest) *BackupHosts {
	return &BackupHosts{e: e, req: req, conns: map[string]*connEntry{}}
}

// Runner returns the host holding p's copies: this machine, or the asset
// over SSH.
func (h *BackupHosts) Runner(ctx context.Context, p *backup.Policy) (transport.Runner, error) {
	if p.Asset == "" || p.Asset == inventory.LocalhostAssetName {
		return transport.NewLocal(), nil
	}
	if h.req.Inventory == nil {
		return nil, errors.New(h.e.t("backup.cli.no_inventory", p.Name, p.Asset))
	}
	a := h.req.Inventory.Asset(p.Asset)
	if a == nil {
		return nil, errors.New(h.e.t("backup.cli.asset_missing", p.Name, h.req.File.Path, p.Line, p.Asset))
	}
	h.mu.Lock()
	c, ok := h.conns[p.Asset]
	if !ok {
		c = &connEntry{}
		h.conns[p.Asset] = c
	}
	h.mu.Unlock()
	c.once.Do(func() {
		if c.err = h.e.Connect.Preflight([]*inventory.Asset{a}); c.err == nil {
			c.r, c.err = h.e.Connect.Runner(ctx, a)
		}
	})
	return c.r, c.err
}

// Close ends the connections.
func (h *BackupHosts) Close() {
	for _, c := range h.conns {
		if c.r != nil {
			c.r.Close()
		}
	}
}

func (e *Engine) t(key string, args ...any) string { return i18n.T(e.Lang, key, args...) }

// backupRun is the bookkeeping shared by verifications and drills.
type backupRun struct {
	e   *Engine
	on  Observer
	run *result.Run
	mu  sync.Mutex
}

func (e *Engine) beginBackupRun(ctx context.Context, kind string, req *BackupRequest, on Observer, units int) (*backupRun, error) {
	run := NewRun(kind, e.now())
	run.Playbooks, run.Selector = []string{kind}, req.Selector
	run.Assets = units
	if e.Store != nil {
		if err := e.Store.BeginRun(ctx, run); err != nil {
			return nil, err
		}
	}
	on.emit(RunStarted{Run: run, Hosts: units, Forks: max(1, min(req.Forks, units))})
	return &backupRun{e: e, on: on, run: run}, nil
}

// add keeps a policy's results and stores them at once.
func (b *backupRun) add(ctx context.Context, policy string, rs []result.Result) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.run.Results = append(b.run.Results, rs...)
	if b.e.Store != nil {
		err := b.e.Store.AddResults(context.WithoutCancel(ctx), b.run.ID, rs)
		b.on.emit(ResultsStored{Asset: policy, Err: err})
	}
	b.on.emit(HostDone{Asset: policy, Results: rs})
}

// finish records the end of the run, results ordered by check.
func (b *backupRun) finish(ctx context.Context, done, total int) *result.Run {
	run := b.run
	run.FinishedAt = b.e.now()
	run.Status = result.RunCompleted
	if ctx.Err() != nil {
		run.Status = result.RunInterrupted
	}
	sort.SliceStable(run.Results, func(i, j int) bool { return run.Results[i].Check < run.Results[j].Check })
	run.Tally()
	fin := RunFinished{Run: run, HostsDone: done, HostsTotal: total}
	if b.e.Store != nil {
		fin.StoreErr = b.e.Store.FinishRun(context.WithoutCancel(ctx), run)
	}
	if run.Kind == result.KindDrill {
		var names []string
		for _, r := range run.Results {
			if r.Item == backup.DrillRestore {
				names = append(names, strings.TrimPrefix(r.Check, "drill:"))
			}
		}
		fin.AuditErr = b.e.auditRun(run, names, "backup drill "+run.Selector)
	}
	b.on.emit(fin)
	return run
}

// VerifyBackups lists, judges and integrity-tests every policy of req,
// Forks at a time, each under HostTimeout, storing each policy's verdicts
// as it finishes.
func (e *Engine) VerifyBackups(ctx context.Context, req BackupRequest, on Observer) (*result.Run, error) {
	b, err := e.beginBackupRun(ctx, result.KindBackup, &req, on, len(req.Policies))
	if err != nil {
		return nil, err
	}
	hosts := e.NewBackupHosts(&req)
	defer hosts.Close()
	timeout := req.HostTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	now := e.now()
	slots := make(chan struct{}, max(1, req.IntegrityParallel))
	_, kept := fanOut(ctx, len(req.Policies), req.Forks, func(i int) (struct{}, bool) {
		p := req.Policies[i]
		on.emitLocked(&b.mu, HostStarted{Asset: p.Name})
		pctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var rs []result.Result
		if r, err := hosts.Runner(pctx, p); err != nil {
			rs = []result.Result{backup.ListingFailed(p, err, transport.ReasonOf(err), e.Lang)}
		} else {
			rs = backup.Verify(pctx, r, p, backup.VerifyOptions{Now: now, Lang: e.Lang, Integrity: req.Integrity, AllCopies: req.AllCopies, Slots: slots})
		}
		if ctx.Err() != nil {
			return struct{}{}, false // interrupted: a half-verified policy is not kept
		}
		b.add(ctx, p.Name, rs)
		return struct{}{}, true
	})
	done := 0
	for _, k := range kept {
		if k {
			done++
		}
	}
	return b.finish(ctx, done, len(req.Policies)), nil
}

// Drill restores a copy of every selected policy that has a drill:
// section, one at a time, storing each drill's verdicts as it ends. No run
// is recorded when no policy has a drill (ErrNoDrill).
func (e *Engine) Drill(ctx context.Context, req BackupRequest, on Observer) (*result.Run, error) {
	var policies []*backup.Policy
	for _, p := range req.Policies {
		if p.Drill != nil {
			policies = append(policies, p)
		}
	}
	if len(policies) == 0 {
		return nil, ErrNoDrill
	}
	b, err := e.beginBackupRun(ctx, result.KindDrill, &req, on, len(policies))
	if err != nil {
		return nil, err
	}
	hosts := e.NewBackupHosts(&req)
	defer hosts.Close()
	guards := productionGuards(req.Inventory)
	done := 0
	for _, p := range policies {
		if ctx.Err() != nil {
			break
		}
		on.emit(HostStarted{Asset: p.Name})
		rs := e.drillPolicy(ctx, &req, hosts, guards, p, on)
		b.add(ctx, p.Name, rs)
		done++
	}
	return b.finish(ctx, done, len(policies)), nil
}

// guards are what the inventory tells every drill: the production
// databases by name and by address.
type guards struct {
	names []string
	addrs []backup.ProductionDB
}

func productionGuards(inv *inventory.Inventory) guards {
	var g guards
	if inv == nil {
		return g
	}
	for _, a := range inv.Assets {
		if a.Database == nil {
			continue
		}
		if a.Database.Database != "" {
			g.names = append(g.names, a.Database.Database)
		}
		port := a.Port
		if port == 0 && transport.NormalizeEngine(a.Database.Engine) == transport.EnginePostgres {
			port = 5432
		} else if port == 0 {
			port = 3306
		}
		g.addrs = append(g.addrs, backup.ProductionDB{Name: a.Name, Host: a.Address, Port: port})
	}
	return g
}

// drillPolicy picks the copy of p to restore and drills it.
func (e *Engine) drillPolicy(ctx context.Context, req *BackupRequest, hosts *BackupHosts, g guards, p *backup.Policy, on Observer) []result.Result {
	fail := func(err error) []result.Result {
		r := backup.ListingFailed(p, err, transport.ReasonOf(err), e.Lang)
		r.Check = "drill:" + p.Name
		return []result.Result{r}
	}
	var target backup.DrillTarget
	if !p.ArchiveDrill() {
		eng := backup.NormEngine(p.Drill.Engine)
		var ok bool
		if target, ok = req.File.Drill[eng]; !ok {
			return fail(errors.New(e.t("backup.cli.no_target", p.Name, eng, req.File.Path)))
		}
	}
	r, err := hosts.Runner(ctx, p)
	if err != nil {
		return fail(err)
	}
	copies, err := backup.List(ctx, r, p)
	if err != nil {
		return fail(err)
	}
	if len(copies) == 0 {
		return fail(errors.New(e.t("backup.cli.no_copies", p.Name)))
	}
	// The newest copy that is not dated in the future (a wrong clock or a
	// forged time must not choose what is drilled).
	c := copies[len(copies)-1]
	for i := len(copies) - 1; i >= 0; i-- {
		if !copies[i].Time.After(e.now().Add(backup.ClockSkew)) {
			c = copies[i]
			break
		}
	}
	switch {
	case req.Copy != "":
		found := false
		for _, x := range copies {
			if x.Name == req.Copy {
				c, found = x, true
			}
		}
		if !found {
			return fail(errors.New(e.t("backup.cli.no_copy_named", p.Name, req.Copy)))
		}
	case req.Random:
		c = copies[rand.IntN(len(copies))]
	}
	o := backup.DrillOptions{Lang: e.Lang, Timeout: req.DrillTimeout, Stall: req.HostTimeout}
	if p.ArchiveDrill() {
		// Archives are extracted on this machine, under drill_targets.files.scratch_dir.
		o.ScratchDir = req.File.Drill[backup.FilesTarget].ScratchDir
		if o.ScratchDir == "" {
			o.ScratchDir = backup.DefaultScratchDir()
		}
		on.emit(DrillStarted{Policy: p.Name, Copy: c.Name, CopyTime: c.Time, Into: o.ScratchDir, Archive: true})
		return backup.Drill(ctx, p, c, r, o)
	}
	o.Target, o.ProductionNames, o.Production = target, g.names, g.addrs
	// Reference row counts: the source database when named, else the last drill.
	if ref, from := e.drillReference(ctx, req, p, on); len(ref) > 0 {
		o.Reference, o.ReferenceFrom = ref, from
	}
	on.emit(DrillStarted{Policy: p.Name, Copy: c.Name, CopyTime: c.Time, Into: target.Host})
	return backup.Drill(ctx, p, c, r, o)
}

// drillReference returns the row counts to compare a drill with: the
// source database's current counts, or the counts the last drill recorded.
func (e *Engine) drillReference(ctx context.Context, req *BackupRequest, p *backup.Policy, on Observer) (map[string]float64, string) {
	if p.Drill.Source != "" && len(p.Drill.Tables) > 0 && req.Inventory != nil {
		if a := req.Inventory.Asset(p.Drill.Source); a != nil && a.Database != nil {
			counts, err := sourceRowCounts(ctx, a, p.Drill.Tables)
			if err == nil {
				return counts, backup.RefSource
			}
			on.emit(Warning{Message: e.t("backup.cli.source_counts", p.Name, a.Name, err)})
		}
	}
	if e.Store == nil {
		return nil, ""
	}
	ref := map[string]float64{}
	_ = e.Store.Metrics(ctx, store.MetricFilter{NamePrefix: "drill.rows."}, func(m store.MetricPoint) error {
		if m.Check == "drill:"+p.Name {
			ref[strings.TrimPrefix(m.Name, "drill.rows.")] = m.Value // ordered by time: the last wins
		}
		return nil
	})
	return ref, backup.RefLastDrill
}

func sourceRowCounts(ctx context.Context, a *inventory.Asset, tables []string) (map[string]float64, error) {
	t, err := connect.SQLTarget(a)
	if err != nil {
		return nil, err
	}
	sdb, err := transport.OpenSQL(ctx, t)
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	return backup.RowCounts(ctx, sdb, a.Database.Engine, tables)
}
