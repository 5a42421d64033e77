package inventory

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// {vault: NAME} references need review on import like env: and file:, in
// every form an import file can carry them.
func TestImportVaultRefsNeedReview(t *testing.T) {
	csv := "name,kind,address,password_ref,passphrase_ref,database\n" +
		"v-ssh,host,198.51.100.70,vault:legacy/sw,vault:keys/ops,\n" +
		`v-db,database,198.51.100.71,,,"{""engine"":""postgresql"",""user"":""mon"",""password"":{""vault"":""his-db""}}"` + "\n"
	inv, _ := LoadBytes("empty.yaml", nil)
	plan := inv.PlanImport(readRecords(t, []byte(csv), FormatCSV).Records)
	if len(plan.Bad) != 0 {
		t.Fatalf("bad: %v", plan.Bad)
	}
	want := map[string][]Sensitive{
		"v-ssh": {
			{Field: "connection.password", Value: "vault:legacy/sw", Kind: BringSecret},
			{Field: "connection.passphrase", Value: "vault:keys/ops", Kind: BringSecret},
		},
		"v-db": {{Field: "database.password", Value: "vault:his-db", Kind: BringSecret}},
	}
	if got := sensitiveByName(plan); !reflect.DeepEqual(got, want) {
		t.Errorf("CSV:\n got %v\nwant %v", got, want)
	}

	y := "assets:\n  - name: v-y\n    address: 198.51.100.72\n    connection: {password: {vault: legacy/sw}}\n"
	plan = inv.PlanImport(readRecords(t, []byte(y), FormatYAML).Records)
	want = map[string][]Sensitive{"v-y": {{Field: "connection.password", Value: "vault:legacy/sw", Kind: BringSecret}}}
	if got := sensitiveByName(plan); !reflect.DeepEqual(got, want) {
		t.Errorf("YAML:\n got %v\nwant %v", got, want)
	}
}

func TestSecretRefVault(t *testing.T) {
	defer func(r func(string) (string, error)) { VaultResolver = r }(VaultResolver)
	ref := SecretRef{Vault: "db/pacs"}
	if ref.IsZero() || ref.Sources() != 1 {
		t.Fatal("a vault reference is a reference")
	}
	VaultResolver = nil
	if _, err := ref.Resolve(); err == nil || !strings.Contains(err.Error(), "db/pacs") {
		t.Fatalf("no resolver: %v", err)
	}
	VaultResolver = func(name string) (string, error) {
		if name == "db/pacs" {
			return "s3cret", nil
		}
		return "", errors.New("no such secret")
	}
	if v, err := ref.Resolve(); err != nil || v != "s3cret" {
		t.Fatalf("Resolve = %q, %v", v, err)
	}
	if _, err := (SecretRef{Env: "HOME", Vault: "db/pacs"}).Resolve(); err == nil {
		t.Fatal("two sources resolved")
	}
}

func TestValidateVaultAndEnv(t *testing.T) {
	_, err := LoadBytes("inv.yaml", []byte("assets:\n  - name: a\n    address: 192.0.2.1\n    connection:\n      password: {env: X, vault: y}\n"))
	if err == nil || !strings.Contains(err.Error(), "inv.yaml:5:17: password may reference only one source (env, file or vault)") {
		t.Fatalf("err = %v", err)
	}
	inv, err := LoadBytes("inv.yaml", []byte("assets:\n  - name: a\n    address: 192.0.2.1\n    connection:\n      password: {vault: legacy/a}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := inv.Assets[0]; a.Connection.Password.Vault != "legacy/a" {
		t.Fatalf("%+v", a.Connection)
	}
}
