package inventory

import (
	"reflect"
	"strings"
	"testing"
)

func TestSelector(t *testing.T) {
	inv := mustLoad(t, "testdata/valid.yaml")
	cases := []struct {
		globs, groups []string
		expr          string
		want          []string
	}{
		{nil, nil, "", []string{"bastion-01", "pacs-app-01", "pacs-db-01", "oa-web-01"}},
		{[]string{"pacs-*"}, nil, "", []string{"pacs-app-01", "pacs-db-01"}},
		{[]string{"oa-*", "bastion-??"}, nil, "", []string{"bastion-01", "oa-web-01"}},
		{nil, []string{"dmz"}, "", []string{"oa-web-01"}},
		{nil, []string{"dmz,pacs-servers"}, "", []string{"pacs-app-01", "pacs-db-01", "oa-web-01"}},
		{nil, nil, "zone=intranet,system=pacs", []string{"pacs-app-01", "pacs-db-01"}},
		{nil, nil, "zone==internet", []string{"bastion-01", "oa-web-01"}},
		{nil, nil, "kind!=host", []string{"pacs-db-01"}},
		{nil, nil, "kind in (database, host),criticality=core", []string{"pacs-app-01", "pacs-db-01"}},
		{nil, nil, "system notin (pacs)", []string{"bastion-01", "oa-web-01"}},
		{nil, nil, "role=app", []string{"pacs-app-01"}},
		{nil, nil, "labels.team=imaging,role!=app", []string{"pacs-db-01"}},
		{nil, nil, "role", []string{"pacs-app-01"}},
		{nil, nil, "!role,env=prod", []string{"bastion-01", "pacs-db-01", "oa-web-01"}},
		{nil, nil, "group=cloud-hosts", []string{"pacs-app-01", "pacs-db-01"}},
		{nil, nil, "group!=cloud-hosts", []string{"bastion-01", "oa-web-01"}},
		{nil, nil, "name=*-01,os.family=kylin", []string{"pacs-app-01"}},
		{nil, nil, "site=cloud,room=", []string{"pacs-app-01", "pacs-db-01"}},
		{nil, nil, "via=bastion-01", []string{"pacs-app-01", "pacs-db-01"}},
		{[]string{"pacs-*"}, []string{"cloud-hosts"}, "kind=database", []string{"pacs-db-01"}},
		{nil, nil, "zone=nowhere", nil},
	}
	for _, tc := range cases {
		sel, err := ParseSelector(tc.globs, tc.groups, tc.expr)
		if err != nil {
			t.Errorf("%v %v %q: %v", tc.globs, tc.groups, tc.expr, err)
			continue
		}
		got := names(inv.Select(sel))
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v %v %q selected %v, want %v", tc.globs, tc.groups, tc.expr, got, tc.want)
		}
		// String() must read back to the same selection.
		back, err := ParseExpr(sel.String())
		if err != nil {
			t.Errorf("String() %q does not parse: %v", sel.String(), err)
			continue
		}
		if got2 := names(inv.Select(back)); !reflect.DeepEqual(got2, names(inv.Select(sel))) {
			t.Errorf("String() %q selects %v, original %v", sel.String(), got2, got)
		}
	}
}

func TestSelectorString(t *testing.T) {
	sel, err := ParseSelector([]string{"web-*", "db-*"}, []string{"g1"}, "zone=intranet, kind in (host,database),!tmp")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sel.String(), "name in (web-*,db-*),group=g1,zone=intranet,kind in (host,database),!tmp"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var nilSel *Selector
	if nilSel.String() != "" || !nilSel.Empty() || !nilSel.Match(&Asset{Name: "x"}) {
		t.Error("nil selector must match everything")
	}
}

func TestSelectorErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"zone in (a":       "missing ')'",
		"zone in a,b)":     "unbalanced ')'",
		"=x":               "no key",
		"zone maybe (a)":   "expected 'key in (...)'",
		"zone in ()":       "empty list",
		"name=[web":        "bad pattern",
		"zone is intranet": "cannot read it",
		"zone=intranet,,":  "an empty requirement (a stray comma?)",
		",zone=intranet":   "an empty requirement",
		"zone=a, ,kind=b":  "an empty requirement",
		",":                "an empty requirement",
		"kind in (a,,b)":   "an empty value in the list",
		"kind in ( )":      "empty list",
		"zone intranet=x":  `invalid key "zone intranet"`,
	} {
		_, err := ParseExpr(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseExpr(%q) = %v, want error containing %q", expr, err, want)
		}
	}
	if _, err := ParseSelector([]string{"web-["}, nil, ""); err == nil {
		t.Error("bad glob accepted")
	}
}

// TestSelectorUnknownKeys: a key that is neither a field nor a label of any
// asset is named with the nearest known key; negative requirements are
// marked so the command can let "not in maintenance" through.
func TestSelectorUnknownKeys(t *testing.T) {
	inv := mustLoad(t, "testdata/valid.yaml")
	for _, tc := range []struct {
		expr string
		want []string // Err() texts
		pos  []bool
	}{
		{"zone=intranet,role=app,labels.team=imaging,os.family=kylin,group=dmz", nil, nil},
		{"zonee=intranet", []string{`selector key "zonee" is neither an asset field nor a label of any asset; did you mean "zone"?`}, []bool{true}},
		{"rol in (app)", []string{`did you mean "role"?`}, []bool{true}},
		{"labels.tema=imaging", []string{`did you mean "team"?`}, []bool{true}},
		{"!maintenance,colour", []string{`"maintenance" is neither an asset field nor a label of any asset (labels in this inventory: env, role, team)`, `"colour"`}, []bool{false, true}},
	} {
		sel, err := ParseExpr(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		got := inv.UnknownKeys(sel)
		if len(got) != len(tc.want) {
			t.Errorf("%q: unknown keys %+v, want %d", tc.expr, got, len(tc.want))
			continue
		}
		for i, u := range got {
			if !strings.Contains(u.Err().Error(), tc.want[i]) || u.Positive != tc.pos[i] {
				t.Errorf("%q: %v (positive %v), want %q (positive %v)", tc.expr, u.Err(), u.Positive, tc.want[i], tc.pos[i])
			}
		}
	}
}
