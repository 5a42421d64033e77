package report

// The MLPS 2.0 level-3 host baseline report (等保三级主机安全基线核查报告):
// the assessor's checklist (测评项 | 测评要求 | 结果记录 | 符合情况) per host,
// built from the latest results of the mlps3-linux playbook of each host,
// the rule catalogue (pkg/baseline) and the waivers (pkg/waiver). It reads
// results only as the contract between checks and report says: Item is the
// rule ID, the verdict comes from baseline.VerdictOf, the record is the
// result's message and the remediation its advice, both rendered from their
// codes in the report's language. No message or evidence is parsed.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/waiver"
)

// Waived is the verdict shown for a non-compliance an active waiver covers
// (已豁免); the measured verdict is kept beside it. It is never counted as
// compliant.
const Waived baseline.Verdict = "waived"

// BaselineReport is the host baseline report of `hcops report baseline`;
// also its JSON format (field names are stable).
type BaselineReport struct {
	Kind      string    `json:"kind"` // "baseline"
	Header    Header    `json:"header"`
	Playbook  string    `json:"playbook"`         // mlps3-linux
	Filter    string    `json:"filter,omitempty"` // the selection, "" for every host
	Period    string    `json:"period"`           // the inspection dates, as written in the report
	FirstAt   time.Time `json:"first_inspected_at"`
	LastAt    time.Time `json:"last_inspected_at"`
	Runs      []int64   `json:"runs"` // the runs the hosts' results come from
	Waivers   string    `json:"waiver_file,omitempty"`
	RuleCount int       `json:"rules"`

	Totals     BaselineCounts    `json:"totals"` // every host × rule
	CountLine  string            `json:"count_line"`
	Conclusion string            `json:"conclusion"`
	Sections   []BaselineSection `json:"sections"` // per 安全控制点, checklist order
	RuleRows   []BaselineRuleRow `json:"rule_rows"`
	Findings   []BaselineFinding `json:"findings"` // non-compliances, one line per rule, verdict, record and advice
	Hosts      []BaselineHost    `json:"hosts"`
	WaiverList []BaselineWaiver  `json:"waivers"`
	Sign       []Signer          `json:"sign_off"`
	Notes      []string          `json:"notes"`
}

// BaselineCounts counts checklist items by verdict. Waived items are
// counted only as Waived, not under their measured verdict.
type BaselineCounts struct {
	Total         int `json:"total"`
	Pass          int `json:"pass"`
	Partial       int `json:"partial"`
	Fail          int `json:"fail"`
	Waived        int `json:"waived"`
	NotApplicable int `json:"na"`
	NotChecked    int `json:"not_checked"`
}

func (c *BaselineCounts) add(v baseline.Verdict) {
	c.Total++
	switch v {
	case baseline.Pass:
		c.Pass++
	case baseline.Partial:
		c.Partial++
	case baseline.Fail:
		c.Fail++
	case Waived:
		c.Waived++
	case baseline.NotApplicable:
		c.NotApplicable++
	default:
		c.NotChecked++
	}
}

// Verdict sums counts up as one verdict over the items that were checked:
// 不符合 if any fails, else 部分符合 if any is partial, else 已豁免 if any
// is waived, else 符合 if any passes, else 不适用 if any is not
// applicable; 未检查 only when nothing could be checked. The items not
// checked keep their own count beside it and never count as compliant.
func (c BaselineCounts) Verdict() baseline.Verdict {
	switch {
	case c.Fail > 0:
		return baseline.Fail
	case c.Partial > 0:
		return baseline.Partial
	case c.Waived > 0:
		return Waived
	case c.Pass > 0:
		return baseline.Pass
	case c.NotApplicable > 0:
		return baseline.NotApplicable
	}
	return baseline.NotChecked
}

// BaselineSection is one 安全控制点 (身份鉴别, 访问控制, …) over every host.
type BaselineSection struct {
	Section string           `json:"section"` // 8.1.4.1
	Title   string           `json:"title"`   // 身份鉴别
	Rules   int              `json:"rules"`
	Counts  BaselineCounts   `json:"counts"`
	Verdict baseline.Verdict `json:"verdict"`
}

// BaselineRuleRow is one rule over every host: the summary per 测评项.
type BaselineRuleRow struct {
	No           int              `json:"no"`
	Rule         string           `json:"rule"`
	Clause       string           `json:"clause"`
	TestUnit     string           `json:"test_unit"`
	Section      string           `json:"section"`
	SectionTitle string           `json:"section_title"`
	Title        string           `json:"title"`
	Requirement  string           `json:"requirement"`
	Counts       BaselineCounts   `json:"counts"`
	Verdict      baseline.Verdict `json:"verdict"`
}

// BaselineFinding is a non-compliance (不符合, 部分符合), a waived one, or
// an item that could not be checked, aggregated over the hosts where the
// same rule has the same verdict, record and advice: the same finding on 20
// hosts is one line.
type BaselineFinding struct {
	No       int              `json:"no"`
	Rule     string           `json:"rule"`
	Clause   string           `json:"clause"`
	TestUnit string           `json:"test_unit"`
	Title    string           `json:"title"`
	Verdict  baseline.Verdict `json:"verdict"`  // the measured verdict
	Waived   bool             `json:"waived"`   // covered by an active waiver
	Waiver   int              `json:"waiver"`   // its number in the appendix, 0 for none
	Hosts    []string         `json:"hosts"`    // natural order
	Record   string           `json:"record"`   // 结果记录 of the first host
	Example  string           `json:"example"`  // that host, when the records differ between hosts
	Advice   string           `json:"advice"`   // 整改建议
	Evidence string           `json:"evidence"` // the first host's evidence
}

// BaselineHost is one host's checklist.
type BaselineHost struct {
	Name        string         `json:"name"`
	Address     string         `json:"address,omitempty"`
	System      string         `json:"system,omitempty"`
	OS          string         `json:"os,omitempty"` // family and version as the inventory says
	RunID       int64          `json:"run_id"`
	InspectedAt time.Time      `json:"inspected_at"`
	Reachable   bool           `json:"reachable"`
	Note        string         `json:"note,omitempty"` // why nothing could be checked
	Counts      BaselineCounts `json:"counts"`
	Items       []BaselineItem `json:"items"` // every rule, checklist order
}

// BaselineItem is one row of a host's checklist.
type BaselineItem struct {
	No           int              `json:"no"`
	Rule         string           `json:"rule"`
	Clause       string           `json:"clause"`
	TestUnit     string           `json:"test_unit"`
	Section      string           `json:"section"`
	SectionTitle string           `json:"section_title"`
	Title        string           `json:"title"`       // 测评项
	Requirement  string           `json:"requirement"` // 测评要求
	Record       string           `json:"record"`      // 结果记录
	Verdict      baseline.Verdict `json:"verdict"`     // 符合情况 as measured
	Waived       bool             `json:"waived"`      // an active waiver covers it: shown as 已豁免
	Waiver       int              `json:"waiver,omitempty"`
	WaiverNote   string           `json:"waiver_note,omitempty"` // justification, or the expired waiver
	Evidence     string           `json:"evidence,omitempty"`
	Advice       string           `json:"advice,omitempty"` // remediation for the host's OS (non-compliant items)
	Check        string           `json:"check,omitempty"`
	CheckedAt    time.Time        `json:"checked_at,omitzero"`
}

// Shown is the verdict a reader sees: Waived for a waived item.
func (it *BaselineItem) Shown() baseline.Verdict {
	if it.Waived {
		return Waived
	}
	return it.Verdict
}

// BaselineWaiver is one waiver in the appendix.
type BaselineWaiver struct {
	No                  int       `json:"no"`
	Target              string    `json:"target"` // rule ID or clause
	Title               string    `json:"title"`  // the rule's 测评项, or the clause's name
	Scope               string    `json:"scope"`  // asset names or selector
	Justification       string    `json:"justification"`
	CompensatingControl string    `json:"compensating_control"`
	Approver            string    `json:"approver"`
	Expires             time.Time `json:"expires"`
	Active              bool      `json:"active"`
	Covered             int       `json:"covered"` // items it waives in this report
	Resurfaced          int       `json:"resurfaced"`
}

// BaselineInput is what the report is made from: per host its latest
// baseline results (one run each), the hosts' inventory entries, and the
// waivers.
type BaselineInput struct {
	Hosts   []BaselineHostInput
	Filter  string
	Waivers *waiver.Set
	// Retired are hosts with baseline results that the current inventory
	// no longer has; they are left out and named in the notes.
	Retired []string
	// WaiversAt is when waivers are judged active or expired: the end of
	// the --date day, else (zero) when the report is made.
	WaiversAt time.Time
}

// BaselineHostInput is one host's latest baseline run.
type BaselineHostInput struct {
	Asset   *inventory.Asset
	RunID   int64
	At      time.Time
	Results []result.Result
}

// BaselineCatalogue is what waivers may refer to: the catalogue's rule IDs
// and the clauses, sections and test units of its rules.
func BaselineCatalogue() waiver.Catalogue {
	var c waiver.Catalogue
	seen := map[string]bool{}
	for _, r := range baseline.Rules() {
		c.Rules = append(c.Rules, r.ID)
		for _, s := range []string{r.Section, r.Clause, r.TestUnit} {
			if !seen[s] {
				seen[s] = true
				c.Clauses = append(c.Clauses, s)
			}
		}
	}
	return c
}

// ruleClauses are the names a waiver's clause may give for rule r.
func ruleClauses(r baseline.Rule) []string { return []string{r.Section, r.Clause, r.TestUnit} }

// LoadBaseline reads, for each host the selector picks (nil: all), the
// results of its latest inspection by the baseline playbook — started
// before asOf when it is not zero (the checklist as it stood then). No
// such host is ErrNoResults.
func LoadBaseline(ctx context.Context, db store.History, sel *inventory.Selector, asOf time.Time, o Options) (*BaselineInput, error) {
	last, runOf, err := baselineRuns(ctx, db, asOf)
	if err != nil {
		return nil, err
	}
	in := &BaselineInput{}
	if !sel.Empty() {
		in.Filter = clean(sel.String())
	}
	snaps := map[int64]map[string]*inventory.Asset{}
	names := make([]string, 0, len(last))
	for n := range last {
		names = append(names, n)
	}
	slices.SortFunc(names, naturalCompare)
	for _, name := range names {
		at := last[name]
		h := BaselineHostInput{At: at}
		f := store.ResultFilter{Kind: result.KindInspect, Asset: name, Since: at, Until: at.Add(time.Millisecond)}
		if id := runOf[name]; id != 0 {
			f = store.ResultFilter{Kind: result.KindInspect, Asset: name, RunID: id}
		}
		err := db.EachResult(ctx, f,
			func(r *store.StoredResult) error {
				if r.Playbook != baseline.Playbook {
					return nil
				}
				if r.RunID > h.RunID { // two runs in the same millisecond: the later one
					h.RunID, h.Results = r.RunID, h.Results[:0]
				}
				if r.RunID == h.RunID {
					h.Results = append(h.Results, r.Result)
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
		if h.RunID == 0 {
			continue // pruned meanwhile
		}
		snap, ok := snaps[h.RunID]
		if !ok {
			assets, err := snapshotAssets(ctx, db, h.RunID)
			if err != nil {
				return nil, err
			}
			snap = map[string]*inventory.Asset{}
			for _, a := range assets {
				snap[a.Name] = a
			}
			snaps[h.RunID] = snap
		}
		// The inventory of the run says what the host was when inspected;
		// the current inventory fills in a run without a snapshot.
		h.Asset = snap[name]
		if h.Asset == nil && o.Inventory != nil {
			h.Asset = o.Inventory.Asset(name)
		}
		if h.Asset == nil {
			h.Asset = &inventory.Asset{Name: name}
		}
		if !sel.Empty() {
			cur := h.Asset
			if o.Inventory != nil && o.Inventory.Asset(name) != nil {
				cur = o.Inventory.Asset(name) // select by what the host is now
			}
			if !sel.Match(cur) {
				continue
			}
		}
		if o.Inventory != nil && o.Inventory.Asset(name) == nil {
			// Inspected once, gone from the register since (decommissioned,
			// renamed): not part of the system being assessed.
			in.Retired = append(in.Retired, clean(name))
			continue
		}
		in.Hosts = append(in.Hosts, h)
	}
	if len(in.Hosts) == 0 {
		return nil, fmt.Errorf("baseline report: %w", ErrNoResults)
	}
	return in, nil
}

// baselineRuns finds each host's latest baseline inspection: its start
// time, and (when asOf is given) its run. Without asOf the store's
// last-seen index answers at once; with it, the runs started before asOf
// are read newest first until each host has its run.
func baselineRuns(ctx context.Context, db store.History, asOf time.Time) (map[string]time.Time, map[string]int64, error) {
	if asOf.IsZero() {
		last, err := db.LastSeen(ctx, result.KindInspect, baseline.Playbook)
		return last, nil, err
	}
	runs, err := db.ListRuns(ctx, store.RunFilter{Kind: result.KindInspect, Until: asOf})
	if err != nil {
		return nil, nil, err
	}
	last, runOf := map[string]time.Time{}, map[string]int64{}
	for _, run := range runs {
		err := db.EachRunCheck(ctx, run.ID, func(asset, _, _, pb string) error {
			if pb == baseline.Playbook && runOf[asset] == 0 {
				runOf[asset], last[asset] = run.ID, run.StartedAt
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return last, runOf, nil
}

// BuildBaseline reads the history and builds the baseline report of each
// host's latest baseline inspection (started before asOf, when not zero).
func BuildBaseline(ctx context.Context, db store.History, sel *inventory.Selector, asOf time.Time, waivers *waiver.Set, o Options) (*BaselineReport, error) {
	in, err := LoadBaseline(ctx, db, sel, asOf, o)
	if err != nil {
		return nil, err
	}
	in.Waivers = waivers
	if !asOf.IsZero() {
		in.WaiversAt = asOf.Add(-time.Nanosecond) // the last moment of that day
	}
	return NewBaseline(in, o), nil
}

// waiverTitle names what a waiver is for in words: the rule's checklist
// item, the security control of a section, or the items of a clause or
// test unit.
func waiverTitle(o Options, w *waiver.Waiver) string {
	if w.Rule != "" {
		return o.t("baseline.rule." + w.Rule + ".title")
	}
	var titles []string
	for _, r := range baseline.Rules() {
		if coversClause(w, r) {
			if waiver.SameClause(w.Clause, r.Section) {
				return o.t("baseline.clause." + r.Section)
			}
			titles = append(titles, o.t("baseline.rule."+r.ID+".title"))
		}
	}
	return strings.Join(titles, o.t("report.listsep"))
}

func coversClause(w *waiver.Waiver, r baseline.Rule) bool {
	for _, c := range ruleClauses(r) {
		if waiver.SameClause(w.Clause, c) {
			return true
		}
	}
	return false
}

// evidenceLines and evidenceBytes bound the evidence shown per item: enough
// for the lines a rule read, not whole files.
const (
	evidenceLines = 40
	evidenceBytes = 4000
)

// NewBaseline builds the report model from its input.
func NewBaseline(in *BaselineInput, o Options) *BaselineReport {
	lang := o.Lang
	loc := o.loc()
	now := o.now().In(loc)
	if !in.WaiversAt.IsZero() {
		now = in.WaiversAt.In(loc)
	}
	rules := baseline.Rules()
	rep := &BaselineReport{Kind: "baseline", Playbook: baseline.Playbook, Filter: in.Filter, RuleCount: len(rules)}
	if in.Waivers != nil {
		rep.Waivers = in.Waivers.File
	}
	wv := map[*waiver.Waiver]*BaselineWaiver{}
	if in.Waivers != nil {
		for _, w := range in.Waivers.Waivers {
			bw := BaselineWaiver{No: w.No, Target: w.Target(), Scope: w.Scope(), Justification: w.Justification,
				CompensatingControl: w.CompensatingControl, Approver: w.Approver, Expires: w.Expires, Active: w.Active(now)}
			bw.Title = waiverTitle(o, w)
			rep.WaiverList = append(rep.WaiverList, bw)
		}
		for i, w := range in.Waivers.Waivers {
			wv[w] = &rep.WaiverList[i]
		}
	}

	rows := make([]BaselineRuleRow, len(rules))
	for i, r := range rules {
		rows[i] = BaselineRuleRow{No: i + 1, Rule: r.ID, Clause: r.Clause, TestUnit: r.TestUnit, Section: r.Section,
			SectionTitle: o.t("baseline.clause." + r.Section), Title: o.t("baseline.rule." + r.ID + ".title"), Requirement: o.t("baseline.rule." + r.ID + ".req")}
	}
	unknownRules := map[string]bool{}
	runs := map[int64]bool{}
	type fkey struct {
		rule, record, advice string
		verdict              baseline.Verdict
		waiver               int
	}
	findings := map[fkey]*BaselineFinding{}
	var order []fkey
	stale := 0

	// Which check answers which rule, as the hosts' results say: a host
	// whose check failed as a whole shows that failure on the check's rules.
	ruleCheck := map[string]string{}
	for _, hin := range in.Hosts {
		for _, r := range hin.Results {
			if r.Item != "" && r.Check != "" && ruleCheck[r.Item] == "" {
				ruleCheck[r.Item] = r.Check
			}
		}
	}
	for _, hin := range in.Hosts {
		a := hin.Asset
		h := BaselineHost{Name: clean(a.Name), Address: clean(a.Address), System: clean(a.System), RunID: hin.RunID, InspectedAt: hin.At.In(loc), Reachable: true}
		if a.OS.Family != "" {
			h.OS = clean(strings.TrimSpace(a.OS.Family + " " + a.OS.Version))
		}
		runs[hin.RunID] = true
		if rep.FirstAt.IsZero() || h.InspectedAt.Before(rep.FirstAt) {
			rep.FirstAt = h.InspectedAt
		}
		if h.InspectedAt.After(rep.LastAt) {
			rep.LastAt = h.InspectedAt
		}
		if now.Sub(h.InspectedAt) > 30*24*time.Hour {
			stale++
		}
		// Waivers were written against the inventory as it is now: a host
		// still in it is matched as it is there, else as it was inspected.
		waiverAsset := a
		if o.Inventory != nil {
			if cur := o.Inventory.Asset(a.Name); cur != nil {
				waiverAsset = cur
			}
		}
		byRule := map[string]*result.Result{}
		checkLevel := map[string]*result.Result{}
		var checkNames []string
		var connect *result.Result
		for i := range hin.Results {
			r := &hin.Results[i]
			if r.Check == connectCheck && r.Status == result.Unreachable {
				connect = r
				continue
			}
			if r.Item == "" {
				// A check that gave no per-rule answer (the host timed out,
				// the connection dropped, the script died): its message
				// stands for each rule of that check (see missing below).
				if checkLevel[r.Check] == nil {
					checkLevel[r.Check] = r
					checkNames = append(checkNames, r.Check)
				}
				continue
			}
			if _, ok := baseline.Lookup(r.Item); !ok {
				unknownRules[r.Item+"\x00"+r.Check] = true
				continue
			}
			if prev := byRule[r.Item]; prev == nil || worseResult(r, prev) {
				byRule[r.Item] = r
			}
		}
		if connect != nil && len(byRule) == 0 {
			h.Reachable = false
			h.Note = clean(msgIn(lang, connect))
		}
		for i, rule := range rules {
			it := BaselineItem{No: i + 1, Rule: rule.ID, Clause: rule.Clause, TestUnit: rule.TestUnit, Section: rule.Section,
				SectionTitle: rows[i].SectionTitle, Title: rows[i].Title, Requirement: rows[i].Requirement, Verdict: baseline.NotChecked}
			switch r := byRule[rule.ID]; {
			case r != nil:
				it.Verdict = baseline.VerdictOf(*r)
				it.Record = clean(msgIn(lang, r))
				it.Check = clean(r.Check)
				it.CheckedAt = r.StartedAt.In(loc)
				it.Evidence = evidenceExcerpt(r.Evidence, r.EvidenceTruncated)
				if it.Verdict != baseline.Pass && it.Verdict != baseline.NotApplicable {
					it.Advice = clean(adviceIn(lang, r))
				}
			case !h.Reachable:
				it.Record = o.t("rbl.record.unreachable")
			case checkFailed(checkLevel, checkNames, ruleCheck[rule.ID]) != nil:
				// The check this rule belongs to (as other hosts answered
				// it) failed as a whole.
				cr := checkFailed(checkLevel, checkNames, ruleCheck[rule.ID])
				it.Record = o.t("rbl.record.check_failed", clean(cr.Check), clean(msgIn(lang, cr)))
				it.Check = clean(cr.Check)
				it.CheckedAt = cr.StartedAt.In(loc)
				it.Advice = clean(adviceIn(lang, cr))
			default:
				it.Record = o.t("rbl.record.missing")
			}
			if it.Verdict == baseline.Fail || it.Verdict == baseline.Partial {
				active, expired := in.Waivers.Match(rule.ID, ruleClauses(rule), waiverAsset, now)
				switch {
				case active != nil:
					it.Waived, it.Waiver = true, active.No
					it.WaiverNote = o.t("rbl.waiver.note", active.No, clean(active.Justification), fmtDate(lang, active.Expires))
					wv[active].Covered++
				case expired != nil:
					it.Waiver = expired.No
					it.WaiverNote = o.t("rbl.waiver.expired_note", expired.No, fmtDate(lang, expired.Expires))
					wv[expired].Resurfaced++
				}
			}
			v := it.Shown()
			h.Counts.add(v)
			rows[i].Counts.add(v)
			rep.Totals.add(v)
			// An unreachable host is one line of the conclusion, not a
			// finding per rule.
			if v != baseline.Pass && v != baseline.NotApplicable && h.Reachable {
				// The same finding: same rule, verdict, waiver, and the same
				// message and advice codes. Their arguments name host-specific
				// facts (a value, an account); when they differ, the first
				// host's record and advice are shown as an example.
				r := byRule[rule.ID]
				k := fkey{rule: rule.ID, verdict: it.Verdict, record: "text:" + it.Record, advice: "text:" + it.Advice}
				if r != nil && r.Code != "" {
					k.record = "code:" + r.Code
				}
				if r != nil && r.AdviceCode != "" {
					k.advice = "code:" + r.AdviceCode
				}
				if it.Waived {
					k.waiver = it.Waiver
				}
				f := findings[k]
				if f == nil {
					f = &BaselineFinding{Rule: rule.ID, Clause: rule.Clause, TestUnit: rule.TestUnit, Title: it.Title, Verdict: it.Verdict,
						Waived: it.Waived, Record: it.Record, Advice: it.Advice, Evidence: it.Evidence}
					if it.Waived {
						f.Waiver = it.Waiver
					}
					findings[k] = f
					order = append(order, k)
				} else if (f.Record != it.Record || f.Advice != it.Advice) && f.Example == "" {
					f.Example = f.Hosts[0]
				}
				f.Hosts = append(f.Hosts, h.Name)
			}
			h.Items = append(h.Items, it)
		}
		rep.Hosts = append(rep.Hosts, h)
	}

	for i := range rows {
		rows[i].Verdict = rows[i].Counts.Verdict()
	}
	rep.RuleRows = rows
	for _, s := range baseline.Sections() {
		sec := BaselineSection{Section: s, Title: o.t("baseline.clause." + s)}
		for _, r := range rows {
			if r.Section == s {
				sec.Rules++
				sec.Counts.Total += r.Counts.Total
				sec.Counts.Pass += r.Counts.Pass
				sec.Counts.Partial += r.Counts.Partial
				sec.Counts.Fail += r.Counts.Fail
				sec.Counts.Waived += r.Counts.Waived
				sec.Counts.NotApplicable += r.Counts.NotApplicable
				sec.Counts.NotChecked += r.Counts.NotChecked
			}
		}
		sec.Verdict = sec.Counts.Verdict()
		rep.Sections = append(rep.Sections, sec)
	}

	// Findings: 不符合 before 部分符合 before 未检查 before 已豁免; then the
	// most hosts; then checklist order.
	rank := map[baseline.Verdict]int{baseline.Fail: 0, baseline.Partial: 1, baseline.NotChecked: 2}
	ruleNo := map[string]int{}
	for i, r := range rules {
		ruleNo[r.ID] = i
	}
	for _, k := range order {
		rep.Findings = append(rep.Findings, *findings[k])
	}
	slices.SortStableFunc(rep.Findings, func(a, b BaselineFinding) int {
		ra, rb := rank[a.Verdict], rank[b.Verdict]
		if a.Waived {
			ra = 3
		}
		if b.Waived {
			rb = 3
		}
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(len(b.Hosts), len(a.Hosts)), cmp.Compare(ruleNo[a.Rule], ruleNo[b.Rule]))
	})
	for i := range rep.Findings {
		rep.Findings[i].No = i + 1
		slices.SortFunc(rep.Findings[i].Hosts, naturalCompare)
	}

	for id := range runs {
		rep.Runs = append(rep.Runs, id)
	}
	slices.Sort(rep.Runs)
	rep.Period = fmtDate(lang, rep.FirstAt)
	if d := fmtDate(lang, rep.LastAt); d != rep.Period {
		rep.Period = o.t("rbl.period_range", rep.Period, d)
	}
	rep.Header = o.header(o.t("rbl.title"), fmt.Sprintf("JXHC-%s-%d", rep.LastAt.Format("20060102"), rep.Runs[len(rep.Runs)-1]))
	rep.Sign = o.signers("rbl.sign.checker")
	rep.CountLine = o.t("rbl.countline", len(rep.Hosts), len(rules), rep.Totals.Total, rep.Totals.Pass, rep.Totals.Partial,
		rep.Totals.Fail, rep.Totals.Waived, rep.Totals.NotApplicable, rep.Totals.NotChecked)
	rep.Conclusion = baselineConclusion(o, rep)

	rep.Notes = append(rep.Notes, o.t("rbl.note.basis"), o.t("rbl.note.verdicts"), o.t("rbl.note.latest"))
	if rep.Waivers == "" {
		rep.Notes = append(rep.Notes, o.t("rbl.note.no_waivers"))
	} else {
		rep.Notes = append(rep.Notes, o.t("rbl.note.waivers", clean(rep.Waivers)))
	}
	if stale > 0 {
		rep.Notes = append(rep.Notes, o.t("rbl.note.stale", stale))
	}
	if len(in.Retired) > 0 {
		rep.Notes = append(rep.Notes, o.t("rbl.note.retired", len(in.Retired), compressNames(lang, in.Retired, 10)))
	}
	if len(unknownRules) > 0 {
		rep.Notes = append(rep.Notes, o.t("rbl.note.unknown_rules", len(unknownRules)))
	}
	rep.Notes = append(rep.Notes, o.t("rbl.note.scope"))
	return rep
}

// checkFailed is the failure of the check that answers a rule (check, as
// other hosts' results name it); when no host answered the rule, the
// first check that failed as a whole on this host stands for it.
func checkFailed(failed map[string]*result.Result, order []string, check string) *result.Result {
	if check != "" {
		return failed[check]
	}
	if len(order) > 0 {
		return failed[order[0]]
	}
	return nil
}

// worseResult orders two results of the same rule on one host (a playbook
// that checks a rule twice): the worse verdict wins.
func worseResult(a, b *result.Result) bool {
	rank := map[baseline.Verdict]int{baseline.Fail: 5, baseline.Partial: 4, baseline.NotChecked: 3, baseline.Pass: 2, baseline.NotApplicable: 1}
	return rank[baseline.VerdictOf(*a)] > rank[baseline.VerdictOf(*b)]
}

// evidenceExcerpt keeps the evidence of one item readable in a checklist.
func evidenceExcerpt(s string, truncated bool) string {
	s = strings.TrimSpace(clean(s))
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	cut := truncated
	if len(lines) > evidenceLines {
		lines, cut = lines[:evidenceLines], true
	}
	s = strings.Join(lines, "\n")
	if len(s) > evidenceBytes {
		s = strings.ToValidUTF8(s[:evidenceBytes], "")
		cut = true
	}
	if cut {
		s += "\n…"
	}
	return s
}

// baselineConclusion is the overall sentence: what fails, on how many
// hosts, and what could not be checked.
func baselineConclusion(o Options, rep *BaselineReport) string {
	t := rep.Totals
	failHosts, partialHosts, uncheckedHosts := 0, 0, 0
	for _, h := range rep.Hosts {
		if h.Counts.Fail > 0 {
			failHosts++
		}
		if h.Counts.Partial > 0 {
			partialHosts++
		}
		if h.Counts.NotChecked > 0 {
			uncheckedHosts++
		}
	}
	var parts []string
	switch {
	case t.Fail > 0:
		parts = append(parts, o.t("rbl.concl.fail", t.Fail, failHosts))
	case t.Partial > 0:
		parts = append(parts, o.t("rbl.concl.partial_only", t.Partial, partialHosts))
	case t.NotChecked == 0:
		parts = append(parts, o.t("rbl.concl.pass"))
	}
	if t.Fail > 0 && t.Partial > 0 {
		parts = append(parts, o.t("rbl.concl.partial", t.Partial, partialHosts))
	}
	if t.Waived > 0 {
		parts = append(parts, o.t("rbl.concl.waived", t.Waived))
	}
	if t.NotChecked > 0 {
		parts = append(parts, o.t("rbl.concl.unchecked", t.NotChecked, uncheckedHosts))
	}
	var down []string
	for _, h := range rep.Hosts {
		if !h.Reachable {
			down = append(down, h.Name)
		}
	}
	if len(down) > 0 {
		parts = append(parts, o.t("rbl.concl.unreachable", len(down), compressNames(o.Lang, down, 10)))
	}
	expired := 0
	for _, w := range rep.WaiverList {
		if !w.Active {
			expired++
		}
	}
	if expired > 0 {
		parts = append(parts, o.t("rbl.concl.expired", expired))
	}
	return strings.TrimSpace(strings.Join(parts, ""))
}

// verdictWord is the checklist word for a verdict: 符合, 部分符合, 不符合,
// 不适用, 未检查, 已豁免.
func verdictWord(lang string, v baseline.Verdict) string {
	if v == Waived {
		return i18n.T(lang, "rbl.verdict.waived")
	}
	return i18n.T(lang, "baseline.verdict."+string(v))
}
