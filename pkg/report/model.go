package report

import (
	"strconv"
	"time"

	"github.com/cyhealth/hcops/pkg/result"

	"github.com/cyhealth/hcops/pkg/ticket"
)

// The report models below are also the JSON format of `hcops report
// --format json`: field names are part of hcops' interface. Times are RFC
// 3339; durations are whole seconds in fields ending in "_s"; percentages
// are 0–100.

// Header is the block at the top of every report (表头) and the names of the
// sign-off block (签字栏).
type Header struct {
	Title       string    `json:"title"`
	Site        string    `json:"site"`             // project / system name (项目名称)
	Client      string    `json:"client"`           // 客户单位
	Vendor      string    `json:"vendor,omitempty"` // 编制单位
	Engineer    string    `json:"engineer"`         // 巡检人 / 编制人
	Reviewer    string    `json:"reviewer"`         // 审核人
	Approver    string    `json:"approver,omitempty"`
	ReportNo    string    `json:"report_no"` // 报告编号, derived from the run or month
	Lang        string    `json:"lang"`      // zh or en
	GeneratedAt time.Time `json:"generated_at"`
	Logo        string    `json:"-"` // data: URI of the logo image (HTML only)
}

// Coverage is how much of the inventory a run looked at.
type Coverage struct {
	Inspected int     `json:"inspected"` // assets with at least one result
	Inventory int     `json:"inventory"` // assets in the inventory snapshot of the run
	Percent   float64 `json:"percent"`
	// NotInspected names inventory assets the run did not look at (e.g.
	// excluded by the selector); at most 50 are listed.
	NotInspected []string `json:"not_inspected,omitempty"`
}

// UnreachableAsset is an asset that could not be inspected at all.
type UnreachableAsset struct {
	Asset   string `json:"asset"`
	Address string `json:"address,omitempty"`
	System  string `json:"system,omitempty"`
	Zone    string `json:"zone,omitempty"`
	Reason  string `json:"reason"`  // machine-readable: timeout, refused, auth, ...
	Message string `json:"message"` // as the inspection wrote it
	Advice  string `json:"advice"`
}

// GroupCount is one row of the summary by application system or zone.
type GroupCount struct {
	Name   string        `json:"name"`
	Assets int           `json:"assets"`
	Counts result.Counts `json:"counts"` // results per status
	Worst  result.Status `json:"worst"`
}

// Finding is one result that is not OK, with what a reader needs to judge it.
type Finding struct {
	Asset     string        `json:"asset"`
	System    string        `json:"system,omitempty"`
	Zone      string        `json:"zone,omitempty"`
	Check     string        `json:"check"`
	CheckName string        `json:"check_name"` // Check as a reader calls it, in the report's language
	Item      string        `json:"item,omitempty"`
	Status    result.Status `json:"status"`
	Value     string        `json:"value"`     // measured value with unit, "" when none
	Threshold string        `json:"threshold"` // warn/crit thresholds in words, "" when none
	Message   string        `json:"message"`
	Evidence  string        `json:"evidence,omitempty"` // excerpt of the raw output
	Advice    string        `json:"advice"`
	// Change is "new", "worse" or "" compared with the previous run.
	Change string `json:"change,omitempty"`
	// PrevStatus is the status in the previous run (for resolved problems).
	PrevStatus *result.Status `json:"prev_status,omitempty"`
}

// DetailRow is one result in the per-asset detail table.
type DetailRow struct {
	Check     string        `json:"check"`
	CheckName string        `json:"check_name"`
	Item      string        `json:"item,omitempty"`
	Status    result.Status `json:"status"`
	Value     string        `json:"value"`
	Threshold string        `json:"threshold"`
	Message   string        `json:"message"`
}

// AssetDetail is every result of one asset.
type AssetDetail struct {
	Asset   string        `json:"asset"`
	Address string        `json:"address,omitempty"`
	System  string        `json:"system,omitempty"`
	Zone    string        `json:"zone,omitempty"`
	Worst   result.Status `json:"worst"`
	Counts  result.Counts `json:"counts"`
	Rows    []DetailRow   `json:"rows"`
}

// Changes compares a run with the previous run of the same kind.
type Changes struct {
	HasPrevious   bool      `json:"has_previous"`
	PreviousRunID int64     `json:"previous_run_id,omitempty"`
	PreviousAt    time.Time `json:"previous_at,omitzero"`
	// PreviousRunIDs, of a report merged from several runners' runs, are
	// each runner's previous run compared with (PreviousRunID is the
	// latest of them); PreviousRuns says them in the report's language.
	PreviousRunIDs []int64   `json:"previous_run_ids,omitempty"`
	PreviousRuns   string    `json:"-"`
	New            []Finding `json:"new"`      // problems absent or better before
	Resolved       []Finding `json:"resolved"` // problems before, OK now (Status is the new status)
	// NewGroups is New aggregated as the exceptions are.
	NewGroups []FindingGroup `json:"new_groups"`
}

// Daily is the inspection report (巡检报告) of one run.
type Daily struct {
	Kind       string    `json:"kind"` // "daily"
	Header     Header    `json:"header"`
	RunID      int64     `json:"run_id"`
	RunKind    string    `json:"run_kind"`
	RunStatus  string    `json:"run_status"` // completed, interrupted, failed, running
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Operator   string    `json:"operator"`
	RanFrom    string    `json:"ran_from"`
	Playbooks  []string  `json:"playbooks"`
	Selector   string    `json:"selector,omitempty"`

	Coverage    Coverage           `json:"coverage"`
	Unreachable []UnreachableAsset `json:"unreachable"`
	Assets      int                `json:"assets"`     // assets inspected
	Checks      int                `json:"checks"`     // results (指标)
	Counts      result.Counts      `json:"counts"`     // results per status
	Worst       result.Status      `json:"worst"`      // worst status of the run
	CountLine   string             `json:"count_line"` // 本次共巡检 N 台设备、M 项指标，...
	BySystem    []GroupCount       `json:"by_system"`  // summary by application system
	ByZone      []GroupCount       `json:"by_zone"`    // summary by zone
	Findings    []Finding          `json:"findings"`   // worst first, one per asset and check (the appendix)
	// Groups are the findings aggregated across assets (the body's
	// exceptions table), by system, then severity, then number of assets.
	Groups []FindingGroup `json:"finding_groups"`
	// UnreachableGroups are the unreachable assets by reason.
	UnreachableGroups []UnreachableGroup `json:"unreachable_groups"`
	// OKAssets are the assets without any finding (named, not detailed).
	OKAssets    []string      `json:"ok_assets"`
	Details     []AssetDetail `json:"details"`    // per asset, worst first
	Changes     Changes       `json:"changes"`    // since the previous run
	Conclusion  string        `json:"conclusion"` // one overall sentence
	StatusChart string        `json:"-"`          // SVG (HTML only)
	Sign        []Signer      `json:"sign_off"`   // sign-off block
	Notes       []string      `json:"notes"`      // how figures were computed
	Period      string        `json:"period"`     // the day of the run, as written in the report
	// Scope says which runs (when several runners' runs of the day are
	// merged) and which zone or runner (hcops report --zone, --runner)
	// the report covers; empty for one run of the whole history.
	Scope string `json:"scope,omitempty"`
	// Runs are the runs merged into the report, oldest first, when more
	// than one (RunID is the newest of them).
	Runs []RunRef `json:"runs,omitempty"`
}

// RunNumbers are the numbers of the runs the report is made of: every
// merged run, oldest first, or the one run.
func (d *Daily) RunNumbers() []string {
	if len(d.Runs) == 0 {
		return []string{strconv.FormatInt(d.RunID, 10)}
	}
	out := make([]string, len(d.Runs))
	for i, r := range d.Runs {
		out[i] = strconv.FormatInt(r.ID, 10)
	}
	return out
}

// RunRef names one run merged into a report and the runner that wrote it.
type RunRef struct {
	ID        int64     `json:"run_id"`
	Runner    string    `json:"runner"`
	Zone      string    `json:"zone,omitempty"`
	Site      string    `json:"site,omitempty"`
	StartedAt time.Time `json:"started_at"`
	Status    string    `json:"status"`
}

// Signer is one line of the sign-off block: role and printed name; the
// signature and date are left blank for handwriting.
type Signer struct {
	Role string `json:"role"`
	Name string `json:"name"`
}

// DayRuns is the number of inspections started on one day of the month.
type DayRuns struct {
	Date   string        `json:"date"` // YYYY-MM-DD, local time
	Runs   int           `json:"runs"`
	Counts result.Counts `json:"counts"` // results of that day's runs per status
	Missed bool          `json:"missed"` // no inspection that day (days after the report time are not missed)
	Future bool          `json:"future,omitempty"`
}

// Inspections is the monthly inspection coverage.
type Inspections struct {
	Runs       int           `json:"runs"`
	DaysWith   int           `json:"days_with"`   // days with at least one inspection
	DaysDue    int           `json:"days_due"`    // days of the month up to the report time
	MissedDays []string      `json:"missed_days"` // YYYY-MM-DD
	Percent    float64       `json:"percent"`     // DaysWith / DaysDue
	Days       []DayRuns     `json:"days"`
	Counts     result.Counts `json:"counts"` // all results of the month per status
}

// OutageRow is one period an asset or system was down.
type OutageRow struct {
	Object    string    `json:"object"`
	Scope     string    `json:"scope"` // asset or system
	Core      bool      `json:"core"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	DurationS int64     `json:"duration_s"`
	Ongoing   bool      `json:"ongoing"`
	LimitS    int64     `json:"limit_s,omitempty"` // longest acceptable outage (systems)
	Exceeds   bool      `json:"exceeds"`           // longer than LimitS
}

// AvailRow is the availability of one asset or system over the month.
type AvailRow struct {
	Name        string  `json:"name"`
	Scope       string  `json:"scope"` // asset or system
	Kind        string  `json:"kind,omitempty"`
	System      string  `json:"system,omitempty"`
	Core        bool    `json:"core"`
	Target      float64 `json:"target"`   // percent; 0 when none applies
	Percent     float64 `json:"percent"`  // up / (up + down); only judged when Known
	Known       bool    `json:"known"`    // false when inspections covered less than sla.MinCoverage % of the period
	Coverage    float64 `json:"coverage"` // percent of the period (maintenance excluded) covered by inspections
	UpS         int64   `json:"up_s"`
	DownS       int64   `json:"down_s"`
	UnknownS    int64   `json:"unknown_s"`
	MaintS      int64   `json:"maintenance_s"`
	Outages     int     `json:"outages"`
	LongestS    int64   `json:"longest_outage_s"`
	MaxOutageS  int64   `json:"max_outage_s,omitempty"` // limit per outage (systems)
	Met         bool    `json:"met"`
	Verdict     string  `json:"verdict"` // 达标 / 未达标 / 数据不足
	UnknownNote string  `json:"unknown_note,omitempty"`
	// Measured is "probes" when the watcher's per-minute probes measured
	// this figure (Samples of them), else "" (inspection runs).
	Measured string `json:"measured,omitempty"`
	Samples  int    `json:"samples,omitempty"`
}

// LinkRow is one link's availability over the period (SLA2: dedicated
// lines at 99.95 %), computed only from stored samples: the watcher's pings
// when it measured the link, else the inspections' ping results. A link
// with no sample says so (Measured "", Verdict no data), never 100 %.
type LinkRow struct {
	Name     string  `json:"name"`
	Ends     string  `json:"ends,omitempty"`     // "site a – site b", when the inventory gives both
	Core     bool    `json:"core"`               // criticality core
	Measured string  `json:"measured,omitempty"` // "probes", "inspections", or "" (no data)
	Samples  int     `json:"samples"`            // probes, or inspection runs, in the period
	Down     int     `json:"samples_down"`       // of them, how many found the link down
	Known    bool    `json:"known"`              // enough coverage to judge (sla.MinCoverage)
	Coverage float64 `json:"coverage"`           // percent of the period covered by samples
	Percent  float64 `json:"percent"`            // measured availability; only judged when Known
	Target   float64 `json:"target"`             // percent (99.95 unless the inventory's link: says otherwise)
	Met      bool    `json:"met"`
	Verdict  string  `json:"verdict"` // 达标 / 未达标 / 数据不足
	DownS    int64   `json:"down_s"`
	Outages  int     `json:"outages"`
	// Worst are the longest outages of the period, longest first (at most
	// three).
	Worst []OutageRow `json:"worst_outages"`
	// Pings is how many ping checks of inspections measured the link in the
	// period; LossPct, RTTAvgMS and JitterMS are their means (nil when
	// none), RTTMaxMS the largest round-trip time any of them saw.
	Pings    int      `json:"pings"`
	LossPct  *float64 `json:"loss_pct,omitempty"`
	RTTAvgMS *float64 `json:"rtt_avg_ms,omitempty"`
	RTTMaxMS *float64 `json:"rtt_max_ms,omitempty"`
	JitterMS *float64 `json:"jitter_ms,omitempty"`
	// Quality says those figures in the report's language ("" without
	// pings).
	Quality string `json:"-"`
}

// IncidentRow is one ticket of the period in the monthly report.
type IncidentRow struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	Class    string    `json:"class"` // in the report's language
	System   string    `json:"system,omitempty"`
	Asset    string    `json:"asset,omitempty"`
	OpenedAt time.Time `json:"opened_at"`
	State    string    `json:"state"` // in the report's language
	// Clocks: one word per clock (met, breached, running), in order.
	Clocks   []string `json:"clocks"`
	Breached bool     `json:"breached"`
}

// MaintRow is a declared maintenance window excluded from availability.
type MaintRow struct {
	Asset     string    `json:"asset,omitempty"`
	System    string    `json:"system,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	DurationS int64     `json:"duration_s"`
	Reason    string    `json:"reason"`
}

// Recurring is a finding seen in many runs of the month.
type Recurring struct {
	Asset       string        `json:"asset"`
	Check       string        `json:"check"`
	Item        string        `json:"item,omitempty"`
	Worst       result.Status `json:"worst"`
	Runs        int           `json:"runs"` // runs in which it was not OK
	Days        int           `json:"days"` // days on which it was not OK
	LastMessage string        `json:"last_message"`
	Advice      string        `json:"advice"`
}

// TrendPoint is one day of a capacity series: the value measured by the
// day's last inspection.
type TrendPoint struct {
	At    time.Time `json:"at"`
	Value float64   `json:"value"`
}

// Trend is a capacity series (disk, inodes, memory, load) with a forecast.
type Trend struct {
	Asset     string        `json:"asset"`
	Check     string        `json:"check"`
	Item      string        `json:"item,omitempty"`
	Kind      string        `json:"kind"` // disk, inode, memory, load
	Unit      string        `json:"unit"`
	Last      float64       `json:"last"`
	Max       float64       `json:"max"`
	Limit     float64       `json:"limit,omitempty"`      // value the forecast aims at (100 for %)
	SlopeDay  float64       `json:"slope_per_day"`        // units per day from a linear fit
	R2        float64       `json:"r2"`                   // fit quality, 0–1
	DaysUntil *float64      `json:"days_until,omitempty"` // days until Limit; absent when not rising or no fit
	Forecast  bool          `json:"forecast"`             // a fit was possible
	Points    []TrendPoint  `json:"points"`
	Status    result.Status `json:"status"` // worst status seen this month
}

// Cert is a TLS certificate that expires within 60 days.
type Cert struct {
	Asset    string        `json:"asset"`
	Item     string        `json:"item,omitempty"`
	DaysLeft float64       `json:"days_left"`
	Expires  time.Time     `json:"expires"`
	Status   result.Status `json:"status"`
	Message  string        `json:"message"`
	seen     time.Time     // run that measured it (keeps the latest)
}

// BackupRow is one backup or drill result of the month.
type BackupRow struct {
	RunID   int64         `json:"run_id"`
	Kind    string        `json:"kind"` // backup or drill
	At      time.Time     `json:"at"`
	Asset   string        `json:"asset"`
	Check   string        `json:"check"`
	Status  result.Status `json:"status"`
	Message string        `json:"message"`
}

// Backup is the backup section: fed from runs of kind backup and drill.
type Backup struct {
	HasData  bool        `json:"has_data"`
	Runs     int         `json:"runs"`
	Drills   int         `json:"drills"`
	Results  int         `json:"results"`
	Failed   int         `json:"failed"` // results worse than OK
	Percent  float64     `json:"success_percent"`
	Problems []BackupRow `json:"problems"` // results worse than OK, at most 50

	// Policies is the compliance table: one row per backup policy verified
	// this month, worst first. Compliant counts the rows whose every
	// verification of the month was OK or WARN.
	Policies  []PolicyRow `json:"policies"`
	Compliant int         `json:"policies_compliant"`
	// DrillRuns are the restore drills of the month, newest first (at most
	// 100), with their restore time as RTO evidence.
	DrillRuns []DrillRow `json:"drill_runs"`
	DrillsOK  int        `json:"drills_succeeded"` // of DrillRuns
}

// PolicyRow is one backup policy in the monthly compliance table. The
// aspect statuses are the latest verdicts of the month; "" (omitted) means
// the aspect was not checked.
type PolicyRow struct {
	Policy    string        `json:"policy"`
	Asset     string        `json:"asset"`
	System    string        `json:"system,omitempty"`
	Checks    int           `json:"verifications"` // verifications this month
	FailedRun int           `json:"failed_verifications"`
	LastAt    time.Time     `json:"last_verified"`
	Aspects   PolicyAspects `json:"aspects"`
	Status    result.Status `json:"status"`    // worst of the latest verdicts
	Compliant bool          `json:"compliant"` // no verification worse than WARN this month
	Message   string        `json:"message"`   // the latest verdict that decided Status
	Advice    string        `json:"advice,omitempty"`
	// LastFailure is the latest verdict worse than WARN this month, so a
	// policy that recovered still says what went wrong.
	LastFailure   string    `json:"last_failure,omitempty"`
	LastFailureAt time.Time `json:"last_failure_at,omitzero"`
	// LastDrill is the newest drill of the policy this month, if any.
	LastDrill *DrillRow `json:"last_drill,omitempty"`
}

// PolicyAspects are the latest verdicts per aspect of a verification.
type PolicyAspects struct {
	Freshness *result.Status `json:"freshness,omitempty"`
	Sequence  *result.Status `json:"sequence,omitempty"`
	Retention *result.Status `json:"retention,omitempty"`
	Size      *result.Status `json:"size,omitempty"`
	Integrity *result.Status `json:"integrity,omitempty"`
	Listing   *result.Status `json:"listing,omitempty"` // set when copies could not be listed
}

// DrillRow is one restore drill: the restore, then the sanity checks.
type DrillRow struct {
	RunID     int64         `json:"run_id"`
	At        time.Time     `json:"at"`
	Policy    string        `json:"policy"`
	Asset     string        `json:"asset"`
	Status    result.Status `json:"status"`               // worst of restore, tables and row counts
	DurationS *float64      `json:"duration_s,omitempty"` // restore time (RTO evidence); absent when it never started
	Message   string        `json:"message"`
}

// Risk is one ranked risk with plain prevention advice.
type Risk struct {
	Rank   int           `json:"rank"`
	Level  result.Status `json:"level"` // CRIT or WARN
	Object string        `json:"object"`
	Risk   string        `json:"risk"`
	Advice string        `json:"advice"`
	score  float64
}

// KPI is one row of the service-level table: 指标 | 承诺值 | 本月实际 | 是否达标.
type KPI struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Actual string `json:"actual"`
	Met    string `json:"met"` // 达标 / 未达标 / 数据不足 (met, missed, no data)
	OK     *bool  `json:"ok"`
}

// Monthly is the monthly operations work report (运维工作报告).
type Monthly struct {
	Kind   string `json:"kind"` // "monthly"
	Header Header `json:"header"`
	Month  string `json:"month"`  // YYYY-MM
	Period string `json:"period"` // as written in the report
	// Scope says which zone or runner the report covers (hcops report
	// --zone, --runner); empty for the whole merged history.
	Scope       string      `json:"scope,omitempty"`
	Start       time.Time   `json:"start"`
	End         time.Time   `json:"end"` // exclusive; the report time when the month is not over
	Overview    []string    `json:"overview"`
	KPIs        []KPI       `json:"kpis"`
	Inspections Inspections `json:"inspections"`
	AssetAvail  []AvailRow  `json:"availability_assets"`
	SystemAvail []AvailRow  `json:"availability_systems"`
	// Links are the links' availability against SLA2, from stored samples.
	Links       []LinkRow   `json:"links"`
	Maintenance []MaintRow  `json:"maintenance"`
	Outages     []OutageRow `json:"outages"`
	// Incidents are the tickets (工单) opened in the period with their SLA
	// clocks, and TicketSLA their attainment per system and fault class.
	Incidents []IncidentRow      `json:"incidents"`
	TicketSLA *ticket.Attainment `json:"ticket_sla,omitempty"`
	Recurring []Recurring        `json:"recurring_findings"` // per asset (the appendix)
	// RecurringGroups are the recurring findings aggregated across assets
	// as the daily report's exceptions are (the body).
	RecurringGroups []RecurringGroup `json:"recurring_groups"`
	// Performance is load and CPU as distributions over the assets, per
	// system: performance, not capacity.
	Performance  []PerfRow `json:"performance"`
	Capacity     []Trend   `json:"capacity"`
	Certificates []Cert    `json:"certificates"`
	Backup       Backup    `json:"backup"`
	Risks        []Risk    `json:"risks"`
	// DocControl, MonthOnMonth and Work are the 运维工作报告's front matter
	// and work summary (issue #13).
	DocControl   DocControl   `json:"document_control"`
	MonthOnMonth []Comparison `json:"month_on_month"`
	Work         []WorkItem   `json:"work_done"`
	Plan         []string     `json:"plan"`
	Sign         []Signer     `json:"sign_off"`
	Notes        []string     `json:"notes"` // how figures were computed

	// Charts (SVG), HTML only.
	StatusChart    string         `json:"-"`
	AvailChart     string         `json:"-"`
	CapacityCharts []SystemCharts `json:"-"`
	// Body views of long lists (the lists themselves go to the appendix).
	CapacityWatch []Trend     `json:"-"` // series worth a look, at most 15
	OutagesTop    []OutageRow `json:"-"` // the longest asset outages, at most 10
	AssetOutages  int         `json:"-"`
	PerfChart     string      `json:"-"`
}
