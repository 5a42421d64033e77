package backup

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Aspects of a drill's results.
const (
	DrillRestore = "restore"
	DrillTables  = "tables"
	DrillRows    = "rows"
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
	// Reference row counts per table: the source database's or the last
	// drill's. Empty: counts are recorded, not compared.
	Reference     map[string]float64
	ReferenceFrom string // RefSource or RefLastDrill (or a name), for messages
	Now           time.Time
	// Lang is the language of the verdicts ("zh" or "en"; "" is English).
	Lang string
}

// Where a drill's reference row counts come from (DrillOptions.ReferenceFrom).
const (
	RefSource    = "source"
	RefLastDrill = "last drill"
)

// refName names the reference in lang.
func refName(lang, from string) string {
	switch from {
	case RefSource:
		return say(lang, "backup.drill.ref.source")
	case RefLastDrill:
		return say(lang, "backup.drill.ref.last_drill")
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

// Drill restores copy c of policy p (read through src, the host holding it)
// into a new scratch database on the drill target, checks the expected
// tables and row counts, drops the scratch database, and returns the
// verdicts with the restore duration as RTO evidence. It never writes to a
// database it did not create. A file archive (p.ArchiveDrill) is extracted
// into a new scratch directory instead, its expected paths and manifest
// checked, and the directory removed. Verdicts are written in o.Lang.
func Drill(ctx context.Context, p *Policy, c Copy, src transport.Runner, o DrillOptions) []result.Result {
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
		res.Message = (&Error{Key: key, Args: args}).Text(lang)
		return []result.Result{res}
	}
	if p.Drill == nil {
		return fail(result.Unknown, "backup.drill.no_section", p.Name)
	}
	engine := NormEngine(p.Drill.Engine)
	scratch := ScratchName(o.Target.ScratchPrefix, p.Name, now)
	if err := checkTarget(o.Target, scratch, o.ProductionNames); err != nil {
		res.Advice = say(lang, "backup.drill.target_advice")
		res.Status = result.Unknown
		res.Message = ErrorText(err, lang)
		return []result.Result{res}
	}
	pw, err := o.Target.Password.Resolve()
	if err != nil {
		return fail(result.Unknown, "backup.drill.password", err)
	}
	admin := transport.SQLTarget{Name: "drill-target", Engine: engine, Host: o.Target.Host, Port: o.Target.Port, User: o.Target.User, Password: pw, TLS: "disable"}
	if engine == "postgresql" {
		admin.Database = "postgres"
	}
	adb, err := transport.OpenSQL(ctx, admin)
	if err != nil {
		return fail(result.Unknown, "backup.drill.connect", o.Target.Host, o.Target.Port, err)
	}
	defer adb.Close()

	// Create the scratch database; it must not exist (never reuse, never
	// drop something this drill did not create).
	q := identQuote(engine, scratch)
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+q); err != nil {
		return fail(result.Unknown, "backup.drill.create", scratch, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if engine == "postgresql" {
			adb.ExecContext(dctx, "DROP DATABASE IF EXISTS "+q+" WITH (FORCE)")
		} else {
			adb.ExecContext(dctx, "DROP DATABASE IF EXISTS "+q)
		}
	}()

	start := time.Now()
	restoreErr := restore(ctx, engine, p, c, src, o.Target, pw, scratch)
	dur := time.Since(start)
	res.SetValue(dur.Seconds(), "s")
	res.Metrics = []result.Metric{{Name: "drill.duration_s", Value: dur.Seconds(), Unit: "s"}}
	if restoreErr != nil {
		res.Advice = say(lang, "backup.drill.restore_failed_advice")
		return fail(result.Crit, "backup.drill.restore_failed", c.Name, scratch, elapsed(lang, dur), restoreErr)
	}
	res.Status = result.OK
	res.Message = say(lang, "backup.drill.restored", c.Name, scratch, elapsed(lang, dur))
	out := []result.Result{res}

	// Sanity queries on the restored copy.
	sdbT := admin
	sdbT.Database = scratch
	sdb, err := transport.OpenSQL(ctx, sdbT)
	if err != nil {
		return append(out, drillResult(p, DrillTables, result.Unknown, say(lang, "backup.drill.open_restored", err)))
	}
	defer sdb.Close()
	present, restored, err := listTables(ctx, sdb, engine)
	if err != nil {
		return append(out, drillResult(p, DrillTables, result.Unknown, say(lang, "backup.drill.list_tables", err)))
	}
	var missing []string
	for _, t := range p.Drill.Tables {
		if !present[strings.ToLower(t)] {
			missing = append(missing, t)
		}
	}
	tr := drillResult(p, DrillTables, result.OK, say(lang, "backup.drill.tables_ok", restored, len(p.Drill.Tables)))
	tr.SetValue(float64(restored), "tables")
	if len(missing) > 0 {
		tr.Status = result.Crit
		tr.Message = say(lang, "backup.drill.tables_missing", join(lang, missing), restored)
		tr.Advice = say(lang, "backup.drill.tables_missing_advice")
	} else if len(present) == 0 {
		tr.Status = result.Crit
		tr.Message = say(lang, "backup.drill.no_tables")
		tr.Advice = say(lang, "backup.drill.no_tables_advice")
	}
	out = append(out, tr)

	// Row counts against the reference.
	if len(p.Drill.Tables) > 0 && len(missing) < len(p.Drill.Tables) {
		tol := p.Drill.RowTolerance
		if tol <= 0 {
			tol = 10
		}
		rr := drillResult(p, DrillRows, result.OK, "")
		var notes, counts []string
		for _, t := range p.Drill.Tables {
			if !present[strings.ToLower(t)] {
				continue
			}
			var n float64
			if err := sdb.QueryRowContext(ctx, "SELECT count(*) FROM "+tableQuote(engine, t)).Scan(&n); err != nil {
				rr.Status = result.Worst(rr.Status, result.Unknown)
				notes = append(notes, say(lang, "backup.drill.count_failed", t, err))
				continue
			}
			rr.Metrics = append(rr.Metrics, result.Metric{Name: "drill.rows." + strings.ToLower(t), Value: n})
			counts = append(counts, fmt.Sprintf("%s=%.0f", t, n))
			if ref, ok := o.Reference[strings.ToLower(t)]; ok && ref > 0 {
				diff := (n - ref) / ref * 100
				if diff < -tol || diff > tol {
					rr.Status = result.Worst(rr.Status, result.Crit)
					notes = append(notes, say(lang, "backup.drill.rows_drift", t, n, refName(lang, o.ReferenceFrom), ref, diff, tol))
				}
			}
		}
		switch {
		case len(notes) > 0:
			rr.Message = joinClauses(lang, notes)
			rr.Advice = say(lang, "backup.drill.rows_drift_advice")
		case len(o.Reference) > 0:
			rr.Message = say(lang, "backup.drill.rows_ok", tol, refName(lang, o.ReferenceFrom), join(lang, counts))
		default:
			rr.Message = say(lang, "backup.drill.rows_recorded", join(lang, counts))
		}
		out = append(out, rr)
	}
	return out
}

func drillResult(p *Policy, aspect string, st result.Status, msg string) result.Result {
	r := p.base(aspect)
	r.Check = "drill:" + p.Name
	r.Playbook = "drill"
	r.Status = st
	r.Message = msg
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

// restore streams the copy from its host into the engine's restore tool,
// decompressing and filtering on the way (nothing is written to disk).
func restore(ctx context.Context, engine string, p *Policy, c Copy, src transport.Runner, t DrillTarget, pw, scratch string) error {
	port := t.Port
	var cmd *exec.Cmd
	filter := true // SQL text: drop database switches
	switch engine {
	case "postgresql":
		if port == 0 {
			port = 5432
		}
		conn := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", t.Host, port, t.User, scratch)
		custom, err := isCustomDump(ctx, src, c)
		if err != nil {
			return err
		}
		if custom {
			filter = false
			cmd = exec.CommandContext(ctx, pgTool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "-d", conn)
		} else {
			cmd = exec.CommandContext(ctx, pgTool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn, "-o", os.DevNull)
		}
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pw)
	default:
		if port == 0 {
			port = 3306
		}
		client := "mariadb"
		if _, err := exec.LookPath(client); err != nil {
			client = "mysql"
		}
		cmd = exec.CommandContext(ctx, client, "--no-defaults", "--protocol=TCP", "-h", t.Host, "-P", strconv.Itoa(port), "-u", t.User, "--database="+scratch, "--batch")
		cmd.Env = append(os.Environ(), "MYSQL_PWD="+pw)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var toolErr bytes.Buffer
	cmd.Stderr = &toolErr
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return errorf("backup.drill.start_tool", filepath.Base(cmd.Path), err)
	}
	feedErr := feed(ctx, src, c, stdin, filter)
	stdin.Close()
	waitErr := cmd.Wait()
	msg := strings.TrimSpace(toolErr.String())
	if len(msg) > 600 {
		msg = msg[len(msg)-600:]
	}
	switch {
	case feedErr != nil:
		return errorf("backup.drill.read_copy", c.Name, feedErr)
	case waitErr != nil:
		return fmt.Errorf("%s: %v: %s", filepath.Base(cmd.Path), waitErr, msg)
	}
	return nil
}

// feed copies the dump into w: from the host through the runner's stream,
// gunzipped when compressed, with statements that would switch to another
// database (USE, CREATE DATABASE, \connect) dropped so the restore can only
// land in the scratch database.
func feed(ctx context.Context, src transport.Runner, c Copy, w io.Writer, filter bool) error {
	in, err := openCopy(ctx, src, c)
	if err != nil {
		return err
	}
	defer in.Close()
	var r io.Reader = bufio.NewReaderSize(in, 1<<20)
	if strings.HasSuffix(strings.ToLower(c.Name), ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return errorf("backup.drill.gunzip", err)
		}
		r = zr
	}
	if filter {
		return filterSQL(r, w)
	}
	_, err = io.Copy(w, r)
	return err
}

var switchDBRE = regexp.MustCompile(`(?i)^\s*(USE\s|CREATE\s+DATABASE\s|ALTER\s+DATABASE\s|COMMENT\s+ON\s+DATABASE\s|DROP\s+DATABASE\s|\\connect\s|\\c\s)`)

// filterSQL copies SQL text line by line, dropping database switches. Lines
// can be megabytes long (extended INSERTs); only their start is inspected.
func filterSQL(r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 1<<20)
	bw := bufio.NewWriterSize(w, 1<<20)
	atLineStart := true
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if !(atLineStart && switchDBRE.Match(chunk)) {
				if _, werr := bw.Write(chunk); werr != nil {
					return werr
				}
				atLineStart = chunk[len(chunk)-1] == '\n'
			} else {
				// drop the rest of this line too
				for chunk[len(chunk)-1] != '\n' && err == bufio.ErrBufferFull {
					chunk, err = br.ReadSlice('\n')
				}
				atLineStart = true
			}
		}
		switch {
		case err == nil, err == bufio.ErrBufferFull:
			if err == bufio.ErrBufferFull {
				atLineStart = false
			}
			continue
		case err == io.EOF:
			return bw.Flush()
		default:
			return err
		}
	}
}

// isCustomDump reports whether the copy is a pg_dump custom-format archive
// (starts with PGDMP), reading 5 bytes on the host.
func isCustomDump(ctx context.Context, src transport.Runner, c Copy) (bool, error) {
	if strings.HasSuffix(strings.ToLower(c.Name), ".gz") || strings.Contains(strings.ToLower(c.Name), ".sql") {
		return false, nil
	}
	out, err := src.Run(ctx, "head -c 5 "+quote(c.Path))
	if err != nil {
		return false, err
	}
	return string(out.Stdout) == "PGDMP", nil
}

// pgTool finds a PostgreSQL client tool: on PATH, else the newest
// /usr/lib/postgresql/N/bin.
func pgTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(m) > 0 {
		return m[len(m)-1]
	}
	return name
}
