package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// The reproduction of issue #10 item 8: a spreadsheet puts a local file
// behind a database password next to an address of its choosing.
const hostileImportCSV = "name,kind,address,service_port,database,key_file\n" +
	`evil-db,database,198.51.100.66,5432,"{""engine"":""postgresql"",""user"":""x"",""password"":{""file"":""/etc/hostname""}}",` + "\n" +
	"web-01,host,192.0.2.11,,,\n" +
	"evil-ssh,host,198.51.100.67,,,/root/.ssh/id_ed25519\n"

func importEnv(t *testing.T) (dir, invPath, csvPath string) {
	t.Helper()
	dir = t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, ".data"))
	t.Setenv("HCOPS_INVENTORY", "")
	invPath = filepath.Join(dir, "inv.yaml")
	if err := os.WriteFile(invPath, []byte("assets:\n  - name: bastion\n    address: 192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	csvPath = filepath.Join(dir, "hostile.csv")
	if err := os.WriteFile(csvPath, []byte(hostileImportCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, invPath, csvPath
}

func TestInventoryImportRefusesSecrets(t *testing.T) {
	_, invPath, csvPath := importEnv(t)
	before, _ := os.ReadFile(invPath)

	// Refused without --allow-secrets: exit 3, every field named with the
	// file and row, nothing written (not even the harmless row, and not with
	// --skip-invalid either).
	for _, extra := range [][]string{nil, {"--skip-invalid"}} {
		out, errOut, code := runHcops(t, append([]string{"--inventory", invPath, "inventory", "import", csvPath}, extra...)...)
		if code != ExitUnknown {
			t.Fatalf("%v: exit %d, want 3\n%s%s", extra, code, out, errOut)
		}
		for _, want := range []string{
			"! " + csvPath + ": row 2 (evil-db): database.password = file:/etc/hostname is a secret reference",
			"! " + csvPath + ": row 4 (evil-ssh): connection.key_file = /root/.ssh/id_ed25519 is a key or certificate file on this machine",
			"nothing was imported: 2 row(s) bring in secret references",
			"--allow-secrets",
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", extra, want, errOut)
			}
		}
		if after, _ := os.ReadFile(invPath); string(after) != string(before) {
			t.Fatalf("%v: the inventory was written:\n%s", extra, after)
		}
	}

	// In Chinese.
	_, errOut, code := runHcops(t, "--lang", "zh", "--inventory", invPath, "inventory", "import", csvPath)
	if code != ExitUnknown || !strings.Contains(errOut, csvPath+" 第 2 行（evil-db）：database.password = file:/etc/hostname，属于密码引用") ||
		!strings.Contains(errOut, "未导入任何内容") {
		t.Errorf("zh: exit %d\n%s", code, errOut)
	}

	// The dry run shows what each new asset brings in, and exits 3 as the
	// import would.
	out, errOut, code := runHcops(t, "--inventory", invPath, "inventory", "import", csvPath, "--dry-run")
	if code != ExitUnknown {
		t.Errorf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"+ added\tevil-db (row 2)\n    review: a secret reference (a password or passphrase this machine reads and sends to the asset): database.password = file:/etc/hostname\n",
		"+ added\tweb-01 (row 3)\n+ added",
		"+ added\tevil-ssh (row 4)\n    review: a key or certificate file on this machine: connection.key_file = /root/.ssh/id_ed25519\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}

	// -o json: the same, for scripts.
	out, _, _ = runHcops(t, "--inventory", invPath, "-o", "json", "inventory", "import", csvPath, "--dry-run")
	var res struct {
		Refused bool `json:"refused"`
		Added   []struct {
			Name      string                `json:"name"`
			Sensitive []inventory.Sensitive `json:"sensitive"`
		} `json:"added"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !res.Refused || len(res.Added) != 3 || len(res.Added[0].Sensitive) != 1 || res.Added[0].Sensitive[0].Kind != inventory.BringSecret || res.Added[1].Sensitive != nil {
		t.Errorf("json: %+v", res)
	}

	// With --allow-secrets: the dry run still lists them and passes; the
	// import writes them.
	out, errOut, code = runHcops(t, "--inventory", invPath, "inventory", "import", csvPath, "--dry-run", "--allow-secrets")
	if code != 0 || !strings.Contains(out, "review: a secret reference") {
		t.Errorf("dry run --allow-secrets: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runHcops(t, "--inventory", invPath, "inventory", "import", csvPath, "--allow-secrets")
	if code != 0 || !strings.Contains(out, "review: a key or certificate file") {
		t.Fatalf("import --allow-secrets: exit %d\n%s%s", code, out, errOut)
	}
	inv, err := inventory.Load(invPath)
	if err != nil {
		t.Fatal(err)
	}
	if a := inv.Asset("evil-db"); a == nil || a.Database == nil || a.Database.Password.File != "/etc/hostname" {
		t.Errorf("evil-db = %+v", a)
	}
}

// Changing an existing database asset's address is refused when it would
// send the asset's password somewhere new.
func TestInventoryImportRefusesRedirectingAPassword(t *testing.T) {
	dir, invPath, _ := importEnv(t)
	if err := os.WriteFile(invPath, []byte("assets:\n  - name: his-db-01\n    kind: database\n    address: 192.0.2.161\n    database: {engine: postgresql, user: mon, password: {env: HIS_DB_PW}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "move.csv")
	os.WriteFile(csvPath, []byte("名称,IP地址\nhis-db-01,198.51.100.66\n"), 0o644)
	out, errOut, code := runHcops(t, "--inventory", invPath, "inventory", "import", csvPath)
	if code != ExitUnknown || !strings.Contains(errOut, "row 2 (his-db-01): address = 192.0.2.161 -> 198.51.100.66 is a new destination for the asset's password") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestInventoryImportHelpDocumentsAllowSecrets(t *testing.T) {
	out, _, _ := runHcops(t, "inventory", "import", "--help")
	for _, want := range []string{"--allow-secrets", "SECRETS AND LOCAL FILES", "review:"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
