package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// Issue #11: a report shows the results in its own language whatever the
// language of the run. An inspection under cron (LANG=C) stores English; a
// daily report in Chinese over it has none of those English sentences, and
// the reverse holds too.
func TestReportLanguageIndependentOfRun(t *testing.T) {
	testenv.LookPath(t, "sshd")
	for _, c := range []struct{ runLang, reportLang string }{{i18n.EN, i18n.ZH}, {i18n.ZH, i18n.EN}} {
		t.Run(c.runLang+"-run-"+c.reportLang+"-report", func(t *testing.T) {
			t.Setenv("LANG", "C")
			t.Setenv("LC_ALL", "")
			e := newInspectEnv(t, "")
			args := append(e.sshArgs(), "-l", "system=pacs", "--lang", c.runLang, "-o", "json")
			_, stdout, stderr := e.hcops(context.Background(), t, args...)
			var run result.Run
			if err := json.Unmarshal([]byte(stdout), &run); err != nil {
				t.Fatalf("json: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
			}
			coded := 0
			for _, r := range run.Results {
				if r.Code == "" {
					continue
				}
				coded++
				if got := i18n.Render(c.runLang, r.Code, r.Args); got != r.Message {
					t.Errorf("%s/%s: code renders %q, message is %q", r.Asset, r.Check, got, r.Message)
				}
			}
			if coded == 0 {
				t.Fatalf("no result has a code: %s", stdout)
			}
			path := filepath.Join(e.dir, "daily.md")
			code, _, errOut := e.hcops(context.Background(), t, "--lang", c.reportLang, "report", "daily", "--format", "md", "--out", path)
			if code != 0 {
				t.Fatalf("report daily: exit %d: %s", code, errOut)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			md := string(data)
			shown := 0
			for _, r := range run.Results {
				if r.Code == "" {
					continue
				}
				if strings.Contains(md, r.Message) {
					t.Errorf("%s/%s: the run's %s text %q is in the %s report", r.Asset, r.Check, c.runLang, r.Message, c.reportLang)
				}
				if strings.Contains(md, i18n.Render(c.reportLang, r.Code, r.Args)) {
					shown++
				}
			}
			if shown == 0 {
				t.Errorf("no result message rendered in %s in the report:\n%s", c.reportLang, md)
			}
			if c.reportLang == i18n.EN {
				for _, line := range strings.Split(md, "\n") {
					if strings.IndexFunc(line, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
						t.Errorf("Chinese in the English report: %q", line)
					}
				}
			}
		})
	}
}
