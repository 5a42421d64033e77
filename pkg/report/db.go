package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// DBReport is the database health diagnosis report (数据库健康诊断报告) of
// one run of the db-health checks: overview, one row per instance, the
// sections 实例状态 / 容量 / 性能 / 高可用与容灾 / 安全, ranked problems with
// advice, and the sign-off block. It is also the JSON format of `hcops
// report db --format json`.
type DBReport struct {
	Kind       string    `json:"kind"` // "db"
	Header     Header    `json:"header"`
	RunID      int64     `json:"run_id"`
	RunStatus  string    `json:"run_status"` // completed, interrupted, failed, running
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Operator   string    `json:"operator"`
	RanFrom    string    `json:"ran_from"`
	Playbooks  []string  `json:"playbooks"`
	Filter     string    `json:"filter,omitempty"` // the report's asset selection, "" for all
	Period     string    `json:"period"`           // the day of the run, as written in the report

	Overview      DBOverview      `json:"overview"`
	Counts        result.Counts   `json:"counts"` // results per status
	Worst         result.Status   `json:"worst"`
	CountLine     string          `json:"count_line"`
	Conclusion    string          `json:"conclusion"`
	Instances     []DBInstance    `json:"instances"` // worst first
	Sections      []HealthSection `json:"sections"`  // status, capacity, performance, dr, security (other)
	Sizes         []DBSize        `json:"sizes"`
	LargestTables []DBTables      `json:"largest_tables"`
	Problems      []HealthProblem `json:"problems"` // worst first
	Sign          []Signer        `json:"sign_off"`
	Notes         []string        `json:"notes"`
	StatusChart   string          `json:"-"`
}

// DBOverview counts instances by their worst status.
type DBOverview struct {
	Instances int `json:"instances"`
	Tally
}

// DBInstance is one database instance: what the summary table shows.
// Numbers are nil when the run did not measure them.
type DBInstance struct {
	Name         string        `json:"name"`
	Address      string        `json:"address,omitempty"` // host:port
	System       string        `json:"system,omitempty"`
	Engine       string        `json:"engine"`                  // PostgreSQL, MySQL, MariaDB, Kingbase
	Version      string        `json:"version"`                 // as the server reports it, "" when unknown
	Role         string        `json:"role"`                    // primary or standby as measured; else as the inventory says
	ExpectedRole string        `json:"expected_role,omitempty"` // the inventory's role
	Status       result.Status `json:"status"`                  // worst result
	Reachable    bool          `json:"reachable"`
	Counts       result.Counts `json:"counts"`

	UptimeS        *float64 `json:"uptime_s,omitempty"`
	Connections    *float64 `json:"connections,omitempty"`
	ConnectionsPct *float64 `json:"connections_pct,omitempty"`
	OldestXactS    *float64 `json:"oldest_xact_s,omitempty"`
	LockWaits      *float64 `json:"lock_waits,omitempty"`
	Deadlocks      *float64 `json:"deadlocks_total,omitempty"`
	CacheHitPct    *float64 `json:"cache_hit_pct,omitempty"`
	QPS            *float64 `json:"qps,omitempty"`
	TPS            *float64 `json:"tps,omitempty"`
	LogErrors      *float64 `json:"log_errors,omitempty"`   // errors in the server log since the last inspection (db-log)
	SlowQueries    *float64 `json:"slow_queries,omitempty"` // slow statements logged since the last inspection (db-log)

	Replication       string        `json:"replication"` // state in words, "" when not checked
	ReplicationStatus result.Status `json:"replication_status"`
	ReplicationLagS   *float64      `json:"replication_lag_s,omitempty"`
	Standbys          *float64      `json:"standbys_streaming,omitempty"` // primary: standbys or replicas connected
	ReplicasExpected  int           `json:"replicas_expected,omitempty"`

	SizeBytes *float64 `json:"size_bytes,omitempty"` // all its databases
}

// DBSize is one database's size with its growth from the history.
type DBSize struct {
	Instance    string        `json:"instance"`
	Database    string        `json:"database"`
	Bytes       float64       `json:"bytes"`
	Status      result.Status `json:"status"`
	PrevBytes   *float64      `json:"prev_bytes,omitempty"` // the previous inspection that measured it
	PrevAt      time.Time     `json:"prev_at,omitzero"`
	ChangeBytes *float64      `json:"change_bytes,omitempty"`  // since PrevAt
	PerDayBytes *float64      `json:"per_day_bytes,omitempty"` // average over SinceDays
	SinceDays   float64       `json:"since_days,omitempty"`
}

// DBTables is an instance's largest tables as the size check listed them.
type DBTables struct {
	Instance string `json:"instance"`
	Tables   string `json:"tables"`
}

// DBInput is what a database report is made from: one run with its results
// (already restricted to the selected assets), the inventory the run was
// made against, and earlier db.size_bytes samples of its instances.
type DBInput struct {
	Run         result.Run
	Assets      map[string]*inventory.Asset
	Filter      string
	SizeHistory []store.MetricPoint
}

// dbGrowthWindow is how far back the average daily growth looks.
const dbGrowthWindow = 30 * 24 * time.Hour

// FindDBRun returns the latest inspection run with database health results
// for the selected assets (on day, when not zero); store.ErrNotFound when
// there is none.
func FindDBRun(ctx context.Context, db store.History, day time.Time, loc *time.Location, sel *inventory.Selector, inv *inventory.Inventory) (int64, error) {
	return runWith(ctx, db, day, loc, sel, inv, func(typ, check, pb string) bool { return isDBCheck(typ, check, pb) })
}

// BuildDB reads run runID from the store and builds its database health
// report for the assets sel selects (nil: all). A run without database
// results for them is ErrNoResults; a missing run store.ErrNotFound.
func BuildDB(ctx context.Context, db store.History, runID int64, sel *inventory.Selector, o Options) (*DBReport, error) {
	h, err := loadHealth(ctx, db, runID, sel, o)
	if err != nil {
		return nil, fmt.Errorf("database report: %w", err)
	}
	in := DBInput{Run: h.Run, Assets: h.Assets, Filter: h.Filter}
	names := map[string]bool{}
	for _, r := range h.Run.Results {
		if isDBCheck(r.Type, r.Check, r.Playbook) {
			names[r.Asset] = true
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("database report: run %d: %w", runID, ErrNoResults)
	}
	err = db.Metrics(ctx, store.MetricFilter{Name: "db.size_bytes", Since: h.Run.StartedAt.Add(-3 * dbGrowthWindow), Until: h.Run.StartedAt},
		func(p store.MetricPoint) error {
			if names[p.Asset] && p.RunID != runID {
				in.SizeHistory = append(in.SizeHistory, p)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("database report: %w", err)
	}
	return NewDB(in, o), nil
}

// isDBCheck says whether a stored result belongs to the database report.
func isDBCheck(typ, check, playbook string) bool {
	if typ == "" {
		typ, _, _ = strings.Cut(check, ":")
	}
	return strings.HasPrefix(typ, "db-") || (check == connectCheck && playbook == "db-health")
}

// dbSectionOf maps a check type (and, for db-log, its item) to its section:
// errors in the server's log tell of the instance's state, slow statements
// of its performance; the SSH login db-log needs (connect) goes with its
// errors.
func dbSectionOf(typ, item string) string {
	switch typ {
	case "db-status", connectCheck:
		return "status"
	case "db-log":
		if item == "slow" {
			return "performance"
		}
		return "status"
	case "db-size":
		return "capacity"
	case "db-connections", "db-activity", "db-cache", "db-throughput":
		return "performance"
	case "db-replication", "db-backup":
		return "dr"
	case "db-security":
		return "security"
	}
	return "other"
}

var dbSectionOrder = []string{"status", "capacity", "performance", "dr", "security", "other"}

// dbFacts are what db-status measured about an instance: the product
// name, its version and its role.
type dbFacts struct{ product, version, role string }

// dbStatusFacts reads the facts of a db-status result from its meaning:
// the arguments of db.status.summary (product, version, role), or the
// product of db.status.msg (results stored before the summary existed).
// Results stored without a code have none. The version is its first word
// ("15.8 (Debian 15.8-1.pgdg120+1)" is 15.8).
func dbStatusFacts(r *result.Result) (dbFacts, bool) {
	var f dbFacts
	if args, ok := messagePart(r.Code, r.Args, "db.status.summary"); ok && len(args) >= 3 {
		f.product, f.version, f.role = argString(args[0]), argString(args[1]), strings.ToLower(argString(args[2]))
	} else if args, ok := messagePart(r.Code, r.Args, "db.status.msg"); ok && len(args) >= 1 {
		f.product, f.version, _ = strings.Cut(argString(args[0]), " ")
	} else {
		return f, false
	}
	if v := strings.Fields(f.version); len(v) > 0 {
		f.version = v[0]
	}
	return f, f.product != "" || f.version != ""
}

// engineName is the product name of an inventory engine.
func engineName(e string) string {
	switch strings.ToLower(strings.TrimSpace(e)) {
	case "postgresql", "postgres", "pg":
		return "PostgreSQL"
	case "mysql":
		return "MySQL"
	case "mariadb":
		return "MariaDB"
	case "kingbase", "kingbasees":
		return "Kingbase"
	}
	return clean(e)
}

// NewDB builds the database health report of a run. It does not touch the
// store; BuildDB reads the store and calls it.
func NewDB(in DBInput, o Options) *DBReport {
	loc := o.loc()
	run := in.Run
	started := run.StartedAt.In(loc)
	d := &DBReport{
		Kind: "db", RunID: run.ID, RunStatus: run.Status, StartedAt: started,
		Operator: clean(run.Operator), RanFrom: clean(run.RanFrom), Playbooks: nonNil(append([]string{}, run.Playbooks...)),
		Filter: in.Filter, Period: fmtDate(o.Lang, started),
	}
	if !run.FinishedAt.IsZero() {
		d.FinishedAt = run.FinishedAt.In(loc)
	}
	d.Header = o.header(o.t("rdb.title"), fmt.Sprintf("SJK-%s-%d", started.Format("20060102"), run.ID))

	// Which instances could not be reached: their other checks say "not
	// checked", which would only repeat the connection failure.
	unreachable := map[string]bool{}
	for i := range run.Results {
		r := &run.Results[i]
		if isDBCheck(r.Type, r.Check, r.Playbook) && r.Check != connectCheck && r.Status == result.Unreachable {
			unreachable[r.Asset] = true
		}
	}

	insts := map[string]*DBInstance{}
	sizeEvidence := map[string]string{}
	items := map[string][]HealthItem{}
	for i := range run.Results {
		r := &run.Results[i]
		if !isDBCheck(r.Type, r.Check, r.Playbook) {
			continue
		}
		typ := r.Type
		if typ == "" {
			typ, _, _ = strings.Cut(r.Check, ":")
		}
		if unreachable[r.Asset] && r.Status == result.Unknown {
			continue
		}
		if r.Check == connectCheck && r.Status == result.Unreachable {
			// db-health's only SSH login is db-log's, to read the logs on
			// the database host: when it fails the log figures are
			// unknown, the database itself was reached (or not) by the
			// db-* checks.
			ssh := *r
			ssh.Status = result.Unknown
			r = &ssh
		}
		inst := insts[r.Asset]
		if inst == nil {
			inst = o.newDBInstance(r, in.Assets[r.Asset])
			insts[r.Asset] = inst
		}
		inst.Counts.Add(r.Status)
		inst.Status = result.Worst(inst.Status, r.Status)
		d.Counts.Add(r.Status)
		d.Worst = result.Worst(d.Worst, r.Status)

		value := ""
		switch typ {
		case "db-status":
			if r.Status == result.Unreachable {
				inst.Reachable = false
			}
			inst.UptimeS = cmp.Or(metricP(r, "db.uptime_s"), unitValue(r, "s"))
			if f, ok := dbStatusFacts(r); ok {
				inst.Version = clean(f.version)
				if inst.Engine == "" {
					inst.Engine = clean(f.product)
				}
				if inst.Role == "" && (f.role == "primary" || f.role == "standby") {
					inst.Role = f.role // measured; replication may say more
				}
			}
		case "db-connections":
			inst.Connections = metricP(r, "db.connections")
			inst.ConnectionsPct = cmp.Or(metricP(r, "db.connections_pct"), unitValue(r, "%"))
		case "db-activity":
			switch r.Item {
			case "long-transactions":
				inst.OldestXactS = cmp.Or(metricP(r, "db.oldest_xact_s"), unitValue(r, "s"))
			case "locks":
				inst.LockWaits = cmp.Or(metricP(r, "db.lock_waits"), r.Value)
				inst.Deadlocks = metricP(r, "db.deadlocks_total")
			}
		case "db-cache":
			inst.CacheHitPct = cmp.Or(metricP(r, "db.cache_hit_pct"), unitValue(r, "%"))
		case "db-throughput":
			inst.QPS = metricP(r, "db.qps")
			inst.TPS = metricP(r, "db.tps")
		case "db-log":
			switch r.Item {
			case "errors":
				inst.LogErrors = metricP(r, "db.log_errors")
			case "slow":
				inst.SlowQueries = metricP(r, "db.slow_queries")
			}
		case "db-replication":
			o.dbReplication(inst, r)
		case "db-size":
			if b := metricP(r, "db.size_bytes"); b != nil {
				value = fmtBytes(*b)
				total := *b
				if inst.SizeBytes != nil {
					total += *inst.SizeBytes
				}
				inst.SizeBytes = &total
				d.Sizes = append(d.Sizes, dbSize(inst.Name, clean(r.Item), *b, r.Status, started, in.SizeHistory, r.Asset, r.Item))
			}
			if ev := strings.TrimSpace(r.Evidence); ev != "" && sizeEvidence[r.Asset] == "" {
				sizeEvidence[r.Asset] = excerpt(ev, r.EvidenceTruncated)
			}
		}
		sec := dbSectionOf(typ, r.Item)
		items[sec] = append(items[sec], o.healthItem(r, o.dbLabel(typ, r.Check, r.Item), value, started))
	}

	for _, inst := range insts {
		if inst.Role == "" {
			inst.Role = inst.ExpectedRole
		}
		d.Instances = append(d.Instances, *inst)
		d.Overview.Instances++
		d.Overview.add(inst.Status)
	}
	slices.SortFunc(d.Instances, func(a, b DBInstance) int {
		return cmp.Or(cmp.Compare(b.Status, a.Status), cmp.Compare(a.Name, b.Name))
	})
	d.Instances = nonNil(d.Instances)
	slices.SortFunc(d.Sizes, func(a, b DBSize) int {
		return cmp.Or(cmp.Compare(a.Instance, b.Instance), cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Database, b.Database))
	})
	d.Sizes = nonNil(d.Sizes)
	for _, name := range sortedKeys(sizeEvidence) {
		d.LargestTables = append(d.LargestTables, DBTables{Instance: clean(name), Tables: sizeEvidence[name]})
	}
	d.LargestTables = nonNil(d.LargestTables)

	for _, key := range dbSectionOrder {
		if key == "other" && len(items[key]) == 0 {
			continue
		}
		d.Sections = append(d.Sections, o.section(key, o.t("rdb.sec."+key), items[key]))
	}
	d.Problems = nonNil(problems(d.Sections))

	var critical []string
	for _, in := range d.Instances {
		if in.Counts.Crit > 0 {
			critical = append(critical, in.Name)
		}
	}
	ov := &d.Overview
	d.CountLine, d.Conclusion = o.summarise("rdb", ov.Instances, &ov.Tally, d.Counts, critical)
	d.StatusChart = statusBar(o, d.Counts)
	d.Sign = o.signers("report.sign.inspector")
	d.Notes = []string{o.t("report.daily.note_status"), o.t("rdb.note.sections"), o.t("rdb.note.growth"), o.t("rdb.note.backup")}
	if ov.Unreachable > 0 {
		d.Notes = append(d.Notes, o.t("rdb.note.unreachable"))
	}
	d.Notes = append(d.Notes, o.t("report.daily.note_source", run.ID))
	if run.Status != "" && run.Status != result.RunCompleted {
		d.Notes = append([]string{o.t("report.daily.note_incomplete", o.t("report.runstatus."+run.Status))}, d.Notes...)
	}
	return d
}

func (o *Options) newDBInstance(r *result.Result, a *inventory.Asset) *DBInstance {
	inst := &DBInstance{Name: clean(r.Asset), System: clean(r.System), Reachable: true}
	if a != nil {
		inst.Address = clean(a.Address)
		if a.Port > 0 && inst.Address != "" {
			inst.Address += ":" + strconv.Itoa(a.Port)
		}
		if inst.System == "" {
			inst.System = clean(a.System)
		}
		if a.Database != nil {
			inst.Engine = engineName(a.Database.Engine)
			inst.ExpectedRole = clean(strings.ToLower(a.Database.Role))
			inst.ReplicasExpected = a.Database.Replicas
		}
	}
	return inst
}

// unitValue is the result's value when it is in unit.
func unitValue(r *result.Result, unit string) *float64 {
	if r.Value != nil && r.Unit == unit {
		v := *r.Value
		return &v
	}
	return nil
}

// dbReplication reads the replication result: the role it shows (a primary
// counts its standbys, a standby measures its lag), the state in words.
func (o *Options) dbReplication(inst *DBInstance, r *result.Result) {
	inst.ReplicationStatus = r.Status
	streaming := cmp.Or(metricP(r, "db.standbys_streaming"), metricP(r, "db.replicas_connected"))
	lag := cmp.Or(metricP(r, "db.replication_lag_s"), unitValue(r, "s"))
	inst.ReplicationLagS = lag
	switch {
	case r.Status == result.Unknown || r.Status == result.Unreachable:
		inst.Replication = statusWord(o.Lang, r.Status)
	case streaming != nil:
		inst.Role = "primary"
		inst.Standbys = streaming
		switch {
		case inst.ReplicasExpected > 0:
			inst.Replication = o.t("rdb.repl.primary_of", fmtNum(*streaming), inst.ReplicasExpected)
		case *streaming == 0:
			inst.Replication = o.t("rdb.repl.none")
		default:
			inst.Replication = o.t("rdb.repl.primary", fmtNum(*streaming))
		}
		if lag != nil && *lag > 0 {
			inst.Replication += o.t("rdb.repl.max_lag", fmtSeconds(o.Lang, *lag))
		}
	case lag != nil:
		inst.Role = "standby"
		// CRIT while the lag itself is within the critical threshold
		// means replication stopped, not that it is slow.
		if r.Status == result.Crit && !exceeds(r.Crit, *lag) {
			inst.Replication = o.t("rdb.repl.broken")
		} else {
			inst.Replication = o.t("rdb.repl.standby", fmtSeconds(o.Lang, *lag))
		}
	default:
		inst.Replication = statusWord(o.Lang, r.Status)
	}
}

// exceeds reports whether v raises the alert of the Nagios range s.
func exceeds(s string, v float64) bool {
	r, ok := parseRange(s)
	return ok && r.Alerts(v)
}

// dbSize is a database's size with its growth against earlier samples of
// the same instance and database.
func dbSize(inst, name string, bytes float64, st result.Status, at time.Time, hist []store.MetricPoint, asset, item string) DBSize {
	s := DBSize{Instance: inst, Database: name, Bytes: bytes, Status: st}
	var prev, base *store.MetricPoint
	for i := range hist {
		p := &hist[i]
		if p.Asset != asset || p.Item != item || !p.At.Before(at) {
			continue
		}
		if prev == nil || p.At.After(prev.At) {
			prev = p
		}
		if !p.At.Before(at.Add(-dbGrowthWindow)) && (base == nil || p.At.Before(base.At)) {
			base = p
		}
	}
	if prev == nil {
		return s
	}
	pv, ch := prev.Value, bytes-prev.Value
	s.PrevBytes, s.PrevAt, s.ChangeBytes = &pv, prev.At.In(at.Location()), &ch
	if base == nil {
		base = prev
	}
	if days := at.Sub(base.At).Hours() / 24; days >= 0.5 {
		per := (bytes - base.Value) / days
		s.PerDayBytes, s.SinceDays = &per, roundTo(days, 1)
	}
	return s
}

// dbLabel names a db check result in the report's language.
func (o *Options) dbLabel(typ, check, item string) string {
	if typ == "db-size" && item != "" {
		return o.t("rdb.item.database", clean(item))
	}
	checkLabel := labelOf(o.Lang, "rdb.check."+typ, clean(check))
	if item == "" {
		return checkLabel
	}
	if l := labelOf(o.Lang, "rdb.item."+item, ""); l != "" {
		return l
	}
	return checkLabel + " " + clean(item)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// namesUpTo lists at most n names, then says how many there are in all.
func (o *Options) namesUpTo(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, o.t("report.listsep"))
	}
	return strings.Join(names[:n], o.t("report.listsep")) + o.t("rhc.and_more", len(names))
}
