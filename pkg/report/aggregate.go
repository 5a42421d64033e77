package report

// Aggregation (issue #13): the same finding on twenty hosts is one row that
// names the twenty hosts and the spread of their values, not twenty rows. A
// finding's "cause" is its message code and arguments with the values that
// differ from host to host left out, so hosts group when the check said the
// same thing about them; per-host rows go to an appendix.

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// FindingGroup is one row of the exceptions table: one check with one
// status and one cause on one or more assets of an application system.
type FindingGroup struct {
	// System is the application system of the assets, or their systems
	// joined when the same finding is on assets of several systems.
	System    string        `json:"system,omitempty"`
	Systems   []string      `json:"systems,omitempty"`
	Check     string        `json:"check"`    // check name in the report's language
	CheckID   string        `json:"check_id"` // check name as the playbook calls it
	Item      string        `json:"item,omitempty"`
	Status    result.Status `json:"status"`
	Count     int           `json:"count"`      // assets
	Assets    []string      `json:"assets"`     // sorted
	AssetList string        `json:"asset_list"` // Assets with runs of numbered names shortened (host-0001～host-0020)
	Values    string        `json:"values,omitempty"`
	Threshold string        `json:"threshold,omitempty"`
	Message   string        `json:"message"` // the cause: the message of the worst asset
	Example   string        `json:"example,omitempty"`
	Advice    string        `json:"advice"`
	Evidence  string        `json:"evidence,omitempty"` // of Example's asset, the lines that matter
	New       int           `json:"new,omitempty"`      // assets on which it is new or worse since the previous run
	Anchor    string        `json:"-"`
}

// UnreachableGroup is the assets that could not be reached for one reason.
type UnreachableGroup struct {
	Reason    string   `json:"reason"`
	Count     int      `json:"count"`
	Assets    []string `json:"assets"`
	AssetList string   `json:"asset_list"`
	Systems   string   `json:"systems,omitempty"`
	Message   string   `json:"message"` // of the first asset
	Advice    string   `json:"advice"`
}

// groupable is what aggregation needs of one finding.
type groupable struct {
	asset, system, check, typ, item, threshold, unit string
	status                                           result.Status
	value                                            *float64
	message, advice, evidence                        string
	code                                             string
	args                                             []any
	isNew                                            bool
}

var digits = regexp.MustCompile(`[0-9]+(?:[.,][0-9]+)*`)

// causeKey is a finding's meaning without its per-host values: the code and
// its arguments with numbers, and strings naming the asset, blanked; for
// raw text, the text with its numbers blanked.
func causeKey(g *groupable) string {
	var b strings.Builder
	if g.code == "" {
		s := strings.ReplaceAll(g.message, g.asset, "#")
		return "t:" + digits.ReplaceAllString(s, "#")
	}
	b.WriteString(g.code)
	var arg func(a any)
	arg = func(a any) {
		b.WriteByte('|')
		switch v := a.(type) {
		case i18n.Sub:
			b.WriteString(v.Key)
			for _, x := range v.Args {
				arg(x)
			}
		case i18n.List:
			b.WriteString("list")
		case []any:
			for _, x := range v {
				arg(x)
			}
		case map[string]any:
			if c, ok := v["code"].(string); ok {
				b.WriteString(c)
				if xs, ok := v["args"].([]any); ok {
					for _, x := range xs {
						arg(x)
					}
				}
			}
		case string:
			if v == g.asset || strings.Contains(v, g.asset) {
				b.WriteString("#")
			} else {
				b.WriteString(digits.ReplaceAllString(v, "#"))
			}
		case nil, bool:
			fmt.Fprint(&b, v)
		default:
			b.WriteString("#") // a number: the per-host value
		}
	}
	for _, a := range g.args {
		arg(a)
	}
	return b.String()
}

// groupFindings aggregates findings by system, check, item, status,
// threshold and cause; rows are ordered by system, then severity, then the
// number of assets.
func (o *Options) groupFindings(fs []groupable, adviceFor func(g *groupable, object string) string) []FindingGroup {
	type acc struct {
		FindingGroup
		vals  []float64
		unit  string
		worst *groupable
		msgs  map[string]bool
	}
	m := map[string]*acc{}
	var order []string
	for i := range fs {
		f := &fs[i]
		key := strings.Join([]string{f.check, f.item, f.status.String(), f.threshold, causeKey(f)}, "\x00")
		a := m[key]
		if a == nil {
			a = &acc{FindingGroup: FindingGroup{System: f.system, Check: checkName(o.Lang, f.check, f.typ, f.item), CheckID: f.check, Item: f.item,
				Status: f.status, Threshold: f.threshold}, unit: f.unit, msgs: map[string]bool{}}
			m[key] = a
			order = append(order, key)
		}
		a.Assets = append(a.Assets, f.asset)
		if f.system != "" && !slices.Contains(a.Systems, f.system) {
			a.Systems = append(a.Systems, f.system)
		}
		a.msgs[f.message] = true
		if f.isNew {
			a.New++
		}
		if f.value != nil && !math.IsNaN(*f.value) && !math.IsInf(*f.value, 0) {
			a.vals = append(a.vals, *f.value)
			if a.worst == nil || a.worst.value == nil || worseValue(f, a.worst) {
				a.worst = f
			}
		} else if a.worst == nil {
			a.worst = f
		}
	}
	out := make([]FindingGroup, 0, len(order))
	for _, k := range order {
		a := m[k]
		g := a.FindingGroup
		slices.SortFunc(g.Assets, naturalCompare)
		g.Assets = slices.Compact(g.Assets)
		g.Count = len(g.Assets)
		g.AssetList = compressNames(o.Lang, g.Assets, 0)
		slices.Sort(g.Systems)
		g.System = strings.Join(g.Systems, i18n.T(o.Lang, "report.listsep"))
		g.Values = spread(o.Lang, a.vals, a.unit)
		w := a.worst
		g.Message = w.message
		if len(a.msgs) > 1 {
			g.Example = w.asset
		}
		g.Evidence = w.evidence
		g.Advice = adviceFor(w, g.Check)
		out = append(out, g)
	}
	sortGroups(o.Lang, out)
	for i := range out {
		out[i].Anchor = fmt.Sprintf("f%d", i+1)
	}
	return out
}

// worseValue reports whether a's value is further past its threshold than
// b's: larger, unless the threshold alerts on low values.
func worseValue(a, b *groupable) bool {
	low := strings.HasSuffix(strings.TrimSpace(a.threshold), ":") || strings.Contains(a.threshold, "<")
	if low {
		return *a.value < *b.value
	}
	return *a.value > *b.value
}

func sortGroups(lang string, gs []FindingGroup) {
	none := i18n.T(lang, "report.none_group")
	slices.SortStableFunc(gs, func(a, b FindingGroup) int {
		an, bn := a.System == "" || a.System == none, b.System == "" || b.System == none
		// Findings on several systems first (they are the fleet-wide
		// ones, by severity and size), then system by system.
		am, bm := len(a.Systems) > 1, len(b.Systems) > 1
		if am && bm {
			return cmp.Or(cmp.Compare(b.Status, a.Status), cmp.Compare(b.Count, a.Count), cmp.Compare(a.System, b.System), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Item, b.Item))
		}
		return cmp.Or(cmpBool(an, bn), cmpBool(!am, !bm), cmp.Compare(a.System, b.System), cmp.Compare(b.Status, a.Status), cmp.Compare(b.Count, a.Count),
			cmp.Compare(a.Check, b.Check), cmp.Compare(a.Item, b.Item))
	})
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// spread writes the values of a group: one value, or lowest–highest.
func spread(lang string, vs []float64, unit string) string {
	if len(vs) == 0 {
		return ""
	}
	lo, hi := slices.Min(vs), slices.Max(vs)
	if lo == hi {
		return fmtValueIn(lang, lo, unit)
	}
	if isTimeUnit(unit) || unit == "B" {
		return fmtValueIn(lang, lo, unit) + "～" + fmtValueIn(lang, hi, unit)
	}
	return fmtNum(lo) + "～" + fmtNum(hi) + unitSuffix(lang, unit)
}

// numbered splits "host-0012" into "host-", "0012".
var numbered = regexp.MustCompile(`^(.*?)([0-9]+)$`)

// naturalCompare orders names with numbers by their number (web-2 before
// web-10).
func naturalCompare(a, b string) int {
	ma, mb := numbered.FindStringSubmatch(a), numbered.FindStringSubmatch(b)
	if ma != nil && mb != nil && ma[1] == mb[1] {
		na, _ := strconv.Atoi(ma[2])
		nb, _ := strconv.Atoi(mb[2])
		if c := cmp.Compare(na, nb); c != 0 {
			return c
		}
	}
	return cmp.Compare(a, b)
}

// compressNames lists names with runs of three or more consecutive numbered
// names written first～last; with limit > 0, at most limit entries are
// listed, then "等 N 台".
func compressNames(lang string, names []string, limit int) string {
	parts := compressParts(names)
	sep := i18n.T(lang, "report.listsep")
	if limit > 0 && len(parts) > limit {
		return strings.Join(parts[:limit], sep) + i18n.T(lang, "report.agg.and_more", len(names))
	}
	return strings.Join(parts, sep)
}

// compressParts is the entries compressNames joins.
func compressParts(names []string) []string {
	var parts []string
	for i := 0; i < len(names); {
		j := i
		m := numbered.FindStringSubmatch(names[i])
		if m != nil {
			n, _ := strconv.Atoi(m[2])
			for j+1 < len(names) {
				mn := numbered.FindStringSubmatch(names[j+1])
				if mn == nil || mn[1] != m[1] || len(mn[2]) != len(m[2]) {
					break
				}
				k, _ := strconv.Atoi(mn[2])
				if k != n+(j+1-i) {
					break
				}
				j++
			}
		}
		switch {
		case j-i >= 2:
			parts = append(parts, names[i]+"～"+names[j])
		case j-i == 1:
			parts = append(parts, names[i], names[j])
		default:
			parts = append(parts, names[i])
		}
		i = j + 1
	}
	return parts
}

// checkName is a check as a reader calls it, in the report's language:
// the name of its type ("磁盘空间") and its item ("/data"); a check of a
// type without a name in the catalogue keeps the playbook's name.
func checkName(lang, check, typ, item string) string {
	if typ == "" {
		typ, _, _ = strings.Cut(check, ":")
	}
	key := "report.check." + typ
	if !i18n.Has(key) {
		return check
	}
	name := i18n.T(lang, key)
	if item == "" {
		if _, after, ok := strings.Cut(check, ":"); ok {
			item = after
		}
	}
	if item != "" {
		name += " " + item
	}
	return name
}

// trimEvidence keeps the lines of raw output that matter: collector marker
// lines (@@...) and blank lines go; when the item (a mount, a unit) occurs
// in the output, the first line (a header) and the lines naming it stay;
// otherwise the first lines, as excerpt does.
func trimEvidence(s, item string, truncated bool) string {
	s = clean(s)
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "@@") {
			continue
		}
		lines = append(lines, stripMarkers(l))
	}
	if item != "" && len(lines) > 3 {
		keep := []string{lines[0]}
		for _, l := range lines[1:] {
			if containsField(l, item) {
				keep = append(keep, l)
			}
		}
		if len(keep) > 1 {
			lines, truncated = keep, true
		}
	}
	return excerpt(strings.Join(lines, "\n"), truncated)
}

func containsField(line, item string) bool {
	for _, f := range strings.Fields(line) {
		if f == item {
			return true
		}
	}
	return false
}

var markerRe = regexp.MustCompile(`@@[A-Za-z0-9_]+:?\s*`)

// stripMarkers removes collector markers (@@NOSYSTEMD, @@TIMEDATECTL...)
// from text a reader sees.
func stripMarkers(s string) string {
	if !strings.Contains(s, "@@") {
		return s
	}
	return strings.TrimSpace(markerRe.ReplaceAllString(s, ""))
}

// groupUnreachable groups unreachable assets by reason.
func groupUnreachable(lang string, us []UnreachableAsset) []UnreachableGroup {
	m := map[string]*UnreachableGroup{}
	sys := map[string]map[string]bool{}
	var order []string
	for _, u := range us {
		g := m[u.Reason]
		if g == nil {
			g = &UnreachableGroup{Reason: u.Reason, Message: u.Message, Advice: u.Advice}
			m[u.Reason] = g
			sys[u.Reason] = map[string]bool{}
			order = append(order, u.Reason)
		}
		g.Assets = append(g.Assets, u.Asset)
		if u.System != "" {
			sys[u.Reason][u.System] = true
		}
	}
	out := make([]UnreachableGroup, 0, len(order))
	for _, r := range order {
		g := m[r]
		slices.SortFunc(g.Assets, naturalCompare)
		g.Count = len(g.Assets)
		g.AssetList = compressNames(lang, g.Assets, 0)
		var ss []string
		for s := range sys[r] {
			ss = append(ss, s)
		}
		slices.Sort(ss)
		g.Systems = strings.Join(ss, i18n.T(lang, "report.listsep"))
		out = append(out, *g)
	}
	slices.SortStableFunc(out, func(a, b UnreachableGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}
