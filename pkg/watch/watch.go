// Package watch is the long-running watcher: availability probes every
// minute, the site's scheduled jobs (inspections, backup verification,
// reports) when they are due, and after each of them the alert evaluation,
// ticket opening and deliveries. It holds no state that matters in memory:
// alerts, tickets and deliveries are decided from what is stored, so a
// watcher killed at any point and started again neither loses nor repeats
// anything.
package watch

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/schedule"
)

// Watcher runs the loop. Its fields are the parts it drives; a nil part
// is skipped.
type Watcher struct {
	// Probe takes one round of availability probes and stores it.
	Probe func(ctx context.Context, now time.Time) error
	// ProbeEvery is the probe interval (default 1 minute).
	ProbeEvery time.Duration
	// Jobs are the site's scheduled jobs; RunJob runs one (as `hcops
	// schedule run NAME` does: in a process of its own, under its lock).
	Jobs   []config.Job
	RunJob func(ctx context.Context, job config.Job) error
	// Cycle evaluates alerts, opens tickets from them, sweeps the tickets'
	// clocks and delivers what is queued. It runs after every probe round
	// and every job.
	Cycle func(ctx context.Context, now time.Time) error
	// Reload is called on SIGHUP (the caller wires the signal): it
	// returns the new jobs (and may swap what Probe and Cycle read).
	Reload func() ([]config.Job, error)
	// Grace bounds how long in-flight work may take after the context is
	// cancelled (SIGTERM) before Run returns (default 30 s).
	Grace time.Duration
	Log   *slog.Logger
	Now   func() time.Time
}

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Watcher) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

// Once runs one probe round and one cycle: what `hcops watch --once` and
// cron do.
func (w *Watcher) Once(ctx context.Context) error {
	now := w.now()
	if w.Probe != nil {
		if err := w.Probe(ctx, now); err != nil {
			w.log().Warn("probe round failed", "err", err)
		}
	}
	if w.Cycle != nil {
		return w.Cycle(ctx, w.now())
	}
	return nil
}

// Run loops until ctx is cancelled, then waits for in-flight jobs at most
// Grace. hup delivers SIGHUP (reload); nil when not wired.
func (w *Watcher) Run(ctx context.Context, hup <-chan struct{}) error {
	every := w.ProbeEvery
	if every <= 0 {
		every = time.Minute
	}
	grace := w.Grace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	sched, err := parseJobs(w.Jobs)
	if err != nil {
		return err
	}
	// Jobs run beside the loop; the cycle after each is serialised with
	// the probe rounds' (one evaluator at a time).
	var cycleMu sync.Mutex
	cycle := func(c context.Context) {
		if w.Cycle == nil {
			return
		}
		cycleMu.Lock()
		defer cycleMu.Unlock()
		if err := w.Cycle(c, w.now()); err != nil {
			w.log().Warn("alert and ticket cycle failed", "err", err)
		}
	}
	running := map[string]bool{}
	var mu sync.Mutex
	var jobs sync.WaitGroup
	// Work started before a SIGTERM finishes under its own context, bounded
	// by Grace after the cancel.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()

	last := w.now()
	nextProbe := last
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		now := w.now()
		if !now.Before(nextProbe) {
			nextProbe = now.Truncate(every).Add(every)
			if w.Probe != nil {
				if err := w.Probe(work, now); err != nil {
					w.log().Warn("probe round failed", "err", err)
				}
			}
			cycle(work)
		}
		for _, s := range sched {
			if next := s.sched.Next(last); !next.After(now) {
				mu.Lock()
				busy := running[s.job.Name]
				if !busy {
					running[s.job.Name] = true
				}
				mu.Unlock()
				if busy {
					w.log().Info("job still running, this occurrence skipped", "job", s.job.Name)
					continue
				}
				jobs.Add(1)
				go func(j config.Job) {
					defer jobs.Done()
					defer func() { mu.Lock(); delete(running, j.Name); mu.Unlock() }()
					w.log().Info("job started", "job", j.Name)
					if w.RunJob != nil {
						if err := w.RunJob(work, j); err != nil {
							w.log().Warn("job ended with an error", "job", j.Name, "err", err)
						}
					}
					cycle(work)
				}(s.job)
			}
		}
		last = now
		select {
		case <-ctx.Done():
			done := make(chan struct{})
			go func() { jobs.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(grace):
				w.log().Warn("stopping: jobs still running after the grace period are cancelled", "grace", grace)
				stopWork()
				<-done
			}
			return nil
		case <-hup:
			if w.Reload != nil {
				js, err := w.Reload()
				if err != nil {
					w.log().Warn("reload failed; the previous inventory and config stay", "err", err)
					break
				}
				if s2, err := parseJobs(js); err != nil {
					w.log().Warn("reload: bad jobs; the previous ones stay", "err", err)
				} else {
					sched = s2
					w.log().Info("reloaded", "jobs", len(js))
				}
			}
		case <-tick.C:
		}
	}
}

type scheduled struct {
	job   config.Job
	sched cron.Schedule
}

func parseJobs(jobs []config.Job) ([]scheduled, error) {
	var out []scheduled
	for _, j := range jobs {
		s, err := schedule.ParseSchedule(j.Schedule)
		if err != nil {
			return nil, err
		}
		out = append(out, scheduled{j, s})
	}
	return out, nil
}
