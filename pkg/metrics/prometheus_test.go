package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// promAPI asks a Prometheus server's HTTP API and decodes its answer.
func promAPI(t testing.TB, base, path string, q url.Values, out any) error {
	t.Helper()
	resp, err := http.Get(base + path + "?" + q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err
	}
	if r.Status != "success" {
		return fmt.Errorf("%s %v: %s", path, q, r.Error)
	}
	return json.Unmarshal(r.Data, out)
}

type promVector struct {
	ResultType string `json:"resultType"`
	Result     []struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	} `json:"result"`
}

// A real Prometheus server scrapes the endpoint over a history two zones'
// runners wrote, and every query of the Grafana dashboard, with its
// variables set to "All", is valid PromQL that returns data; the zone
// variable lists both zones. This is what the Grafana view will show.
func TestDashboardOnPrometheus(t *testing.T) {
	bin := testenv.LookPath(t, "prometheus")
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	open := func(r store.Runner) *store.DB {
		db, err := store.OpenWith(context.Background(), path, store.Options{Runner: r})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	reader := open(store.Runner{})
	now := time.Now()
	tickets := seedTwoZones(t, open(store.Runner{Name: "runner-intranet", Zone: "intranet"}),
		open(store.Runner{Name: "runner-internet", Zone: "internet"}), reader, now)
	target := strings.TrimSuffix(strings.TrimPrefix(serve(t, &Collector{History: reader,
		Tickets: func() *ticket.Service { return tickets }}), "http://"), "/metrics")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	promAddr := ln.Addr().String()
	ln.Close()
	cfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: hcops
    scrape_timeout: 1s
    static_configs: [{targets: ['%s']}]
`, target)), 0o644)
	var logs strings.Builder
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + promAddr

	// Wait for a successful scrape with the series in.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var v promVector
		err := promAPI(t, base, "/api/v1/query", url.Values{"query": {`up{job="hcops"} == 1 and on() count(hcops_check_status) > 0`}}, &v)
		if err == nil && len(v.Result) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not scrape %s within 60 s: %v\n%s", target, err, logs.String())
		}
		time.Sleep(250 * time.Millisecond)
	}

	var zones []string
	if err := promAPI(t, base, "/api/v1/label/zone/values", url.Values{"match[]": {"hcops_check_status"}}, &zones); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(zones, "intranet") || !slices.Contains(zones, "internet") {
		t.Errorf("zone values of hcops_check_status: %v, want both zones", zones)
	}

	all := strings.NewReplacer(`"$zone"`, `".*"`, `"$system"`, `".*"`, `"$asset"`, `".*"`)
	for lang, file := range dashboards {
		d := loadDashboard(t, file)
		n := 0
		for _, e := range d.exprs {
			if strings.HasPrefix(e, "label_values(") {
				continue // a Grafana function, checked above through the label API
			}
			n++
			var v promVector
			if err := promAPI(t, base, "/api/v1/query", url.Values{"query": {all.Replace(e)}}, &v); err != nil {
				t.Errorf("%s: %v", lang, err)
				continue
			}
			if len(v.Result) == 0 {
				t.Errorf("%s: no data for %s", lang, e)
			}
		}
		if n < 15 {
			t.Errorf("%s: only %d panel queries", lang, n)
		}
	}
	// The CRIT table has the findings of both zones.
	var v promVector
	table := `max without (instance, job) (hcops_check_status{zone=~".*",system=~".*",asset=~".*"}) > 0`
	if err := promAPI(t, base, "/api/v1/query", url.Values{"query": {table}}, &v); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range v.Result {
		seen[r.Metric["zone"]+"/"+r.Metric["asset"]] = true
	}
	if !seen["intranet/web-01"] || !seen["internet/ext-01"] || !seen["internet/ext-db-01"] {
		t.Errorf("CRIT/WARN table rows: %v", seen)
	}
}
