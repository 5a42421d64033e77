package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/deliver"
	"github.com/cyhealth/hcops/pkg/report"
	"github.com/cyhealth/hcops/pkg/result"
)

type reportWeeklyOptions struct {
	reportOptions
	scopeFlags
	week string
}

func newReportWeeklyCmd(app *App) *cobra.Command {
	opts := &reportWeeklyOptions{}
	cmd := &cobra.Command{
		Use:   "weekly",
		Short: "Write the weekly operations report (运维周报)",
		Long: `Write the weekly operations report: the monthly report's sections over one
ISO week (Monday to Sunday) — overview, the week against the week before,
work done, service levels, inspections, availability, outages, recurring
findings, capacity and performance, backups, risks, the plan for the next
week and the sign-off block.

--week defaults to the previous week (a report made on Monday covers the
week just ended); the current week gives a report up to now.` + scopeHelp + `
With --zone, backups, link samples and tickets are still those of the
whole history.` + reportExitStatus,
		Example: `  hcops report weekly
  hcops report weekly --week 2026-W48 --lang zh --format docx
  hcops report weekly --week 2026-11-25 --mail
  hcops report weekly --runner hcops-hlw`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportWeekly(cmd.Context(), app, opts)
		},
	}
	opts.bind(cmd)
	cmd.Flags().StringVar(&opts.week, "week", "", "week to report, YYYY-Www or any date YYYY-MM-DD in it (default: the previous week)")
	opts.bindScope(cmd)
	return cmd
}

// parseWeek reads YYYY-Www (ISO week) or a date in the week.
func parseWeek(s string, loc *time.Location) (time.Time, error) {
	var y, w int
	if n, err := fmt.Sscanf(strings.ToUpper(s), "%d-W%d", &y, &w); err == nil && n == 2 && w >= 1 && w <= 53 {
		// January 4th is always in ISO week 1.
		jan4 := time.Date(y, 1, 4, 12, 0, 0, 0, loc)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(w-1)*7)
		if yy, ww := monday.ISOWeek(); yy == y && ww == w {
			return monday, nil
		}
	}
	return time.ParseInLocation("2006-01-02", s, loc)
}

func runReportWeekly(ctx context.Context, app *App, opts *reportWeeklyOptions) error {
	if err := opts.check(app); err != nil {
		return err
	}
	day := time.Now().AddDate(0, 0, -7)
	if opts.week != "" {
		var err error
		if day, err = parseWeek(opts.week, time.Local); err != nil {
			return flagErrorf("%s", app.T("report.cli.bad_week", opts.week))
		}
	}
	db, err := openHistory(ctx, app)
	if err != nil {
		return err
	}
	ro := app.reportOpts()
	ro.Scope = opts.scope()
	// Tickets of the ISO week day is in (a few days either side are cut by
	// the report itself).
	ro.Tickets = periodTickets(ctx, app, day.AddDate(0, 0, -7), day.AddDate(0, 0, 7))
	m, err := report.BuildWeekly(ctx, db, day, ro)
	if err != nil {
		return err
	}
	if m.Inspections.Runs == 0 {
		app.Warnf("%s", app.T("report.cli.week_empty", m.Month))
	}
	name := app.T("report.cli.weekly_file", m.Month)
	subject := strings.TrimSpace(m.Header.Site + " " + m.Header.Title)
	worst := result.OK
	for _, r := range m.Risks {
		worst = result.Worst(worst, r.Level)
	}
	sum := deliver.Summary{Title: subject, Text: strings.Join(m.Overview, "\n"), Status: worst.String(), Counts: m.Inspections.Counts, Lang: app.Lang}
	return writeAndDeliver(ctx, app, &opts.reportOptions, m, ro.TemplateDir, name, subject, sum)
}
