package report

import (
	"bytes"
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
