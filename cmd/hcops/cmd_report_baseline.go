package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cyhealth/hcops/pkg/deliver"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/report"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/waiver"
)

// reportBaselineOptions are the flags of hcops report baseline.
type reportBaselineOptions struct {
	reportOptions
	sel     selectorFlags
	waivers string
	date    string
}

func newReportBaselineCmd(app *App) *cobra.Command {
	opts := &reportBaselineOptions{}
	cmd := &cobra.Command{
		Use:   "baseline [SELECTOR...]",
		Short: "Write the MLPS level-3 host baseline checklist (等保三级主机安全基线核查报告)",
		Long: `Write the host security baseline report of MLPS 2.0 level 3 (GB/T 22239-2019
8.1.4, test units of GB/T 28448-2019 L3-CES1) from the latest results of
the mlps3-linux playbook of each host (hcops inspect --playbook
mlps3-linux): the basis and scope, the conclusion with counts per verdict
and per security control (身份鉴别, 访问控制, 安全审计, 入侵防范, ...), the
results per host, the non-compliances across hosts (the same finding on
20 hosts is one line) with remediation for each host's OS, the summary per
checklist item, then one checklist per host laid out as the assessor's
(测评项 | 测评要求 | 结果记录 | 符合情况) with the evidence read, the
sign-off block and the waivers in an appendix.

Each host is reported from its own latest baseline inspection (up to the
end of --date, for the checklist as it stood that day), and its time is
shown; hosts the inventory no longer has are left out and named in the
notes. Waivers are judged on the day reported: --date, else today.

Verdicts: 符合 (compliant), 部分符合 (partial), 不符合 (non-compliant),
不适用 (not applicable), 未检查 (could not be read: never counted as
compliant), and 已豁免 (waived: counted on its own, never as compliant). The XLSX has one long checklist sheet with a host column and
filters, so an assessor can filter by host, clause or verdict.

The report is in Chinese unless --lang (or lang: in the config, or
HCOPS_LANG) asks for English.

WAIVERS
  Exceptions an approver accepted are read from --waivers FILE, by default
  waivers.yaml in the directory that holds the inventory (beside the file,
  or beside the directory of files; a missing default file means no
  waivers):

    waivers:
      - rule: ia-multi-factor        # a rule ID, or instead:
        # clause: 8.1.4.1            #   a section, a clause (8.1.4.1 d)) or a test unit (L3-CES1-04)
        selector: system=rhis        # or: assets: [rhis-app-01, rhis-app-02]
        justification: 双因素认证由云堡垒机实现
        compensating_control: sshd 仅接受堡垒机 10.1.0.5 的连接
        approver: 王强（信息科）
        expires: 2027-06-30          # the last day it holds

  A waived 不符合 or 部分符合 is shown as 已豁免 with its justification.
  From the day after its expiry date a waiver no longer covers anything:
  the finding counts as found and the appendix lists the waiver as expired.
  A waiver file with an unknown key, a missing field, a bad date, an
  unknown rule or clause, or a bad selector stops the command with every
  problem listed as file:line:column (exit 3); an asset name the inventory
  does not have is a warning, and so is a waiver file that group or others
  can write (whoever can write it can hide findings).

Name globs and --group / -l select hosts with the selector syntax of hcops
inspect. The path of the written file is printed on stdout.` + reportExitStatus,
		Example: `  hcops inspect -l system=rhis --playbook mlps3-linux
  hcops report baseline --format xlsx
  hcops report baseline -l system=rhis --format html --out rhis-baseline.html
  hcops report baseline --waivers /etc/hcops/waivers.yaml --format md --out -
  hcops report baseline --date 2026-11-30 --format xlsx
  hcops report baseline --lang en --format json --out -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportBaseline(cmd.Context(), app, opts, args)
		},
	}
	opts.bind(cmd)
	opts.sel.register(cmd)
	cmd.Flags().StringVar(&opts.waivers, "waivers", "", "waiver file (default: waivers.yaml beside the inventory)")
	cmd.Flags().StringVar(&opts.date, "date", "", "the checklist as it stood on this day, YYYY-MM-DD: each host's latest baseline inspection up to its end")
	return cmd
}

func runReportBaseline(ctx context.Context, app *App, opts *reportBaselineOptions, args []string) error {
	if err := opts.check(app); err != nil {
		return err
	}
	day, err := reportDay(app, opts.date)
	if err != nil {
		return err
	}
	sel, err := opts.sel.selector(args)
	if err != nil {
		return err
	}
	ro := app.reportOpts()
	if app.v == nil || app.v.GetString("lang") == "" {
		ro.Lang = i18n.ZH // the assessors' checklist is a Chinese document
	}
	if ro.Inventory != nil {
		opts.sel.warnUnknown(app, ro.Inventory)
	}
	waivers, err := loadWaivers(app, opts.waivers, ro.Inventory)
	if err != nil {
		return err
	}
	db, err := openHistory(ctx, app)
	if err != nil {
		return err
	}
	var asOf time.Time
	if !day.IsZero() {
		asOf = day.AddDate(0, 0, 1) // to the end of that day
	}
	rep, err := report.BuildBaseline(ctx, db, sel, asOf, waivers, ro)
	if errors.Is(err, report.ErrNoResults) {
		which := ""
		if !sel.Empty() {
			which = app.T("rbl.cli.for_sel", sel.String())
		}
		if !day.IsZero() {
			which += app.T("rbl.cli.by_day", opts.date)
		}
		return errors.New(app.T("rbl.cli.no_results", which))
	}
	if err != nil {
		return historyErr(app, db, err)
	}
	name := i18n.T(ro.Lang, "rbl.cli.file", rep.LastAt.Format("2006-01-02"))
	subject := strings.TrimSpace(rep.Header.Site + " " + rep.Header.Title + " " + rep.Period)
	worst := result.OK
	switch {
	case rep.Totals.Fail > 0:
		worst = result.Crit
	case rep.Totals.Partial > 0:
		worst = result.Warn
	case rep.Totals.NotChecked > 0:
		worst = result.Unknown
	}
	sum := deliver.Summary{Title: subject, Text: rep.CountLine + "\n" + rep.Conclusion, Status: worst.String(), Lang: ro.Lang}
	return writeAndDeliver(ctx, app, &opts.reportOptions, rep, ro.TemplateDir, name, subject, sum)
}

// loadWaivers reads the waiver file: path, or waivers.yaml beside the
// inventory (nil when that does not exist). A file with problems stops the
// report with every problem listed.
func loadWaivers(app *App, path string, inv *inventory.Inventory) (*waiver.Set, error) {
	explicit := path != ""
	if !explicit {
		if path = waiver.DefaultPath(app.InventoryPath); path == "" {
			return nil, nil
		}
	}
	set, err := waiver.Load(path, report.BaselineCatalogue(), inv)
	var ve *inventory.ValidationError
	switch {
	case errors.Is(err, waiver.ErrNoFile) && !explicit:
		return nil, nil
	case errors.Is(err, waiver.ErrNoFile):
		return nil, flagErrorf("%s", app.T("rbl.cli.no_waivers", path))
	case errors.As(err, &ve):
		return nil, fmt.Errorf("%s\n%s\n%s", app.T("rbl.cli.waivers", path), ve.Text(app.Lang), app.T("rbl.cli.waivers_n", len(ve.Problems)))
	case err != nil:
		return nil, err
	}
	// Whoever can write the file can waive findings: say so when others can.
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o022 != 0 {
		app.Warnf("%s", app.T("rbl.cli.waiver_writable", path, fmt.Sprintf("%04o", st.Mode().Perm())))
	}
	for _, w := range set.Warnings {
		app.Warnf("%s", app.T("rbl.cli.waiver_warn", w.Text(app.Lang)))
	}
	return set, nil
}
