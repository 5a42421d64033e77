package main

import (
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/iostreams"
)

// TestBackupListTable: the table shows sizes for people and the policy's
// last drill once (on its newest copy), not on every copy as if each had
// been restored; -o json keeps bytes and last_drill on every row.
func TestBackupListTable(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	app := &App{IO: ios, Lang: "en", Output: "table"}
	day := time.Date(2026, 11, 29, 2, 0, 0, 0, time.Local)
	rows := []copyRow{
		{Policy: "his-dump", Copy: "his-20261129.dump", Time: day, Size: 1536 << 20, Integrity: "OK 2026-11-29", LastDrill: "2026-11-29 OK", integrityText: "OK 2026-11-29", lastDrillText: "2026-11-29 OK"},
		{Policy: "his-dump", Copy: "his-20261128.dump", Time: day.Add(-24 * time.Hour), Size: 1500 << 20, Integrity: "-", LastDrill: "2026-11-29 OK", integrityText: "-", lastDrillText: "2026-11-29 OK"},
		{Policy: "web-files", Copy: "web.tar.gz", Time: day, Size: 512, Integrity: "-", LastDrill: "never", integrityText: "-", lastDrillText: "never"},
		{Policy: "web-files", Copy: "web-old.tar.gz", Time: day, Size: -1, Integrity: "-", LastDrill: "never", integrityText: "-", lastDrillText: "never"},
	}
	if err := printCopyTable(app, rows); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"his-dump\this-20261129.dump\t2026-11-29 02:00\t1.5 GiB\tOK 2026-11-29\t2026-11-29 OK",
		"his-dump\this-20261128.dump\t2026-11-28 02:00\t1.5 GiB\t-\t",
		"web-files\tweb.tar.gz\t2026-11-29 02:00\t512 B\t-\tnever",
		"web-files\tweb-old.tar.gz\t2026-11-29 02:00\t-\t-\t",
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want)+1 {
		t.Fatalf("table:\n%s", out)
	}
	for i, w := range want {
		if got := strings.TrimRight(lines[i+1], " "); got != strings.TrimRight(w, " ") && got != strings.TrimRight(w, "\t") {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, lines[i+1], w)
		}
	}

	ios, _, out, _ = iostreams.Test()
	app = &App{IO: ios, Lang: "en", Output: "json"}
	if err := app.PrintData(rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"size": 1572864000`) || strings.Count(out.String(), `"last_drill": "2026-11-29 OK"`) != 2 {
		t.Errorf("json changed:\n%s", out)
	}
}
