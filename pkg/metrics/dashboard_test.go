package metrics

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
)

// The Grafana dashboards in deploy/grafana, one per language.
var dashboards = map[string]string{
	"zh": filepath.Join("..", "..", "deploy", "grafana", "hcops-dashboard.json"),
	"en": filepath.Join("..", "..", "deploy", "grafana", "hcops-dashboard.en.json"),
}

// describedNames are the metric names the collector's descriptors declare,
// read from the descriptors themselves (not from a list kept beside them).
func describedNames(t *testing.T) map[string]bool {
	t.Helper()
	ch := make(chan *prometheus.Desc, 100)
	(&Collector{}).Describe(ch)
	close(ch)
	re := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := map[string]bool{}
	for d := range ch {
		m := re.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read the name of %s", d)
		}
		names[m[1]] = true
	}
	if len(names) < 20 {
		t.Fatalf("only %d descriptors", len(names))
	}
	return names
}

type dashboard struct {
	raw           map[string]any
	exprs         []string // every expr and variable query, in document order
	titles        []string
	panelShape    []string // id, type and position of each panel
	schemaVersion float64
}

func loadDashboard(t *testing.T, path string) *dashboard {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := &dashboard{}
	if err := json.Unmarshal(data, &d.raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	d.schemaVersion, _ = d.raw["schemaVersion"].(float64)
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(k, v[k])
			}
		case []any:
			for _, e := range v {
				walk(key, e)
			}
		case string:
			switch key {
			case "expr", "definition":
				d.exprs = append(d.exprs, v)
			case "title", "label", "description":
				d.titles = append(d.titles, v)
			}
		}
	}
	walk("", d.raw)
	panels, _ := d.raw["panels"].([]any)
	for _, p := range panels {
		p := p.(map[string]any)
		gp, _ := json.Marshal(p["gridPos"])
		d.panelShape = append(d.panelShape, strings.Join([]string{jsonString(p["id"]), jsonString(p["type"]), string(gp)}, " "))
	}
	return d
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// The dashboards parse, are recent enough for Grafana 10+, pick their
// Prometheus data source from $datasource, filter by zone, system and asset,
// and query only metrics the collector exports: a renamed metric fails here,
// not on the client's screen.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	names := describedNames(t)
	nameRE := regexp.MustCompile(`hcops_[a-z_]+`)
	for lang, path := range dashboards {
		d := loadDashboard(t, path)
		if d.schemaVersion < 38 {
			t.Errorf("%s: schemaVersion %v, want 38 or later", path, d.schemaVersion)
		}
		vars := map[string]map[string]any{}
		for _, v := range d.raw["templating"].(map[string]any)["list"].([]any) {
			v := v.(map[string]any)
			vars[v["name"].(string)] = v
		}
		if ds := vars["datasource"]; ds == nil || ds["type"] != "datasource" || ds["query"] != "prometheus" {
			t.Errorf("%s: no $datasource variable of type prometheus: %v", path, ds)
		}
		for _, name := range []string{"zone", "system", "asset"} {
			v := vars[name]
			def, _ := v["definition"].(string)
			if v == nil || v["type"] != "query" || !strings.HasPrefix(def, "label_values(") || !strings.HasSuffix(def, ", "+name+")") {
				t.Errorf("%s: variable %s is not label_values(..., %s): %v", path, name, name, v)
			}
		}
		if len(d.exprs) < 15 {
			t.Errorf("%s: only %d queries", path, len(d.exprs))
		}
		for _, e := range d.exprs {
			used := nameRE.FindAllString(e, -1)
			if len(used) == 0 {
				t.Errorf("%s: query reads no hcops metric: %s", path, e)
			}
			for _, n := range used {
				if !names[n] {
					t.Errorf("%s: query uses %s, which the collector does not export: %s", path, n, e)
				}
			}
			if strings.Count(e, "(") != strings.Count(e, ")") || strings.Count(e, "{") != strings.Count(e, "}") || strings.Count(e, `"`)%2 != 0 {
				t.Errorf("%s: unbalanced query: %s", path, e)
			}
		}
		// Every panel and every query reads $datasource.
		for _, p := range d.raw["panels"].([]any) {
			p := p.(map[string]any)
			if ds, _ := p["datasource"].(map[string]any); ds["uid"] != "${datasource}" {
				t.Errorf("%s: panel %q does not use $datasource", path, p["title"])
			}
			for _, q := range p["targets"].([]any) {
				if ds, _ := q.(map[string]any)["datasource"].(map[string]any); ds["uid"] != "${datasource}" {
					t.Errorf("%s: a query of panel %q does not use $datasource", path, p["title"])
				}
			}
		}
		// One language at a time.
		for _, s := range d.titles {
			han := strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
			if lang == "en" && han {
				t.Errorf("%s: Chinese in the English dashboard: %q", path, s)
			}
		}
	}
}

// The Chinese and English dashboards are the same dashboard: same panels
// in the same places, same queries.
func TestDashboardLanguagesAgree(t *testing.T) {
	zh, en := loadDashboard(t, dashboards["zh"]), loadDashboard(t, dashboards["en"])
	if !slices.Equal(zh.exprs, en.exprs) {
		t.Errorf("queries differ:\nzh %q\nen %q", zh.exprs, en.exprs)
	}
	if !slices.Equal(zh.panelShape, en.panelShape) {
		t.Errorf("panels differ:\nzh %q\nen %q", zh.panelShape, en.panelShape)
	}
	if zh.raw["uid"] == en.raw["uid"] {
		t.Error("both dashboards have the same uid: importing one replaces the other")
	}
}
