package inventory

import (
	"net/netip"
	"os"
	"slices"
	"testing"
)

// The example inventory in examples/site must load cleanly and model the
// site: the 11 application systems with names in both languages and SLA
// deadlines, both zones, and documentation addresses only.
func TestExampleSite(t *testing.T) {
	inv := mustLoad(t, "../../examples/site")
	apps := []string{"ecg", "epi", "cost", "asset-mgmt", "dispatch-120", "rhis", "pacs", "emr-prehospital", "collab", "oa", "idt"}
	for _, name := range apps {
		s := inv.System(name)
		if s == nil {
			t.Errorf("system %s missing", name)
			continue
		}
		if s.NameZH == "" || s.NameEN == "" || s.Criticality == "" || s.SLA.General.Fix == "" {
			t.Errorf("system %s lacks names, criticality or SLA: %+v", name, s)
		}
		if len(inv.SystemMembers(name)) == 0 {
			t.Errorf("system %s has no assets", name)
		}
	}
	if s := inv.System("db-appliance"); s == nil || s.SLA.Urgent.Fix != "1h" || s.SLA.Urgent.Respond != "20m" {
		t.Errorf("appliance deadlines (AP2): %+v", s)
	}
	if s := inv.System("local-dc"); s == nil || s.SLA.Urgent.Respond != "15m" || s.SLA.General.Fix != "8h" {
		t.Errorf("local data centre deadlines (DC3): %+v", s)
	}
	zones := map[string]bool{}
	kinds := map[string]bool{}
	doc := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}
	for _, a := range inv.Assets {
		zones[a.Zone] = true
		kinds[a.Kind] = true
		if a.Address == "" {
			continue
		}
		ip, err := netip.ParseAddr(a.Address)
		if err != nil || !slices.ContainsFunc(doc, func(p netip.Prefix) bool { return p.Contains(ip) }) {
			t.Errorf("%s: %s is not a documentation address", a.Name, a.Address)
		}
	}
	if !zones["intranet"] || !zones["internet"] {
		t.Errorf("zones %v", zones)
	}
	for _, k := range []string{KindHost, KindDatabase, KindAppliance, KindNetworkDevice, KindSecurityDevice, KindLink, KindStorage, KindMiddleware} {
		if !kinds[k] {
			t.Errorf("no asset of kind %s", k)
		}
	}
	chain, err := inv.JumpChain(inv.Asset("pacs-app-01"))
	if err != nil || len(chain) != 1 || chain[0].Name != "bastion-01" {
		t.Errorf("cloud hosts go through the bastion: %v %v", names(chain), err)
	}
}

// The example spreadsheet imports as is, Chinese values mapped.
func TestExampleImportCSV(t *testing.T) {
	f, err := os.Open("../../examples/import/hosts-zh.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ReadRecords(f, "hosts-zh.csv", FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	inv, _ := LoadBytes("empty.yaml", nil)
	plan := inv.PlanImport(res.Records)
	if len(plan.Added) != 4 || len(plan.Bad) != 0 || len(res.Ignored) != 0 {
		t.Fatalf("added %d bad %d ignored %v", len(plan.Added), len(plan.Bad), res.Ignored)
	}
	if got := fieldsOf(plan.Added[2]); got["kind"] != KindDatabase || got["port"] != "3306" || got["zone"] != "intranet" || got["criticality"] != "core" {
		t.Errorf("lis-db-01: %v", got)
	}
}
