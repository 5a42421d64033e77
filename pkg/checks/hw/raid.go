package hw

import (
	"bufio"
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
)

// raidCheck reads software RAID (Linux md) state on the target (type
// "raid"): /proc/mdstat for every array, and `mdadm --detail` for the
// member that failed. A degraded or failed array is CRIT; a resync,
// recovery or check in progress is WARN with its progress.
//
// Hardware RAID controllers (LSI/Broadcom MegaRAID, Dell PERC) are read
// with storcli/perccli (`/call show`, and the rebuild progress when a drive
// is rebuilding): a virtual drive or drive group that is not Optl is CRIT
// and names the drives behind it; a failed, offline, missing or
// unconfigured-bad physical drive is CRIT with its enclosure and slot; a
// rebuilding drive is WARN with its progress.
type raidCheck struct{}

const raidScript = `found=0
if [ -r /proc/mdstat ] && grep -q '^md' /proc/mdstat 2>/dev/null; then
  found=1
  echo "@@MDSTAT"; cat /proc/mdstat
  if command -v mdadm >/dev/null 2>&1; then
    for md in $(awk '/^md/ {print $1}' /proc/mdstat); do echo "@@MDADM /dev/$md"; LC_ALL=C mdadm --detail "/dev/$md" 2>&1; done
  fi
fi
for t in storcli64 storcli perccli64 perccli storcli2 perccli2 /opt/MegaRAID/storcli/storcli64 /opt/MegaRAID/perccli/perccli64 /opt/lsi/perccli/perccli /opt/MegaRAID/storcli2/storcli2; do
  if command -v "$t" >/dev/null 2>&1; then
    found=1; echo "@@STORCLI $t"
    out=$(LC_ALL=C "$t" /call show 2>&1 | head -n 800); printf '%s\n' "$out"
    case "$out" in *" Rbld "*) echo "@@STORCLI-REBUILD"; LC_ALL=C "$t" /call/eall/sall show rebuild 2>&1 | grep '^/c' | head -n 100;; esac
    break
  fi
done
[ "$found" = 1 ] || echo "@@NORAID"`

func (raidCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return raidScript, nil }

// DecodeParams refuses every parameter: the check takes none
// (inspect.ParamsDecoder).
func (raidCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[hwNoParams](spec)
}

// mdArray is one array from /proc/mdstat.
type mdArray struct {
	Name     string
	State    string // active, inactive
	Level    string // raid1, raid6 ...
	Members  []string
	Want     int    // [n/m]: n devices wanted
	Have     int    // m devices up
	Map      string // [UU_]
	Action   string // resync, recovery, check, reshape
	Progress string // "51.4% ... finish=299.8min"
}

var (
	mdHeadRE   = regexp.MustCompile(`^(md\S+)\s*:\s*(\S+)\s*(\(.*?\)\s*)?(raid\d+|linear|multipath|faulty)?\s*(.*)$`)
	mdCountRE  = regexp.MustCompile(`\[(\d+)/(\d+)\]\s*\[([U_]+)\]`)
	mdActionRE = regexp.MustCompile(`(resync|recovery|check|reshape|repair)\s*=\s*([\d.]+%.*)$`)
)

// parseMdstat reads /proc/mdstat.
func parseMdstat(out string) []mdArray {
	var arrays []mdArray
	var cur *mdArray
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := mdHeadRE.FindStringSubmatch(line); m != nil && strings.HasPrefix(line, "md") {
			arrays = append(arrays, mdArray{Name: m[1], State: m[2], Level: m[4], Members: strings.Fields(m[5])})
			cur = &arrays[len(arrays)-1]
			continue
		}
		if cur == nil {
			continue
		}
		if m := mdCountRE.FindStringSubmatch(line); m != nil {
			cur.Want, _ = strconv.Atoi(m[1])
			cur.Have, _ = strconv.Atoi(m[2])
			cur.Map = m[3]
		}
		if m := mdActionRE.FindStringSubmatch(line); m != nil {
			cur.Action, cur.Progress = m[1], strings.TrimSpace(m[2])
		}
	}
	return arrays
}

// mdDetail is the part of `mdadm --detail` the verdict needs.
type mdDetail struct {
	State                         string
	Raid, Active, Working, Failed int
	Faulty                        []string // member devices marked faulty
	Removed                       int
}

func parseMdadmDetail(out string) mdDetail {
	d := mdDetail{Raid: -1, Active: -1, Working: -1, Failed: -1}
	sc := bufio.NewScanner(strings.NewReader(out))
	inTable := false
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "Number") && strings.Contains(trim, "RaidDevice") {
			inTable = true
			continue
		}
		if inTable {
			f := strings.Fields(trim)
			if len(f) >= 5 {
				if strings.Contains(trim, "faulty") {
					d.Faulty = append(d.Faulty, f[len(f)-1])
				}
				if strings.Contains(trim, "removed") {
					d.Removed++
				}
			}
			continue
		}
		k, v, ok := strings.Cut(trim, " : ")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		n, _ := strconv.Atoi(v)
		switch strings.TrimSpace(k) {
		case "State":
			d.State = v
		case "Raid Devices":
			d.Raid = n
		case "Active Devices":
			d.Active = n
		case "Working Devices":
			d.Working = n
		case "Failed Devices":
			d.Failed = n
		}
	}
	return d
}

func (raidCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := result.Result{Type: "raid"}
	if r, done := hwSectionProblem(env, base, "mdadm"); done {
		return []result.Result{r}
	}
	out := env.Section.Stdout
	if strings.Contains(out, "@@NORAID") {
		r := base
		r.Status = result.OK
		inspect.SetMsg(&r, env, "hw.raid.none")
		return []result.Result{r}
	}
	details := map[string]mdDetail{}
	var mdstat, storcli, rebuild string
	var cur string
	var sb strings.Builder
	flush := func() {
		switch {
		case cur == "@@MDSTAT":
			mdstat = sb.String()
		case strings.HasPrefix(cur, "@@MDADM "):
			details[strings.TrimPrefix(cur, "@@MDADM /dev/")] = parseMdadmDetail(sb.String())
		case cur == "@@STORCLI-REBUILD":
			rebuild = sb.String()
		case strings.HasPrefix(cur, "@@STORCLI"):
			storcli = sb.String()
		}
		sb.Reset()
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "@@") {
			flush()
			cur = strings.TrimSpace(line)
			continue
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	flush()

	var results []result.Result
	for _, a := range parseMdstat(mdstat) {
		r := base
		r.Item = "/dev/" + a.Name
		r.Status = result.OK
		det, hasDet := details[a.Name]
		degraded := a.Want > 0 && a.Have < a.Want || strings.Contains(a.Map, "_") ||
			hasDet && (strings.Contains(det.State, "degraded") || strings.Contains(strings.ToUpper(det.State), "FAILED") || det.Failed > 0)
		switch {
		case a.State == "inactive":
			r.Status = result.Crit
			inspect.SetMsg(&r, env, "hw.raid.inactive", a.Name, a.Level)
		case degraded:
			r.Status = result.Crit
			inspect.SetMsg(&r, env, "hw.raid.degraded", a.Name, a.Level, a.Have, a.Want, a.Map)
			if len(det.Faulty) > 0 {
				inspect.AddMsg(&r, env, "hw.raid.faulty", i18n.Strings(det.Faulty, "hw.list_sep"))
			}
			if a.Action != "" {
				inspect.AddMsg(&r, env, "hw.raid.action", mdActionName(env, a.Action), a.Progress)
			}
			inspect.SetAdvice(&r, env, "hw.raid.degraded_advice", a.Name)
		case a.Action != "":
			r.Status = result.Warn
			inspect.SetMsg(&r, env, "hw.raid.in_progress", a.Name, a.Level, mdActionName(env, a.Action), a.Progress)
			inspect.SetAdvice(&r, env, "hw.raid.action_advice", mdActionName(env, a.Action))
		default:
			inspect.SetMsg(&r, env, "hw.raid.ok", a.Name, a.Level, a.Have, a.Want, a.Map)
		}
		if a.Want > 0 {
			r.SetValue(float64(a.Have), "devices")
			r.Metrics = append(r.Metrics, result.Metric{Name: "raid.devices_up", Value: float64(a.Have)})
		}
		if r.Status != result.OK {
			r.Evidence = strings.TrimSpace(mdstat)
		}
		results = append(results, r)
	}
	if storcli != "" || rebuild != "" {
		results = append(results, storcliResults(env, base, parseStorcli(storcli+"\n"+rebuild))...)
	}
	if len(results) == 0 {
		r := base
		r.Status = result.Unknown
		inspect.SetMsg(&r, env, "hw.raid.unreadable")
		r.Evidence = hwFirstLines(out, 20)
		return []result.Result{r}
	}
	return results
}

// mdActionName names an md sync action (resync, recovery, check, reshape,
// repair) in env's language; the kernel's word is kept alongside.
func mdActionName(env *inspect.Env, action string) any {
	switch action {
	case "resync", "recovery", "check", "reshape", "repair":
		return i18n.S("hw.raid.act." + action)
	}
	return action
}

// MegaRAID controllers through storcli / perccli (and their storcli2 /
// perccli2 successors). Their text output changes between versions: the
// virtual drive table gained and lost columns (Cac, sCC, CurrentCache),
// the drive table of storcli2 splits State (Conf, UConf) from Status
// (Online, Failed), sizes are TB or TiB, names may be empty, tables may
// hold blank lines and may lack their closing dashes in a paste. So rows
// are read by the columns their header names, and a row must look like a
// row (a DG/VD pair, an EID:Slt drive) to count.

// storcliDrive is one physical drive as a drive table or the topology
// lists it.
type storcliDrive struct {
	Ctl   int
	Slot  string // EID:Slt, e.g. "252:3"; ":4" without an enclosure
	State string // storcli State, or storcli2 Status when printed
	DG    string // drive group, "-" when in none
	Lines []string
}

// storcliArray is a virtual drive (VD LIST, "DG/VD" rows) or a drive group
// (topology rows with Arr "-").
type storcliArray struct {
	Ctl   int
	ID    string // "0/1" for a VD, "1" for a drive group
	DG    string
	Type  string // RAID1, RAID10 ...
	State string // Optl, Dgrd, Pdgd, OfLn ...
	Label string // the VD's name, when it has one
	Line  string
	IsDG  bool
}

// storcliMissing is a topology row of a member the controller misses (no
// slot to name, only its place in the drive group).
type storcliMissing struct {
	Ctl          int
	DG, Arr, Row string
	Line         string
}

// storcliRebuild is one row of `show rebuild` for a drive in progress.
type storcliRebuild struct {
	Pct  int
	Left string // "12 Hours 54 Minutes"; "" when the tool prints "-"
	Line string
}

// storcliReport is what one storcli run says about all controllers.
type storcliReport struct {
	Arrays      []storcliArray
	Drives      []*storcliDrive
	Missing     []storcliMissing
	Rebuild     map[string]storcliRebuild // key storcliKey(ctl, slot)
	Controllers []int
}

var (
	storcliVDRowRE   = regexp.MustCompile(`^\s*(\d+)/(\d+)\s+(RAID\S*)\s+(\S+)\s*(.*)$`)
	storcliCtlRE     = regexp.MustCompile(`^\s*Controller\s*=\s*(\d+)\s*$`)
	storcliCtlHeadRE = regexp.MustCompile(`^\s*Controller\s+(\d+)\s*:\s*$`)
	storcliSlotRE    = regexp.MustCompile(`^\d*:\d+$`)
	storcliRebuildRE = regexp.MustCompile(`^\s*/c(\d+)(?:/e(\d+))?/s(\d+)\s+(\d+)\s+In progress\s*(.*)$`)
	storcliUnitRE    = regexp.MustCompile(`^(?:[KMGTP]i?B)$`)
)

func storcliKey(ctl int, slot string) string { return strconv.Itoa(ctl) + "/" + slot }

// parseStorcli reads the output of `storcli /call show` and its relatives
// (`/cx/vall show [all]`, `/cx/dall show`, `/cx/eall/sall show`, `show all`,
// `/cx/eall/sall show rebuild`), any number of them one after another.
func parseStorcli(out string) storcliReport {
	rep := storcliReport{Rebuild: map[string]storcliRebuild{}}
	drives := map[string]*storcliDrive{}
	seenCtl := map[int]bool{}
	ctl := 0
	const (
		tNone = iota
		tPD
		tTopo
	)
	table := tNone
	var col map[string]int
	field := func(f []string, name string) string {
		if i, ok := col[name]; ok && i < len(f) {
			return f[i]
		}
		return ""
	}
	addDrive := func(slot, state, dg, line string) {
		if slot == "" || slot == "-" {
			return
		}
		k := storcliKey(ctl, slot)
		d := drives[k]
		if d == nil {
			d = &storcliDrive{Ctl: ctl, Slot: slot}
			drives[k] = d
			rep.Drives = append(rep.Drives, d)
		}
		if state != "" {
			d.State = state
		}
		if dg != "" && (d.DG == "" || d.DG == "-") {
			d.DG = dg
		}
		d.Lines = append(d.Lines, strings.TrimRight(line, " "))
	}
	for _, line := range strings.Split(out, "\n") {
		trim := strings.TrimSpace(line)
		f := strings.Fields(trim)
		if m := storcliCtlRE.FindStringSubmatch(line); m != nil {
			ctl, _ = strconv.Atoi(m[1])
			if !seenCtl[ctl] {
				seenCtl[ctl] = true
				rep.Controllers = append(rep.Controllers, ctl)
			}
			table = tNone
			continue
		}
		if m := storcliCtlHeadRE.FindStringSubmatch(line); m != nil {
			ctl, _ = strconv.Atoi(m[1])
			table = tNone
			continue
		}
		if m := storcliRebuildRE.FindStringSubmatch(line); m != nil {
			c, _ := strconv.Atoi(m[1])
			pct, _ := strconv.Atoi(m[4])
			left := strings.TrimSpace(m[5])
			if left == "-" {
				left = ""
			}
			rep.Rebuild[storcliKey(c, m[2]+":"+m[3])] = storcliRebuild{Pct: pct, Left: left, Line: trim}
			continue
		}
		if m := storcliVDRowRE.FindStringSubmatch(line); m != nil {
			rep.Arrays = append(rep.Arrays, storcliArray{Ctl: ctl, ID: m[1] + "/" + m[2], DG: m[1], Type: m[3], State: m[4],
				Label: storcliVDName(strings.Fields(m[5])), Line: strings.TrimRight(line, " ")})
			continue
		}
		switch {
		case len(f) == 0 || strings.Trim(trim, "-=") == "":
			continue // blank lines and rules do not end a table: pastes hold both
		case f[0] == "EID:Slt" || f[0] == "EID:Slot":
			table, col = tPD, storcliColumns(f)
			continue
		case f[0] == "DG" && (len(f) > 3 && (f[3] == "EID:Slot" || f[3] == "EID:Slt")):
			table, col = tTopo, storcliColumns(f)
			continue
		case strings.Contains(trim, "|") || strings.Contains(trim, " = ") || strings.HasSuffix(trim, ":"):
			table = tNone // a legend, a key = value line or a section title
			continue
		}
		switch table {
		case tPD:
			slot := field(f, f0(col, "EID:Slt", "EID:Slot"))
			if !storcliSlotRE.MatchString(slot) {
				continue
			}
			state := field(f, "State")
			if st := field(f, "Status"); st != "" && col["Status"] < col["DG"] {
				state = st // storcli2: State is Conf/UConf, Status says Online/Failed
			}
			addDrive(slot, state, field(f, "DG"), line)
		case tTopo:
			dg := field(f, "DG")
			if _, err := strconv.Atoi(dg); err != nil {
				continue
			}
			typ, state := field(f, "Type"), field(f, "State")
			if st := field(f, "Status"); st != "" && col["Status"] < col["Size"] {
				state = st
			}
			arr := field(f, f0(col, "Arr", "Span"))
			switch {
			case strings.HasPrefix(typ, "RAID") && arr == "-":
				rep.Arrays = append(rep.Arrays, storcliArray{Ctl: ctl, ID: dg, DG: dg, Type: typ, State: state, Line: strings.TrimRight(line, " "), IsDG: true})
			case typ == "DRIVE":
				slot := field(f, f0(col, "EID:Slot", "EID:Slt"))
				if storcliNorm(state) == "Msng" || !storcliSlotRE.MatchString(slot) {
					rep.Missing = append(rep.Missing, storcliMissing{Ctl: ctl, DG: dg, Arr: arr, Row: field(f, "Row"), Line: strings.TrimRight(line, " ")})
					continue
				}
				addDrive(slot, state, dg, line)
			}
		}
	}
	return rep
}

// f0 returns the first of names that col holds, or the first name.
func f0(col map[string]int, names ...string) string {
	for _, n := range names {
		if _, ok := col[n]; ok {
			return n
		}
	}
	return names[0]
}

// storcliColumns maps a table header to column positions. Only the columns
// before Size are reliable (Size itself is two fields, "3.637 TB"), which
// are the ones read.
func storcliColumns(header []string) map[string]int {
	col := make(map[string]int, len(header))
	for i, h := range header {
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	return col
}

// storcliVDName finds a VD's name after its size ("446.125 GB", "2.618 TiB"):
// the fields after the unit, if any.
func storcliVDName(rest []string) string {
	for i := len(rest) - 1; i >= 1; i-- {
		if storcliUnitRE.MatchString(rest[i]) {
			return iostreams.Sanitize(strings.Join(rest[i+1:], " "))
		}
	}
	return ""
}

// storcliNorm folds the long storcli2 words into the short ones storcli
// prints, so one table of states serves both.
func storcliNorm(state string) string {
	switch strings.ToLower(state) {
	case "online", "onln":
		return "Onln"
	case "offline", "offln":
		return "Offln"
	case "failed":
		return "Failed"
	case "rebuild", "rbld":
		return "Rbld"
	case "missing", "msng":
		return "Msng"
	case "copyback", "cpybck":
		return "Cpybck"
	case "unusable", "unusbl":
		return "Unusbl"
	case "optimal", "optl":
		return "Optl"
	case "degraded", "dgrd":
		return "Dgrd"
	case "partially degraded", "pdgd":
		return "Pdgd"
	}
	return state
}

// storcliDriveStatus says what a physical drive's state means for the
// engineer: healthy states give OK, a rebuild or copyback WARN, a drive
// that is gone or bad CRIT, a state this code does not know WARN (so a
// new word from a new storcli is seen, not hidden).
func storcliDriveStatus(state string) result.Status {
	switch storcliNorm(state) {
	case "Onln", "UGood", "GHS", "DHS", "JBOD", "Conf", "UConf", "UGUnsp":
		return result.OK
	case "Failed", "Offln", "UBad", "Msng", "UBUnsp", "Unusbl":
		return result.Crit
	}
	return result.Warn
}

// storcliPDStates and storcliVDStates list the states with a name in the
// catalogue (hw.raid.pdst.*, hw.raid.vdst.*).
var storcliPDStates = map[string]bool{"Failed": true, "Offln": true, "UBad": true, "Msng": true, "UBUnsp": true, "Unusbl": true, "Rbld": true, "Cpybck": true}
var storcliVDStates = map[string]bool{"Dgrd": true, "Pdgd": true, "OfLn": true, "Rec": true}

func storcliPDStateName(env *inspect.Env, state string) i18n.Sub {
	if s := storcliNorm(state); storcliPDStates[s] {
		return i18n.S("hw.raid.pdst." + s)
	}
	return i18n.S("hw.raid.pdst.other")
}

func storcliVDStateName(env *inspect.Env, state string) i18n.Sub {
	s := storcliNorm(state)
	if s == "Offln" { // storcli prints OfLn for a VD, Offln for a drive
		s = "OfLn"
	}
	if storcliVDStates[s] {
		return i18n.S("hw.raid.vdst." + s)
	}
	return i18n.S("hw.raid.vdst.other")
}

// storcliItem names a result: "vd 0/1", "pd 252:3", "dg 1"; with the
// controller in front for controllers other than 0 ("c1 vd 0/0").
func storcliItem(ctl int, kind, id string) string {
	if ctl == 0 {
		return kind + " " + id
	}
	return "c" + strconv.Itoa(ctl) + " " + kind + " " + id
}

// storcliPath is the storcli address of a drive: /c0/e252/s3, or /c0/s4
// for a drive without an enclosure.
func storcliPath(ctl int, slot string) string {
	e, s, _ := strings.Cut(slot, ":")
	if e == "" {
		return "/c" + strconv.Itoa(ctl) + "/s" + s
	}
	return "/c" + strconv.Itoa(ctl) + "/e" + e + "/s" + s
}

func storcliPlace(env *inspect.Env, slot string) i18n.Sub {
	e, s, _ := strings.Cut(slot, ":")
	if e == "" {
		return i18n.S("hw.raid.place_slot", s)
	}
	return i18n.S("hw.raid.place", e, s)
}

// storcliDriveText is a drive as a VD's message lists it: slot, state and,
// when rebuilding, the progress.
func storcliDriveText(env *inspect.Env, rep storcliReport, d *storcliDrive) any {
	s := d.Slot + " " + iostreams.Sanitize(d.State)
	if rb, ok := rep.Rebuild[storcliKey(d.Ctl, d.Slot)]; ok {
		return i18n.S(i18n.ConcatCode, s, i18n.S("hw.raid.drive_rebuild", rb.Pct))
	}
	return s
}

// storcliResults turns a storcli report into results: one per virtual drive
// (or drive group without a VD), one per physical drive that needs a hand,
// and, for a controller without any array, one saying what was read.
func storcliResults(env *inspect.Env, base result.Result, rep storcliReport) []result.Result {
	var results []result.Result
	sep := "hw.list_sep"
	hasVD := map[string]bool{}
	for _, a := range rep.Arrays {
		if !a.IsDG {
			hasVD[storcliKey(a.Ctl, a.DG)] = true
		}
	}
	ctlArrays := map[int]int{}
	for _, a := range rep.Arrays {
		ctlArrays[a.Ctl]++
		if a.IsDG && hasVD[storcliKey(a.Ctl, a.DG)] {
			continue // its VDs speak for it
		}
		r := base
		typ := iostreams.Sanitize(a.Type)
		id := a.ID
		if a.Label != "" {
			id += " " + a.Label
		}
		kind, okKey, badKey := "vd", "hw.raid.vd_ok", "hw.raid.vd_bad"
		if a.IsDG {
			kind, okKey, badKey = "dg", "hw.raid.dg_ok", "hw.raid.dg_bad"
		}
		r.Item = storcliItem(a.Ctl, kind, a.ID)
		if storcliNorm(a.State) == "Optl" {
			r.Status = result.OK
			inspect.SetMsg(&r, env, okKey, id, typ)
			results = append(results, r)
			continue
		}
		r.Status = result.Crit
		inspect.SetMsg(&r, env, badKey, id, typ, iostreams.Sanitize(a.State), storcliVDStateName(env, a.State))
		evidence := []string{a.Line}
		var members []any
		allRebuilding := true
		for _, d := range rep.Drives {
			if d.Ctl != a.Ctl || d.DG != a.DG || storcliDriveStatus(d.State) == result.OK {
				continue
			}
			members = append(members, storcliDriveText(env, rep, d))
			evidence = append(evidence, d.Lines...)
			if storcliNorm(d.State) != "Rbld" {
				allRebuilding = false
			}
			if rb, ok := rep.Rebuild[storcliKey(d.Ctl, d.Slot)]; ok {
				evidence = append(evidence, rb.Line)
			}
		}
		for _, m := range rep.Missing {
			if m.Ctl == a.Ctl && m.DG == a.DG {
				members = append(members, i18n.S("hw.raid.msng", m.DG, m.Arr, m.Row))
				evidence = append(evidence, m.Line)
				allRebuilding = false
			}
		}
		if len(members) > 0 {
			inspect.AddMsg(&r, env, "hw.raid.members", i18n.List{Items: members, Sep: sep})
		} else {
			// The failed drive may have left the group (UBad, DG "-"):
			// name the controller's drives that need a hand.
			var loose []any
			for _, d := range rep.Drives {
				if d.Ctl == a.Ctl && storcliDriveStatus(d.State) != result.OK {
					loose = append(loose, storcliDriveText(env, rep, d))
					evidence = append(evidence, d.Lines...)
				}
			}
			if len(loose) > 0 {
				inspect.AddMsg(&r, env, "hw.raid.ctl_drives", a.Ctl, i18n.List{Items: loose, Sep: sep})
				allRebuilding = false
			}
		}
		if len(members) > 0 && allRebuilding {
			inspect.SetAdvice(&r, env, "hw.raid.vd_rebuild_advice", "/c"+strconv.Itoa(a.Ctl))
		} else {
			inspect.SetAdvice(&r, env, "hw.raid.vd_advice", "/c"+strconv.Itoa(a.Ctl))
		}
		r.Evidence = strings.Join(evidence, "\n")
		results = append(results, r)
	}
	ctlDrives := map[int]int{}
	for _, d := range rep.Drives {
		ctlDrives[d.Ctl]++
		st := storcliDriveStatus(d.State)
		if st == result.OK {
			continue
		}
		r := base
		r.Item = storcliItem(d.Ctl, "pd", d.Slot)
		r.Status = st
		path := storcliPath(d.Ctl, d.Slot)
		inspect.SetMsg(&r, env, "hw.raid.pd_bad", d.Slot, storcliPlace(env, d.Slot), iostreams.Sanitize(d.State), storcliPDStateName(env, d.State))
		if _, err := strconv.Atoi(d.DG); err == nil {
			inspect.AddMsg(&r, env, "hw.raid.pd_dg", d.DG)
		}
		evidence := append([]string(nil), d.Lines...)
		switch rb, ok := rep.Rebuild[storcliKey(d.Ctl, d.Slot)]; {
		case ok:
			inspect.AddMsg(&r, env, "hw.raid.pd_rebuild", rb.Pct)
			if rb.Left != "" {
				inspect.AddMsg(&r, env, "hw.raid.pd_left", iostreams.Sanitize(rb.Left))
			}
			r.SetValue(float64(rb.Pct), "%")
			r.Metrics = append(r.Metrics, result.Metric{Name: "raid.rebuild_pct", Value: float64(rb.Pct), Unit: "%"})
			evidence = append(evidence, rb.Line)
		}
		switch {
		case st == result.Crit:
			inspect.SetAdvice(&r, env, "hw.raid.pd_replace_advice", storcliPlace(env, d.Slot), path)
		case storcliNorm(d.State) == "Rbld":
			inspect.SetAdvice(&r, env, "hw.raid.pd_rebuild_advice", path)
		default:
			inspect.SetAdvice(&r, env, "hw.raid.pd_check_advice", path)
		}
		r.Evidence = strings.Join(evidence, "\n")
		results = append(results, r)
	}
	for _, c := range rep.Controllers {
		if ctlArrays[c] > 0 || ctlDrives[c] == 0 {
			continue
		}
		bad := false
		for _, d := range rep.Drives {
			if d.Ctl == c && storcliDriveStatus(d.State) != result.OK {
				bad = true
			}
		}
		if bad {
			continue
		}
		r := base
		r.Item = storcliItem(c, "controller", strconv.Itoa(c))
		r.Status = result.OK
		inspect.SetMsg(&r, env, "hw.raid.ctl_no_vd", c, ctlDrives[c])
		results = append(results, r)
	}
	return results
}

// RAID is the check type playbooks call "raid".
func RAID() inspect.Check { return raidCheck{} }
