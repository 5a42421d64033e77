package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// ApplianceReport is the monthly hardware inspection report of the database
// appliance (一体机) and the bare-metal servers (AP1), from one run of the
// hardware checks: per server the BMC sensors (temperatures, fans, power
// supplies), the BMC event log, disk SMART health, RAID arrays, memory ECC
// errors, multipath paths and NIC links, each with its status and advice.
// It is also the JSON format of `hcops report appliance --format json`.
type ApplianceReport struct {
	Kind       string    `json:"kind"` // "appliance"
	Header     Header    `json:"header"`
	RunID      int64     `json:"run_id"`
	RunStatus  string    `json:"run_status"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Operator   string    `json:"operator"`
	RanFrom    string    `json:"ran_from"`
	Playbooks  []string  `json:"playbooks"`
	Filter     string    `json:"filter,omitempty"`
	Month      string    `json:"month"`  // YYYY-MM of the run
	Period     string    `json:"period"` // the month, as written in the report

	Overview   ApplianceOverview `json:"overview"`
	Counts     result.Counts     `json:"counts"`
	Worst      result.Status     `json:"worst"`
	CountLine  string            `json:"count_line"`
	Conclusion string            `json:"conclusion"`
	Columns    []ApplianceColumn `json:"columns"` // the parts in the order of each server's summary
	Servers    []ApplianceServer `json:"servers"` // worst first
	Problems   []HealthProblem   `json:"problems"`
	// DBResults counts database results in the same run; they belong to
	// the database health report (hcops report db).
	DBResults   int      `json:"db_results"`
	Sign        []Signer `json:"sign_off"`
	Notes       []string `json:"notes"`
	StatusChart string   `json:"-"`
}

// ApplianceOverview counts servers by their worst status.
type ApplianceOverview struct {
	Servers int `json:"servers"`
	Tally
}

// ApplianceColumn is one hardware part of the summary table.
type ApplianceColumn struct {
	Key   string `json:"key"` // sensors, sel, disks, raid, memory, multipath, nic
	Title string `json:"title"`
}

// ApplianceCell is one part of one server in the summary table.
type ApplianceCell struct {
	Key     string        `json:"key"`
	Checked bool          `json:"checked"` // false: the run has no result for this part
	Status  result.Status `json:"status"`
	Text    string        `json:"text"` // the figures in words
}

// ApplianceServer is one server: its figures, the summary cells and the
// sections with every result.
type ApplianceServer struct {
	Name      string        `json:"name"`
	Address   string        `json:"address,omitempty"`
	System    string        `json:"system,omitempty"`
	Zone      string        `json:"zone,omitempty"`
	Status    result.Status `json:"status"`
	Reachable bool          `json:"reachable"`
	Counts    result.Counts `json:"counts"`

	HottestC       *float64 `json:"hottest_c,omitempty"` // hottest BMC temperature sensor
	SensorProblems int      `json:"sensor_problems"`
	SELEvents      *float64 `json:"sel_events,omitempty"` // new BMC events in the window
	Disks          int      `json:"disks"`
	DisksFailing   int      `json:"disks_failing"`
	DiskMaxTempC   *float64 `json:"disk_max_temp_c,omitempty"`
	Arrays         int      `json:"arrays"`
	ArraysDegraded int      `json:"arrays_degraded"`
	MemCE          *float64 `json:"memory_correctable,omitempty"`
	MemUE          *float64 `json:"memory_uncorrectable,omitempty"`
	LUNs           int      `json:"luns"`
	LUNsDegraded   int      `json:"luns_degraded"`
	NICs           int      `json:"nics"`
	NICsFaulty     int      `json:"nics_faulty"`

	Summary  []ApplianceCell `json:"summary"` // one per column
	Sections []HealthSection `json:"sections"`
}

// hwParts are the hardware check types by summary column.
var hwParts = []struct{ key, typ string }{
	{"sensors", "ipmi"}, {"sel", "ipmi"}, {"disks", "smart"}, {"raid", "raid"},
	{"memory", "edac"}, {"multipath", "multipath"}, {"nic", "nic"},
}

func isHWType(typ string) bool {
	switch typ {
	case "ipmi", "smart", "raid", "edac", "multipath", "nic":
		return true
	}
	return false
}

// hwPartOf maps a result to its column.
func hwPartOf(typ, item string) string {
	switch typ {
	case "ipmi":
		if item == "sel" {
			return "sel"
		}
		return "sensors"
	case "smart":
		return "disks"
	case "edac":
		return "memory"
	case connectCheck:
		return connectCheck
	}
	return typ
}

// ApplianceInput is what a hardware report is made from: one run with its
// results (restricted to the selected assets) and its inventory.
type ApplianceInput struct {
	Run    result.Run
	Assets map[string]*inventory.Asset
	Filter string
}

// FindApplianceRun returns the latest inspection run with hardware results
// for the selected assets (on day, when not zero); store.ErrNotFound when
// there is none.
func FindApplianceRun(ctx context.Context, db store.History, day time.Time, loc *time.Location, sel *inventory.Selector, inv *inventory.Inventory) (int64, error) {
	return runWith(ctx, db, day, loc, sel, inv, func(typ, check, pb string) bool {
		return isHWType(typ) || check == connectCheck && pb == "hardware-monthly"
	})
}

// BuildAppliance reads run runID and builds its hardware report for the
// assets sel selects (nil: all). A run without hardware results for them is
// ErrNoResults; a missing run store.ErrNotFound.
func BuildAppliance(ctx context.Context, db store.History, runID int64, sel *inventory.Selector, o Options) (*ApplianceReport, error) {
	h, err := loadHealth(ctx, db, runID, sel, o)
	if err != nil {
		return nil, fmt.Errorf("appliance report: %w", err)
	}
	a := NewAppliance(ApplianceInput{Run: h.Run, Assets: h.Assets, Filter: h.Filter}, o)
	if a.Overview.Servers == 0 {
		return nil, fmt.Errorf("appliance report: run %d: %w", runID, ErrNoResults)
	}
	return a, nil
}

// isHWResult says whether a result belongs to the hardware report: a
// hardware check, or the connection failure of a server the hardware
// playbook (or its hardware=physical label) targets.
func isHWResult(r *result.Result, a *inventory.Asset) bool {
	if isHWType(r.Type) {
		return true
	}
	if r.Check != connectCheck {
		return false
	}
	return r.Playbook == "hardware-monthly" || a != nil && a.Labels["hardware"] == "physical"
}

// NewAppliance builds the hardware report of a run. It does not touch the
// store; BuildAppliance reads the store and calls it.
func NewAppliance(in ApplianceInput, o Options) *ApplianceReport {
	loc := o.loc()
	run := in.Run
	started := run.StartedAt.In(loc)
	ap := &ApplianceReport{
		Kind: "appliance", RunID: run.ID, RunStatus: run.Status, StartedAt: started,
		Operator: clean(run.Operator), RanFrom: clean(run.RanFrom), Playbooks: nonNil(append([]string{}, run.Playbooks...)),
		Filter: in.Filter, Month: started.Format("2006-01"), Period: fmtMonth(o.Lang, started),
	}
	if !run.FinishedAt.IsZero() {
		ap.FinishedAt = run.FinishedAt.In(loc)
	}
	ap.Header = o.header(o.t("rapp.title"), fmt.Sprintf("YJ-%s-%d", started.Format("20060102"), run.ID))
	for _, p := range hwParts {
		ap.Columns = append(ap.Columns, ApplianceColumn{Key: p.key, Title: o.t("rapp.col." + p.key)})
	}

	type acc struct {
		srv   *ApplianceServer
		parts map[string]*counted
		items map[string][]HealthItem
	}
	servers := map[string]*acc{}
	for i := range run.Results {
		r := &run.Results[i]
		a := in.Assets[r.Asset]
		if !isHWResult(r, a) {
			if isDBCheck(r.Type, r.Check, r.Playbook) {
				ap.DBResults++
			}
			continue
		}
		s := servers[r.Asset]
		if s == nil {
			s = &acc{srv: &ApplianceServer{Name: clean(r.Asset), System: clean(r.System), Zone: clean(r.Zone), Reachable: true},
				parts: map[string]*counted{}, items: map[string][]HealthItem{}}
			if a != nil {
				s.srv.Address = clean(a.Address)
				s.srv.System = cmp.Or(s.srv.System, clean(a.System))
				s.srv.Zone = cmp.Or(s.srv.Zone, clean(a.Zone))
			}
			servers[r.Asset] = s
		}
		srv := s.srv
		srv.Counts.Add(r.Status)
		srv.Status = result.Worst(srv.Status, r.Status)
		ap.Counts.Add(r.Status)
		ap.Worst = result.Worst(ap.Worst, r.Status)
		part := hwPartOf(r.Type, r.Item)
		if s.parts[part] == nil {
			s.parts[part] = &counted{}
		}
		s.parts[part].add(r.Status)
		bad := r.Status == result.Warn || r.Status == result.Crit
		switch part {
		case connectCheck:
			srv.Reachable = false
		case "sensors":
			if r.Item == "sensors" {
				srv.HottestC = unitValue(r, "C")
				if srv.HottestC == nil {
					for _, m := range r.Metrics {
						if m.Name == "hw.temp_c" && (srv.HottestC == nil || m.Value > *srv.HottestC) {
							v := m.Value
							srv.HottestC = &v
						}
					}
				}
			} else if bad {
				srv.SensorProblems++
			}
		case "sel":
			srv.SELEvents = r.Value
		case "disks":
			if r.Item != "" {
				srv.Disks++
				if bad {
					srv.DisksFailing++
				}
				if t := metricP(r, "disk.temp_c"); t != nil && (srv.DiskMaxTempC == nil || *t > *srv.DiskMaxTempC) {
					srv.DiskMaxTempC = t
				}
			}
		case "raid":
			if r.Item != "" {
				srv.Arrays++
				if bad {
					srv.ArraysDegraded++
				}
			}
		case "memory":
			srv.MemCE, srv.MemUE = metricP(r, "mem.ce_count"), metricP(r, "mem.ue_count")
		case "multipath":
			if r.Item != "" {
				srv.LUNs++
				if bad {
					srv.LUNsDegraded++
				}
			}
		case "nic":
			if r.Item != "" {
				srv.NICs++
				if bad {
					srv.NICsFaulty++
				}
			}
		}
		s.items[part] = append(s.items[part], o.healthItem(r, o.hwLabel(part, r.Item), "", started))
	}

	for _, s := range servers {
		srv := s.srv
		for _, p := range hwParts {
			srv.Summary = append(srv.Summary, o.hwCell(srv, p.key, s.parts[p.key]))
		}
		for _, key := range append([]string{connectCheck}, partKeys()...) {
			if len(s.items[key]) > 0 {
				srv.Sections = append(srv.Sections, o.section(key, o.t("rapp.sec."+key), s.items[key]))
			}
		}
		srv.Sections = nonNil(srv.Sections)
		ap.Servers = append(ap.Servers, *srv)
		ap.Overview.Servers++
		ap.Overview.add(srv.Status)
	}
	slices.SortFunc(ap.Servers, func(a, b ApplianceServer) int {
		return cmp.Or(cmp.Compare(b.Status, a.Status), cmp.Compare(a.Name, b.Name))
	})
	ap.Servers = nonNil(ap.Servers)

	// Problems: every server's sections, ranked together; a section title
	// names the server's part.
	var secs []HealthSection
	for _, srv := range ap.Servers {
		secs = append(secs, srv.Sections...)
	}
	ap.Problems = nonNil(problems(secs))

	var critical []string
	for _, srv := range ap.Servers {
		if srv.Counts.Crit > 0 {
			critical = append(critical, srv.Name)
		}
	}
	ov := &ap.Overview
	ap.CountLine, ap.Conclusion = o.summarise("rapp", ov.Servers, &ov.Tally, ap.Counts, critical)
	ap.StatusChart = statusBar(o, ap.Counts)
	ap.Sign = o.signers("report.sign.inspector")
	// The database note has its own chapter (rapp.h.db), not a line here.
	ap.Notes = []string{o.t("report.daily.note_status"), o.t("rapp.note.unknown"), o.t("report.daily.note_source", run.ID)}
	if run.Status != "" && run.Status != result.RunCompleted {
		ap.Notes = append([]string{o.t("report.daily.note_incomplete", o.t("report.runstatus."+run.Status))}, ap.Notes...)
	}
	return ap
}

func partKeys() []string {
	out := make([]string, len(hwParts))
	for i, p := range hwParts {
		out[i] = p.key
	}
	return out
}

// hwCell is one part of a server in the summary table: its worst status and
// its figures in words.
func (o *Options) hwCell(srv *ApplianceServer, key string, c *counted) ApplianceCell {
	cell := ApplianceCell{Key: key}
	if !srv.Reachable {
		return ApplianceCell{Key: key, Checked: true, Status: result.Unreachable}
	}
	if c == nil {
		cell.Text = o.t("rapp.cell.unchecked")
		return cell
	}
	cell.Checked, cell.Status = true, c.Worst
	if c.Counts.Unknown == c.Counts.Total() {
		cell.Text = o.t("rapp.cell.unknown")
		return cell
	}
	switch key {
	case "sensors":
		if srv.HottestC != nil {
			cell.Text = o.t("rapp.cell.sensors_temp", fmtNum(*srv.HottestC), srv.SensorProblems)
		} else {
			cell.Text = o.t("rapp.cell.sensors", srv.SensorProblems)
		}
	case "sel":
		if srv.SELEvents != nil {
			cell.Text = o.t("rapp.cell.sel", fmtNum(*srv.SELEvents))
		}
	case "disks":
		cell.Text = o.t("rapp.cell.disks", srv.Disks, srv.DisksFailing)
	case "raid":
		cell.Text = o.t("rapp.cell.raid", srv.Arrays, srv.ArraysDegraded)
	case "memory":
		if srv.MemCE != nil && srv.MemUE != nil {
			cell.Text = o.t("rapp.cell.memory", fmtNum(*srv.MemCE), fmtNum(*srv.MemUE))
		}
	case "multipath":
		cell.Text = o.t("rapp.cell.multipath", srv.LUNs, srv.LUNsDegraded)
	case "nic":
		cell.Text = o.t("rapp.cell.nic", srv.NICs, srv.NICsFaulty)
	}
	return cell
}

// hwLabel names a hardware result: the part of a BMC sensor from its name,
// the device, array, LUN or port otherwise.
func (o *Options) hwLabel(part, item string) string {
	item = clean(item)
	switch part {
	case "sensors":
		if item == "sensors" {
			return o.t("rapp.item.sensors")
		}
		return o.t("rapp.item.sensor", o.t("rapp.part."+sensorPart(item)), item)
	case "sel":
		return o.t("rapp.item.sel")
	case "memory":
		return o.t("rapp.item.memory")
	case connectCheck:
		return o.t("rapp.item.connect")
	}
	if item == "" {
		return o.t("rapp.col." + part)
	}
	return item
}

// sensorPart classifies a BMC sensor by its name.
func sensorPart(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "power") || strings.Contains(n, "psu") || strings.HasPrefix(n, "ps"):
		return "power"
	case strings.Contains(n, "fan"):
		return "fan"
	case strings.Contains(n, "temp") || strings.Contains(n, "therm"):
		return "temp"
	case strings.Contains(n, "volt") || strings.Contains(n, "vcc") || strings.Contains(n, "vbat"):
		return "voltage"
	case strings.Contains(n, "memory") || strings.Contains(n, "dimm") || strings.Contains(n, "ecc"):
		return "memory"
	case strings.Contains(n, "drive") || strings.Contains(n, "disk") || strings.Contains(n, "hdd"):
		return "drive"
	}
	return "other"
}
