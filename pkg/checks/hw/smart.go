package hw

import (
	"bufio"
	"context"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
	"github.com/cyhealth/hcops/pkg/result"
)

// smartCheck reads disk health with smartctl on the target (type "smart"):
// every device `smartctl --scan` finds (including disks behind MegaRAID
// controllers, which --scan lists with their -d option), one result per disk.
//
// A disk is CRIT when its overall self-assessment FAILED, an attribute is
// FAILING_NOW, NVMe critical warning bits are set, or there are pending or
// uncorrectable sectors, or (SCSI/SAS) its health status is not OK or it
// logged uncorrected read/write/verify errors; WARN when sectors were
// reallocated (SAS: the grown defect list is not empty), an attribute
// failed in the past, NVMe media errors were logged or its wear (Percentage
// Used) passed 90 %. Thresholds (warn/crit) apply to the temperature in °C
// (playbook default warn ~:55, crit ~:65).
type smartCheck struct{}

// One smartctl per device; the -d option from --scan is kept so disks
// behind RAID controllers are read through the controller.
const smartScript = `if ! command -v smartctl >/dev/null 2>&1; then echo "@@NOTOOL smartctl"; exit 0; fi
LC_ALL=C smartctl --scan 2>/dev/null | while read -r dev d type rest; do
  case "$dev" in /dev/*) ;; *) continue ;; esac
  echo "@@DEV $dev $type"
  if [ "$d" = "-d" ]; then LC_ALL=C smartctl -H -i -A -d "$type" "$dev" 2>&1; else LC_ALL=C smartctl -H -i -A "$dev" 2>&1; fi
  echo "@@RC $?"
done`

func (smartCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return smartScript, nil }

// DecodeParams refuses every parameter: the check takes none
// (inspect.ParamsDecoder).
func (smartCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[hwNoParams](spec)
}

// smartDisk is what one smartctl report says about one disk.
type smartDisk struct {
	Device, Model, Serial string
	Health                string // PASSED, FAILED, OK (SCSI), "" when not reported
	ExitCode              int    // smartctl's exit status bitmask, -1 when unknown
	Attrs                 map[int]smartAttr
	TempC                 float64 // -1 when unknown
	// NVMe
	NVMeCriticalWarning int64 // -1 when not NVMe
	MediaErrors         int64
	PercentUsed         float64
	SpareBelow          bool
	// SCSI/SAS
	Vendor       string
	GrownDefects int64 // "Elements in grown defect list", -1 when not reported
	Uncorrected  []smartUncorrected
	Raw          string
}

// smartUncorrected is one line of a SCSI error counter log with errors the
// drive could not correct ("read:", "write:", "verify:").
type smartUncorrected struct {
	Op string
	N  int64
}

type smartAttr struct {
	ID         int
	Name       string
	Value, Thr int
	WhenFailed string // "-", "FAILING_NOW", "In_the_past"
	Raw        int64
	RawText    string
}

var (
	smartAttrStartRE = regexp.MustCompile(`^\s*ID#\s+ATTRIBUTE_NAME`)
	smartFirstIntRE  = regexp.MustCompile(`^-?\d+`)
	smartNumRE       = regexp.MustCompile(`-?[\d,]+(\.\d+)?`)
)

// parseSmartctl reads `smartctl -H -i -A` output of ATA, SCSI and NVMe
// devices, in both the classic and the --format=brief attribute layouts.
func parseSmartctl(out string) smartDisk {
	d := smartDisk{ExitCode: -1, TempC: -1, NVMeCriticalWarning: -1, GrownDefects: -1, Attrs: map[int]smartAttr{}, Raw: out}
	inAttrs, brief, inErrLog := false, false, false
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		if smartAttrStartRE.MatchString(line) {
			inAttrs = true
			brief = !strings.Contains(line, "WHEN_FAILED")
			continue
		}
		if inAttrs {
			if trim == "" {
				inAttrs = false
				continue
			}
			if strings.HasPrefix(trim, "|") { // the brief layout's flag legend
				continue
			}
			if a, ok := parseSmartAttr(trim, brief); ok {
				d.Attrs[a.ID] = a
				continue
			}
		}
		if strings.HasPrefix(trim, "Error counter log:") {
			inErrLog = true
			continue
		}
		if inErrLog {
			// read:   817967014     7436   0  817974450  817974452  4260.902   2
			if op, rest, ok := strings.Cut(trim, ":"); ok && (op == "read" || op == "write" || op == "verify") {
				if f := strings.Fields(rest); len(f) >= 7 {
					if n, err := strconv.ParseInt(f[len(f)-1], 10, 64); err == nil && n > 0 {
						d.Uncorrected = append(d.Uncorrected, smartUncorrected{Op: op, N: n})
					}
				}
				continue
			}
			if trim == "" || !strings.HasPrefix(line, " ") {
				inErrLog = false // the table's headers are indented; its end is not
			}
		}
		key, val, ok := strings.Cut(trim, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "Device Model", "Model Number", "Product":
			d.Model = val
		case "Vendor":
			d.Vendor = val
		case "Elements in grown defect list":
			d.GrownDefects = smartInt(val)
		case "Serial Number", "Serial number":
			d.Serial = val
		case "SMART overall-health self-assessment test result":
			d.Health = strings.TrimRight(strings.Fields(val + " x")[0], "!")
		case "SMART Health Status":
			// SCSI: "OK", or the sense text, e.g. "FAILURE PREDICTION
			// THRESHOLD EXCEEDED [asc=5d, ascq=0]": keep it whole.
			d.Health = val
		case "Critical Warning":
			if v, err := strconv.ParseInt(strings.TrimPrefix(val, "0x"), 16, 64); err == nil {
				d.NVMeCriticalWarning = v
			}
		case "Media and Data Integrity Errors":
			d.MediaErrors = smartInt(val)
		case "Percentage Used":
			d.PercentUsed = float64(smartInt(val))
		case "Temperature", "Current Drive Temperature":
			if n := smartFirstNumber(val); n >= -50 {
				d.TempC = n
			}
		}
	}
	if d.TempC < 0 {
		if a, ok := d.Attrs[194]; ok {
			d.TempC = float64(a.Raw)
		} else if a, ok := d.Attrs[190]; ok {
			d.TempC = float64(a.Raw)
		}
	}
	if d.NVMeCriticalWarning > 0 && d.NVMeCriticalWarning&1 == 1 {
		d.SpareBelow = true
	}
	if d.Vendor != "" && d.Model != "" && !strings.HasPrefix(d.Model, d.Vendor) {
		d.Model = d.Vendor + " " + d.Model // SCSI: Vendor SEAGATE, Product ST3300657SS
	}
	return d
}

func parseSmartAttr(line string, brief bool) (smartAttr, bool) {
	f := strings.Fields(line)
	// classic: ID NAME FLAG VALUE WORST THRESH TYPE UPDATED WHEN_FAILED RAW...
	// brief:   ID NAME FLAGS VALUE WORST THRESH FAIL RAW...
	need := 10
	if brief {
		need = 8
	}
	if len(f) < need {
		return smartAttr{}, false
	}
	id, err := strconv.Atoi(f[0])
	if err != nil {
		return smartAttr{}, false
	}
	a := smartAttr{ID: id, Name: f[1]}
	a.Value, _ = strconv.Atoi(f[3])
	a.Thr, _ = strconv.Atoi(f[5])
	rawIdx := 9
	if brief {
		rawIdx = 7
	}
	a.WhenFailed = f[rawIdx-1]
	if brief {
		// --format=brief prints "-", "NOW" or "Past" where the classic
		// layout prints "-", "FAILING_NOW" or "In_the_past".
		switch a.WhenFailed {
		case "NOW":
			a.WhenFailed = "FAILING_NOW"
		case "Past":
			a.WhenFailed = "In_the_past"
		}
	}
	a.RawText = strings.Join(f[rawIdx:], " ")
	if m := smartFirstIntRE.FindString(f[rawIdx]); m != "" {
		a.Raw, _ = strconv.ParseInt(m, 10, 64)
	}
	return a, true
}

func smartInt(s string) int64 {
	m := smartNumRE.FindString(s)
	n, _ := strconv.ParseInt(strings.ReplaceAll(m, ",", ""), 10, 64)
	return n
}

func smartFirstNumber(s string) float64 {
	m := smartNumRE.FindString(s)
	if m == "" {
		return -1000
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(m, ",", ""), 64)
	if err != nil {
		return -1000
	}
	return n
}

// verdict decides a disk's status; the reasons, in env's language, are in
// the order a reader needs them. replace is false when every reason is
// about temperature (a temperature attribute under its threshold now or in
// the past, the NVMe temperature bit): cooling is to be checked then, not
// the disk replaced.
func (d smartDisk) verdict(env *inspect.Env) (st result.Status, why []i18n.Sub, replace bool) {
	st = result.OK
	add := func(s result.Status, key string, args ...any) {
		st = result.Worst(st, s)
		why = append(why, i18n.S(key, args...))
		replace = true
	}
	addTemp := func(s result.Status, key string, args ...any) {
		st = result.Worst(st, s)
		why = append(why, i18n.S(key, args...))
	}
	switch h := strings.ToUpper(d.Health); {
	case h == "FAILED":
		add(result.Crit, "hw.smart.failed")
	case h == "PASSED" || h == "OK":
	case h == "":
		if d.NVMeCriticalWarning < 0 && len(d.Attrs) == 0 {
			add(result.Unknown, "hw.smart.no_health")
		}
	default:
		add(result.Crit, "hw.smart.health", iostreams.Sanitize(d.Health))
	}
	for _, id := range []int{5, 187, 196, 197, 198} {
		a, ok := d.Attrs[id]
		if !ok {
			continue
		}
		if a.WhenFailed == "FAILING_NOW" {
			add(result.Crit, "hw.smart.attr_failing", a.Name, a.Value, a.Thr, a.RawText)
			continue
		}
		if a.Raw > 0 {
			key := "hw.smart.attr." + strconv.Itoa(id)
			switch id {
			case 197, 198, 187:
				add(result.Crit, key, a.Name, a.Raw)
			default:
				add(result.Warn, key, a.Name, a.Raw)
			}
		}
	}
	// The other attributes in ID order, so the message reads the same on
	// every run.
	ids := make([]int, 0, len(d.Attrs))
	for id := range d.Attrs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		a := d.Attrs[id]
		note := add
		if id == 190 || id == 194 { // Airflow_Temperature_Cel, Temperature_Celsius
			note = addTemp
		}
		if a.WhenFailed == "FAILING_NOW" && a.ID != 5 && a.ID != 187 && a.ID != 196 && a.ID != 197 && a.ID != 198 {
			note(result.Crit, "hw.smart.attr_now", a.Name)
		} else if a.WhenFailed == "In_the_past" {
			note(result.Warn, "hw.smart.attr_past", a.Name)
		}
	}
	if len(d.Uncorrected) > 0 {
		var ops []any
		for _, u := range d.Uncorrected {
			ops = append(ops, i18n.S("hw.smart.op."+u.Op, u.N))
		}
		add(result.Crit, "hw.smart.uncorrected", i18n.List{Items: ops, Sep: "hw.list_sep"})
	}
	if d.GrownDefects > 0 {
		add(result.Warn, "hw.smart.grown_defects", d.GrownDefects)
	}
	if d.NVMeCriticalWarning > 0 {
		note := add
		if d.NVMeCriticalWarning == 0x02 { // the temperature bit alone
			note = addTemp
		}
		note(result.Crit, "hw.smart.nvme_warning", d.NVMeCriticalWarning, nvmeWarningText(env, d.NVMeCriticalWarning))
	}
	if d.MediaErrors > 0 {
		add(result.Warn, "hw.smart.media_errors", d.MediaErrors)
	}
	if d.PercentUsed >= 90 {
		add(result.Warn, "hw.smart.wear", d.PercentUsed)
	}
	if d.ExitCode > 0 && d.ExitCode&0x08 != 0 && st < result.Crit {
		add(result.Crit, "hw.smart.exit_failing")
	}
	return st, why, replace
}

// nvmeWarningText names the bits of an NVMe critical warning, in bit order.
func nvmeWarningText(env *inspect.Env, v int64) i18n.List {
	keys := []string{"hw.smart.nvme.spare", "hw.smart.nvme.temp", "hw.smart.nvme.reliable", "hw.smart.nvme.readonly", "hw.smart.nvme.backup"}
	var out []any
	for i, k := range keys {
		if v&(1<<i) != 0 {
			out = append(out, i18n.S(k))
		}
	}
	return i18n.List{Items: out, Sep: "hw.list_sep"}
}

func (smartCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := result.Result{Type: "smart"}
	if r, done := hwSectionProblem(env, base, "smartmontools"); done {
		return []result.Result{r}
	}
	var results []result.Result
	var dev, typ string
	var body strings.Builder
	flush := func(rc int) {
		if dev == "" {
			return
		}
		d := parseSmartctl(body.String())
		d.Device, d.ExitCode = dev, rc
		results = append(results, smartResult(env, base, d, typ))
		dev = ""
		body.Reset()
	}
	for _, line := range strings.Split(env.Section.Stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "@@DEV "):
			flush(-1)
			f := strings.Fields(line)
			dev = f[1]
			typ = ""
			if len(f) > 2 {
				typ = f[2]
			}
		case strings.HasPrefix(line, "@@RC "):
			rc, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "@@RC ")))
			flush(rc)
		default:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	flush(-1)
	if len(results) == 0 {
		r := base
		r.Status = result.Unknown
		r.Reason = "no-disks"
		inspect.SetMsg(&r, env, "hw.smart.no_disks")
		return []result.Result{r}
	}
	return results
}

func smartResult(env *inspect.Env, base result.Result, d smartDisk, typ string) result.Result {
	r := base
	r.Item = d.Device
	if typ != "" && typ != "ata" && typ != "sat" && typ != "scsi" && typ != "nvme" {
		r.Item = d.Device + " (" + typ + ")"
	}
	st, why, replace := d.verdict(env)
	r.Status = st
	name := strings.TrimSpace(d.Model + " " + d.Serial)
	var diskName any = name
	if name == "" {
		diskName = i18n.S("hw.smart.disk")
	}
	if len(why) == 0 {
		inspect.SetMsg(&r, env, "hw.smart.healthy", d.Device, diskName)
	} else {
		inspect.SetMsg(&r, env, "hw.smart.problems", d.Device, diskName, i18n.List{Items: inspect.SubsAny(why), Sep: "hw.sep"})
	}
	if d.TempC > -50 {
		r.Metrics = append(r.Metrics, result.Metric{Name: "disk.temp_c", Value: d.TempC, Unit: "C"})
		env.Thresholds.Apply(&r, d.TempC, "C")
	}
	if a, ok := d.Attrs[5]; ok {
		r.Metrics = append(r.Metrics, result.Metric{Name: "disk.reallocated", Value: float64(a.Raw)})
	}
	switch {
	case r.Status < result.Warn || r.Status == result.Unknown:
	case replace:
		inspect.SetAdvice(&r, env, "hw.smart.replace_advice", d.Device, d.Serial)
	default: // only temperature: over the playbook's threshold, or an attribute
		inspect.SetAdvice(&r, env, "hw.smart.temp_advice")
	}
	if r.Status != result.OK {
		r.Evidence = hwFirstLines(d.Raw, 80)
	}
	return r
}

// SMART is the check type playbooks call "smart".
func SMART() inspect.Check { return smartCheck{} }
