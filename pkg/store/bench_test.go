package store

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// benchResults is a batch shaped like a real inspection: 40 checks on each
// of 25 hosts, a third with a metric, short evidence.
func benchResults(n int, at time.Time) []result.Result {
	rs := make([]result.Result, n)
	for i := range rs {
		v := float64(i % 100)
		rs[i] = result.Result{
			Asset: fmt.Sprintf("host-%04d", i/40), Check: fmt.Sprintf("check-%02d", i%40), Type: "disk",
			Item: "/var", Playbook: "daily", System: "his", Zone: "intranet",
			Status: result.Status(i % 3), Value: &v, Unit: "%", Warn: "80", Crit: "90",
			Message: "/var is 42% full", Evidence: "Filesystem Use%\n/dev/sda2 42%\n",
			StartedAt: at, DurationMS: 12,
		}
		if i%3 == 0 {
			rs[i].Metrics = []result.Metric{{Name: "disk.used_pct", Value: v, Unit: "%"}}
		}
	}
	return rs
}

// BenchmarkAddResults measures storing results the way an inspection of a
// large fleet writes them: runs of 5,000 hosts x 40 checks, stored 25 hosts
// (1,000 results, one transaction) at a time, into an SQLite file and into
// PostgreSQL (a real server on loopback, started by the benchmark). Goals:
// over 100,000 results/s on SQLite, so a month of history (~2.4 M
// results) is written in well under a minute; PostgreSQL within 20 % of
// SQLite's time per batch.
func BenchmarkAddResults(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchAddResults(b, openTest(b)) })
	// fsync on, synchronous_commit off: the durability of SQLite's WAL
	// with synchronous=NORMAL (a crash loses the last commits, never the
	// database), not the test servers' fsync=off.
	b.Run("postgres", func(b *testing.B) {
		pg := startTestPG(b, "fsync = on", "full_page_writes = on", "shared_buffers = 128MB")
		benchAddResults(b, pg.Open(b))
	})
}

func benchAddResults(b *testing.B, db *DB) {
	ctx := context.Background()
	const batch, hostsPerRun = 1000, 5000
	batchesPerRun := hostsPerRun * 40 / batch
	var run *result.Run
	at := time.Now()
	rs := benchResults(batch, at)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		if i%batchesPerRun == 0 {
			b.StopTimer()
			run = &result.Run{Kind: "inspect", Playbooks: []string{"daily"}, StartedAt: at.Add(time.Duration(i) * time.Hour)}
			if err := db.BeginRun(ctx, run); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		// Next 25 hosts of the run.
		off := (i % batchesPerRun) * batch / 40
		for j := range rs {
			rs[j].Asset = fmt.Sprintf("host-%04d", off+j/40)
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "results/s")
	// On a shared machine wall-clock rates swing with the load; results per
	// second of this process's CPU time do not.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N*batch)/cpu.Seconds(), "results/cpu-s")
	}
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEachResult measures streaming stored results back (report input).
func BenchmarkEachResult(b *testing.B) {
	ctx := context.Background()
	db := openTest(b)
	const perRun, runs = 5000, 4
	for i := range runs {
		run := &result.Run{Kind: "inspect", StartedAt: time.Now().Add(time.Duration(i) * time.Hour)}
		if err := db.BeginRun(ctx, run); err != nil {
			b.Fatal(err)
		}
		if err := db.AddResults(ctx, run.ID, benchResults(perRun, run.StartedAt)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	n := 0
	for range b.N {
		if err := db.EachResult(ctx, ResultFilter{}, func(*StoredResult) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "results/s")
}
