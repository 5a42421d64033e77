package inventory

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"gopkg.in/yaml.v3"
)

// Import and export of the asset register as CSV, XLSX, JSON and YAML.
//
// Exports carry each asset's effective values, so export followed by import
// (into the same inventory or an empty one) gives the same assets. Import
// adds new assets and updates the fields a row gives; an empty cell means
// "not given", never "clear", and import never deletes an asset.

// Formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
	FormatJSON = "json"
	FormatYAML = "yaml"
)

// Formats lists the import/export formats.
var Formats = []string{FormatCSV, FormatXLSX, FormatJSON, FormatYAML}

// FormatFromPath guesses a format from a file name ("" when unknown).
func FormatFromPath(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv":
		return FormatCSV
	case ".xlsx", ".xlsm":
		return FormatXLSX
	case ".json":
		return FormatJSON
	case ".yaml", ".yml":
		return FormatYAML
	}
	return ""
}

// column is one spreadsheet column: its English and Chinese export headers,
// the other headers accepted on import, and the asset field it carries.
type column struct {
	key     string // English header, also the id
	zh      string // Chinese header
	aliases []string
	path    string // asset field path ("" for special columns)
}

// columns in export order.
var columns = []column{
	{"name", "名称", []string{"资产名称", "主机名", "主机名称", "设备名称", "hostname", "host", "名字", "资产名"}, "name"},
	{"kind", "类型", []string{"type", "资产类型", "设备类型", "类别"}, "kind"},
	{"address", "IP地址", []string{"ip", "地址", "ip_address", "ipaddress", "addr", "管理地址", "管理ip", "主机地址", "ip地址", "ipv4"}, "address"},
	{"service_port", "服务端口", []string{"服务端口号"}, "port"},
	{"zone", "区域", []string{"网络区域", "安全域", "网络"}, "zone"},
	{"site", "站点", []string{"地点", "位置", "数据中心"}, "site"},
	{"room", "机房", []string{"机房位置"}, "room"},
	{"system", "所属系统", []string{"系统", "应用系统", "业务系统"}, "system"},
	{"groups", "分组", []string{"group", "组", "资产组", "分组名"}, "groups"},
	{"labels", "标签", []string{"label", "tags"}, ""},
	{"owner", "负责人", []string{"责任人", "管理员", "联系人"}, "owner"},
	{"contact", "联系方式", []string{"电话", "联系电话", "手机"}, "contact"},
	{"criticality", "重要性", []string{"重要程度", "等级", "是否核心"}, "criticality"},
	{"os_family", "操作系统", []string{"os", "os.family", "系统类型"}, "os.family"},
	{"os_version", "系统版本", []string{"os.version", "操作系统版本"}, "os.version"},
	{"os_arch", "架构", []string{"arch", "os.arch", "cpu架构", "体系结构"}, "os.arch"},
	{"transport", "连接方式", []string{"connection.transport"}, "connection.transport"},
	{"user", "用户", []string{"用户名", "登录用户", "username", "login", "connection.user", "账号"}, "connection.user"},
	{"ssh_port", "SSH端口", []string{"连接端口", "connection.port"}, "connection.port"},
	{"key_file", "密钥文件", []string{"密钥", "identity", "connection.key_file"}, "connection.key_file"},
	{"agent", "SSH代理", []string{"connection.agent"}, "connection.agent"},
	{"via", "跳板机", []string{"jump", "bastion", "堡垒机", "connection.via"}, "connection.via"},
	{"become", "提权", []string{"sudo", "connection.become"}, "connection.become"},
	{"become_user", "提权用户", []string{"sudo_user", "connection.become_user"}, "connection.become_user"},
	{"password_ref", "密码引用", []string{"connection.password"}, ""},
	{"passphrase_ref", "密钥口令引用", []string{"connection.passphrase"}, ""},
	{"endpoints", "访问地址", []string{"url", "urls"}, "endpoints"},
	{"database", "数据库", []string{"db"}, "database"},
	{"checks", "检查项覆盖", []string{"check_overrides"}, "checks"},
	{"notes", "备注", []string{"说明", "描述", "note", "comment", "remark", "remarks"}, "notes"},
}

// portColumn is the ambiguous "port"/"端口" header: the SSH port of a host,
// the service port of anything else.
const portColumn = "port"

// ignoredHeaders are spreadsheet columns that carry nothing to import.
var ignoredHeaders = map[string]bool{"序号": true, "no": true, "no.": true, "#": true, "seq": true, "编号": true, "id": true}

func normHeader(h string) string {
	h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	h = strings.ToLower(h)
	h = strings.NewReplacer(" ", "", "_", "", "-", "", "（", "(", "）", ")", "：", "", ":", "").Replace(h)
	return h
}

var headerIndex = func() map[string]string {
	m := map[string]string{normHeader("port"): portColumn, normHeader("端口"): portColumn, normHeader("端口号"): portColumn}
	for _, c := range columns {
		m[normHeader(c.key)] = c.key
		m[normHeader(c.zh)] = c.key
		for _, a := range c.aliases {
			m[normHeader(a)] = c.key
		}
	}
	return m
}()

func columnByKey(k string) *column {
	for i := range columns {
		if columns[i].key == k {
			return &columns[i]
		}
	}
	return nil
}

// --- neutralising spreadsheet formulas --------------------------------------

// Neutralize prefixes a cell that a spreadsheet would run as a formula
// (leading = + - @, tab or carriage return) with a single quote. A leading
// quote is doubled so that Unneutralize restores every value exactly.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + s
	}
	return s
}

// Unneutralize undoes Neutralize: a quote followed by a character Neutralize
// protects is dropped; anything else is left as written.
func Unneutralize(s string) string {
	if len(s) >= 2 && s[0] == '\'' {
		switch s[1] {
		case '=', '+', '-', '@', '\t', '\r', '\'':
			return s[1:]
		}
	}
	return s
}

// --- export -----------------------------------------------------------------

// ExportOptions control Export.
type ExportOptions struct {
	Format string // csv, xlsx, json, yaml
	// HeaderLang "zh" writes Chinese column headers in CSV and XLSX; anything
	// else English. Import reads both.
	HeaderLang string
}

// rowOf flattens an asset into export cells, in column order; with lang
// "zh" the values of the fixed vocabularies are written in Chinese too.
func rowOf(a *Asset, lang string) []string {
	row := make([]string, 0, len(columns))
	for _, c := range columns {
		v := cellOf(a, c.key)
		if lang == "zh" {
			v = zhCell(c.key, v)
		}
		row = append(row, v)
	}
	return row
}

// zhValues are the Chinese words a --header-lang zh export writes for the
// fixed vocabularies (kind, criticality, the two standard zones, yes/no):
// a sheet with Chinese headers reads Chinese throughout. Import reads them
// back (kindWords, critWords, zoneWords, parseBool), so export then import
// changes nothing.
var zhValues = map[string]map[string]string{
	"kind": {
		KindHost: "主机", KindDatabase: "数据库", KindAppliance: "一体机", KindNetworkDevice: "网络设备",
		KindSecurityDevice: "安全设备", KindMiddleware: "中间件", KindApplication: "应用", KindLink: "链路",
		KindStorage: "存储", KindCloudService: "云服务",
	},
	"criticality": {CriticalityCore: "核心", CriticalityNonCore: "非核心"},
	"zone":        {"intranet": "卫生专网", "internet": "互联网"},
	"agent":       {"true": "是", "false": "否"},
	"become":      {"true": "是", "false": "否"},
}

func zhCell(key, v string) string {
	if zh, ok := zhValues[key][v]; ok {
		return zh
	}
	return v
}

func cellOf(a *Asset, key string) string {
	switch key {
	case "labels":
		return labelsText(a.Labels)
	case "password_ref":
		return secretCell(a.Connection.Password)
	case "passphrase_ref":
		return secretCell(a.Connection.Passphrase)
	}
	return fieldValue(a, columnByKey(key).path)
}

func labelsText(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if v := m[k]; strings.ContainsAny(v, ";,=:\n；，") || strings.TrimSpace(v) != v {
			// k=v;k=v cannot carry this value: write the labels as JSON.
			return jsonText(m)
		}
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ";")
}

func secretCell(s SecretRef) string {
	switch {
	case s.Env != "":
		return "env:" + s.Env
	case s.File != "":
		return "file:" + s.File
	case s.Vault != "":
		return "vault:" + s.Vault
	}
	return ""
}

// fieldValue renders an asset field as text in the form import writes it.
func fieldValue(a *Asset, path string) string {
	itoa := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	c := a.Connection
	switch path {
	case "name":
		return a.Name
	case "kind":
		return a.Kind
	case "address":
		return a.Address
	case "port":
		return itoa(a.Port)
	case "zone":
		return a.Zone
	case "site":
		return a.Site
	case "room":
		return a.Room
	case "system":
		return a.System
	case "groups":
		return strings.Join(a.Groups, ",")
	case "owner":
		return a.Owner
	case "contact":
		return a.Contact
	case "criticality":
		return a.Criticality
	case "os.family":
		return a.OS.Family
	case "os.version":
		return a.OS.Version
	case "os.arch":
		return a.OS.Arch
	case "connection.transport":
		return c.Transport
	case "connection.user":
		return c.User
	case "connection.port":
		return itoa(c.Port)
	case "connection.key_file":
		return c.KeyFile
	case "connection.agent":
		if c.Agent == nil {
			return ""
		}
		return strconv.FormatBool(*c.Agent)
	case "connection.via":
		return c.Via
	case "connection.become":
		if !c.Become {
			return ""
		}
		return "true"
	case "connection.become_user":
		return c.BecomeUser
	case "connection.password.env":
		return c.Password.Env
	case "connection.password.file":
		return c.Password.File
	case "connection.passphrase.env":
		return c.Passphrase.Env
	case "connection.passphrase.file":
		return c.Passphrase.File
	case "connection.password.vault":
		return c.Password.Vault
	case "connection.passphrase.vault":
		return c.Passphrase.Vault
	case "endpoints":
		if len(a.Endpoints) == 0 {
			return ""
		}
		return jsonText(a.Endpoints)
	case "database":
		if a.Database == nil {
			return ""
		}
		return jsonText(a.Database)
	case "checks":
		if len(a.Checks) == 0 {
			return ""
		}
		return jsonText(a.Checks)
	case "notes":
		return a.Notes
	}
	if k, ok := strings.CutPrefix(path, "labels."); ok {
		return a.Labels[k]
	}
	return ""
}

// Export writes assets (their effective values) to w.
func Export(w io.Writer, assets []*Asset, opts ExportOptions) error {
	header := make([]string, len(columns))
	for i, c := range columns {
		header[i] = c.key
		if opts.HeaderLang == "zh" {
			header[i] = c.zh
		}
	}
	switch opts.Format {
	case FormatCSV:
		// A UTF-8 BOM makes Excel and WPS on Chinese Windows read the file as
		// UTF-8 instead of GBK.
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		if err := cw.Write(header); err != nil {
			return err
		}
		for _, a := range assets {
			row := rowOf(a, opts.HeaderLang)
			for i := range row {
				row[i] = Neutralize(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case FormatXLSX:
		f := excelize.NewFile()
		defer f.Close()
		sheet := "assets"
		if opts.HeaderLang == "zh" {
			sheet = "资产"
		}
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		hrow := make([]any, len(header))
		for i, h := range header {
			hrow[i] = excelize.Cell{Value: h, StyleID: bold}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		if err := sw.SetRow("A1", hrow); err != nil {
			return err
		}
		for i, a := range assets {
			cells := rowOf(a, opts.HeaderLang)
			row := make([]any, len(cells))
			for j, c := range cells {
				// Strings stay strings (never numbers or formulas) in the
				// sheet; neutralised too in case it is saved as CSV later.
				row[j] = excelize.Cell{Value: Neutralize(c)}
			}
			ref, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(ref, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		return f.Write(w)
	case FormatJSON:
		if assets == nil {
			assets = []*Asset{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(assets)
	case FormatYAML:
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(map[string]any{"assets": assets}); err != nil {
			return err
		}
		return enc.Close()
	}
	return errorf("inventory.err.format", opts.Format, strings.Join(Formats, ", "))
}

// --- reading import files ---------------------------------------------------

// Record is one asset read from an import file.
type Record struct {
	// Row is the spreadsheet row (the header is row 1) or, for JSON/YAML,
	// the item number (first is 1).
	Row int
	// Line is the line in a JSON/YAML file (0 for spreadsheets).
	Line int
	Name string
	// Fields are what the row gives, as assignments (values normalised).
	Fields []Assignment
	// Problems found in the row; a record with problems is not imported.
	Problems []Problem
	// Sensitive is what the row brings in that makes hcops use a secret,
	// read a local file or run something (PlanImport fills it for new and
	// changed assets); such a row needs the engineer's explicit consent.
	Sensitive []Sensitive
	// port holds an ambiguous "port" column until the kind is known.
	port string
}

// ReadResult is what ReadRecords found.
type ReadResult struct {
	Records  []*Record
	Encoding string   // for CSV: utf-8, utf-8-bom, utf-16, gb18030
	Ignored  []string // headers of columns not imported
}

// ReadRecords reads an import file. Problems with single rows are kept on the
// records; an error means the file as a whole cannot be read.
func ReadRecords(r io.Reader, name, format string) (*ReadResult, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch format {
	case FormatCSV:
		return readCSV(name, data)
	case FormatXLSX:
		// A register is a few MB; refuse zip bombs rather than unpack GBs.
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 512 << 20, UnzipXMLSizeLimit: 128 << 20})
		if err != nil {
			return nil, errorf("inventory.err.not_xlsx", name, err.Error())
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errorf("inventory.err.no_sheet", name)
		}
		sheet := sheets[0]
		for _, s := range sheets {
			if ls := strings.ToLower(s); ls == "assets" || s == "资产" || s == "资产台账" {
				sheet = s
				break
			}
		}
		rows, err := f.GetRows(sheet)
		if err != nil {
			return nil, fmt.Errorf("%s: sheet %s: %w", name, sheet, err)
		}
		return readTable(name, rows, "")
	case FormatJSON, FormatYAML:
		return readStructured(name, data)
	}
	return nil, errorf("inventory.err.format", format, strings.Join(Formats, ", "))
}

// decodeText turns CSV bytes into UTF-8: a BOM decides; else valid UTF-8 is
// taken as is; else the file is read as GB18030 (a superset of GBK, what
// Excel and WPS write on Chinese Windows).
func decodeText(data []byte) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], "utf-8-bom", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(data)
		return out, "utf-16", err
	case utf8.Valid(data):
		return data, "utf-8", nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) {
		return nil, "", errorf("inventory.err.encoding")
	}
	return out, "gb18030", nil
}

func readCSV(name string, data []byte) (*ReadResult, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = sniffDelimiter(text)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		rows = append(rows, rec)
	}
	res, err := readTable(name, rows, enc)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// sniffDelimiter picks comma, semicolon or tab from the header line.
func sniffDelimiter(text []byte) rune {
	line, _, _ := bytes.Cut(text, []byte("\n"))
	best, n := ',', bytes.Count(line, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if c := bytes.Count(line, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

// readTable turns spreadsheet rows (header first) into records.
func readTable(name string, rows [][]string, enc string) (*ReadResult, error) {
	res := &ReadResult{Encoding: enc}
	// The header is the first non-empty row.
	start := 0
	for start < len(rows) && emptyRow(rows[start]) {
		start++
	}
	if start == len(rows) {
		return res, nil
	}
	header := rows[start]
	keys := make([]string, len(header))
	nameCol := -1
	seen := map[string]int{}
	for i, h := range header {
		k, ok := headerIndex[normHeader(h)]
		switch {
		case strings.TrimSpace(h) == "" || ignoredHeaders[normHeader(h)]:
			continue
		case !ok:
			res.Ignored = append(res.Ignored, strings.TrimSpace(h))
			continue
		}
		if prev, dup := seen[k]; dup {
			return nil, errorf("inventory.err.dup_columns", name, prev+1, i+1, header[prev], h, k)
		}
		seen[k] = i
		keys[i] = k
		if k == "name" {
			nameCol = i
		}
	}
	if nameCol < 0 {
		return nil, errorf("inventory.err.no_name_column", name, strings.Join(header, ","))
	}
	_, hasSSHPort := seen["ssh_port"]
	_, hasServicePort := seen["service_port"]
	for i := start + 1; i < len(rows); i++ {
		row := rows[i]
		if emptyRow(row) {
			continue
		}
		rec := &Record{Row: i + 1}
		for j, cell := range row {
			if j >= len(keys) || keys[j] == "" {
				continue
			}
			v := Unneutralize(strings.TrimSpace(cell))
			if v == "" {
				continue
			}
			if keys[j] == portColumn && (hasSSHPort || hasServicePort) {
				// With explicit columns, a plain "port" is the one missing.
				if hasSSHPort {
					rec.addCell("service_port", v)
				} else {
					rec.addCell("ssh_port", v)
				}
				continue
			}
			rec.addCell(keys[j], v)
		}
		res.Records = append(res.Records, rec)
	}
	return res, nil
}

func emptyRow(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Value maps for generous imports of what people type in spreadsheets.
var (
	kindWords = map[string]string{
		"主机": KindHost, "服务器": KindHost, "云主机": KindHost, "虚拟机": KindHost, "物理机": KindHost, "裸金属": KindHost, "server": KindHost, "vm": KindHost,
		"数据库": KindDatabase, "云数据库": KindDatabase, "db": KindDatabase,
		"一体机": KindAppliance, "数据库一体机": KindAppliance,
		"网络设备": KindNetworkDevice, "交换机": KindNetworkDevice, "路由器": KindNetworkDevice, "switch": KindNetworkDevice, "router": KindNetworkDevice,
		"安全设备": KindSecurityDevice, "防火墙": KindSecurityDevice, "firewall": KindSecurityDevice, "waf": KindSecurityDevice,
		"中间件": KindMiddleware, "应用": KindApplication, "应用系统": KindApplication,
		"链路": KindLink, "专线": KindLink, "存储": KindStorage, "云服务": KindCloudService,
	}
	critWords = map[string]string{
		"核心": CriticalityCore, "重要": CriticalityCore, "是": CriticalityCore, "高": CriticalityCore,
		"非核心": CriticalityNonCore, "一般": CriticalityNonCore, "否": CriticalityNonCore, "普通": CriticalityNonCore, "noncore": CriticalityNonCore, "non_core": CriticalityNonCore,
	}
	zoneWords = map[string]string{
		"卫生专网": "intranet", "专网": "intranet", "内网": "intranet", "政务外网": "intranet",
		"互联网": "internet", "外网": "internet", "互联网区": "internet",
	}
)

func (r *Record) bad(key string, args ...any) {
	r.Problems = append(r.Problems, problem(Pos{}, key, args...))
}

func (r *Record) set(path, value string) {
	r.Fields = append(r.Fields, Assignment{Path: path, Op: "=", Value: value})
}

// addCell reads one cell of column key into the record, checking it.
func (r *Record) addCell(key, v string) {
	switch key {
	case "name":
		r.Name = v
		if !validName(v) {
			r.bad("inventory.import.bad_name", v)
		}
		return
	case portColumn:
		r.port = v
		return
	case "labels":
		if strings.HasPrefix(v, "{") {
			var m map[string]string
			if err := yaml.Unmarshal([]byte(v), &m); err != nil {
				r.bad("inventory.import.bad_json", key, err.Error())
				return
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if !labelKeyRE.MatchString(k) {
					r.bad("inventory.import.bad_label", k)
					continue
				}
				r.set("labels."+k, m[k])
			}
			return
		}
		for _, kv := range strings.FieldsFunc(v, func(c rune) bool { return c == ';' || c == ',' || c == '；' || c == '，' || c == '\n' }) {
			k, val, ok := strings.Cut(kv, "=")
			if !ok {
				k, val, ok = strings.Cut(kv, ":")
			}
			k, val = strings.TrimSpace(k), strings.TrimSpace(val)
			if !ok || !labelKeyRE.MatchString(k) {
				r.bad("inventory.import.bad_label", kv)
				continue
			}
			r.set("labels."+k, val)
		}
		return
	case "password_ref", "passphrase_ref":
		base := "connection.password"
		if key == "passphrase_ref" {
			base = "connection.passphrase"
		}
		switch {
		case strings.HasPrefix(v, "env:") && len(v) > 4:
			r.set(base+".env", strings.TrimPrefix(v, "env:"))
		case strings.HasPrefix(v, "file:") && len(v) > 5:
			r.set(base+".file", strings.TrimPrefix(v, "file:"))
		case strings.HasPrefix(v, "vault:") && len(v) > 6:
			r.set(base+".vault", strings.TrimPrefix(v, "vault:"))
		default:
			r.bad("inventory.import.bad_secret", key)
		}
		return
	}
	c := columnByKey(key)
	if c == nil || c.path == "" {
		return
	}
	typ, _ := FieldTypeOf(c.path)
	switch c.path {
	case "kind":
		if k, ok := kindWords[strings.ToLower(v)]; ok {
			v = k
		}
		v = strings.ToLower(v)
		if !slices.Contains(Kinds, v) {
			r.bad("inventory.problem.bad_kind", v)
			return
		}
	case "criticality":
		if k, ok := critWords[strings.ToLower(strings.ReplaceAll(v, "-", ""))]; ok {
			v = k
		} else if k, ok := critWords[strings.ToLower(v)]; ok {
			v = k
		}
		if v != CriticalityCore && v != CriticalityNonCore {
			r.bad("inventory.problem.bad_criticality", v)
			return
		}
	case "zone":
		if z, ok := zoneWords[v]; ok {
			v = z
		}
	case "address":
		if !ValidAddress(v) {
			r.bad("inventory.problem.bad_address", v)
			return
		}
	case "groups":
		gs := splitList(v)
		for _, g := range gs {
			if !validName(g) {
				r.bad("inventory.import.bad_group", g)
				return
			}
		}
		v = strings.Join(gs, ",")
	case "connection.via":
		if !validName(v) {
			r.bad("inventory.import.bad_name", v)
			return
		}
	case "connection.transport":
		if v != TransportSSH && v != TransportLocal && v != TransportNone {
			r.bad("inventory.problem.bad_transport", v)
			return
		}
	}
	switch typ {
	case FieldInt:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			r.bad("inventory.import.bad_port", v)
			return
		}
		v = strconv.Itoa(n)
	case FieldBool:
		b, ok := parseBool(v)
		if !ok {
			r.bad("inventory.import.bad_bool", key, v)
			return
		}
		v = strconv.FormatBool(b)
		if c.path == "connection.become" && !b {
			// Export leaves become empty when false; reading "false" back
			// must not count as a change.
			return
		}
	case FieldJSON:
		norm, err := normJSON(c.path, v)
		if err != nil {
			r.bad("inventory.import.bad_json", key, err.Error())
			return
		}
		v = norm
		if c.path == "database" {
			var d Database
			if json.Unmarshal([]byte(v), &d) == nil && d.TLS != "" && !slices.Contains(DBTLSModes, d.TLS) {
				r.bad("inventory.problem.bad_db_tls", d.TLS)
				return
			}
		}
	}
	r.set(c.path, v)
}

// normJSON checks a JSON (or YAML) cell against the field's type, strictly,
// and returns it in canonical compact JSON.
func normJSON(path, v string) (string, error) {
	var target any
	switch path {
	case "endpoints":
		target = &[]Endpoint{}
	case "database":
		target = &Database{}
	case "checks":
		target = &map[string]CheckOverride{}
	default:
		return "", fmt.Errorf("%s is not a JSON field", path)
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(v), &n); err != nil || len(n.Content) == 0 {
		return "", fmt.Errorf("cannot read %q", v)
	}
	var probs []Problem
	if decodeInto("", n.Content[0], target, &probs) > 0 {
		return "", errors.New(probs[0].Message)
	}
	return jsonText(target), nil
}

// readStructured reads JSON or YAML: a list of assets, or {assets: [...]}.
func readStructured(name string, data []byte) (*ReadResult, error) {
	res := &ReadResult{}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		ps := yamlSyntaxProblems(name, data, err)
		return nil, errors.New(ps[0].String())
	}
	if len(root.Content) == 0 {
		return res, nil
	}
	n := root.Content[0]
	if n.Kind == yaml.MappingNode {
		n = lookup(n, "assets")
		if n == nil {
			return nil, errorf("inventory.err.want_assets", name)
		}
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errorf("inventory.err.want_assets_at", name, n.Line)
	}
	for i, item := range n.Content {
		rec := &Record{Row: i + 1, Line: item.Line}
		var a Asset
		var probs []Problem
		if decodeInto(name, item, &a, &probs) > 0 {
			for _, p := range probs {
				p.Pos = Pos{}
				if p.Hint != "" {
					p.Message += " (" + p.Hint + ")"
				}
				p.Key, p.HintKey, p.Hint = "", "", ""
				rec.Problems = append(rec.Problems, p)
			}
			res.Records = append(res.Records, rec)
			continue
		}
		for _, c := range columns {
			v := cellOf(&a, c.key)
			if c.key == "name" {
				rec.Name = v
				if !validName(v) {
					rec.bad("inventory.import.bad_name", v)
				}
				continue
			}
			if v != "" {
				rec.addCell(c.key, v)
			}
		}
		res.Records = append(res.Records, rec)
	}
	return res, nil
}
