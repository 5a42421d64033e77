package inventory

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// A hostile spreadsheet: each row tries another way to make hcops read a
// local file, send a password, or run something here.
const hostileCSV = "name,kind,address,service_port,password_ref,key_file,transport,database,checks\n" +
	`evil-db,database,198.51.100.66,5432,,,,"{""engine"":""postgresql"",""user"":""x"",""password"":{""file"":""/etc/hostname""}}",` + "\n" +
	"evil-ssh,host,198.51.100.67,,file:/root/.ssh/id_rsa.pw,/root/.ssh/id_rsa,,,\n" +
	`evil-chk,host,198.51.100.68,,,,,,"{""db-log"":{""params"":{""error_log"":""/etc/shadow""}},""disk"":{""disabled"":true}}"` + "\n" +
	"evil-local,host,,,,,local,,\n" +
	`evil-plain,database,198.51.100.69,3306,,,,"{""engine"":""mysql"",""password"":{""env"":""HIS_DB_PW""},""tls"":""disable""}",` + "\n" +
	"harmless,host,192.0.2.10,,,,,,\n"

func sensitiveByName(p *ImportPlan) map[string][]Sensitive {
	m := map[string][]Sensitive{}
	for _, r := range p.Sensitive() {
		m[r.Name] = r.Sensitive
	}
	return m
}

func TestImportHostileCSVListsWhatItBrings(t *testing.T) {
	inv, _ := LoadBytes("empty.yaml", nil)
	plan := inv.PlanImport(readRecords(t, []byte(hostileCSV), FormatCSV).Records)
	if len(plan.Bad) != 0 || len(plan.Added) != 6 {
		t.Fatalf("added %d, bad %v", len(plan.Added), plan.Bad)
	}
	got := sensitiveByName(plan)
	want := map[string][]Sensitive{
		"evil-db": {{Field: "database.password", Value: "file:/etc/hostname", Kind: BringSecret}},
		"evil-ssh": {
			{Field: "connection.password", Value: "file:/root/.ssh/id_rsa.pw", Kind: BringSecret},
			{Field: "connection.key_file", Value: "/root/.ssh/id_rsa", Kind: BringKeyFile},
		},
		"evil-chk": {
			{Field: "checks.db-log.params.error_log", Value: "/etc/shadow", Kind: BringCheck},
			{Field: "checks.disk.disabled", Value: "true", Kind: BringCheck},
		},
		"evil-local": {{Field: "connection.transport", Value: "local", Kind: BringLocal}},
		"evil-plain": {
			{Field: "database.password", Value: "env:HIS_DB_PW", Kind: BringSecret},
			{Field: "database.tls", Value: "disable", Kind: BringPlaintext},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sensitive:\n got %v\nwant %v", got, want)
	}
	rows := map[string]int{}
	for _, r := range plan.Sensitive() {
		rows[r.Name] = r.Row
	}
	if rows["evil-db"] != 2 || rows["evil-plain"] != 6 {
		t.Errorf("rows %v: the refusal must name the spreadsheet row", rows)
	}
}

// The same in an XLSX workbook: cells are strings, the JSON columns too.
func TestImportHostileXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"名称", "类型", "IP地址", "密码引用", "数据库", "检查项覆盖"},
		{"evil-db", "数据库", "198.51.100.66", "", `{"engine":"postgresql","password":{"file":"/etc/hostname"}}`, ""},
		{"evil-cmd", "主机", "198.51.100.67", "env:HOME", "", `{"command":{"params":{"cmd":"cat /etc/shadow"}}}`},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	inv, _ := LoadBytes("empty.yaml", nil)
	plan := inv.PlanImport(readRecords(t, buf.Bytes(), FormatXLSX).Records)
	got := sensitiveByName(plan)
	want := map[string][]Sensitive{
		"evil-db": {{Field: "database.password", Value: "file:/etc/hostname", Kind: BringSecret}},
		"evil-cmd": {
			{Field: "connection.password", Value: "env:HOME", Kind: BringSecret},
			{Field: "checks.command.params.cmd", Value: "cat /etc/shadow", Kind: BringCheck},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sensitive:\n got %v\nwant %v", got, want)
	}
	if r := plan.Sensitive()[1]; r.Row != 3 {
		t.Errorf("evil-cmd is row %d, want 3", r.Row)
	}
}

// JSON and YAML imports name the line of the asset.
func TestImportHostileYAMLNamesLine(t *testing.T) {
	y := "assets:\n" +
		"  - name: ok-01\n    address: 192.0.2.1\n" +
		"  - name: evil-01\n    kind: database\n    address: 198.51.100.1\n" +
		"    database: {engine: postgresql, password: {file: /etc/hostname}}\n" +
		"    endpoints: [{url: 'https://198.51.100.1/', ca_file: /etc/ssl/private/site.key}]\n"
	inv, _ := LoadBytes("empty.yaml", nil)
	plan := inv.PlanImport(readRecords(t, []byte(y), FormatYAML).Records)
	s := plan.Sensitive()
	if len(s) != 1 || s[0].Name != "evil-01" || s[0].Line != 4 {
		t.Fatalf("sensitive records %+v", s)
	}
	want := []Sensitive{
		{Field: "endpoints[0].ca_file", Value: "/etc/ssl/private/site.key", Kind: BringKeyFile},
		{Field: "database.password", Value: "file:/etc/hostname", Kind: BringSecret},
	}
	if !reflect.DeepEqual(s[0].Sensitive, want) {
		t.Errorf("got %v, want %v", s[0].Sensitive, want)
	}
}

// Changes are judged against the asset as it is: a reference it already
// has is not news, a new address for an asset that sends a password is.
func TestImportChangesSensitive(t *testing.T) {
	inv, err := LoadBytes("inv.yaml", []byte(`assets:
  - name: his-db-01
    kind: database
    address: 192.0.2.161
    database: {engine: postgresql, user: mon, password: {env: HIS_DB_PW}, tls: require}
  - name: web-01
    address: 192.0.2.11
`))
	if err != nil {
		t.Fatal(err)
	}
	csv := "name,address,database,notes\n" +
		`his-db-01,192.0.2.161,"{""engine"":""postgresql"",""user"":""mon"",""password"":{""env"":""HIS_DB_PW""},""tls"":""require"",""role"":""primary""}",primary` + "\n" +
		"web-01,198.51.100.11,,moved\n"
	plan := inv.PlanImport(readRecords(t, []byte(csv), FormatCSV).Records)
	if len(plan.Changed) != 2 || len(plan.Sensitive()) != 0 {
		t.Fatalf("same reference, and a new address for an asset without a password: nothing to review; got %v", sensitiveByName(plan))
	}
	csv = "name,address,service_port,database\n" +
		`his-db-01,198.51.100.66,15432,"{""engine"":""postgresql"",""user"":""mon"",""password"":{""env"":""HIS_DB_PW""},""tls"":""prefer""}"` + "\n"
	plan = inv.PlanImport(readRecords(t, []byte(csv), FormatCSV).Records)
	want := map[string][]Sensitive{"his-db-01": {
		{Field: "database.tls", Value: "prefer", Kind: BringPlaintext},
		{Field: "address", Value: "192.0.2.161 -> 198.51.100.66", Kind: BringRedirect},
		{Field: "port", Value: " -> 15432", Kind: BringRedirect},
	}}
	got := sensitiveByName(plan)
	slices.SortFunc(got["his-db-01"], func(a, b Sensitive) int { return strings.Compare(a.Kind+a.Field, b.Kind+b.Field) })
	slices.SortFunc(want["his-db-01"], func(a, b Sensitive) int { return strings.Compare(a.Kind+a.Field, b.Kind+b.Field) })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if c := plan.Changed[0]; !reflect.DeepEqual(c.Sensitive, c.Record.Sensitive) {
		t.Error("Change.Sensitive differs from its record's")
	}
}

// Export then import into the same inventory brings nothing in, secrets or
// not: every row is unchanged.
func TestImportRoundTripNothingToReview(t *testing.T) {
	inv := mustLoad(t, "../../examples/site")
	var buf bytes.Buffer
	if err := Export(&buf, inv.Assets, ExportOptions{Format: FormatCSV}); err != nil {
		t.Fatal(err)
	}
	plan := inv.PlanImport(readRecords(t, buf.Bytes(), FormatCSV).Records)
	if len(plan.Sensitive()) != 0 || len(plan.Changed) != 0 || len(plan.Added) != 0 {
		t.Errorf("round trip: added %d changed %d sensitive %d", len(plan.Added), len(plan.Changed), len(plan.Sensitive()))
	}
}

func TestImportBadDatabaseTLS(t *testing.T) {
	csv := "name,kind,address,database\n" + `db-01,database,192.0.2.5,"{""engine"":""mysql"",""tls"":""skip-verify""}"` + "\n"
	inv, _ := LoadBytes("empty.yaml", nil)
	plan := inv.PlanImport(readRecords(t, []byte(csv), FormatCSV).Records)
	if len(plan.Bad) != 1 || !strings.Contains(plan.Bad[0].Problems[0].String(), `unknown database TLS mode "skip-verify"`) {
		t.Errorf("bad %+v", plan.Bad)
	}
}

// sensitivePaths are the record fields that always need review.
var sensitivePaths = []string{"connection.password.env", "connection.password.file", "connection.passphrase.env",
	"connection.passphrase.file", "connection.key_file", "checks"}

// FuzzImportCSV: any bytes read as a CSV import never panic, and every new
// row that carries a secret reference, key file or check setting is among
// the rows to review, named by its row.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte(hostileCSV))
	f.Add([]byte("名称,IP地址,端口,密码引用,密钥文件\nweb-01,192.0.2.1,22,file:/etc/hostname,/root/.ssh/id_rsa\n"))
	f.Add([]byte("name;address;checks\nx;192.0.2.1;\"{\"\"a\"\":{\"\"params\"\":{\"\"p\"\":1}}}\"\n"))
	f.Add([]byte("\ufeffname\tpassphrase_ref\tdatabase\nk\tenv:X\t{engine: mysql, password: {file: /x}, tls: prefer}\n"))
	f.Add([]byte("name,address,via,port,service_port\na,192.0.2.1,b,22,5432\nb,192.0.2.2,,,\n"))
	inv, err := LoadBytes("inv.yaml", []byte("assets:\n  - name: db\n    kind: database\n    address: 192.0.2.9\n    database: {engine: postgresql, password: {env: PW}}\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("HANG on %q", data)) })
		defer watchdog.Stop()
		res, err := ReadRecords(bytes.NewReader(data), "fuzz.csv", FormatCSV)
		if err != nil {
			return
		}
		plan := inv.PlanImport(res.Records)
		review := map[*Record]bool{}
		for _, r := range plan.Sensitive() {
			if r.Row < 2 || r.Name == "" || len(r.Sensitive) == 0 {
				t.Fatalf("refused row not named: row %d name %q %v", r.Row, r.Name, r.Sensitive)
			}
			for _, s := range r.Sensitive {
				if s.Field == "" || s.Kind == "" {
					t.Fatalf("row %d: unnamed field %+v", r.Row, s)
				}
			}
			review[r] = true
		}
		for _, r := range plan.Added {
			for _, f := range r.Fields {
				if slices.Contains(sensitivePaths, f.Path) && f.Value != "{}" && !review[r] {
					t.Fatalf("row %d (%s) brings %s=%s without review", r.Row, r.Name, f.Path, f.Value)
				}
			}
		}
		for _, r := range plan.Bad {
			if len(r.Problems) == 0 {
				t.Fatalf("bad row %d without a problem", r.Row)
			}
		}
	})
}
