package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

const gib = 1 << 30

// dbAssets: a PostgreSQL primary with one expected standby, that standby, a
// MariaDB instance that refuses connections, and an instance whose name and
// messages are hostile.
func dbAssets() []*inventory.Asset {
	pg := func(name, role string, replicas int) *inventory.Asset {
		return &inventory.Asset{Name: name, Kind: inventory.KindDatabase, Address: "10.1.1.11", Port: 5432, System: "HIS",
			Database: &inventory.Database{Engine: "postgresql", User: "hcops_monitor", Role: role, Replicas: replicas}}
	}
	standby := pg("his-pg-02", "standby", 0)
	standby.Address = "10.1.1.12"
	return []*inventory.Asset{
		pg("his-pg-01", "primary", 1), standby,
		{Name: "lis-my-01", Kind: inventory.KindDatabase, Address: "10.1.2.21", Port: 3306, System: "LIS",
			Database: &inventory.Database{Engine: "mariadb", User: "hcops", Role: "primary"}},
		{Name: hostileAsset, Kind: inventory.KindDatabase, Address: "10.9.9.9", Port: 5432, System: "lab",
			Database: &inventory.Database{Engine: "postgresql", User: "m"}},
		{Name: "web-01", Kind: "host", Address: "172.16.0.5", System: "portal"},
	}
}

// dbr is a stored db-* result with metrics.
func dbr(asset, typ, item string, st result.Status, v *float64, unit, warn, crit, msg, advice string, ms ...result.Metric) result.Result {
	return result.Result{Asset: asset, Check: typ, Type: typ, Item: item, Status: st, Value: v, Unit: unit, Warn: warn, Crit: crit,
		Message: msg, Advice: advice, Metrics: ms, Playbook: "db-health"}
}

// dbStatus is a db-status result as the check writes it in lang: product,
// version and role are arguments of its message (db.status.summary).
func dbStatus(lang, asset, product, version, role string, uptime float64, age i18n.Sub) result.Result {
	r := dbr(asset, "db-status", "status", result.OK, fv(uptime), "s", "", "", "", "", met("db.uptime_s", uptime, "s"))
	r.SetMessage(lang, "db.status.summary", product, version, role, i18n.S("db.role."+role), age)
	return r
}

func met(name string, v float64, unit string) result.Metric {
	return result.Metric{Name: name, Value: v, Unit: unit}
}

// sizeOnly is an earlier run that measured database sizes only.
func sizeOnly(his, pg float64) []result.Result {
	return []result.Result{
		dbr("his-pg-01", "db-size", "his", result.OK, fv(his/gib), "GiB", "", "", "database his", "", met("db.size_bytes", his, "B")),
		dbr("his-pg-01", "db-size", "postgres", result.OK, fv(pg/gib), "GiB", "", "", "database postgres", "", met("db.size_bytes", pg, "B")),
	}
}

// dbResults is the reported db-health run, as the checks store it.
func dbResults() []result.Result {
	rs := []result.Result{
		dbStatus(i18n.EN, "his-pg-01", "PostgreSQL", "15.8 (Debian 15.8-1.pgdg120+1)", "primary", 40*86400, i18n.S("db.age.d", 40)),
		dbr("his-pg-01", "db-connections", "connections", result.OK, fv(45), "%", "~:80", "~:90", "81 of 180 connections in use (45%)", "",
			met("db.connections", 81, ""), met("db.connections_pct", 45, "%")),
		dbr("his-pg-01", "db-activity", "long-transactions", result.OK, fv(12), "s", "~:300", "~:1800", "oldest open transaction 12s old", "",
			met("db.oldest_xact_s", 12, "s")),
		dbr("his-pg-01", "db-activity", "locks", result.OK, fv(0), "sessions", "", "", "0 sessions waiting for a lock", "",
			met("db.lock_waits", 0, ""), met("db.deadlocks_total", 3, "")),
		dbr("his-pg-01", "db-cache", "cache-hit", result.OK, fv(99.2), "%", "95:", "90:", "cache hit ratio 99.20%", "", met("db.cache_hit_pct", 99.2, "%")),
		dbr("his-pg-01", "db-throughput", "throughput", result.OK, fv(350.4), "tps", "", "", "350.4 transactions/s", "", met("db.tps", 350.4, "")),
		dbr("his-pg-01", "db-replication", "replication", result.OK, fv(2), "s", "~:60", "~:300", "primary: 1 standby(s) streaming", "",
			met("db.standbys_streaming", 1, ""), met("db.replication_lag_s", 2, "s"), met("db.replication_lag_bytes", 4096, "B")),
		dbr("his-pg-01", "db-backup", "wal-archive", result.OK, nil, "", "", "", "WAL archiving on", "", met("db.archive_failed_total", 0, "")),
		dbr("his-pg-01", "db-security", "accounts", result.OK, nil, "", "", "", "3 login roles, superusers: postgres", ""),
		dbr("his-pg-01", "db-security", "settings", result.Warn, nil, "", "", "", "ssl is off (connections are not encrypted)", "enable ssl"),

		dbStatus(i18n.EN, "his-pg-02", "PostgreSQL", "15.8", "standby", 3*86400, i18n.S("db.age.d", 3)),
		dbr("his-pg-02", "db-replication", "replication", result.Crit, fv(1250), "s", "~:60", "~:300",
			"standby streaming, replay 20m behind (1.2 GiB not yet replayed)", "replay is falling behind: check the standby's I/O",
			met("db.replication_lag_s", 1250, "s"), met("db.replication_lag_bytes", 1.2*gib, "B")),
		dbr("his-pg-02", "db-connections", "connections", result.OK, fv(5), "%", "~:80", "~:90", "9 of 180", "",
			met("db.connections", 9, ""), met("db.connections_pct", 5, "%")),

		dbr("lis-my-01", "db-status", "", result.Unreachable, nil, "", "", "", "lis-my-01: cannot connect to mariadb at 10.1.2.21:3306: connection refused",
			"the database is not listening: check that the service is running"),
		dbr("lis-my-01", "db-connections", "", result.Unknown, nil, "", "", "", "not checked: the instance could not be reached (see db-status)", ""),
		dbr("lis-my-01", "db-security", "", result.Unknown, nil, "", "", "", "not checked: the instance could not be reached (see db-status)", ""),

		dbStatus(i18n.EN, hostileAsset, "PostgreSQL", "16.4", "primary", 600, i18n.S("db.age.m", 10)),
		dbr(hostileAsset, "db-security", "accounts", result.Crit, nil, "", "", "", hostileMsg, "=HYPERLINK(\"http://x\") give every superuser a password"),
		{Asset: "web-01", Check: "disk:/", Type: "disk", Item: "/", Status: result.Crit, Value: fv(97), Unit: "%", Message: "/ 97% used", Playbook: "linux-daily"},
	}
	rs = append(rs, sizeOnly(120*gib, 8*(1<<20))...)
	rs[len(rs)-2].Evidence = "largest tables: public.emr_record 61.0 GiB, public.orders 20.5 GiB"
	rs[len(rs)-4].Evidence = "<script>alert(1)</script> pid 77"
	return rs
}

// dbAt is the time of the reported run.
var dbAt = time.Date(2026, 11, 29, 8, 0, 0, 0, cst)

// seedRun stores one finished inspection run.
func seedRun(t testing.TB, db store.History, at time.Time, playbooks []string, assets []*inventory.Asset, rs []result.Result) int64 {
	t.Helper()
	run := &result.Run{Kind: result.KindInspect, StartedAt: at, Operator: "ops", RanFrom: "jump-01", Playbooks: playbooks, Assets: len(assets)}
	storeRun(t, db, run, rs, assets, 2*time.Minute)
	return run.ID
}

// storeRun stores run with rs (a second apart from its start), the
// inventory snapshot of assets (when given), finished after took.
func storeRun(t testing.TB, db store.History, run *result.Run, rs []result.Result, assets []*inventory.Asset, took time.Duration) {
	t.Helper()
	ctx := context.Background()
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		rs[i].StartedAt = run.StartedAt.Add(time.Duration(i) * time.Second)
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	if assets != nil {
		data, _ := json.Marshal(assets)
		if err := db.SaveSnapshot(ctx, run.ID, data); err != nil {
			t.Fatal(err)
		}
	}
	run.Results = rs
	run.FinishedAt = run.StartedAt.Add(took)
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
}

func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// seedDB writes the size history (28 and 2 days before), the reported run,
// and a later daily run without database checks; it returns the store and
// the reported run's id.
func seedDB(t testing.TB) (*store.DB, int64) {
	t.Helper()
	db := openStore(t)
	return db, seedDBInto(t, db)
}

// seedDBInto writes seedDB's history into db and returns the reported
// run's id.
func seedDBInto(t testing.TB, db store.History) int64 {
	t.Helper()
	seedRun(t, db, dbAt.AddDate(0, 0, -28), []string{"db-health"}, dbAssets(), sizeOnly(110*gib, 8*(1<<20)))
	seedRun(t, db, dbAt.AddDate(0, 0, -2), []string{"db-health"}, dbAssets(), sizeOnly(118*gib, 8*(1<<20)))
	id := seedRun(t, db, dbAt, []string{"db-health", "linux-daily"}, dbAssets(), dbResults())
	seedRun(t, db, dbAt.Add(2*time.Hour), []string{"linux-daily"}, dbAssets(), []result.Result{
		{Asset: "web-01", Check: "load", Type: "load", Status: result.OK, Message: "load 0.1", Playbook: "linux-daily"}})
	return id
}

func buildTestDB(t *testing.T, lang string, sel *inventory.Selector) *DBReport {
	t.Helper()
	db, _ := seedDB(t)
	id, err := FindDBRun(context.Background(), db, time.Time{}, cst, sel, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := BuildDB(context.Background(), db, id, sel, testOpts(lang))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func instance(t *testing.T, d *DBReport, name string) DBInstance {
	t.Helper()
	for _, in := range d.Instances {
		if in.Name == name {
			return in
		}
	}
	t.Fatalf("no instance %q in %+v", name, d.Instances)
	return DBInstance{}
}

func section(t *testing.T, secs []HealthSection, key string) HealthSection {
	t.Helper()
	for _, s := range secs {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no section %q", key)
	return HealthSection{}
}

func TestDBReportModel(t *testing.T) {
	d := buildTestDB(t, "zh", nil)
	// The latest run with database results, not the later daily run.
	if d.Period != "2026年11月29日" || d.Header.Title != "数据库健康诊断报告" {
		t.Errorf("period %q title %q", d.Period, d.Header.Title)
	}
	ov := d.Overview
	if ov.Instances != 4 || ov.Healthy != 0 || ov.Warn != 1 || ov.Crit != 2 || ov.Unreachable != 1 {
		t.Errorf("overview %+v", ov)
	}
	// web-01's disk is no database result; lis-my-01's "not checked"
	// results repeat its connection failure and are left out.
	if d.Counts.Total() != 18 || d.Counts.Unknown != 0 || d.Counts.Unreachable != 1 {
		t.Errorf("counts %+v", d.Counts)
	}
	want := "本次共诊断 4 个数据库实例、18 项指标，正常 14 项，警告 1 项，严重 2 项，无法连接 1 个。"
	if d.CountLine != want {
		t.Errorf("count line\n got %s\nwant %s", d.CountLine, want)
	}
	if !strings.Contains(d.Conclusion, "严重问题 2 项") || !strings.Contains(d.Conclusion, "his-pg-02") || !strings.Contains(d.Conclusion, "1 个实例无法连接") {
		t.Errorf("conclusion %q", d.Conclusion)
	}

	p1 := instance(t, d, "his-pg-01")
	if p1.Engine != "PostgreSQL" || p1.Version != "15.8" || p1.Role != "primary" || p1.Address != "10.1.1.11:5432" || p1.Status != result.Warn {
		t.Errorf("primary %+v", p1)
	}
	if p1.ConnectionsPct == nil || *p1.ConnectionsPct != 45 || p1.CacheHitPct == nil || *p1.CacheHitPct != 99.2 || p1.TPS == nil || *p1.TPS != 350.4 {
		t.Errorf("primary figures %+v", p1)
	}
	if p1.Replication != "1/1 个备库在线，最大延迟 2秒" || p1.SizeBytes == nil || *p1.SizeBytes != 120*gib+8*(1<<20) {
		t.Errorf("primary replication %q size %v", p1.Replication, p1.SizeBytes)
	}
	p2 := instance(t, d, "his-pg-02")
	if p2.Role != "standby" || p2.ReplicationStatus != result.Crit || p2.Replication != "延迟 20分50秒" || *p2.ReplicationLagS != 1250 {
		t.Errorf("standby %+v", p2)
	}
	my := instance(t, d, "lis-my-01")
	if my.Reachable || my.Status != result.Unreachable || my.Engine != "MariaDB" {
		t.Errorf("unreachable instance %+v", my)
	}

	// The lagging replica is a CRIT item of the DR section, with its lag,
	// threshold and advice due today (the check's advice is plain English
	// text without a code, so a Chinese report gives its own; issue #13).
	dr := section(t, d.Sections, "dr")
	if dr.Title != "高可用与容灾" || dr.Worst != result.Crit {
		t.Errorf("dr section %+v", dr)
	}
	lag := dr.Items[0]
	if lag.Asset != "his-pg-02" || lag.Status != result.Crit || lag.Value != "20分50秒" || lag.Threshold != "警告 >60秒，严重 >300秒" ||
		!strings.HasPrefix(lag.Advice, "建议当日内") || strings.Contains(lag.Advice, "falling behind") {
		t.Errorf("lag item %+v", lag)
	}
	// The security settings warning sits in the security section.
	sec := section(t, d.Sections, "security")
	if sec.Worst != result.Crit || sec.Counts.Warn != 1 || sec.Counts.Crit != 1 {
		t.Errorf("security %+v", sec)
	}
	// Problems: the unreachable instance first, then the two CRITs, then
	// the WARN; the instance's own advice replaces the SSH default.
	if len(d.Problems) != 4 {
		t.Fatalf("problems %+v", d.Problems)
	}
	if p := d.Problems[0]; p.Asset != "lis-my-01" || p.Level != result.Unreachable || !strings.Contains(p.Advice, "not listening") || strings.Contains(p.Advice, "SSH") {
		t.Errorf("first problem %+v", p)
	}
	if d.Problems[1].Level != result.Crit || d.Problems[3].Level != result.Warn || d.Problems[3].Rank != 4 {
		t.Errorf("problem order %+v", d.Problems)
	}

	// Capacity: his grew 2 GiB since the run 2 days before, 10 GiB over 28 days.
	var his *DBSize
	for i := range d.Sizes {
		if d.Sizes[i].Database == "his" {
			his = &d.Sizes[i]
		}
	}
	if his == nil || his.Bytes != 120*gib || *his.PrevBytes != 118*gib || *his.ChangeBytes != 2*gib || his.SinceDays != 28 {
		t.Fatalf("his size %+v", his)
	}
	if per := *his.PerDayBytes; per < 365*(1<<20) || per > 366*(1<<20) {
		t.Errorf("growth per day %v, want about 365.7 MiB", per)
	}
	if len(d.LargestTables) != 1 || !strings.Contains(d.LargestTables[0].Tables, "public.emr_record") {
		t.Errorf("largest tables %+v", d.LargestTables)
	}
	if d.Sign[0].Name != "张伟" || len(d.Sign) != 3 {
		t.Errorf("sign-off %+v", d.Sign)
	}
}

func TestDBReportSelection(t *testing.T) {
	// By name.
	sel, err := inventory.ParseSelector([]string{"his-pg-02"}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	d := buildTestDB(t, "en", sel)
	if len(d.Instances) != 1 || d.Instances[0].Name != "his-pg-02" || d.Filter != "name=his-pg-02" {
		t.Fatalf("selected %+v filter %q", d.Instances, d.Filter)
	}
	if d.Counts.Total() != 3 {
		t.Errorf("counts %+v", d.Counts)
	}
	// By a field of the run's inventory snapshot.
	sel, _ = inventory.ParseSelector(nil, nil, "system=LIS")
	d = buildTestDB(t, "en", sel)
	if len(d.Instances) != 1 || d.Instances[0].Name != "lis-my-01" {
		t.Errorf("system=LIS selected %+v", d.Instances)
	}
}

func TestDBReportErrors(t *testing.T) {
	ctx := context.Background()
	empty := openStore(t)
	if _, err := FindDBRun(ctx, empty, time.Time{}, cst, nil, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("empty history: %v", err)
	}
	db, id := seedDB(t)
	if _, err := FindDBRun(ctx, db, dbAt.AddDate(0, 0, -1), cst, nil, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a day without a db run: %v", err)
	}
	if got, err := FindDBRun(ctx, db, dbAt, cst, nil, nil); err != nil || got != id {
		t.Errorf("by day: %d %v, want %d", got, err, id)
	}
	sel, _ := inventory.ParseSelector([]string{"nothing-*"}, nil, "")
	if _, err := FindDBRun(ctx, db, time.Time{}, cst, sel, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("selection without db results: %v", err)
	}
	if _, err := BuildDB(ctx, db, id+1, nil, testOpts("en")); !errors.Is(err, ErrNoResults) {
		t.Errorf("run without db results: %v", err)
	}
	if _, err := BuildDB(ctx, db, 999, nil, testOpts("en")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing run: %v", err)
	}
	// And the hardware report has nothing to say about a db run.
	if _, err := BuildAppliance(ctx, db, id, nil, testOpts("en")); !errors.Is(err, ErrNoResults) {
		t.Errorf("appliance report of a db run: %v", err)
	}
}

// TestDBRenderEveryFormat renders the report in every format and both
// languages and checks what a reader checks in each.
func TestDBRenderEveryFormat(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		d := buildTestDB(t, lang, nil)
		for _, format := range Formats {
			var buf bytes.Buffer
			if err := Render(&buf, format, d, ""); err != nil {
				t.Fatalf("%s %s: %v", lang, format, err)
			}
			out := buf.String()
			switch format {
			case FormatHTML, FormatMD:
				for _, want := range []string{d.Header.Title, "his-pg-02", d.CountLine, "10.1.1.11:5432", "15.8", "public.emr_record"} {
					if !strings.Contains(out, want) {
						t.Errorf("%s %s lacks %q", lang, format, want)
					}
				}
				if strings.Contains(out, "rdb.") || strings.Contains(out, "rhc.") || strings.Contains(out, "rapp.") {
					t.Errorf("%s %s shows a message key", lang, format)
				}
			case FormatJSON:
				var back DBReport
				if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
					t.Fatal(err)
				}
				if back.Kind != "db" || len(back.Instances) != 4 || len(back.Sections) != 5 || back.Problems[0].Asset != "lis-my-01" {
					t.Errorf("json round trip %+v", back.Overview)
				}
				for _, k := range []string{`"instances"`, `"sections"`, `"problems"`, `"sizes"`, `"replication_lag_s": 1250`, `"count_line"`, `"sign_off"`} {
					if !strings.Contains(out, k) {
						t.Errorf("json lacks %s", k)
					}
				}
			case FormatXLSX:
				f, err := excelize.OpenReader(&buf)
				if err != nil {
					t.Fatal(err)
				}
				sheets := f.GetSheetList()
				if len(sheets) != 5 {
					t.Errorf("sheets %v", sheets)
				}
				rows, _ := f.GetRows(sheets[1])
				if len(rows) != 5 || rows[0][1] != map[string]string{"zh": "实例", "en": "Instance"}[lang] {
					t.Errorf("instance sheet %v", rows)
				}
				var found bool
				lagCol := slices.Index(rows[0], i18n.T(lang, "rdb.c.lag_s"))
				for _, r := range rows {
					if lagCol > 0 && len(r) > lagCol && r[1] == "his-pg-02" && r[lagCol] == "1250" {
						found = true
					}
				}
				if !found {
					t.Errorf("his-pg-02's lag not a number in the instance sheet: %v", rows)
				}
				// Hostile text never becomes a formula.
				for _, sh := range sheets {
					rows, _ := f.GetRows(sh)
					for _, r := range rows {
						for _, c := range r {
							if strings.HasPrefix(c, "=") {
								t.Errorf("%s: cell %q would run as a formula", sh, c)
							}
						}
					}
				}
				f.Close()
			}
		}
	}
}

func TestDBHostileHTML(t *testing.T) {
	d := buildTestDB(t, "en", nil)
	var buf bytes.Buffer
	if err := Render(&buf, FormatHTML, d, ""); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script>", "<img src=x", "\x1b", `alert("x")</script>`} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML contains %q unescaped", bad)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39;db&#34;01") {
		t.Errorf("hostile instance name not shown escaped")
	}
	buf.Reset()
	if err := Render(&buf, FormatMD, d, ""); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(buf.String(), "```")
	for i := 0; i < len(parts); i += 2 {
		if regexp.MustCompile(`(^|[^\\])<(script|img)`).MatchString(parts[i]) {
			t.Errorf("markdown has a raw tag outside code blocks: %q", parts[i])
		}
	}
}

// Every rdb./rapp./rhc. key the code and templates use exists in both
// languages, including those completed at run time.
func TestHealthKeysTranslated(t *testing.T) {
	re := regexp.MustCompile(`"((?:rdb|rapp|rhc)\.[a-z0-9_.-]+)"`)
	files := []string{"db.go", "appliance.go", "health.go", "xlsx_db.go", "templates/db.html.tmpl", "templates/db.md.tmpl",
		"templates/appliance.html.tmpl", "templates/appliance.md.tmpl", "templates/health.html.tmpl", "templates/health.md.tmpl",
		filepath.Join("..", "..", "cmd", "hcops", "cmd_report.go")}
	var keys []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys = append(keys, m[1])
			}
		}
	}
	if len(keys) < 80 {
		t.Errorf("found only %d keys: is the pattern right?", len(keys))
	}
	for _, k := range dbSectionOrder {
		keys = append(keys, "rdb.sec."+k)
	}
	for _, p := range hwParts {
		keys = append(keys, "rapp.col."+p.key, "rapp.sec."+p.key)
	}
	for _, p := range []string{"power", "fan", "temp", "voltage", "memory", "drive", "other"} {
		keys = append(keys, "rapp.part."+p)
	}
	for _, u := range []string{"sessions", "replicas", "events", "devices", "paths", "errors"} {
		keys = append(keys, "rhc.unit."+u)
	}
	keys = append(keys, "rapp.sec.connect", "rdb.role.primary", "rdb.role.standby")
	for _, kind := range []string{"rdb", "rapp"} { // hcops report db|appliance
		for _, k := range []string{".cli.no_runs", ".cli.no_run_day", ".cli.no_results", ".cli.file"} {
			keys = append(keys, kind+k)
		}
	}
	all := i18n.Keys()
	for _, k := range keys {
		msg, ok := all[k]
		if !ok {
			t.Errorf("key %q is not in the catalogue", k)
		} else if msg.ZH == "" || msg.EN == "" {
			t.Errorf("key %q lacks a translation", k)
		}
	}
}

// db-log's two results go where the report's reader looks for them: errors
// in the server log under 实例状态, slow statements under 性能, each with its
// own label; the instance row carries both figures.
func TestDBReportPlacesLogResults(t *testing.T) {
	rs := append(dbResults(),
		dbr("his-pg-01", "db-log", "errors", result.Warn, fv(3), "errors", "~:0", "~:50", "server log /var/log/postgresql/postgresql-15-main.log: 3 error(s) since 2026-11-28 08:00",
			"read the error lines in the evidence", met("db.log_errors", 3, "")),
		dbr("his-pg-01", "db-log", "slow", result.OK, fv(12), "events", "~:100", "", "server log /var/log/postgresql/postgresql-15-main.log: 12 slow statement(s) since 2026-11-28 08:00", "",
			met("db.slow_queries", 12, ""), met("db.slow_max_s", 7.5, "s")),
		// db-log's SSH login to his-pg-02's host failed: its logs are
		// unknown, the database itself answered the db-* checks.
		result.Result{Asset: "his-pg-02", Check: "connect", Type: "connect", Playbook: "db-health", Status: result.Unreachable, Reason: result.ReasonTimeout,
			Message: "his-pg-02: cannot reach the host (timeout): dial tcp 10.1.1.12:22: i/o timeout", Advice: "check the network path and that sshd runs"})
	d := NewDB(DBInput{Run: result.Run{ID: 7, StartedAt: dbAt, Status: result.RunCompleted, Results: rs}, Assets: map[string]*inventory.Asset{}}, testOpts("zh"))
	find := func(key string) (HealthItem, bool) {
		for _, it := range section(t, d.Sections, key).Items {
			if it.Type == "db-log" {
				return it, true
			}
		}
		return HealthItem{}, false
	}
	e, ok := find("status")
	if !ok || e.Item != "errors" || e.Label != "数据库日志中的错误" || e.Status != result.Warn || e.Value != "3 次" {
		t.Errorf("status section: %+v", e)
	}
	s, ok := find("performance")
	if !ok || s.Item != "slow" || s.Label != "慢查询" || s.Value != "12 条" {
		t.Errorf("performance section: %+v", s)
	}
	for _, key := range []string{"capacity", "dr", "security"} {
		if it, ok := find(key); ok {
			t.Errorf("db-log in section %s: %+v", key, it)
		}
	}
	if len(d.Sections) != 5 {
		t.Errorf("sections %d: db-log must not open an 'other' section", len(d.Sections))
	}
	p1 := instance(t, d, "his-pg-01")
	if p1.LogErrors == nil || *p1.LogErrors != 3 || p1.SlowQueries == nil || *p1.SlowQueries != 12 {
		t.Errorf("instance figures %+v", p1)
	}
	p2 := instance(t, d, "his-pg-02")
	if p2.LogErrors != nil || p2.SlowQueries != nil {
		t.Errorf("an instance whose logs were not read has no log figures: %+v", p2)
	}
	if !p2.Reachable || p2.Status != result.Crit || p2.Counts.Unknown != 1 || p2.Counts.Unreachable != 0 || p2.ConnectionsPct == nil {
		t.Errorf("a failed SSH login makes the instance unreachable: %+v", p2)
	}
	if d.Overview.Unreachable != 1 || d.Counts.Unreachable != 1 {
		t.Errorf("only lis-my-01 is unreachable: %+v %+v", d.Overview, d.Counts)
	}
	var login *HealthItem
	for _, it := range section(t, d.Sections, "status").Items {
		if it.Asset == "his-pg-02" && it.Check == "connect" {
			login = &it
		}
	}
	if login == nil || login.Status != result.Unknown || login.Label != "SSH 登录（读取数据库日志）" || !strings.Contains(login.Message, "i/o timeout") {
		t.Errorf("the failed login: %+v", login)
	}
}

// The instance's product, version and role come from the facts db-status
// records as arguments, whatever the language of the run and of the report,
// also when notes were appended to the message and for results stored with
// the earlier db.status.msg; the text is never read for them.
func TestDBReportVersionFromFacts(t *testing.T) {
	withNote := func(lang string) result.Result {
		r := dbStatus(lang, "my-01", "MariaDB", "10.11.6", "standby", 3*86400, i18n.S("db.age.d", 3))
		r.AppendMessage(lang, "db.sep")
		r.AppendMessage(lang, "db.status.version_low", "10.11.6", "10.11.9")
		return r
	}
	legacy := dbr("pg-old", "db-status", "status", result.OK, fv(600), "s", "", "", "", "", met("db.uptime_s", 600, "s"))
	legacy.SetMessage(i18n.EN, "db.status.msg", "PostgreSQL 14.12", i18n.S("db.role.primary"), i18n.S("db.age.m", 10))
	noCode := dbr("pg-text", "db-status", "status", result.OK, fv(600), "s", "", "", "PostgreSQL 9.6, primary, up 10m", "")
	noCode.Evidence = "PostgreSQL 9.6\nrole: primary"
	for _, run := range []string{i18n.EN, i18n.ZH} {
		rs := []result.Result{
			dbStatus(run, "pg-01", "PostgreSQL", "16.4 (Ubuntu 16.4-1.pgdg22.04+1)", "primary", 40*86400, i18n.S("db.age.d", 40)),
			withNote(run), legacy, noCode,
		}
		for _, report := range []string{i18n.EN, i18n.ZH} {
			d := NewDB(DBInput{Run: result.Run{ID: 7, StartedAt: dbAt, Status: result.RunCompleted, Results: rs}, Assets: map[string]*inventory.Asset{}}, testOpts(report))
			for _, want := range []DBInstance{
				{Name: "pg-01", Engine: "PostgreSQL", Version: "16.4", Role: "primary"},
				{Name: "my-01", Engine: "MariaDB", Version: "10.11.6", Role: "standby"},
				{Name: "pg-old", Engine: "PostgreSQL", Version: "14.12"},
				{Name: "pg-text"}, // stored before codes: no facts
			} {
				got := instance(t, d, want.Name)
				if got.Engine != want.Engine || got.Version != want.Version || got.Role != want.Role {
					t.Errorf("run %s, report %s: %s = %q %q %q, want %q %q %q", run, report, want.Name,
						got.Engine, got.Version, got.Role, want.Engine, want.Version, want.Role)
				}
			}
			// The status line itself is in the report's language.
			var msgs []string
			for _, it := range section(t, d.Sections, "status").Items {
				if it.Type == "db-status" && it.Asset == "my-01" {
					msgs = append(msgs, it.Message)
				}
			}
			want := "MariaDB 10.11.6, standby, up 3d; version 10.11.6 is below the required minimum 10.11.9"
			if report == i18n.ZH {
				want = "MariaDB 10.11.6，备库，已运行 3 天；版本 10.11.6 低于要求的最低版本 10.11.9"
			}
			if len(msgs) != 1 || msgs[0] != want {
				t.Errorf("run %s, report %s: my-01 status %q, want %q", run, report, msgs, want)
			}
		}
	}
}
