package backup

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
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
	Target DrillTarget
	// ProductionNames are the database names of the inventory's database
	// assets: a scratch prefix that could name one of them is refused.
	ProductionNames []string
	// Reference row counts per table: the source database's or the last
	// drill's. Empty: counts are recorded, not compared.
	Reference     map[string]float64
	ReferenceFrom string // "source" or "last drill", for messages
	Now           time.Time
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
		return fmt.Errorf("drill target %s: scratch_prefix %q is too short: use a distinctive prefix such as hcops_drill_", t.Host, t.ScratchPrefix)
	}
	if !strings.HasPrefix(scratch, prefix) {
		return fmt.Errorf("scratch database %q does not start with the prefix %q", scratch, prefix)
	}
	for _, p := range production {
		lp := strings.ToLower(p)
		if lp == scratch || strings.HasPrefix(lp, prefix) {
			return fmt.Errorf("refusing to drill: the scratch prefix %q matches the production database %q — choose a prefix no production database uses", prefix, p)
		}
	}
	return nil
}

// Drill restores copy c of policy p (read through src, the host holding it)
// into a new scratch database on the drill target, checks the expected
// tables and row counts, drops the scratch database, and returns the
// verdicts with the restore duration as RTO evidence. It never writes to a
// database it did not create.
func Drill(ctx context.Context, p *Policy, c Copy, src transport.Runner, o DrillOptions) []result.Result {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	res := p.base(DrillRestore)
	res.Check = "drill:" + p.Name
	res.Playbook = "drill"
	fail := func(st result.Status, format string, args ...any) []result.Result {
		res.Status = st
		res.Message = fmt.Sprintf(format, args...)
		return []result.Result{res}
	}
	if p.Drill == nil {
		return fail(result.Unknown, "policy %s has no drill: section (engine, tables)", p.Name)
	}
	engine := NormEngine(p.Drill.Engine)
	scratch := ScratchName(o.Target.ScratchPrefix, p.Name, now)
	if err := checkTarget(o.Target, scratch, o.ProductionNames); err != nil {
		res.Advice = "set drill_targets in backups.yaml to a scratch server and a prefix that no production database uses"
		return fail(result.Unknown, "%v", err)
	}
	pw, err := o.Target.Password.Resolve()
	if err != nil {
		return fail(result.Unknown, "drill target password: %v", err)
	}
	admin := transport.SQLTarget{Name: "drill-target", Engine: engine, Host: o.Target.Host, Port: o.Target.Port, User: o.Target.User, Password: pw, TLS: "disable"}
	if engine == "postgresql" {
		admin.Database = "postgres"
	}
	adb, err := transport.OpenSQL(ctx, admin)
	if err != nil {
		return fail(result.Unknown, "drill target %s:%d: %v", o.Target.Host, o.Target.Port, err)
	}
	defer adb.Close()

	// Create the scratch database; it must not exist (never reuse, never
	// drop something this drill did not create).
	q := identQuote(engine, scratch)
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+q); err != nil {
		return fail(result.Unknown, "create scratch database %s: %v", scratch, err)
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
		res.Advice = "this copy cannot be restored: find out why (the error above), take a new backup and drill again — until then there is no proven restore point"
		return fail(result.Crit, "restore of %s into %s failed after %s: %v", c.Name, scratch, dur.Round(time.Millisecond), restoreErr)
	}
	res.Status = result.OK
	res.Message = fmt.Sprintf("%s restored into scratch database %s in %s (RTO evidence)", c.Name, scratch, dur.Round(time.Millisecond))
	out := []result.Result{res}

	// Sanity queries on the restored copy.
	sdbT := admin
	sdbT.Database = scratch
	sdb, err := transport.OpenSQL(ctx, sdbT)
	if err != nil {
		return append(out, drillResult(p, DrillTables, result.Unknown, fmt.Sprintf("cannot open the restored database: %v", err)))
	}
	defer sdb.Close()
	present, err := listTables(ctx, sdb, engine)
	if err != nil {
		return append(out, drillResult(p, DrillTables, result.Unknown, fmt.Sprintf("list tables: %v", err)))
	}
	var missing []string
	for _, t := range p.Drill.Tables {
		if !present[strings.ToLower(t)] {
			missing = append(missing, t)
		}
	}
	tr := drillResult(p, DrillTables, result.OK, fmt.Sprintf("%d tables restored, all %d expected present", len(present), len(p.Drill.Tables)))
	tr.SetValue(float64(len(present)), "tables")
	if len(missing) > 0 {
		tr.Status = result.Crit
		tr.Message = fmt.Sprintf("expected table(s) missing after restore: %s (%d tables restored)", strings.Join(missing, ", "), len(present))
		tr.Advice = "the dump does not contain everything: check the dump command's scope (databases, schemas, --tables/--exclude options)"
	} else if len(present) == 0 {
		tr.Status = result.Crit
		tr.Message = "the restore produced no tables"
		tr.Advice = "the dump is empty or of the wrong database: check the dump job"
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
				notes = append(notes, fmt.Sprintf("%s: %v", t, err))
				continue
			}
			rr.Metrics = append(rr.Metrics, result.Metric{Name: "drill.rows." + strings.ToLower(t), Value: n})
			counts = append(counts, fmt.Sprintf("%s=%.0f", t, n))
			if ref, ok := o.Reference[strings.ToLower(t)]; ok && ref > 0 {
				diff := (n - ref) / ref * 100
				if diff < -tol || diff > tol {
					rr.Status = result.Worst(rr.Status, result.Crit)
					notes = append(notes, fmt.Sprintf("%s has %.0f rows, %s had %.0f (%+.0f%%, tolerance ±%.0f%%)", t, n, o.ReferenceFrom, ref, diff, tol))
				}
			}
		}
		switch {
		case len(notes) > 0:
			rr.Message = strings.Join(notes, "; ")
			rr.Advice = "the restored data differs from the reference beyond the tolerance: check whether the dump was taken mid-load or of the wrong instance"
		case len(o.Reference) > 0:
			rr.Message = fmt.Sprintf("row counts within ±%.0f%% of the %s: %s", tol, o.ReferenceFrom, strings.Join(counts, ", "))
		default:
			rr.Message = "row counts recorded for the next drill: " + strings.Join(counts, ", ")
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

func listTables(ctx context.Context, db *sql.DB, engine string) (map[string]bool, error) {
	q := `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog','information_schema')`
	if engine != "postgresql" {
		q = `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = DATABASE()`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s, t string
		if err := rows.Scan(&s, &t); err != nil {
			return nil, err
		}
		out[strings.ToLower(t)] = true
		out[strings.ToLower(s+"."+t)] = true
	}
	return out, rows.Err()
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
		return fmt.Errorf("start %s: %w (install the client tools on this machine)", filepath.Base(cmd.Path), err)
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
		return fmt.Errorf("read %s: %w", c.Name, feedErr)
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
	st, ok := src.(transport.Streamer)
	if !ok {
		return errors.New("the transport to the host holding the copy cannot stream files")
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		rc, errOut, err := st.Stream(ctx, "cat "+quote(c.Path), pw)
		if err == nil && rc != 0 {
			err = fmt.Errorf("cat exited %d: %s", rc, strings.TrimSpace(string(errOut)))
		}
		pw.CloseWithError(err)
		done <- err
	}()
	var r io.Reader = bufio.NewReaderSize(pr, 1<<20)
	if strings.HasSuffix(strings.ToLower(c.Name), ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			pr.CloseWithError(err)
			<-done
			return fmt.Errorf("gunzip: %w", err)
		}
		r = zr
	}
	var err error
	if filter {
		err = filterSQL(r, w)
	} else {
		_, err = io.Copy(w, r)
	}
	pr.CloseWithError(err)
	if serr := <-done; err == nil && serr != nil && !errors.Is(serr, io.ErrClosedPipe) {
		err = serr
	}
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
