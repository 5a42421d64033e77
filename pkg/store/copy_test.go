package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// seedCopyHistory fills every table of a history through the store's own
// methods (deliveries by hand: its writer is the spool), with the values a
// copy gets wrong most easily: non-ASCII text, NULL next to empty text, floats that
// are not short decimals, bytes, and more results than one INSERT holds.
func seedCopyHistory(t testing.TB, db *DB) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 10, 1, 2, 0, 0, 0, time.Local)
	for i := range 3 {
		at := base.Add(time.Duration(i) * 24 * time.Hour)
		run := &result.Run{Kind: result.KindInspect, StartedAt: at, Playbooks: []string{"daily", "安全基线"}, Selector: "zone=内网",
			Assets: 3, Inventory: 120}
		if i == 2 {
			run.Kind = result.KindBackup
		}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		rs := sampleResults(at)
		rs[0].Evidence = "文件系统        容量  已用  可用 已用% 挂载点\n/dev/sda2  50G   43G  7.0G   86% /var\n"
		rs[0].Message = fmt.Sprintf("/var 已用 %d%%", 85+i)
		rs[1].Value = val(0.1 + 0.2) // not a short decimal: its bits must survive
		rs[1].Code, rs[1].Args = "os.load.ok", []any{0.3, "负载"}
		for j := range 60 { // more rows than one INSERT statement holds
			rs = append(rs, result.Result{Asset: fmt.Sprintf("pacs-%02d", j), Check: "ping", Playbook: "daily", System: "影像归档",
				Zone: "内网", Status: result.Status(j % 5), Value: val(float64(j) / 7), Unit: "ms",
				Message: "往返 " + fmt.Sprint(j), Evidence: strings.Repeat("回显 ", j), StartedAt: at.Add(time.Duration(j) * time.Millisecond),
				DurationMS: int64(j)})
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSnapshot(ctx, run.ID, []byte(fmt.Sprintf("assets:\n  - name: pacs-01 # 第 %d 版\n", i%2))); err != nil {
			t.Fatal(err)
		}
		run.FinishedAt = at.Add(90 * time.Second)
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddMaintenance(ctx, &MaintenanceWindow{System: "影像归档", Start: base, End: base.Add(2 * time.Hour), Reason: "季度停机检修"}); err != nil {
		t.Fatal(err)
	}
	for h := range 3 {
		if err := db.AddProbes(ctx, base.Add(time.Duration(h)*time.Hour), map[string]bool{"pacs-01": h != 1, "his-app-01": true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddAuditLines(ctx, "runner-dmz", []AuditLine{
		{Seq: 1, Line: []byte(`{"seq":1,"action":"exec","command":"systemctl restart nginx","prev":"","hash":"a1"}`)},
		{Seq: 2, Line: []byte(`{"seq":2,"action":"inspect","command":"巡检 linux-daily","prev":"a1","hash":"b2"}`)},
	}); err != nil {
		t.Fatal(err)
	}

	k := result.Key{Asset: "pacs-db-01", Check: "disk:/data", Item: "/data"}
	a := &Alert{Key: k, System: "影像归档", State: AlertFiring, Severity: result.Crit, Status: result.Crit,
		Since: base, FiredAt: base, Message: "/data 已用 95%", Code: "os.disk.usage", Args: []any{"/data", 95.0}}
	render := func(a *Alert, ev *AlertEvent) ([]Notification, error) {
		return []Notification{{Channel: "ops", CreatedAt: base, Subject: "【严重】磁盘", Body: "pacs-db-01 /data 已用 95%", Severity: a.Severity,
			Recipients: Recipients{Names: []string{"张三"}, Mobiles: []string{"13800000000"}}, Data: []byte(`{"id":1}`)}}, nil
	}
	if err := db.ApplyAlert(ctx, &AlertChange{Alert: a, Event: AlertEvent{At: base, Kind: "fire", Note: "首次"}, Render: render}); err != nil {
		t.Fatal(err)
	}
	ns, err := db.ClaimNotifications(ctx, base, time.Minute, 10)
	if err != nil || len(ns) != 1 {
		t.Fatalf("claim: %v %v", ns, err)
	}
	if err := db.FinishDelivery(ctx, Delivery{IDs: []int64{ns[0].ID}, Channel: "ops", At: base, Err: errors.New("短信网关超时"), NextAt: base.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := db.AckAlert(ctx, a.ID, "张三", base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	tk, _, err := db.OpenTicket(ctx, &Ticket{Title: "影像归档磁盘将满", Class: "serious", Source: "alert", AlertKey: k, Ref: "alert:1",
		OpenedAt: base, Terms: json.RawMessage(`{"respond":"15m"}`)}, &TicketEvent{At: base, Kind: "open", Actor: "watch"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddTicketEvent(ctx, &TicketEvent{TicketID: tk.ID, At: base.Add(10 * time.Minute), Kind: "note", Actor: "张三",
		Text: "已清理 /data/tmp", Data: map[string]string{"run": "2"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddTicketMarks(ctx, []TicketMark{{TicketID: tk.ID, Clock: "respond", Level: 50, At: base.Add(7 * time.Minute), RecordedAt: base.Add(8 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	// A manual ticket without a ref: NULL must stay NULL, not become ''.
	if _, _, err := db.OpenTicket(ctx, &Ticket{Title: "机房空调巡查", Class: "general", OpenedAt: base}, &TicketEvent{At: base, Kind: "open"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO deliveries (key, delivered_at) VALUES (?, ?)`, "runner-b/0001/run", ms(base)); err != nil {
		t.Fatal(err)
	}
}

// schemaTables lists the history's tables straight from the engine's
// catalogue, not through Copy's discovery.
func schemaTables(t *testing.T, db *DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.dialect == dialectPostgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`
	}
	names, err := queryStrings(context.Background(), db.sql, q)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(names, func(n string) bool { return n == "hcops_schema" })
}

// historyView is what the store's readers answer about a history, as JSON,
// to compare two copies.
func historyView(t *testing.T, db *DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	v := map[string]string{}
	put := func(name string, x any) {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		v[name] = string(b)
	}
	runs, err := db.ListRuns(ctx, RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	put("runs", runs)
	for _, r := range runs {
		full, err := db.GetRun(ctx, r.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		put(fmt.Sprintf("run %d", r.ID), full)
		snap, err := db.Snapshot(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		put(fmt.Sprintf("snapshot %d", r.ID), string(snap))
	}
	var fs []*Finding
	if err := db.EachFinding(ctx, FindingFilter{}, func(f *Finding) error { fs = append(fs, f); return nil }); err != nil {
		t.Fatal(err)
	}
	put("findings", fs)
	var tks []*Ticket
	if err := db.EachTicket(ctx, TicketFilter{}, func(tk *Ticket) error { tks = append(tks, tk); return nil }); err != nil {
		t.Fatal(err)
	}
	put("tickets", tks)
	for _, tk := range tks {
		full, err := db.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		put(fmt.Sprintf("ticket %d", tk.ID), full)
	}
	as, err := db.Alerts(ctx, AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	put("alerts", as)
	for _, a := range as {
		evs, _ := db.AlertEvents(ctx, a.ID)
		ns, _ := db.Notifications(ctx, a.ID)
		put(fmt.Sprintf("alert %d events", a.ID), evs)
		put(fmt.Sprintf("alert %d notifications", a.ID), ns)
		for _, n := range ns {
			log, _ := db.DeliveryAttempts(ctx, n.ID)
			put(fmt.Sprintf("notification %d attempts", n.ID), log)
		}
	}
	since, until := time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local), time.Date(2027, 1, 1, 0, 0, 0, 0, time.Local)
	mw, err := db.Maintenance(ctx, since, until)
	if err != nil {
		t.Fatal(err)
	}
	put("maintenance", mw)
	av, err := db.Availability(ctx, since, until)
	if err != nil {
		t.Fatal(err)
	}
	put("availability", av)
	var mets []MetricPoint
	if err := db.Metrics(ctx, MetricFilter{}, func(p MetricPoint) error { mets = append(mets, p); return nil }); err != nil {
		t.Fatal(err)
	}
	put("metrics", mets)
	seen, err := db.LastSeen(ctx, result.KindInspect, "daily")
	if err != nil {
		t.Fatal(err)
	}
	put("last_seen", seen)
	return v
}

func sameView(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s differs:\nwant %s\n got %s", what, k, w, got[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d answers, want %d", what, len(got), len(want))
	}
}

func copyCount(t *testing.T, db *DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.sql.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+quoteIdent(table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCopyRoundTrip moves a history from an SQLite file to a real
// PostgreSQL server and back into a new file: every table arrives with the
// same rows (checksums equal to the original's), the copies answer the
// store's queries as the original does, new ids continue after the copied
// ones, and a destination that already holds history is refused.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := openSQLiteTest(t)
	seedCopyHistory(t, src)
	pg := startTestPG(t)
	mid, err := OpenWith(ctx, pg.NewDatabase(t), Options{Password: pg.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer mid.Close()

	seen := map[string]int64{}
	rep, err := Copy(ctx, mid, src, func(table string, n int64) { seen[table] = n })
	if err != nil {
		t.Fatalf("copy to PostgreSQL: %v", err)
	}
	if !rep.OK {
		t.Fatalf("copy to PostgreSQL not verified: %+v", rep.Tables)
	}
	// Every table of the schema is in the report, and every table the
	// copy writes has rows in this history: a table a migration adds
	// must be seeded above, or its copy goes untested.
	var reported []string
	for _, tc := range rep.Tables {
		reported = append(reported, tc.Table)
		if tc.SourceRows == 0 {
			t.Errorf("table %s has no rows in the test history: add some to seedCopyHistory so its copy is checked", tc.Table)
		}
		if tc.Copied && seen[tc.Table] != tc.SourceRows {
			t.Errorf("progress for %s said %d rows, the table has %d", tc.Table, seen[tc.Table], tc.SourceRows)
		}
		if n := copyCount(t, mid, tc.Table); n != tc.SourceRows {
			t.Errorf("PostgreSQL %s holds %d rows, the source %d", tc.Table, n, tc.SourceRows)
		}
	}
	slices.Sort(reported)
	if want := schemaTables(t, src); !slices.Equal(reported, want) {
		t.Errorf("tables in the report %v, the schema has %v", reported, want)
	}
	if copyCount(t, mid, "results") < 150 {
		t.Errorf("only %d results: the batches were not exercised", copyCount(t, mid, "results"))
	}

	back := openSQLiteTest(t)
	rep2, err := Copy(ctx, back, mid, nil)
	if err != nil || !rep2.OK {
		t.Fatalf("copy back to SQLite: %v %+v", err, rep2)
	}
	// The file that went there and back has the checksums of the original.
	for i, tc := range rep2.Tables {
		if tc.DestSum != rep.Tables[i].SourceSum || tc.DestRows != rep.Tables[i].SourceRows {
			t.Errorf("%s: after the round trip %d rows %s, originally %d rows %s", tc.Table, tc.DestRows, tc.DestSum,
				rep.Tables[i].SourceRows, rep.Tables[i].SourceSum)
		}
	}
	ver, err := Verify(ctx, src, back)
	if err != nil || !ver.OK {
		t.Fatalf("verify original against the round trip: %v %+v", err, ver)
	}

	// PostgreSQL to PostgreSQL (a runner's database to a new server).
	other, err := OpenWith(ctx, pg.NewDatabase(t), Options{Password: pg.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if rep3, err := Copy(ctx, other, mid, nil); err != nil || !rep3.OK {
		t.Fatalf("copy PostgreSQL to PostgreSQL: %v", err)
	}

	want := historyView(t, src)
	sameView(t, "PostgreSQL copy", want, historyView(t, mid))
	sameView(t, "SQLite copy of the PostgreSQL copy", want, historyView(t, back))
	sameView(t, "PostgreSQL copy of the PostgreSQL copy", want, historyView(t, other))

	// New rows get ids after the copied ones.
	var maxRun, maxTicket int64
	_ = mid.sql.QueryRowContext(ctx, `SELECT max(id) FROM runs`).Scan(&maxRun)
	_ = mid.sql.QueryRowContext(ctx, `SELECT max(id) FROM tickets`).Scan(&maxTicket)
	run := newRun(result.KindInspect)
	if err := mid.BeginRun(ctx, run); err != nil {
		t.Fatalf("new run on the PostgreSQL copy: %v", err)
	}
	if run.ID <= maxRun {
		t.Errorf("new run got id %d, the copied runs go up to %d", run.ID, maxRun)
	}
	if err := other.BeginRun(ctx, newRun(result.KindInspect)); err != nil {
		t.Errorf("new run on the PostgreSQL copy of the PostgreSQL copy: %v", err)
	}
	if err := mid.AddResults(ctx, run.ID, sampleResults(t0)); err != nil {
		t.Fatalf("results of a new run on the PostgreSQL copy: %v", err)
	}
	tk, _, err := mid.OpenTicket(ctx, &Ticket{Title: "新工单", Class: "general", OpenedAt: t0}, &TicketEvent{At: t0, Kind: "open"})
	if err != nil || tk.ID <= maxTicket {
		t.Errorf("new ticket: id %v (copied up to %d), %v", tk, maxTicket, err)
	}

	// A destination holding history is refused, and left as it was.
	before := copyCount(t, back, "results")
	_, err = Copy(ctx, back, src, nil)
	var ne *NotEmptyError
	if !errors.As(err, &ne) || ne.Runs != 3 || !strings.Contains(err.Error(), back.Location()) {
		t.Errorf("copy into a history with runs: %v, want a NotEmptyError naming it with 3 runs", err)
	}
	if n := copyCount(t, back, "results"); n != before {
		t.Errorf("refused copy changed the destination: %d results, were %d", n, before)
	}
	if _, err := Copy(ctx, src, src, nil); err == nil {
		t.Error("copy of a history onto itself was accepted")
	}
}

// TestCopyInterruptedLeavesDestinationEmpty: a copy stopped half-way
// commits nothing, so the destination can simply be copied into again.
func TestCopyInterruptedLeavesDestinationEmpty(t *testing.T) {
	ctx := context.Background()
	src := openSQLiteTest(t)
	seedCopyHistory(t, src)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var dst *DB
			if engine == "postgres" {
				dst = startTestPG(t).Open(t)
			} else {
				dst = openSQLiteTest(t)
			}
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			_, err := Copy(cctx, dst, src, func(table string, n int64) {
				if table == "results" {
					cancel() // runs, snapshots and results are written by now
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted copy: %v, want context.Canceled", err)
			}
			for _, table := range []string{"runs", "results", "inventory_snapshots"} {
				if n := copyCount(t, dst, table); n != 0 {
					t.Errorf("after the interrupted copy %s has %d rows, want none", table, n)
				}
			}
			rep, err := Copy(ctx, dst, src, nil)
			if err != nil || !rep.OK {
				t.Fatalf("copy again after the interruption: %v", err)
			}
		})
	}
}

// TestCopyTextPostgreSQLCannotStore: an SQLite history may hold raw output
// that is not UTF-8 (a GBK host) or has a NUL byte; PostgreSQL refuses
// both. The copy says which table, row and column, and commits nothing;
// with RepairText it stores them with U+FFFD in place of the bad bytes
// and counts them.
func TestCopyTextPostgreSQLCannotStore(t *testing.T) {
	ctx := context.Background()
	src := openSQLiteTest(t)
	run := newRun(result.KindInspect)
	if err := src.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	rs := sampleResults(t0)
	gbk := "\xb4\xc5\xc5\xcc 86%" // "磁盘" in GBK
	rs[1].Evidence = gbk
	rs[2].Evidence = "core\x00dump"
	if err := src.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	repaired := map[int64]string{} // result id -> evidence as PostgreSQL should hold it
	rows, _ := src.sql.QueryContext(ctx, `SELECT id, evidence FROM results WHERE evidence IN (?, ?) ORDER BY id`, gbk, "core\x00dump")
	for rows.Next() {
		var id int64
		var ev string
		rows.Scan(&id, &ev)
		ids = append(ids, id)
		// a run of bad bytes becomes one U+FFFD
		repaired[id] = map[string]string{gbk: "\uFFFD 86%", "core\x00dump": "core\uFFFDdump"}[ev]
	}
	rows.Close()
	if len(ids) != 2 {
		t.Fatalf("the SQLite history holds %d of the two bad values", len(ids))
	}
	pg := startTestPG(t)
	dst, err := OpenWith(ctx, pg.NewDatabase(t), Options{Password: pg.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	_, err = Copy(ctx, dst, src, nil)
	var bad *BadTextError
	if !errors.As(err, &bad) || bad.Table != "results" || bad.Column != "evidence" || len(bad.Key) != 1 || bad.Key[0] != ids[0] {
		t.Fatalf("copy of text PostgreSQL cannot store: %v, want a BadTextError for results.evidence of row %d", err, ids[0])
	}
	if n := copyCount(t, dst, "runs"); n != 0 {
		t.Errorf("the refused copy left %d runs", n)
	}
	rep, err := CopyWith(ctx, dst, src, CopyOptions{RepairText: true})
	if err != nil || !rep.OK || rep.Repaired != 2 {
		t.Fatalf("copy with RepairText: %v, repaired %d", err, rep.Repaired)
	}
	for id, want := range repaired {
		var got string
		if err := dst.sql.QueryRowContext(ctx, `SELECT evidence FROM results WHERE id = ?`, id).Scan(&got); err != nil || got != want {
			t.Errorf("result %d evidence %q, %v; want %q", id, got, err, want)
		}
	}
}

// TestVerifyFindsDifferences: the checksums tell a changed character, and
// NULL from empty text, in any table.
func TestVerifyFindsDifferences(t *testing.T) {
	ctx := context.Background()
	a := openSQLiteTest(t)
	seedCopyHistory(t, a)
	b := openSQLiteTest(t)
	if rep, err := Copy(ctx, b, a, nil); err != nil || !rep.OK {
		t.Fatalf("copy: %v", err)
	}
	for _, c := range []struct{ table, change string }{
		{"results", `UPDATE results SET evidence = evidence || ' ' WHERE id = (SELECT max(id) FROM results)`},
		{"tickets", `UPDATE tickets SET ref = '' WHERE ref IS NULL`},
		{"metrics", `UPDATE metrics SET value = value + 1e-9 WHERE id = 1`},
		{"deliveries", `DELETE FROM deliveries`},
	} {
		if _, err := b.sql.ExecContext(ctx, c.change); err != nil {
			t.Fatal(err)
		}
		rep, err := Verify(ctx, a, b)
		if err != nil {
			t.Fatal(err)
		}
		var bad []string
		for _, tc := range rep.Tables {
			if !tc.OK {
				bad = append(bad, tc.Table)
			}
		}
		if rep.OK || !slices.Contains(bad, c.table) {
			t.Errorf("after %q: tables that differ %v, want %s among them", c.change, bad, c.table)
		}
	}
}

// BenchmarkCopyToPostgres copies a history of 50,000 results (with their
// metrics and findings) from an SQLite file into PostgreSQL on loopback,
// and reports rows per second, verification included.
func BenchmarkCopyToPostgres(b *testing.B) {
	ctx := context.Background()
	src, err := Open(ctx, filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	at := time.Date(2026, 10, 1, 2, 0, 0, 0, time.Local)
	for r := range 50 {
		run := &result.Run{Kind: result.KindInspect, StartedAt: at.Add(time.Duration(r) * time.Hour), Playbooks: []string{"daily"}}
		if err := src.BeginRun(ctx, run); err != nil {
			b.Fatal(err)
		}
		rs := make([]result.Result, 0, 1000)
		for i := range 1000 {
			rs = append(rs, result.Result{Asset: fmt.Sprintf("host-%03d", i/2), Check: fmt.Sprintf("disk:/d%d", i%2), Type: "disk",
				Playbook: "daily", System: "影像归档", Status: result.Status(i % 3), Value: val(float64(i) / 3), Unit: "%",
				Message: "磁盘使用率", Evidence: "Filesystem Use%\n/dev/sda2 86%", StartedAt: run.StartedAt,
				Metrics: []result.Metric{{Name: "disk.used_pct", Value: float64(i) / 3, Unit: "%"}}})
		}
		if err := src.AddResults(ctx, run.ID, rs); err != nil {
			b.Fatal(err)
		}
		run.FinishedAt = run.StartedAt.Add(time.Minute)
		if err := src.FinishRun(ctx, run); err != nil {
			b.Fatal(err)
		}
	}
	pg := startTestPG(b)
	b.ResetTimer()
	var rows int64
	var took time.Duration
	for range b.N {
		b.StopTimer()
		dst, err := OpenWith(ctx, pg.NewDatabase(b), Options{Password: pg.Password})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := Copy(ctx, dst, src, nil)
		took += time.Since(start)
		if err != nil || !rep.OK {
			b.Fatalf("copy: %v", err)
		}
		rows += rep.Rows
		b.StopTimer()
		dst.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
}
