package inventory

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BigCSV returns a CSV of n assets in the plain layout people send
// (name,address,port,user,zone,group plus system and labels).
func bigCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("name,address,port,user,zone,group,system,labels\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "host-%05d,192.0.%d.%d,22,ops,intranet,group-%02d,sys-%d,rack=R%02d;app=a%d\n",
			i, i/250, i%250+1, i%20, i%11, i%40, i%7)
	}
	return []byte(b.String())
}

// bigInventory returns the YAML of an inventory with n assets.
func bigInventory(n int) []byte {
	var b strings.Builder
	b.WriteString("defaults:\n  zone: intranet\n  connection: {user: ops}\ngroups:\n")
	for g := 0; g < 20; g++ {
		fmt.Fprintf(&b, "  group-%02d: {site: dc-%d}\n", g, g%3)
	}
	b.WriteString("systems:\n")
	for s := 0; s < 11; s++ {
		fmt.Fprintf(&b, "  - {name: sys-%d, criticality: core}\n", s)
	}
	b.WriteString("assets:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: host-%05d\n    address: 192.0.%d.%d\n    groups: [group-%02d]\n    system: sys-%d\n    labels: {rack: R%02d}\n",
			i, i/250, i%250+1, i%20, i%11, i%40)
	}
	return []byte(b.String())
}

// BenchmarkImportCSV5000 imports a 5,000-asset CSV into a new inventory
// file: read, check every row, plan, write, validate (goal: < 1 s).
func BenchmarkImportCSV5000(b *testing.B) {
	data := bigCSV(5000)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		path := filepath.Join(dir, fmt.Sprintf("inv-%d.yaml", i))
		res, err := ReadRecords(bytes.NewReader(data), "big.csv", FormatCSV)
		if err != nil {
			b.Fatal(err)
		}
		inv, err := LoadOrNew(path)
		if err != nil {
			b.Fatal(err)
		}
		plan := inv.PlanImport(res.Records)
		if len(plan.Added) != 5000 {
			b.Fatalf("added %d", len(plan.Added))
		}
		ed := inv.Editor()
		if err := ed.ApplyImport(plan, ""); err != nil {
			b.Fatal(err)
		}
		got, err := ed.Commit()
		if err != nil {
			b.Fatal(err)
		}
		if len(got.Assets) != 5000 {
			b.Fatalf("%d assets", len(got.Assets))
		}
		os.Remove(path)
	}
}

// BenchmarkLoad5000 loads and validates a 5,000-asset inventory.
func BenchmarkLoad5000(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.yaml")
	if err := os.WriteFile(path, bigInventory(5000), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inv, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Assets) != 5000 {
			b.Fatal(len(inv.Assets))
		}
	}
}

// BenchmarkSelect5000 runs a label and field selector over 5,000 assets.
func BenchmarkSelect5000(b *testing.B) {
	inv, err := LoadBytes("big.yaml", bigInventory(5000))
	if err != nil {
		b.Fatal(err)
	}
	sel, _ := ParseSelector([]string{"host-0*"}, nil, "zone=intranet,system in (sys-1,sys-2),rack!=R01")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(inv.Select(sel)) == 0 {
			b.Fatal("nothing selected")
		}
	}
}

// BenchmarkExportCSV5000 exports 5,000 assets as CSV.
func BenchmarkExportCSV5000(b *testing.B) {
	inv, err := LoadBytes("big.yaml", bigInventory(5000))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Export(io.Discard, inv.Assets, ExportOptions{Format: FormatCSV}); err != nil {
			b.Fatal(err)
		}
	}
}
