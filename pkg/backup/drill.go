package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Aspects of a drill's results.
const (
	DrillRestore = "restore"
	DrillTables  = "tables"
	DrillRows    = "rows"
	// DrillCleanup reports scratch databases removed (left by killed
	// drills) or left behind (WARN): only when there is something to say.
	DrillCleanup = "cleanup"
)

// DrillOptions are what a drill needs beyond the policy.
type DrillOptions struct {
	// Target is the scratch database server of a dump's engine.
	Target DrillTarget
	// ScratchDir is where an archive drill extracts (a new directory
	// beneath it per drill); "" is DefaultScratchDir().
	ScratchDir string
	// ProductionNames are the database names of the inventory's database
	// assets: a scratch prefix that could name one of them is refused.
	ProductionNames []string
	// Production are the inventory's database assets by address: a drill
	// target at one of their host:port is refused.
	Production []ProductionDB
	// Reference row counts per table: the source database's or the last
	// drill's. Empty: counts are recorded, not compared.
	Reference     map[string]float64
	ReferenceFrom string // RefSource or RefLastDrill (or a name), for messages
	Now           time.Time
	// Lang is the language of the verdicts ("zh" or "en"; "" is English).
	Lang string
	// Timeout bounds the whole drill (DefaultDrillTimeout when 0); Stall
	// stops it when reading the copy waits that long for data
	// (DefaultDrillStall when 0). A drill stopped either way, or
	// interrupted, is UNKNOWN: the copy was not judged.
	Timeout, Stall time.Duration
}

// Deadlines of a drill (DrillOptions.Timeout, Stall).
const (
	DefaultDrillTimeout = 4 * time.Hour
	DefaultDrillStall   = 10 * time.Minute
)

// Where a drill's reference row counts come from (DrillOptions.ReferenceFrom).
const (
	RefSource    = "source"
	RefLastDrill = "last drill"
)

// refName names the reference in the reader's language.
func refName(from string) any {
	switch from {
	case RefSource:
		return msg("backup.drill.ref.source")
	case RefLastDrill:
		return msg("backup.drill.ref.last_drill")
	}
	return from
}

var scratchSafeRE = regexp.MustCompile(`[^a-z0-9_]+`)

// ScratchName is the scratch database a drill of p creates at now.
func ScratchName(prefix, policy string, now time.Time) string {
	name := strings.ToLower(prefix) + scratchSafeRE.ReplaceAllString(strings.ToLower(policy), "_") + "_" + now.Format("20060102150405")
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// checkTarget refuses drills that could touch a production database.
func checkTarget(t DrillTarget, scratch string, production []string) error {
	prefix := strings.ToLower(strings.TrimSpace(t.ScratchPrefix))
	if len(prefix) < 3 {
		return errorf("backup.drill.prefix_short", t.Host, t.ScratchPrefix)
	}
	if !strings.HasPrefix(scratch, prefix) {
		return errorf("backup.drill.prefix_mismatch", scratch, prefix)
	}
	for _, p := range production {
		lp := strings.ToLower(p)
		if lp == scratch || strings.HasPrefix(lp, prefix) {
			return errorf("backup.drill.prefix_production", prefix, p)
		}
	}
	return nil
}

// stallGuard stops a drill whose copy stops flowing (copyStream.Read).
type stallGuard struct {
	limit time.Duration
	fire  func()
}

type stallKey struct{}

func stallOf(ctx context.Context) *stallGuard {
	g, _ := ctx.Value(stallKey{}).(*stallGuard)
	return g
}

// errDrillStopped is why a drill's context ended before it finished.
type errDrillStopped struct {
	key  string
	args []any
}

func (e errDrillStopped) Error() string { return e.Text(i18n.EN) }

// Text is why the drill stopped, in lang.
func (e errDrillStopped) Text(lang string) string {
	return (&Error{Key: e.key, Args: e.args}).Text(lang)
}

// drillContext puts the drill under its deadline and stall guard.
func drillContext(ctx context.Context, c Copy, src transport.Runner, o DrillOptions) (context.Context, context.CancelFunc) {
	timeout, stall := o.Timeout, o.Stall
	if timeout <= 0 {
		timeout = DefaultDrillTimeout
	}
	if stall <= 0 {
		stall = DefaultDrillStall
	}
	ctx, cancelCause := context.WithCancelCause(ctx)
	ctx, cancelT := context.WithTimeoutCause(ctx, timeout, errDrillStopped{"backup.drill.timed_out", []any{timeout.String()}})
	g := &stallGuard{limit: stall, fire: func() {
		cancelCause(errDrillStopped{"backup.drill.stalled", []any{c.Name, src.Target(), stall.String()}})
	}}
	ctx = context.WithValue(ctx, stallKey{}, g)
	return ctx, func() { cancelT(); cancelCause(nil) }
}

// stopped is the UNKNOWN verdict of a drill that did not finish: its
// deadline, a stalled copy or Ctrl-C. The copy was not judged, so it is
// not a failed restore.
func stopped(ctx context.Context, dur time.Duration) i18n.Sub {
	why := msg("backup.drill.why_interrupted")
	var e errDrillStopped
	if errors.As(context.Cause(ctx), &e) {
		why = msg(e.key, e.args...)
	}
	return msg("backup.drill.stopped", elapsed(dur), why)
}

// Drill restores copy c of policy p (read through src, the host holding it)
// into a new scratch database on the drill target, checks the expected
// tables and row counts, drops the scratch database, and returns the
// verdicts with the restore duration as RTO evidence. It never writes to a
// database it did not create: see drill_guard.go for what keeps it inside
// the scratch database. A file archive (p.ArchiveDrill) is extracted into
// a new scratch directory instead, its expected paths and manifest checked,
// and the directory removed. Verdicts are written in o.Lang.
func Drill(ctx context.Context, p *Policy, c Copy, src transport.Runner, o DrillOptions) []result.Result {
	ctx, cancel := drillContext(ctx, c, src, o)
	defer cancel()
	if p.ArchiveDrill() {
		return drillArchive(ctx, p, c, src, o)
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	res := p.base(DrillRestore)
	res.Check = "drill:" + p.Name
	res.Playbook = "drill"
	lang := o.Lang
	// fail ends the drill with one restore verdict; error arguments are
	// rendered in lang.
	fail := func(st result.Status, key string, args ...any) []result.Result {
		res.Status = st
		setMsg(&res, lang, msg(key, args...))
		return []result.Result{res}
	}
	refuse := func(err error) []result.Result {
		setAdvice(&res, lang, msg("backup.drill.target_advice"))
		res.Status = result.Unknown
		setMsg(&res, lang, errMsg(err))
		return []result.Result{res}
	}
	if p.Drill == nil {
		return fail(result.Unknown, "backup.drill.no_section", p.Name)
	}
	engine := NormEngine(p.Drill.Engine)
	t := o.Target
	prefix := strings.ToLower(strings.TrimSpace(t.ScratchPrefix))
	scratch := ScratchName(prefix, p.Name, now)
	if err := checkTarget(t, scratch, o.ProductionNames); err != nil {
		return refuse(err)
	}
	port := t.Port
	if port == 0 {
		port = defaultPort(engine)
	}
	if err := checkAddress(ctx, t, port, o.Production); err != nil {
		return refuse(err)
	}
	tool, err := findRestoreTool(ctx, engine)
	if err != nil {
		setAdvice(&res, lang, msg("backup.drill.tool_advice"))
		res.Status = result.Unknown
		setMsg(&res, lang, errMsg(err))
		return []result.Result{res}
	}
	pw, err := t.Password.Resolve()
	if err != nil {
		return fail(result.Unknown, "backup.drill.password", err)
	}
	tls := t.TLSMode()
	admin := transport.SQLTarget{Name: "drill-target", Engine: engine, Host: t.Host, Port: port, User: t.User, Password: pw, TLS: tls}
	if engine == "postgresql" {
		admin.Database = "postgres"
	}
	adb, err := transport.OpenSQL(ctx, admin)
	if err != nil {
		return fail(result.Unknown, "backup.drill.connect", t.Host, port, err)
	}
	defer adb.Close()
	facts, err := preflight(ctx, adb, engine, t, prefix)
	if err != nil {
		return refuse(err)
	}

	// Scratch databases of drills that were killed (kill -9, a reboot)
	// are removed first, and said so.
	var cleanup cleanupNotes
	if old, err := leftoverScratch(ctx, adb, engine, prefix, now); err != nil {
		cleanup.fail(msg("backup.drill.leftovers_failed", err))
	} else {
		var removed []string
		for _, name := range old {
			if err := dropScratch(ctx, adb, engine, name, facts.legacyDrop); err != nil {
				cleanup.fail(msg("backup.drill.drop_failed", name, err))
			} else {
				removed = append(removed, name)
			}
		}
		if len(removed) > 0 {
			cleanup.note(msg("backup.drill.leftovers_removed", len(removed), list(removed)))
		}
	}

	// Create the scratch database; it must not exist (never reuse, never
	// drop something this drill did not create).
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+identQuote(engine, scratch)); err != nil {
		return cleanup.append(p, lang, fail(result.Unknown, "backup.drill.create", scratch, err))
	}
	out := drillInto(ctx, p, c, src, o, tool, admin, tls, pw, scratch)
	// Dropped in every case, also after Ctrl-C or the deadline: with a
	// context of its own.
	dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer dcancel()
	if err := dropScratch(dctx, adb, engine, scratch, facts.legacyDrop); err != nil {
		cleanup.fail(msg("backup.drill.drop_failed", scratch, err))
	}
	return cleanup.append(p, lang, out)
}

// cleanupNotes collects what a drill removed and what it could not.
type cleanupNotes struct {
	notes  []i18n.Sub
	failed bool
}

func (c *cleanupNotes) note(m i18n.Sub) { c.notes = append(c.notes, m) }
func (c *cleanupNotes) fail(m i18n.Sub) { c.notes = append(c.notes, m); c.failed = true }

// append adds the cleanup verdict to out when there is something to say:
// OK for leftovers removed, WARN when a scratch database stays behind.
func (c *cleanupNotes) append(p *Policy, lang string, out []result.Result) []result.Result {
	if len(c.notes) == 0 {
		return out
	}
	r := drillResult(p, DrillCleanup, result.OK, lang, clauses(c.notes...))
	if c.failed {
		r.Status = result.Warn
		setAdvice(&r, lang, msg("backup.drill.drop_failed_advice"))
	}
	return append(out, r)
}

func defaultPort(engine string) int {
	if engine == "postgresql" {
		return 5432
	}
	return 3306
}

// drillInto restores into the scratch database and checks what came back.
func drillInto(ctx context.Context, p *Policy, c Copy, src transport.Runner, o DrillOptions, tool restoreTool, admin transport.SQLTarget, tls, pw, scratch string) []result.Result {
	lang := o.Lang
	engine := tool.engine
	res := drillResult(p, DrillRestore, result.OK, lang, i18n.Sub{})
	start := time.Now()
	restoreErr := restore(ctx, tool, c, src, o.Target, admin.Port, tls, pw, scratch)
	dur := time.Since(start)
	if ctx.Err() != nil {
		res.Status = result.Unknown
		setMsg(&res, lang, stopped(ctx, dur))
		setAdvice(&res, lang, msg("backup.drill.stopped_advice"))
		return []result.Result{res}
	}
	res.SetValue(dur.Seconds(), "s")
	res.Metrics = []result.Metric{{Name: "drill.duration_s", Value: dur.Seconds(), Unit: "s"}}
	if restoreErr != nil {
		res.Status = result.Crit
		setMsg(&res, lang, msg("backup.drill.restore_failed", c.Name, scratch, elapsed(dur), restoreErr))
		setAdvice(&res, lang, msg("backup.drill.restore_failed_advice"))
		return []result.Result{res}
	}
	setMsg(&res, lang, msg("backup.drill.restored", c.Name, scratch, elapsed(dur)))
	out := []result.Result{res}

	// Sanity queries on the restored copy.
	sdbT := admin
	sdbT.Database = scratch
	sdb, err := transport.OpenSQL(ctx, sdbT)
	if err != nil {
		return append(out, drillResult(p, DrillTables, result.Unknown, lang, msg("backup.drill.open_restored", err)))
	}
	defer sdb.Close()
	present, restored, err := listTables(ctx, sdb, engine)
	if err != nil {
		return append(out, drillResult(p, DrillTables, result.Unknown, lang, msg("backup.drill.list_tables", err)))
	}
	var missing []string
	for _, t := range p.Drill.Tables {
		if !present[strings.ToLower(t)] {
			missing = append(missing, t)
		}
	}
	tr := drillResult(p, DrillTables, result.OK, lang, msg("backup.drill.tables_ok", restored, len(p.Drill.Tables)))
	tr.SetValue(float64(restored), "tables")
	if len(missing) > 0 {
		tr.Status = result.Crit
		setMsg(&tr, lang, msg("backup.drill.tables_missing", list(missing), restored))
		setAdvice(&tr, lang, msg("backup.drill.tables_missing_advice"))
	} else if len(present) == 0 {
		tr.Status = result.Crit
		setMsg(&tr, lang, msg("backup.drill.no_tables"))
		setAdvice(&tr, lang, msg("backup.drill.no_tables_advice"))
	}
	out = append(out, tr)

	// Row counts against the reference.
	if len(p.Drill.Tables) > 0 && len(missing) < len(p.Drill.Tables) {
		tol := p.Drill.RowTolerance
		if tol <= 0 {
			tol = 10
		}
		rr := drillResult(p, DrillRows, result.OK, lang, i18n.Sub{})
		var notes []i18n.Sub
		var counts []string
		for _, t := range p.Drill.Tables {
			if !present[strings.ToLower(t)] {
				continue
			}
			var n float64
			if err := sdb.QueryRowContext(ctx, "SELECT count(*) FROM "+tableQuote(engine, t)).Scan(&n); err != nil {
				rr.Status = result.Worst(rr.Status, result.Unknown)
				notes = append(notes, msg("backup.drill.count_failed", t, err))
				continue
			}
			rr.Metrics = append(rr.Metrics, result.Metric{Name: "drill.rows." + strings.ToLower(t), Value: n})
			counts = append(counts, fmt.Sprintf("%s=%.0f", t, n))
			if ref, ok := o.Reference[strings.ToLower(t)]; ok && ref > 0 {
				diff := (n - ref) / ref * 100
				if diff < -tol || diff > tol {
					rr.Status = result.Worst(rr.Status, result.Crit)
					notes = append(notes, msg("backup.drill.rows_drift", t, n, refName(o.ReferenceFrom), ref, diff, tol))
				}
			}
		}
		switch {
		case len(notes) > 0:
			setMsg(&rr, lang, clauses(notes...))
			setAdvice(&rr, lang, msg("backup.drill.rows_drift_advice"))
		case len(o.Reference) > 0:
			setMsg(&rr, lang, msg("backup.drill.rows_ok", tol, refName(o.ReferenceFrom), list(counts)))
		default:
			setMsg(&rr, lang, msg("backup.drill.rows_recorded", list(counts)))
		}
		out = append(out, rr)
	}
	return out
}

// drillResult is a drill verdict on aspect with message m in lang (none
// when m is zero).
func drillResult(p *Policy, aspect string, st result.Status, lang string, m i18n.Sub) result.Result {
	r := p.base(aspect)
	r.Check = "drill:" + p.Name
	r.Playbook = "drill"
	r.Status = st
	if m.Key != "" {
		setMsg(&r, lang, m)
	}
	return r
}

func identQuote(engine, name string) string {
	if engine == "postgresql" {
		return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// tableQuote quotes schema.table or table.
func tableQuote(engine, t string) string {
	parts := strings.SplitN(t, ".", 2)
	for i := range parts {
		parts[i] = identQuote(engine, parts[i])
	}
	return strings.Join(parts, ".")
}

// RowCounts counts the rows of tables ("table" or "schema.table") in db, for
// comparing a restored copy with its source.
func RowCounts(ctx context.Context, db *sql.DB, engine string, tables []string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, t := range tables {
		var n float64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+tableQuote(NormEngine(engine), t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		out[strings.ToLower(t)] = n
	}
	return out, nil
}

// listTables returns the restored tables by name and by schema.name, and
// how many tables there are (the map holds two names for each).
func listTables(ctx context.Context, db *sql.DB, engine string) (map[string]bool, int, error) {
	q := `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog','information_schema')`
	if engine != "postgresql" {
		q = `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = DATABASE()`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := map[string]bool{}
	n := 0
	for rows.Next() {
		var s, t string
		if err := rows.Scan(&s, &t); err != nil {
			return nil, 0, err
		}
		out[strings.ToLower(t)] = true
		out[strings.ToLower(s+"."+t)] = true
		n++
	}
	return out, n, rows.Err()
}
