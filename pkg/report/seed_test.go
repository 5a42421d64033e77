package report

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// cst is Beijing time, fixed so golden files do not depend on the machine.
var cst = time.FixedZone("CST", 8*3600)

// hostile strings that must come out inert in every format.
const (
	hostileAsset = `<script>alert("x")</script>'db"01`
	hostileMsg   = "=cmd|' /C calc'!A0 \x1b[31mred\x1b[0m <img src=x onerror=alert(1)>"
)

func testSite() config.Site {
	return config.Site{
		Name: "朝阳区卫生健康委员会 健康云", NameEN: "Chaoyang Health Cloud",
		Client: "北京市朝阳区卫生健康委员会", Vendor: "某某信息技术有限公司",
		Engineer: "张伟", Reviewer: "李娜", Approver: "王强",
	}
}

func testOpts(lang string) Options {
	return Options{
		Lang: lang, Site: testSite(), Location: cst,
		Now: time.Date(2026, 11, 29, 9, 30, 0, 0, cst),
	}
}

func fv(v float64) *float64 { return &v }

// seedAssets is the inventory of the fixed history.
func seedAssets() []*inventory.Asset {
	return []*inventory.Asset{
		{Name: "his-db-01", Kind: "host", Address: "10.1.1.11", System: "HIS", Zone: "intranet", Criticality: "core"},
		{Name: "his-app-01", Kind: "host", Address: "10.1.1.21", System: "HIS", Zone: "intranet", Criticality: "core"},
		{Name: "pacs-01", Kind: "host", Address: "10.1.2.11", System: "PACS", Zone: "intranet"},
		{Name: "web-01", Kind: "host", Address: "172.16.0.5", System: "portal", Zone: "dmz"},
		{Name: hostileAsset, Kind: "host", Address: "10.9.9.9", System: "lab", Zone: "intranet"},
		{Name: "backup-01", Kind: "host", Address: "10.1.3.5", System: "backup", Zone: "intranet"},
	}
}

func res(asset, check, item string, st result.Status, v *float64, unit, warn, crit, msg string) result.Result {
	typ, _, _ := strings.Cut(check, ":")
	r := result.Result{Asset: asset, Check: check, Type: typ, Item: item, Status: st, Value: v, Unit: unit, Warn: warn, Crit: crit, Message: msg, Playbook: "linux-daily"}
	return r
}

// seedDaily writes two inspections (the previous one and the reported one)
// into a fresh store and returns it with the reported run's id.
func seedDaily(t testing.TB) (*store.DB, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	assets := seedAssets()
	sys := map[string]*inventory.Asset{}
	for _, a := range assets {
		sys[a.Name] = a
	}
	fill := func(rs []result.Result) []result.Result {
		for i := range rs {
			a := sys[rs[i].Asset]
			rs[i].System, rs[i].Zone = a.System, a.Zone
		}
		return rs
	}
	prev := fill([]result.Result{
		res("his-db-01", "disk:/data", "/data", result.Warn, fv(84), "%", "80", "90", "/data 84% used"),
		res("his-db-01", "load", "", result.OK, fv(1.2), "", "8", "16", "load 1.20"),
		res("his-app-01", "memory", "", result.Crit, fv(96), "%", "85", "95", "memory 96% used"),
		res("pacs-01", "disk:/", "/", result.OK, fv(40), "%", "80", "90", "/ 40% used"),
		res("web-01", "ntp", "", result.OK, fv(0.01), "s", "0.5", "1", "offset 0.010 s"),
		res(hostileAsset, "disk:/", "/", result.OK, fv(10), "%", "80", "90", "/ 10% used"),
		res("backup-01", "disk:/backup", "/backup", result.OK, fv(50), "%", "80", "90", "/backup 50% used"),
	})
	cur := fill([]result.Result{
		res("his-db-01", "disk:/data", "/data", result.Crit, fv(93.5), "%", "80", "90", "/data 93.5% used"),
		res("his-db-01", "load", "", result.OK, fv(1.4), "", "8", "16", "load 1.40"),
		res("his-app-01", "memory", "", result.OK, fv(62), "%", "85", "95", "memory 62% used"),
		res("pacs-01", "connect", "", result.Unreachable, nil, "", "", "", "ssh 10.1.2.11:22: i/o timeout"),
		res("web-01", "ntp", "", result.Unknown, nil, "", "0.5", "1", "chronyc not found"),
		res(hostileAsset, "disk:/", "/", result.Warn, fv(85), "%", "80", "90", hostileMsg),
		res("backup-01", "disk:/backup", "/backup", result.OK, fv(51), "%", "80", "90", "/backup 51% used"),
	})
	cur[0].Evidence = "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sdb1       500G  468G   32G  94% /data"
	cur[0].Advice = "清理 /data 下过期归档日志或扩容 100GB"
	cur[3].Reason = result.ReasonTimeout
	cur[5].Evidence = "<script>alert(1)</script>\n=HYPERLINK(\"http://x\")"
	for i, rs := range [][]result.Result{prev, cur} {
		at := time.Date(2026, 11, 28+i, 8, 0, 0, 0, cst)
		run := &result.Run{Kind: result.KindInspect, StartedAt: at, Operator: "ops", RanFrom: "jump-01",
			Playbooks: []string{"linux-daily"}, Assets: 6, Inventory: 6}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		for j := range rs {
			rs[j].StartedAt = at.Add(time.Duration(j) * time.Second)
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(assets)
		if err := db.SaveSnapshot(ctx, run.ID, data); err != nil {
			t.Fatal(err)
		}
		run.Results = rs
		run.FinishedAt = at.Add(3 * time.Minute)
		if err := db.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			return db, run.ID
		}
	}
	panic("unreachable")
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from golden file (run go test -update and review the diff):\n%s", name, firstDiff(string(want), string(got)))
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "want: ..." + a[lo:min(len(a), i+200)] + "\n got: ..." + b[lo:min(len(b), i+200)]
}
