package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/iostreams"
)

// runHcops runs the command tree in-process with captured streams.
func runHcops(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		if _, silent := err.(*exitStatusError); !silent {
			errOut.WriteString(err.Error() + "\n")
		}
	}
	return out.String(), errOut.String(), exitCode(err)
}

// The spreadsheet an engineer gets from a hospital: saved by Excel/WPS on
// Chinese Windows as GB18030 (GBK) CSV with Chinese headers and values.
func TestInventoryImportGB18030CSV(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, ".data"))
	t.Setenv("HCOPS_INVENTORY", "")
	text := "序号,名称,IP地址,端口,用户,区域,分组,所属系统,类型,机房,负责人,重要性,标签,备注\r\n" +
		"1,ecg-app-01,192.0.2.31,22,运维,卫生专网,心电服务器,区域心电,云主机,,张工,核心,科室=心电科,三家中心医院共用\r\n" +
		"2,ecg-db-01,192.0.2.32,1433,,卫生专网,心电服务器,区域心电,数据库,A101,李工,一般,,SQL Server\r\n" +
		"3,ecg-ws-01,192.0.2.300,,,,,,,,,,,地址写错了\r\n"
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "心电资产.csv")
	if err := os.WriteFile(csvPath, gbk, 0o644); err != nil {
		t.Fatal(err)
	}
	invPath := filepath.Join(dir, "inv.yaml")
	if err := os.WriteFile(invPath, []byte("systems:\n  - name: ecg\n    name_zh: 区域心电\n    name_en: Regional ECG\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := runHcops(t, "--lang", "zh", "--inventory", invPath, "inventory", "import", csvPath, "--dry-run")
	if code != ExitUnknown {
		t.Errorf("dry run with a bad row: exit %d, want 3\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"+ 新增\tecg-app-01 (row 2)", "+ 新增\tecg-db-01 (row 3)", "! 错误\t第 4 行（ecg-ws-01）：地址 \"192.0.2.300\" 不是有效的", "新增 2，变更 0，未变 0，错误行 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "未导入任何内容") {
		t.Errorf("stderr: %s", errOut)
	}

	out, errOut, code = runHcops(t, "--inventory", invPath, "inventory", "import", csvPath, "--skip-invalid")
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	inv, err := inventory.Load(invPath)
	if err != nil {
		t.Fatal(err)
	}
	app := inv.Asset("ecg-app-01")
	if app == nil || app.System != "ecg" || app.Owner != "张工" || app.Criticality != "core" || app.Zone != "intranet" ||
		app.Connection.User != "运维" || app.Labels["科室"] != "心电科" || app.Notes != "三家中心医院共用" || app.Groups[0] != "心电服务器" {
		t.Errorf("ecg-app-01 = %+v", app)
	}
	db := inv.Asset("ecg-db-01")
	if db == nil || db.Kind != "database" || db.Port != 1433 || db.Criticality != "non-core" || db.Room != "A101" {
		t.Errorf("ecg-db-01 = %+v", db)
	}
	if inv.Asset("ecg-ws-01") != nil {
		t.Error("the bad row was imported")
	}
}

func TestInventoryHelpDocumentsExitStatus(t *testing.T) {
	for _, sub := range []string{"list", "show", "validate", "add", "set", "rm", "import", "export"} {
		out, _, code := runHcops(t, "inventory", sub, "--help")
		if code != 0 || !strings.Contains(out, "EXIT STATUS") || !strings.Contains(out, "Examples:") {
			t.Errorf("inventory %s --help lacks EXIT STATUS or examples (exit %d)", sub, code)
		}
	}
}

// BenchmarkInventoryList5000 runs `hcops inventory list` over a 5,000-asset
// inventory: load, validate, select, print (goal: < 200 ms).
func BenchmarkInventoryList5000(b *testing.B) {
	dir := b.TempDir()
	b.Setenv("HOME", dir)
	b.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	var y strings.Builder
	y.WriteString("defaults:\n  zone: intranet\ngroups:\n  web: {site: dc-1}\nassets:\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&y, "  - name: host-%05d\n    address: 192.0.%d.%d\n    groups: [web]\n    labels: {rack: R%02d}\n", i, i/250, i%250+1, i%40)
	}
	path := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(path, []byte(y.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ios, _, out, _ := iostreams.Test()
		root := newRootCmd(ios)
		root.SetArgs([]string{"--inventory", path, "inventory", "list", "-l", "zone=intranet"})
		if err := root.ExecuteContext(context.Background()); err != nil {
			b.Fatal(err)
		}
		if n := strings.Count(out.String(), "\n"); n != 5001 {
			b.Fatalf("%d lines", n)
		}
	}
}

// BenchmarkInventoryImportCSV5000 runs `hcops inventory import` of a
// 5,000-asset CSV into a new inventory file (goal: < 1 s).
func BenchmarkInventoryImportCSV5000(b *testing.B) {
	dir := b.TempDir()
	b.Setenv("HOME", dir)
	b.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	var c strings.Builder
	c.WriteString("name,address,port,user,zone,group\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&c, "host-%05d,192.0.%d.%d,22,ops,intranet,group-%02d\n", i, i/250, i%250+1, i%20)
	}
	csvPath := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(csvPath, []byte(c.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inv := filepath.Join(dir, fmt.Sprintf("inv-%d.yaml", i))
		ios, _, _, _ := iostreams.Test()
		root := newRootCmd(ios)
		root.SetArgs([]string{"--inventory", inv, "-q", "inventory", "import", csvPath})
		if err := root.ExecuteContext(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// The README's example inventory passes `hcops inventory validate`.
func TestExampleSiteValidates(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	out, errOut, code := runHcops(t, "inventory", "validate", "--inventory", filepath.Join("..", "..", "examples", "site"))
	if code != 0 || !strings.Contains(out, "is valid: 47 assets, 13 systems, 10 groups in 5 file(s)") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}
