package metrics

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// BenchmarkScrape500x30 scrapes /metrics over HTTP from a history of 500
// hosts × 30 checks inspected twice (yesterday and today, 30 000 results;
// 15 000 findings, every one with a value). Goal: under 200 ms a scrape.
func BenchmarkScrape500x30(b *testing.B) { benchScrape(b, openDB(b)) }

// BenchmarkScrape500x30Postgres is the same on a real PostgreSQL server.
func BenchmarkScrape500x30Postgres(b *testing.B) {
	pg := testenv.StartPostgres(b)
	pg.SQL(b, "", "CREATE DATABASE hcops_bench")
	db, err := store.OpenWith(context.Background(), fmt.Sprintf("postgres://postgres@127.0.0.1:%d/hcops_bench?sslmode=disable", pg.Port),
		store.Options{Password: pg.Password})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	benchScrape(b, db)
}

func benchScrape(b *testing.B, db *store.DB) {
	now := time.Now()
	for day := 1; day >= 0; day-- {
		var rs []result.Result
		for h := range 500 {
			zone, sys := "intranet", fmt.Sprintf("sys-%02d", h%12)
			if h%2 == 1 {
				zone = "internet"
			}
			for c := range 30 {
				st := result.OK
				if (h+c+day)%17 == 0 {
					st = result.Warn
				} else if (h*c+day)%97 == 0 {
					st = result.Crit
				}
				rs = append(rs, res(fmt.Sprintf("host-%03d", h), sys, zone, fmt.Sprintf("check-%02d", c), "", st, float64(h+c)))
			}
		}
		storeRun(b, db, "", result.KindInspect, now.Add(-time.Duration(day)*24*time.Hour-time.Hour), rs...)
	}
	url := serve(b, &Collector{History: db})
	get := func() int64 {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
		return n
	}
	size := get()
	// CPU time (server and client, all threads) per scrape: on a machine
	// shared with other work the wall time says more about the neighbours.
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	n := 0
	for b.Loop() {
		get()
		n++
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	b.ReportMetric(float64(cpu.Milliseconds())/float64(max(n, 1)), "cpu-ms/op")
	b.ReportMetric(float64(size)/1024, "KiB/scrape")
}
