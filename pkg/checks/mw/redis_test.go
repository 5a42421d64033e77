package mw

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// evalProbe runs a middleware check against addr ("host:port") the way the
// runner does for a probe: the asset's address and port, the spec's params.
func evalProbe(t *testing.T, c inspect.Check, typ, addr string, params map[string]any, since time.Time, lang string) map[string]result.Result {
	t.Helper()
	return evalWith(t, c, typ, addr, params, "", "", since, lang)
}

// evalProbeSpec is evalProbe with warn/crit thresholds.
func evalProbeSpec(t *testing.T, c inspect.Check, typ, addr string, params map[string]any, warn, crit string) map[string]result.Result {
	t.Helper()
	return evalWith(t, c, typ, addr, params, warn, crit, time.Time{}, "en")
}

func evalWith(t *testing.T, c inspect.Check, typ, addr string, params map[string]any, warn, crit string, since time.Time, lang string) map[string]result.Result {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	a := &inventory.Asset{Name: "rhis-esb-01", Kind: inventory.KindMiddleware, Address: host}
	a.Port, _ = strconv.Atoi(port)
	spec := &inspect.Spec{Name: typ, Type: typ, Params: params, Warn: warn, Crit: crit}
	if _, err := c.(inspect.ParamsDecoder).DecodeParams(spec); err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	th, err := inspect.ParseThresholds(warn, crit)
	if err != nil {
		t.Fatal(err)
	}
	env := &inspect.Env{Spec: spec, Asset: a, Thresholds: th, Now: time.Now(), Since: since, Lang: lang}
	out := map[string]result.Result{}
	for _, r := range c.Evaluate(ctx, env) {
		if _, dup := out[r.Item]; dup {
			t.Fatalf("two results for item %q", r.Item)
		}
		if r.Message == "" || strings.Contains(r.Message+r.Advice, "%!") {
			t.Errorf("%s/%s: message %q advice %q", typ, r.Item, r.Message, r.Advice)
		}
		out[r.Item] = r
	}
	return out
}

// TestRedisAgainstRealServers: a password-protected master with a replica,
// both real redis-server processes on loopback.
func TestRedisAgainstRealServers(t *testing.T) {
	master := startRedis(t, "--requirepass", "s3cr'et pw", "--maxmemory", "64mb")
	replica := startRedis(t, "--replicaof", "127.0.0.1", strings.Split(master.Addr, ":")[1], "--masterauth", "s3cr'et pw")
	master.waitInfo(t, "s3cr'et pw", "connected_slaves", "1")
	replica.waitInfo(t, "", "master_link_status", "up")
	t.Setenv("HCOPS_TEST_REDIS_PW", "s3cr'et pw")
	pw := map[string]any{"env": "HCOPS_TEST_REDIS_PW"}
	started := time.Now()

	rs := evalProbe(t, Redis(), "redis", master.Addr, map[string]any{"password": pw, "min_replicas": 1}, started.Add(time.Hour), "en")
	for _, item := range []string{"status", "memory", "persistence", "replication"} {
		if rs[item].Status != result.OK {
			t.Errorf("master %s: %s %q", item, rs[item].Status, rs[item].Message)
		}
	}
	if m := rs["status"].Message; !strings.Contains(m, "Redis 7.") || !strings.Contains(m, "(master)") {
		t.Errorf("status: %q", m)
	}
	if m := rs["memory"].Message; !strings.Contains(m, "of maxmemory 64 MiB") {
		t.Errorf("memory: %q", m)
	}
	if m := rs["replication"].Message; !strings.Contains(m, "master with 1 replicas") {
		t.Errorf("replication: %q", m)
	}
	rs = evalProbe(t, Redis(), "redis", replica.Addr, nil, time.Time{}, "zh")
	if r := rs["replication"]; r.Status != result.OK || !strings.Contains(r.Message, master.Addr) {
		t.Errorf("replica: %+v", r)
	}
	checktest.WantChinese(t, []result.Result{rs["replication"], rs["status"]})

	// Restarted since the last inspection (the server started after it).
	rs = evalProbe(t, Redis(), "redis", master.Addr, map[string]any{"password": pw}, started.Add(-10*time.Minute), "en")
	if r := rs["status"]; r.Status != result.Warn || r.Reason != "restarted" {
		t.Errorf("restart since the last run: %+v", r)
	}

	// Credentials: wrong, missing, in clear, unreadable.
	t.Setenv("HCOPS_TEST_REDIS_BAD", "nope")
	rs = evalProbe(t, Redis(), "redis", master.Addr, map[string]any{"password": map[string]any{"env": "HCOPS_TEST_REDIS_BAD"}}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "auth" || r.Advice == "" || len(rs) != 1 {
		t.Errorf("wrong password: %+v", rs)
	}
	rs = evalProbe(t, Redis(), "redis", master.Addr, nil, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || !strings.Contains(r.Message, "asks for a password") {
		t.Errorf("no password: %+v", rs)
	}
	for _, bad := range []map[string]any{
		{"password": "s3cret"}, {"password": map[string]any{"env": "A", "file": "/b"}}, {"port": 70000},
		{"timeout": "0s"}, {"min_replicas": -1}, {"pasword": map[string]any{"env": "A"}},
	} {
		if _, err := Redis().(inspect.ParamsDecoder).DecodeParams(&inspect.Spec{Name: "r", Type: "redis", Params: bad}); err == nil {
			t.Errorf("accepted at load: %v", bad)
		} else if _, clear := bad["password"].(string); clear && !strings.Contains(err.Error(), "never the password itself") {
			t.Errorf("password in clear: %v", err)
		}
	}
	rs = evalProbe(t, Redis(), "redis", master.Addr, map[string]any{"password": map[string]any{"file": filepath.Join(t.TempDir(), "missing")}}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "secret" {
		t.Errorf("unreadable password file: %+v", rs)
	}

	// A failed background save: its directory is gone.
	gone := filepath.Join(master.Dir, "gone")
	os.Mkdir(gone, 0o755)
	if out := master.do(t, "s3cr'et pw", "CONFIG", "SET", "dir", gone); out != "OK" {
		t.Fatalf("CONFIG SET dir: %s", out)
	}
	os.RemoveAll(gone)
	master.do(t, "s3cr'et pw", "SET", "k", "v")
	// The replica's full sync may still be saving ("Background save already
	// in progress"), the more so on a loaded machine: ask until one starts.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out := master.do(t, "s3cr'et pw", "BGSAVE")
		if strings.Contains(out, "started") || time.Now().After(deadline) {
			break
		}
	}
	master.waitInfo(t, "s3cr'et pw", "rdb_last_bgsave_status", "err")
	rs = evalProbe(t, Redis(), "redis", master.Addr, map[string]any{"password": pw}, time.Time{}, "en")
	if r := rs["persistence"]; r.Status != result.Crit || r.Reason != "rdb-failed" || !strings.Contains(r.Evidence, "rdb_last_bgsave_status:err") {
		t.Errorf("failed save: %+v", r)
	}

	// The master goes away: the replica's link is down, the master is down.
	master.stop()
	replica.waitInfo(t, "", "master_link_status", "down")
	rs = evalProbe(t, Redis(), "redis", replica.Addr, nil, time.Time{}, "en")
	if r := rs["replication"]; r.Status != result.Crit || r.Reason != "replication-down" {
		t.Errorf("link down: %+v", r)
	}
	rs = evalProbe(t, Redis(), "redis", master.Addr, map[string]any{"password": pw, "timeout": "2s"}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Crit || r.Reason != result.ReasonRefused || len(rs) != 1 {
		t.Errorf("master down: %+v", rs)
	}
}

// A server that answers but is not Redis (an HTTP server), and one that
// accepts and never answers, end within the timeout with a clear verdict.
func TestRedisNotRedis(t *testing.T) {
	addr := startNginx(t, `location / { return 200 "hello\n"; }`)
	rs := evalProbe(t, Redis(), "redis", addr, map[string]any{"timeout": "3s"}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "protocol" || !strings.Contains(r.Message, "HTTP/1.1 400") || len(rs) != 1 {
		t.Errorf("nginx as redis: %+v", rs)
	}
	ln := hungListener(t)
	start := time.Now()
	rs = evalProbe(t, Redis(), "redis", ln, map[string]any{"timeout": "1s"}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Crit || time.Since(start) > 5*time.Second {
		t.Errorf("hung server: %+v after %s", rs, time.Since(start))
	}
}
