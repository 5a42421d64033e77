package audit

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// MaxRecording is the largest recording the HTML export embeds.
const MaxRecording = 32 << 20

// Recording states in an export.
const (
	RecSealed   = "sealed"   // embedded, and its hash is the one in the log
	RecEdited   = "edited"   // embedded, but its hash differs from the log's
	RecUnsealed = "unsealed" // embedded; the log holds no hash for it
	RecMissing  = "missing"  // the file cannot be read
	RecTooLarge = "too-large"
	RecInvalid  = "invalid" // not an asciicast v2 file
)

// ExportOptions is what ExportHTML shows.
type ExportOptions struct {
	Path      string    // the log (recordings with relative paths are beside it)
	Records   []Record  // the records to show (a filter may have chosen them)
	Total     int       // records in the log
	Intact    int       // records verified intact (Verify's n)
	VerifyErr error     // Verify's error, nil when the log is intact
	Head      Head      // the last record of the log
	Lang      string    // zh or en
	Generated time.Time // when the page was made
	Filter    string    // a description of the filter, "" for none
}

//go:embed export.html.tmpl
var exportTmpl string

//go:embed export.js
var exportJS string

type exportRec struct {
	Record
	TargetsText string
	ExitText    string
	Duration    string
	RecState    string
	RecNote     string
	Cast        string // the recording's text, when embedded
}

// ExportHTML writes one self-contained HTML page for assessors: the state of
// the chain, an index of the records, each record in full, and a player
// for the asciicast v2 recordings the records name (embedded; a recording
// whose file no longer matches the hash sealed in the log is marked). No
// external resource is referenced; every value is escaped by html/template.
func ExportHTML(w io.Writer, o ExportOptions) error {
	lang := o.Lang
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	recs := make([]exportRec, 0, len(o.Records))
	for _, r := range o.Records {
		er := exportRec{Record: r, TargetsText: strings.Join(r.Targets, ", "),
			Duration: (time.Duration(r.DurationMS) * time.Millisecond).String()}
		er.ExitText = exitSummary(r.Exit)
		if r.Recording != "" {
			er.Cast, er.RecState = loadRecording(o.Path, r)
			er.RecNote = t("audit.export.rec." + er.RecState)
		}
		recs = append(recs, er)
	}
	status := t("audit.export.intact", o.Total)
	ok := o.VerifyErr == nil
	if !ok {
		status = t("audit.export.damaged", o.Intact, o.VerifyErr.Error())
	}
	casts := map[string]string{}
	for _, r := range recs {
		if r.Cast != "" {
			casts[fmt.Sprint(r.Seq)] = r.Cast
		}
	}
	labels := map[string]string{}
	for _, k := range []string{"title", "log", "generated", "status", "head", "filter", "index", "details", "recordings",
		"seq", "time", "user", "from", "action", "targets", "command", "file", "file_hash", "exit", "duration", "outcome",
		"note", "recording", "recording_hash", "algo", "prev", "hash", "play", "pause", "speed", "all", "input", "none", "shown"} {
		labels[k] = t("audit.export." + k)
	}
	tmpl, err := template.New("export").Funcs(template.FuncMap{
		"short": func(s string) string {
			if len(s) > 12 {
				return s[:12] + "…"
			}
			return s
		},
		"ts": func(tm time.Time) string { return tm.Format("2006-01-02 15:04:05 -07:00") },
	}).Parse(exportTmpl)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, map[string]any{
		"Lang": lang, "L": labels, "Path": o.Path, "Generated": o.Generated, "OK": ok, "Status": status,
		"Head": o.Head, "Filter": o.Filter, "Records": recs, "Shown": t("audit.export.count", len(recs), o.Total),
		"Casts": casts, "JS": template.JS(exportJS),
	})
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func exitSummary(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	byCode := map[int][]string{}
	for h, c := range m {
		byCode[c] = append(byCode[c], h)
	}
	codes := make([]int, 0, len(byCode))
	for c := range byCode {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		hosts := byCode[c]
		sort.Strings(hosts)
		if len(hosts) > 3 {
			parts = append(parts, fmt.Sprintf("%d: %d hosts", c, len(hosts)))
		} else {
			parts = append(parts, fmt.Sprintf("%d: %s", c, strings.Join(hosts, ", ")))
		}
	}
	return strings.Join(parts, "; ")
}

// loadRecording reads r's recording and says whether it is the one the log
// sealed.
func loadRecording(logPath string, r Record) (string, string) {
	p := r.Recording
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(logPath), p)
	}
	f, err := os.Open(p)
	if err != nil {
		return "", RecMissing
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRecording+1))
	if err != nil {
		return "", RecMissing
	}
	if len(data) > MaxRecording {
		return "", RecTooLarge
	}
	if !isCast(data) {
		return "", RecInvalid
	}
	state := RecUnsealed
	if r.RecordingHash != "" {
		state = RecEdited
		if sumHex(r.Algo, data) == r.RecordingHash {
			state = RecSealed
		}
	}
	return string(data), state
}

// isCast reports whether data starts with an asciicast v2 header.
func isCast(data []byte) bool {
	line, err := bufio.NewReader(bytes.NewReader(data)).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	var h struct {
		Version int `json:"version"`
	}
	return json.Unmarshal(line, &h) == nil && h.Version == 2
}
