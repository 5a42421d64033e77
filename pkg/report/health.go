package report

// What the database health report (db.go) and the hardware report
// (appliance.go) share: finding the run, choosing the assets, one item per
// stored result, ranked problems with advice, and the section verdicts.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// ErrNoResults says a run exists but holds no result the report is about
// (no db-* result for the database report, no hardware result for the
// appliance report), or none for the selected assets.
var ErrNoResults = errors.New("no results for this report in the run")

// connectCheck is the check name the runner gives the one result of a host
// it could not reach (inspect.ConnectCheck; not imported, so reports depend
// only on what is stored).
const connectCheck = "connect"

// HealthItem is one stored result as a line of a health report section.
type HealthItem struct {
	Asset     string        `json:"asset"`
	Check     string        `json:"check"`
	Type      string        `json:"type,omitempty"`
	Item      string        `json:"item,omitempty"`
	Label     string        `json:"label"` // what was checked, in the report's language
	Status    result.Status `json:"status"`
	Value     string        `json:"value"`     // measured value with unit, "" when none
	Threshold string        `json:"threshold"` // warn/crit thresholds in words, "" when none
	Message   string        `json:"message"`
	Evidence  string        `json:"evidence,omitempty"` // excerpt of the raw output (problems only)
	Advice    string        `json:"advice,omitempty"`   // problems only, with a deadline
}

// HealthSection is one dimension of a health report (容量, 性能, … or
// 传感器, 硬盘, …): its items, their counts and a one-line summary (小结).
type HealthSection struct {
	Key     string        `json:"key"`
	Title   string        `json:"title"`
	Worst   result.Status `json:"worst"`
	Counts  result.Counts `json:"counts"`
	Summary string        `json:"summary"`
	Items   []HealthItem  `json:"items"`
}

// HealthProblem is one ranked problem of a health report, worst first.
type HealthProblem struct {
	Rank    int           `json:"rank"`
	Level   result.Status `json:"level"`
	Asset   string        `json:"asset"`
	Section string        `json:"section"` // title of the section it belongs to
	Label   string        `json:"label"`
	Check   string        `json:"check"`
	Item    string        `json:"item,omitempty"`
	Value   string        `json:"value"`
	Message string        `json:"message"`
	Advice  string        `json:"advice"`
}

// runWith returns the id of the latest inspection run (started on day, in
// loc, when day is not zero) holding a result that match accepts for an
// asset the selector picks. Assets are judged by the run's inventory
// snapshot, then the current inventory, then by name alone.
func runWith(ctx context.Context, db store.History, day time.Time, loc *time.Location, sel *inventory.Selector, inv *inventory.Inventory,
	match func(typ, check, playbook string) bool) (int64, error) {
	f := store.RunFilter{Kind: result.KindInspect}
	if !day.IsZero() {
		if loc == nil {
			loc = time.Local
		}
		f.Since = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
		f.Until = f.Since.AddDate(0, 0, 1)
	}
	runs, err := db.ListRuns(ctx, f)
	if err != nil {
		return 0, err
	}
	for _, run := range runs {
		assets, err := runAssetsMatching(ctx, db, run.ID, match)
		if err != nil {
			return 0, err
		}
		if len(assets) == 0 {
			continue
		}
		if sel.Empty() {
			return run.ID, nil
		}
		snap, err := snapshotAssets(ctx, db, run.ID)
		if err != nil {
			return 0, err
		}
		pick := selection(sel, snap, inv)
		for _, a := range assets {
			if pick(a) {
				return run.ID, nil
			}
		}
	}
	if day.IsZero() {
		return 0, fmt.Errorf("no matching inspection: %w", store.ErrNotFound)
	}
	return 0, fmt.Errorf("no matching inspection on %s: %w", day.Format("2006-01-02"), store.ErrNotFound)
}

// runAssetsMatching lists the assets of run id with a result match accepts.
func runAssetsMatching(ctx context.Context, db store.History, id int64, match func(typ, check, playbook string) bool) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := db.EachRunCheck(ctx, id, func(asset, typ, check, pb string) error {
		if !seen[asset] && match(typ, check, pb) {
			seen[asset] = true
			out = append(out, asset)
		}
		return nil
	})
	return out, err
}

// selection returns whether an asset name is selected by sel (nil or empty:
// every asset).
func selection(sel *inventory.Selector, snap []*inventory.Asset, inv *inventory.Inventory) func(string) bool {
	if sel.Empty() {
		return func(string) bool { return true }
	}
	byName := map[string]*inventory.Asset{}
	for _, a := range snap {
		byName[a.Name] = a
	}
	return func(name string) bool {
		a := byName[name]
		if a == nil {
			a = inv.Asset(name)
		}
		if a == nil {
			a = &inventory.Asset{Name: name}
		}
		return sel.Match(a)
	}
}

// healthInput is a run read for a health report: its results (selected),
// its inventory snapshot by name, and the selection in words.
type healthInput struct {
	Run    result.Run
	Assets map[string]*inventory.Asset
	Filter string
}

// loadHealth reads run runID with its results and snapshot, keeping the
// results of selected assets.
func loadHealth(ctx context.Context, db store.History, runID int64, sel *inventory.Selector, o Options) (*healthInput, error) {
	run, err := db.GetRun(ctx, runID, true)
	if err != nil {
		return nil, err
	}
	snap, err := snapshotAssets(ctx, db, runID)
	if err != nil {
		return nil, err
	}
	in := &healthInput{Run: *run, Assets: map[string]*inventory.Asset{}}
	if snap == nil && o.Inventory != nil {
		snap = o.Inventory.Assets
	}
	for _, a := range snap {
		in.Assets[a.Name] = a
	}
	if !sel.Empty() {
		pick := selection(sel, snap, o.Inventory)
		kept := run.Results[:0:0]
		for _, r := range run.Results {
			if pick(r.Asset) {
				kept = append(kept, r)
			}
		}
		in.Run.Results = kept
		in.Filter = clean(sel.String())
	}
	return in, nil
}

// metric returns the value of the named metric of r.
func metric(r *result.Result, name string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

// metricP is metric as a pointer, nil when absent or not a number.
func metricP(r *result.Result, name string) *float64 {
	if v, ok := metric(r, name); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return &v
	}
	return nil
}

// healthItem turns a result into a report line; label names what was
// checked, value overrides the displayed value when not "".
func (o *Options) healthItem(r *result.Result, label, value string, at time.Time) HealthItem {
	it := HealthItem{
		Asset: clean(r.Asset), Check: clean(r.Check), Type: clean(r.Type), Item: clean(r.Item), Label: label,
		Status: r.Status, Value: value, Threshold: threshold(o.Lang, r.Warn, r.Crit, thresholdUnit(r.Unit)), Message: clean(msgIn(o.Lang, r)),
	}
	if it.Value == "" {
		it.Value = o.healthValue(r)
	}
	if r.Status != result.OK {
		it.Evidence = excerpt(r.Evidence, r.EvidenceTruncated)
		it.Advice = o.healthAdvice(r, it, at)
	}
	return it
}

// healthValue writes a stored value: durations in words, sizes in binary
// units, everything else as a number with its unit.
func (o *Options) healthValue(r *result.Result) string {
	if r.Value == nil {
		return ""
	}
	v := *r.Value
	switch r.Unit {
	case "s":
		return fmtSeconds(o.Lang, v)
	case "B":
		return fmtBytes(v)
	}
	if w, ok := unitWord(o.Lang, r.Unit); ok {
		return fmtNum(v) + " " + w
	}
	return fmtValue(r.Value, r.Unit)
}

// healthAdvice is the daily report's advice (the check's own, with a
// deadline from the severity), except that an instance or server that could
// not be reached gets the check's own advice when it gave one: the daily
// report's default speaks of SSH, which a database connection does not use.
func (o *Options) healthAdvice(r *result.Result, it HealthItem, at time.Time) string {
	if r.Status == result.Unreachable {
		if a := strings.TrimSpace(clean(adviceIn(o.Lang, r))); a != "" {
			return o.t("report.advice.with_deadline", o.t("report.deadline.today"), a)
		}
	}
	return o.advice(r, Finding{Asset: it.Asset, Check: it.Check, Item: it.Item}, at)
}

// section builds a section from its items: worst first, then by asset and
// label, with counts and the summary line.
func (o *Options) section(key, title string, items []HealthItem) HealthSection {
	s := HealthSection{Key: key, Title: title, Items: nonNil(items)}
	slices.SortStableFunc(s.Items, func(a, b HealthItem) int {
		return cmp.Or(cmp.Compare(b.Status, a.Status), cmp.Compare(a.Asset, b.Asset), cmp.Compare(a.Label, b.Label))
	})
	for _, it := range s.Items {
		s.Counts.Add(it.Status)
		s.Worst = result.Worst(s.Worst, it.Status)
	}
	s.Summary = o.sectionSummary(s)
	return s
}

// sectionSummary is the 小结 of a section: the counts, then a verdict.
func (o *Options) sectionSummary(s HealthSection) string {
	c := s.Counts
	if c.Total() == 0 {
		return o.t("rhc.sec.none")
	}
	line := o.t("rhc.sec.counts", c.Total(), c.OK, c.Warn, c.Crit)
	if c.Unreachable > 0 {
		line += o.t("rhc.sec.unreachable", c.Unreachable)
	}
	if c.Unknown > 0 {
		line += o.t("report.countline.unknown", c.Unknown)
	}
	line += o.t("report.fullstop")
	switch {
	case c.Crit+c.Unreachable > 0:
		return line + o.t("rhc.sec.crit")
	case c.Warn > 0:
		return line + o.t("rhc.sec.warn")
	case c.Unknown > 0:
		return line + o.t("rhc.sec.unknown")
	}
	return line + o.t("rhc.sec.ok")
}

// problems ranks every item that is not OK across sections: the worst
// first (UNREACHABLE, CRIT, UNKNOWN, WARN), then in section order.
func problems(sections []HealthSection) []HealthProblem {
	type ranked struct {
		p   HealthProblem
		sec int
	}
	var all []ranked
	for i, s := range sections {
		for _, it := range s.Items {
			if it.Status == result.OK {
				continue
			}
			all = append(all, ranked{sec: i, p: HealthProblem{
				Level: it.Status, Asset: it.Asset, Section: s.Title, Label: it.Label, Check: it.Check, Item: it.Item,
				Value: it.Value, Message: it.Message, Advice: it.Advice,
			}})
		}
	}
	slices.SortStableFunc(all, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(b.p.Level, a.p.Level), cmp.Compare(a.sec, b.sec), cmp.Compare(a.p.Asset, b.p.Asset))
	})
	out := make([]HealthProblem, len(all))
	for i, r := range all {
		r.p.Rank = i + 1
		out[i] = r.p
	}
	return out
}

// fmtBytes writes a size in binary units: 1.5 GiB.
func fmtBytes(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	if i > 0 {
		s = strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	}
	if neg {
		s = "-" + s
	}
	return s + " " + units[i]
}

// labelOf is the catalogue word for a check or item, or fallback when the
// catalogue has none.
func labelOf(lang, key, fallback string) string {
	if i18n.Has(key) {
		return i18n.T(lang, key)
	}
	return fallback
}

// counted keeps the worst status and the counts of a set of results.
type counted struct {
	Worst  result.Status
	Counts result.Counts
}

func (c *counted) add(s result.Status) {
	c.Counts.Add(s)
	c.Worst = result.Worst(c.Worst, s)
}

// chapter numbers a heading: 一、 二、 … in Chinese, "1. " in English.
func chapter(lang string, n int) string {
	if lang != i18n.ZH {
		return strconv.Itoa(n) + ". "
	}
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0 || n >= 100:
		return strconv.Itoa(n) + "、"
	case n < 10:
		return digits[n] + "、"
	case n < 20:
		return "十" + digits[n-10] + "、"
	}
	return digits[n/10] + "十" + digits[n%10] + "、"
}

// optNum writes an optional number with its unit, "—" when absent.
func optNum(v *float64, unit string) string {
	if v == nil {
		return "—"
	}
	return fmtNum(*v) + fmtUnit(unit)
}

func optSeconds(lang string, v *float64) string {
	if v == nil {
		return "—"
	}
	return fmtSeconds(lang, *v)
}

func optBytes(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmtBytes(*v)
}

// roleWord is 主库/备库 for a database role.
func roleWord(lang, role string) string {
	if role == "" {
		return "—"
	}
	return labelOf(lang, "rdb.role."+role, role)
}

// unitWord is the unit of a stored value as a reader says it ("sessions"
// → 个会话); "" when the unit needs no word.
func unitWord(lang, unit string) (string, bool) {
	switch unit {
	case "C":
		return "°C", true
	case "sessions", "replicas", "events", "devices", "paths", "errors":
		return i18n.T(lang, "rhc.unit."+unit), true
	}
	return "", false
}

// thresholdUnit is the unit written after a threshold.
func thresholdUnit(unit string) string {
	if unit == "C" {
		return "°C"
	}
	return unit
}

// Tally counts the units of a health report (database instances, servers)
// by their worst status; Line says it in words.
type Tally struct {
	Healthy     int    `json:"healthy"` // every result OK
	Warn        int    `json:"warn"`
	Crit        int    `json:"crit"`
	Unknown     int    `json:"unknown"`
	Unreachable int    `json:"unreachable"`
	Line        string `json:"line"`
}

func (t *Tally) add(s result.Status) {
	switch s {
	case result.OK:
		t.Healthy++
	case result.Warn:
		t.Warn++
	case result.Crit:
		t.Crit++
	case result.Unknown:
		t.Unknown++
	case result.Unreachable:
		t.Unreachable++
	}
}

// summarise writes a health report's overview line (into t), its count
// line and its conclusion, with the messages under prefix ("rdb", "rapp"):
// units is how many instances or servers, c the counts of their results,
// critical the names of those with a critical finding.
func (o *Options) summarise(prefix string, units int, t *Tally, c result.Counts, critical []string) (countLine, conclusion string) {
	t.Line = o.t(prefix+".overview", units, t.Healthy, t.Warn, t.Crit, t.Unknown, t.Unreachable)
	countLine = o.t(prefix+".countline", units, c.Total(), c.OK, c.Warn, c.Crit, t.Unreachable)
	if c.Unknown > 0 {
		countLine += o.t("report.countline.unknown", c.Unknown)
	}
	countLine += o.t("report.fullstop")
	switch {
	case units == 0:
		return countLine, o.t(prefix + ".concl.empty")
	case c.Crit == 0 && c.Unreachable == 0 && c.Warn == 0 && c.Unknown == 0:
		return countLine, o.t(prefix+".concl.ok", units)
	case c.Crit == 0 && c.Unreachable == 0:
		return countLine, o.t(prefix+".concl.warn", t.Warn+t.Unknown, c.Warn+c.Unknown)
	case c.Crit == 0:
		return countLine, o.t(prefix+".concl.unreach_only", t.Unreachable, c.Warn+c.Unknown)
	}
	conclusion = o.t(prefix+".concl.crit", c.Crit, c.Warn, o.namesUpTo(critical, 5))
	if t.Unreachable > 0 {
		conclusion += o.t(prefix+".concl.unreach", t.Unreachable)
	}
	return countLine, conclusion
}
