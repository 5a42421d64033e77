package mw

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/result"
)

// TestRabbitMQAgainstRealNode asks a real RabbitMQ node (Debian's
// rabbitmq-server, started by the test with the management plugin) for its
// health; then raises its memory alarm and sees publishers blocked.
func TestRabbitMQAgainstRealNode(t *testing.T) {
	n := startRabbitMQ(t)
	url := n.API
	// The first statistics arrive one collection interval after start.
	var rs map[string]result.Result
	deadline := time.Now().Add(30 * time.Second)
	for {
		rs = evalProbe(t, RabbitMQ(), "rabbitmq", "127.0.0.1:1", map[string]any{"url": url}, time.Time{}, "en")
		if strings.Contains(rs[n.name].Message, "of the high watermark") || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	node := rs[n.name]
	if node.Status != result.OK || !strings.Contains(node.Message, "RabbitMQ 3.") || !strings.Contains(node.Message, "of the high watermark") {
		t.Errorf("node: %+v", node)
	}
	if q := rs["queues"]; q.Status != result.OK || !strings.Contains(q.Message, "0 messages queued") {
		t.Errorf("queues: %+v", q)
	}
	t.Setenv("HCOPS_TEST_RABBIT_PW", "not-guest")
	rs = evalProbe(t, RabbitMQ(), "rabbitmq", "127.0.0.1:1", map[string]any{"url": url, "password": map[string]any{"env": "HCOPS_TEST_RABBIT_PW"}}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "auth" || len(rs) != 1 {
		t.Errorf("wrong password: %+v", rs)
	}

	n.ctl(t, "set_vm_memory_high_watermark", "absolute", "1MB")
	deadline = time.Now().Add(30 * time.Second)
	for {
		rs = evalProbe(t, RabbitMQ(), "rabbitmq", "127.0.0.1:1", map[string]any{"url": url}, time.Time{}, "zh")
		if rs[n.name].Reason == "alarm" || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if r := rs[n.name]; r.Status != result.Crit || r.Reason != "alarm" || !strings.Contains(r.Message, "memory") || r.Advice == "" {
		t.Errorf("memory alarm: %+v", r)
	}
	checktest.WantChinese(t, []result.Result{rs[n.name], rs["queues"]})
}

// The parser on the captured answers (testdata/README.md), served from a
// loopback HTTP server: a node in memory alarm, a node of a cluster that is
// down and partitioned, a node without statistics yet, and garbage.
func TestRabbitMQCaptured(t *testing.T) {
	overview, _ := os.ReadFile(filepath.Join("testdata", "rabbitmq-overview.json"))
	alarm, _ := os.ReadFile(filepath.Join("testdata", "rabbitmq-nodes-alarm.json"))
	nodes := string(alarm)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != "guest" || p != "" && p != "guest" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/api/overview":
			w.Write(overview)
		case "/api/nodes":
			w.Write([]byte(nodes))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	rs := evalProbe(t, RabbitMQ(), "rabbitmq", "127.0.0.1:1", map[string]any{"url": srv.URL}, time.Time{}, "en")
	if r := rs["h5test@localhost"]; r.Status != result.Crit || r.Reason != "alarm" || *r.Value < 1000 {
		t.Errorf("captured alarm: %+v", r)
	}
	nodes = `[{"name":"rabbit@mq-01","running":true,"partitions":["rabbit@mq-02"],"mem_alarm":false,"disk_free_alarm":false},
	          {"name":"rabbit@mq-02","running":false,"partitions":[]},
	          {"name":"rabbit@mq-03","running":true,"partitions":[],"mem_used":100,"mem_limit":1000,"fd_used":950,"fd_total":1000}]`
	rs = evalProbe(t, RabbitMQ(), "rabbitmq", "127.0.0.1:1", map[string]any{"url": srv.URL}, time.Time{}, "en")
	if r := rs["rabbit@mq-01"]; r.Status != result.Crit || r.Reason != "partition" || !strings.Contains(r.Message, "no statistics yet") {
		t.Errorf("partitioned node without statistics: %+v", r)
	}
	if r := rs["rabbit@mq-02"]; r.Status != result.Crit || r.Reason != "node-down" {
		t.Errorf("node down: %+v", r)
	}
	if r := rs["rabbit@mq-03"]; r.Status != result.Warn || !strings.Contains(r.Message, "file descriptors 950 of 1000") {
		t.Errorf("fds: %+v", r)
	}
	for _, bad := range []string{`{"nodes":1}`, `[]`, `<html>`} {
		nodes = bad
		rs = evalProbe(t, RabbitMQ(), "rabbitmq", "127.0.0.1:1", map[string]any{"url": srv.URL}, time.Time{}, "en")
		if r := rs[""]; r.Status != result.Unknown || r.Reason != "unparsable" || len(rs) != 1 {
			t.Errorf("%s: %+v", bad, rs)
		}
	}
}
