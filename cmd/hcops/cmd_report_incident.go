package main

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/deliver"
	"github.com/cyhealth/hcops/pkg/report"
	"github.com/cyhealth/hcops/pkg/store"
)

func newReportIncidentCmd(app *App) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "incident TICKET",
		Short: "Write the fault report (故障报告) of a ticket",
		Long: `Write the fault report of ticket TICKET (the PACS contract asks for one
after every fault): the summary (fault, class, system, asset, when it was
reported and recovered, how long it lasted against the system's outage
limit), the cause, impact, actions taken and recovery, each SLA clock
against its deadline (calendar, due time, when it stopped, time used, met
or breached), a security incident's reporting details and early-report
items, the timeline of every event, the evidence, and the sign-off block.

The cause, impact and recovery come from hcops ticket resolve (or note)
--cause/--impact/--recovery; without --actions the notes are the actions.
Formats: html (default), md, json. A report of a ticket not resolved yet
says so.` + reportExitStatus,
		Example: `  hcops report incident 12
  hcops report incident 12 --lang zh --format md --out -
  hcops report incident 12 --mail`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportIncident(cmd.Context(), app, opts, args[0])
		},
	}
	opts.bind(cmd)
	return cmd
}

func runReportIncident(ctx context.Context, app *App, opts *reportOptions, arg string) error {
	if err := opts.check(app); err != nil {
		return err
	}
	if opts.format == report.FormatXLSX {
		return flagErrorf("%s", app.T("report.cli.bad_format", opts.format, "html, md, json"))
	}
	id, err := parseTicketID(app, arg)
	if err != nil {
		return err
	}
	svc, err := ticketService(ctx, app)
	if err != nil {
		return err
	}
	t, err := svc.Get(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errors.New(app.T("ticket.cli.not_found", id))
		}
		return err
	}
	ro := app.reportOpts()
	r := report.BuildIncident(t, ro)
	name := app.T("incident.cli.file", t.ID)
	subject := strings.TrimSpace(r.Header.Site + " " + r.Header.Title + " " + t.Title)
	status := "OK"
	if r.Conclusion != app.T("incident.conclusion.met") {
		status = "WARN" // a deadline missed, or not resolved yet
	}
	sum := deliver.Summary{Title: subject, Text: r.Conclusion, Status: status, Lang: app.Lang}
	return writeAndDeliver(ctx, app, opts, r, ro.TemplateDir, name, subject, sum)
}
