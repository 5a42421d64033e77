package report

import (
	"bytes"
	"strings"
	"testing"
)

// Golden Markdown of the database health report and the appliance
// hardware report, in both languages (issue #12 item 19): a change in what
// the reader sees shows as a diff to review (-update rewrites them).
func TestHealthReportsGolden(t *testing.T) {
	_, _, appliance := seedAppliance(t)
	for _, lang := range []string{"zh", "en"} {
		var db, app bytes.Buffer
		if err := Render(&db, FormatMD, buildTestDB(t, lang, nil), ""); err != nil {
			t.Fatal(err)
		}
		golden(t, "db-"+lang+".md", db.Bytes())
		if err := Render(&app, FormatMD, appliance(lang), ""); err != nil {
			t.Fatal(err)
		}
		golden(t, "appliance-"+lang+".md", app.Bytes())
	}
}

// Golden Markdown of the monthly report's backup section (八、备份情况),
// built from seeded verifications and drills, in both languages.
func TestBackupSectionGolden(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		var buf bytes.Buffer
		if err := Render(&buf, FormatMD, buildBackupMonthly(t, lang), ""); err != nil {
			t.Fatal(err)
		}
		md := buf.String()
		start := strings.Index(md, "\n## 八、备份情况")
		if lang == "en" {
			start = strings.Index(md, "\n## 8. Backups")
		}
		end := strings.Index(md[start+1:], "\n## ")
		if start < 0 || end < 0 {
			t.Fatalf("%s: no backup section in\n%s", lang, md)
		}
		golden(t, "backup-section-"+lang+".md", []byte(md[start+1:start+1+end]))
	}
}
