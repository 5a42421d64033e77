package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/backup"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// dailyCopies writes n daily files, the newest lastAge old.
func dailyCopies(t *testing.T, dir, prefix string, n int, lastAge time.Duration) {
	t.Helper()
	now := time.Now()
	for i := 0; i < n; i++ {
		at := now.Add(-lastAge).Add(-time.Duration(n-1-i) * 24 * time.Hour)
		f := filepath.Join(dir, fmt.Sprintf("%s-%s.tar", prefix, at.Format("20060102")))
		if err := os.WriteFile(f, make([]byte, 4096), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(f, at, at)
	}
}

func backupFile(t *testing.T, dir string) *backup.File {
	t.Helper()
	f, err := backup.Parse("backups.yaml", []byte(fmt.Sprintf(`policies:
  - {name: fresh, kind: file, path: %[1]s/fresh-*.tar, schedule: daily, integrity: false}
  - {name: stale, kind: file, path: %[1]s/stale-*.tar, schedule: daily, integrity: false}
`, dir)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A verification goes through the same events as an inspection, one
// "host" per policy, and its verdicts are stored as each policy ends.
func TestVerifyBackupsEvents(t *testing.T) {
	dir := t.TempDir()
	dailyCopies(t, dir, "fresh", 7, time.Hour)
	dailyCopies(t, dir, "stale", 7, 72*time.Hour)
	f := backupFile(t, dir)
	e := newEngine(t, true)
	var rec recorder
	run, err := e.VerifyBackups(context.Background(), BackupRequest{File: f, Policies: f.Policies, Forks: 2, Selector: "*"}, rec.on)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, k := range rec.kinds() {
		count[k]++
	}
	if count["started"] != 1 || count["host"] != 2 || count["stored"] != 2 || count["done"] != 2 || count["finished"] != 1 {
		t.Errorf("events %v", rec.kinds())
	}
	if run.Kind != result.KindBackup || run.Status != result.RunCompleted || run.Worst != result.Crit || run.Selector != "*" {
		t.Errorf("run %s %s worst %s selector %q", run.Kind, run.Status, run.Worst, run.Selector)
	}
	n := 0
	_ = e.Store.EachResult(context.Background(), store.ResultFilter{RunID: run.ID}, func(*store.StoredResult) error { n++; return nil })
	if n != len(run.Results) || n == 0 {
		t.Errorf("%d results stored, %d in the run", n, len(run.Results))
	}
}

// Drills of policies without a drill: section: ErrNoDrill, and no run is
// left in history (issue #12, 6: it used to stay as an interrupted drill
// run that the monthly report counted).
func TestDrillWithoutDrillSectionStoresNothing(t *testing.T) {
	dir := t.TempDir()
	f := backupFile(t, dir)
	e := newEngine(t, true)
	if _, err := e.Drill(context.Background(), BackupRequest{File: f, Policies: f.Policies}, nil); err != ErrNoDrill {
		t.Fatalf("err %v", err)
	}
	if run, err := e.Store.LatestRun(context.Background(), result.KindDrill); err == nil {
		t.Errorf("a drill run was recorded: %+v", run)
	}
}

// A copy dated in the future is not the one drilled: the newest copy dated
// up to now is.
func TestDrillSkipsFutureDatedCopy(t *testing.T) {
	dir := t.TempDir()
	dailyCopies(t, dir, "web", 3, time.Hour)
	future := filepath.Join(dir, "web-21000101.tar")
	os.WriteFile(future, make([]byte, 4096), 0o600)
	at := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	os.Chtimes(future, at, at)
	f, err := backup.Parse("backups.yaml", []byte(fmt.Sprintf(`policies:
  - {name: web, kind: file, path: %s/web-*.tar, schedule: daily, drill: {expect: [x]}}
drill_targets:
  files: {scratch_dir: %s}
`, dir, t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, false)
	var drilled string
	_, err = e.Drill(context.Background(), BackupRequest{File: f, Policies: f.Policies}, func(ev Event) {
		if d, ok := ev.(DrillStarted); ok {
			drilled = d.Copy
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "web-" + time.Now().Add(-time.Hour).Format("20060102") + ".tar"; drilled != want {
		t.Errorf("drilled %q, want %q", drilled, want)
	}
}
