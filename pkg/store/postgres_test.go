package store

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cyhealth/hcops/internal/testenv"
)

// openTestHook, when set, opens the history openTest hands out: the
// PostgreSQL suite below points it at a fresh database per test.
var openTestHook func(t testing.TB) *DB

// testPG is a real PostgreSQL server on loopback for the store's tests.
type testPG struct {
	*testenv.Postgres
	n atomic.Int64
}

func startTestPG(t testing.TB, extraConf ...string) *testPG {
	t.Helper()
	return &testPG{Postgres: testenv.StartPostgres(t, extraConf...)}
}

// URL is the location of database name on the server (no password).
func (p *testPG) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, name)
}

// NewDatabase creates an empty database and returns its location.
func (p *testPG) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("hcops_t%d", p.n.Add(1))
	p.SQL(t, "", "CREATE DATABASE "+name)
	return p.URL(name)
}

// Open opens a fresh, empty history on the server.
func (p *testPG) Open(t testing.TB) *DB {
	t.Helper()
	db, err := OpenWith(context.Background(), p.NewDatabase(t), Options{Password: p.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresSuite is every test of the package that works through openTest:
// the PostgreSQL history must behave exactly as the SQLite one.
var postgresSuite = map[string]func(*testing.T){
	"TestAuditLines":                            TestAuditLines,
	"TestAddResultsHostileText":                 TestAddResultsHostileText,
	"TestSpoolStuckOperationDoesNotStopRuns":    TestSpoolStuckOperationDoesNotStopRuns,
	"TestApplyAlertOutboxAndConflicts":          TestApplyAlertOutboxAndConflicts,
	"TestFindingsStreak":                        TestFindingsStreak,
	"TestFindingsInterruptedRun":                TestFindingsInterruptedRun,
	"TestFindingsOrder":                         TestFindingsOrder,
	"TestEachFindingFilters":                    TestEachFindingFilters,
	"TestPruneDropsStaleFindings":               TestPruneDropsStaleFindings,
	"TestPreviousResults":                       TestPreviousResults,
	"TestReportQueries":                         TestReportQueries,
	"TestReportQueriesScope":                    TestReportQueriesScope,
	"TestTicketsAndAlertsByZone":                TestTicketsAndAlertsByZone,
	"TestResultCodesRoundTrip":                  TestResultCodesRoundTrip,
	"TestRunLifecycle":                          TestRunLifecycle,
	"TestFinishRunTalliesGivenResults":          TestFinishRunTalliesGivenResults,
	"TestFinishRunAfterCancel":                  TestFinishRunAfterCancel,
	"TestFinishRunErrors":                       TestFinishRunErrors,
	"TestAddResultsRejectsWholeBadBatch":        TestAddResultsRejectsWholeBadBatch,
	"TestAddResultsBoundsEvidenceAndNonFinite":  TestAddResultsBoundsEvidenceAndNonFinite,
	"TestListRuns":                              TestListRuns,
	"TestLatestAndPreviousRun":                  TestLatestAndPreviousRun,
	"TestPreviousRunSameStartTime":              TestPreviousRunSameStartTime,
	"TestLastSeen":                              TestLastSeen,
	"TestEachResult":                            TestEachResult,
	"TestMetrics":                               TestMetrics,
	"TestSnapshots":                             TestSnapshots,
	"TestMaintenance":                           TestMaintenance,
	"TestPrune":                                 TestPrune,
	"TestDeadRunShowsInterrupted":               TestDeadRunShowsInterrupted,
	"TestTicketOpenIdempotent":                  TestTicketOpenIdempotent,
	"TestTicketEventsAndMarksAreNeverRewritten": TestTicketEventsAndMarksAreNeverRewritten,
}

// TestPostgres runs the store's behaviour tests again on a real PostgreSQL
// server, each on a fresh database.
func TestPostgres(t *testing.T) {
	pg := startTestPG(t)
	openTestHook = pg.Open
	t.Cleanup(func() { openTestHook = nil })
	names := make([]string, 0, len(postgresSuite))
	for n := range postgresSuite {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(strings.TrimPrefix(n, "Test"), postgresSuite[n])
	}
}

// TestPostgresSuiteIsComplete fails when a test that uses openTest is not
// in postgresSuite: every behaviour of the history is checked on both
// engines.
func TestPostgresSuiteIsComplete(t *testing.T) {
	files, _ := filepath.Glob("*_test.go")
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Body == nil {
				continue
			}
			uses := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "openTest" {
						uses = true
					}
				}
				return !uses
			})
			if uses {
				if _, ok := postgresSuite[fn.Name.Name]; !ok {
					t.Errorf("%s (%s) uses openTest but is not in postgresSuite: add it, so it runs on PostgreSQL too", fn.Name.Name, f)
				}
			}
		}
	}
}

// TestPostgresSchemaMatchesSQLite: after every migration, both engines
// have the same tables with the same columns, and the same named indexes.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	lite := openSQLiteTest(t)
	pg := startTestPG(t).Open(t)
	list := func(db *DB, q string) []string {
		rows, err := db.SQL().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var a, b string
			if err := rows.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, a+"."+b)
		}
		sort.Strings(out)
		return out
	}
	liteCols := list(lite, `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`)
	pgCols := list(pg, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'hcops_schema'`)
	if strings.Join(liteCols, " ") != strings.Join(pgCols, " ") {
		t.Errorf("columns differ:\nSQLite     %v\nPostgreSQL %v", liteCols, pgCols)
	}
	liteIdx := list(lite, `SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'`)
	pgIdx := list(pg, `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'`)
	if strings.Join(liteIdx, " ") != strings.Join(pgIdx, " ") {
		t.Errorf("indexes differ:\nSQLite     %v\nPostgreSQL %v", liteIdx, pgIdx)
	}
	if len(liteCols) < 100 || len(liteIdx) < 15 {
		t.Errorf("only %d columns and %d indexes read: the queries read nothing useful", len(liteCols), len(liteIdx))
	}
}

func TestPostgresLocationRefusals(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ url, want string }{
		{"postgres://hcops:s3cret@10.1.2.3/hcops?sslmode=verify-full", "carries a password"},
		{"postgres://hcops@10.1.2.3/hcops", "would not be verified (sslmode=prefer)"},
		{"postgres://hcops@db.example/hcops?sslmode=require", "would not be verified (sslmode=require)"},
	} {
		_, err := Open(ctx, c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%s) = %v, want an error saying %q", c.url, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`:        `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`,
		`SELECT '?', "x?" FROM t WHERE a = ? -- why?` + "\n": `SELECT '?', "x?" FROM t WHERE a = $1 -- why?` + "\n",
		`UPDATE t SET a = '' WHERE b = ?`:                    `UPDATE t SET a = '' WHERE b = $1`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}
