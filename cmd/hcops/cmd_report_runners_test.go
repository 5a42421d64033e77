package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// TestReportRunnersPostgres: two runners of two network zones wrote their
// inspections of the day into one PostgreSQL history (a real server on
// loopback); hcops report daily covers both zones, --zone and --runner
// narrow it and say so, and the monthly and weekly reports take the same
// flags.
func TestReportRunnersPostgres(t *testing.T) {
	pg := testenv.StartPostgres(t)
	pg.SQL(t, "", "CREATE DATABASE hcops")
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/hcops?sslmode=disable", pg.Port)
	newHistoryEnv(t) // a HOME and config of its own
	t.Setenv("HCOPS_DB_PASSWORD", "env:TEST_PGPW")
	t.Setenv("TEST_PGPW", pg.Password)
	ctx := context.Background()
	db, err := store.OpenWith(ctx, url, store.Options{Password: pg.Password})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().AddDate(0, 0, -1)
	day = time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, time.Local)
	write := func(runner, zone string, at time.Time, rs ...result.Result) {
		t.Helper()
		run := &result.Run{Kind: result.KindInspect, StartedAt: at, Runner: runner, Zone: zone, Playbooks: []string{"linux-daily"}, Assets: len(rs)}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		for i := range rs {
			rs[i].StartedAt, rs[i].Zone = at, zone
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		run.Results, run.FinishedAt = rs, at.Add(time.Minute)
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	v := 93.0
	write("runner-priv", "卫生专网", day,
		result.Result{Asset: "priv-01", Check: "disk:/data", Type: "disk", Item: "/data", Status: result.Crit, Value: &v, Unit: "%", Message: "/data 93% used"},
		result.Result{Asset: "priv-02", Check: "load", Type: "load", Status: result.OK, Message: "load 0.5"})
	write("runner-dmz", "互联网区", day.Add(3*time.Minute),
		result.Result{Asset: "dmz-01", Check: "load", Type: "load", Status: result.Warn, Message: "load 7"})
	db.Close()

	hcops := func(args ...string) (int, string, string) {
		t.Helper()
		ios, _, out, errOut := iostreams.Test()
		root := newRootCmd(ios)
		root.SetArgs(append([]string{"--db", url, "--lang", "zh"}, args...))
		err := root.ExecuteContext(context.Background())
		if err != nil {
			if _, ok := err.(*exitStatusError); !ok {
				errOut.WriteString("hcops: " + err.Error() + "\n")
			}
		}
		return exitCode(err), out.String(), errOut.String()
	}
	daily := func(args ...string) (assets []string, scope string) {
		t.Helper()
		code, out, stderr := hcops(append([]string{"report", "daily", "--format", "json", "--out", "-"}, args...)...)
		if code != 0 {
			t.Fatalf("report daily %v: exit %d\n%s", args, code, stderr)
		}
		var d struct {
			Scope   string `json:"scope"`
			Details []struct {
				Asset string `json:"asset"`
			} `json:"details"`
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("report daily %v: %v\n%s", args, err, out)
		}
		for _, a := range d.Details {
			assets = append(assets, a.Asset)
		}
		slices.Sort(assets)
		return assets, d.Scope
	}
	if got, scope := daily(); !slices.Equal(got, []string{"dmz-01", "priv-01", "priv-02"}) ||
		!strings.Contains(scope, "runner-priv") || !strings.Contains(scope, "runner-dmz") {
		t.Errorf("daily report of both runners: %v, scope %q", got, scope)
	}
	if got, scope := daily("--date", day.Format("2006-01-02"), "--zone", "卫生专网"); !slices.Equal(got, []string{"priv-01", "priv-02"}) ||
		!strings.Contains(scope, "仅含网络区域 卫生专网 的设备") {
		t.Errorf("--zone 卫生专网: %v, scope %q", got, scope)
	}
	if got, scope := daily("--runner", "runner-dmz"); !slices.Equal(got, []string{"dmz-01"}) || !strings.Contains(scope, "runner-dmz") {
		t.Errorf("--runner runner-dmz: %v, scope %q", got, scope)
	}
	code, _, stderr := hcops("report", "daily", "--zone", "no-such-zone", "--format", "md", "--out", "-")
	if code != ExitUnknown || !strings.Contains(stderr, "历史记录中没有符合范围（仅含网络区域 no-such-zone 的设备）的巡检记录") {
		t.Errorf("a zone without inspections: exit %d\n%s", code, stderr)
	}
	code, _, stderr = hcops("report", "daily", "--run", "1", "--runner", "runner-dmz")
	if code != ExitUnknown || !strings.Contains(stderr, "run") {
		t.Errorf("--run with --runner: exit %d\n%s", code, stderr)
	}

	month := day.Format("2006-01")
	code, out, stderr := hcops("report", "monthly", "--month", month, "--zone", "互联网区", "--format", "md", "--out", "-")
	if code != 0 || !strings.Contains(out, "仅含网络区域 互联网区 的设备") || !strings.Contains(out, "dmz-01") || strings.Contains(out, "priv-01") {
		t.Errorf("monthly --zone: exit %d\n%s\n%s", code, stderr, out)
	}
	code, out, stderr = hcops("report", "weekly", "--week", day.Format("2006-01-02"), "--runner", "runner-priv", "--format", "md", "--out", "-")
	if code != 0 || !strings.Contains(out, "仅含巡检节点 runner-priv 的巡检") {
		t.Errorf("weekly --runner: exit %d\n%s\n%s", code, stderr, out)
	}
}
