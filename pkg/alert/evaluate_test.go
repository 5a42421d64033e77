package alert

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// t0 is a Tuesday morning, outside any key period of the tests.
var t0 = time.Date(2026, 11, 3, 8, 0, 0, 0, time.Local)

type env struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	p   *Policy
}

func newEnv(t *testing.T, cfg *config.Config) *env {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg == nil {
		cfg = &config.Config{}
	}
	if cfg.Webhooks == nil {
		cfg.Webhooks = map[string]config.Webhook{"hook": {Type: "generic", URL: "http://127.0.0.1:1/hook"}}
	}
	p, err := NewPolicy(cfg, "en")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: context.Background(), db: db, p: p}
}

// run stores a run of kind at at with rs.
func (e *env) run(kind string, at time.Time, rs ...result.Result) {
	e.t.Helper()
	run := &result.Run{Kind: kind, StartedAt: at}
	if err := e.db.BeginRun(e.ctx, run); err != nil {
		e.t.Fatal(err)
	}
	for i := range rs {
		rs[i].StartedAt = at
	}
	if err := e.db.AddResults(e.ctx, run.ID, rs); err != nil {
		e.t.Fatal(err)
	}
	run.Status = result.RunCompleted
	run.FinishedAt = at.Add(time.Second)
	if err := e.db.FinishRun(e.ctx, run); err != nil {
		e.t.Fatal(err)
	}
}

// eval evaluates at now, checks that evaluating again changes nothing,
// and returns the kinds of the transitions (with :quiet when nobody was
// notified), space-separated.
func (e *env) eval(now time.Time) string {
	e.t.Helper()
	trs, err := Evaluate(e.ctx, e.db, now, e.p)
	if err != nil {
		e.t.Fatal(err)
	}
	again, err := Evaluate(e.ctx, e.db, now, e.p)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(again) != 0 {
		e.t.Errorf("evaluating the same findings again at %s changed %d alerts: %+v", now.Format(time.TimeOnly), len(again), again)
	}
	var out []string
	for _, tr := range trs {
		k := tr.Kind
		if tr.Notifications == 0 && tr.Kind != Deescalate {
			k += ":" + tr.Quiet
		}
		out = append(out, k)
	}
	return strings.Join(out, " ")
}

func disk(st result.Status) result.Result {
	return result.Result{Asset: "pacs-db-01", Check: "disk:/data", Item: "/data", Type: "disk", System: "pacs",
		Zone: "intranet", Status: st, Message: "/data " + st.String(), Advice: "clean up /data"}
}

// step is one run (status, or -1 for no run) and one evaluation.
type step struct {
	status result.Status
	want   string
}

const noRun = result.Status(-1)

func TestEvaluateTransitions(t *testing.T) {
	keyPeriod := func(systems ...string) *config.Config {
		return &config.Config{Alerts: config.Alerts{KeyPeriods: []config.KeyPeriod{{Name: "两会", From: "2026-11-01",
			To: "2026-11-30", Systems: systems, Escalate: true, MinConsecutive: 1}}}}
	}
	tests := []struct {
		name  string
		cfg   *config.Config
		kind  string
		steps []step
	}{
		{"crit fires once and resolves", nil, "inspect", []step{
			{result.Crit, "fire"}, {result.Crit, ""}, {result.Crit, ""}, {result.OK, "resolve"}, {result.OK, ""}}},
		{"warn is damped to two in a row", nil, "inspect", []step{
			{result.Warn, ""}, {result.Warn, "fire"}, {result.Warn, ""}, {result.OK, "resolve"}}},
		{"flapping never fires", nil, "inspect", []step{
			{result.Warn, ""}, {result.OK, ""}, {result.Warn, ""}, {result.OK, ""}, {result.Warn, ""}}},
		{"worse escalates, better de-escalates quietly", nil, "inspect", []step{
			{result.Warn, ""}, {result.Warn, "fire"}, {result.Crit, "escalate"}, {result.Unreachable, "escalate"},
			{result.Warn, ""}, {result.Warn, "deescalate"}, {result.OK, "resolve"}}},
		{"unknown neither fires nor resolves", nil, "inspect", []step{
			{result.Unknown, ""}, {result.Crit, "fire"}, {result.Unknown, ""}, {result.OK, "resolve"}}},
		{"unreachable fires at once", nil, "inspect", []step{{result.Unreachable, "fire"}, {result.OK, "resolve"}}},
		{"a run without the finding changes nothing", nil, "inspect", []step{
			{result.Crit, "fire"}, {noRun, ""}, {result.OK, "resolve"}}},
		{"failed backup verification fires", nil, "backup", []step{{result.Crit, "fire"}, {result.OK, "resolve"}}},
		{"resolve_after 2", &config.Config{Alerts: config.Alerts{ResolveAfter: 2}}, "inspect", []step{
			{result.Crit, "fire"}, {result.OK, ""}, {result.OK, "resolve"}}},
		{"per-check damping", &config.Config{Alerts: config.Alerts{Damping: config.Damping{
			Checks: map[string]config.DampingLevel{"disk:*": {Crit: 3}}}}}, "inspect", []step{
			{result.Crit, ""}, {result.Crit, ""}, {result.Crit, "fire"}}},
		{"exact check name beats a pattern", &config.Config{Alerts: config.Alerts{Damping: config.Damping{
			Checks: map[string]config.DampingLevel{"disk:*": {Crit: 3}, "disk:/data": {Crit: 2}}}}}, "inspect", []step{
			{result.Crit, ""}, {result.Crit, "fire"}}},
		{"key period: first warn fires, as crit", keyPeriod(), "inspect", []step{
			{result.Warn, "fire"}, {result.Warn, ""}, {result.OK, "resolve"}}},
		{"key period of another system changes nothing", keyPeriod("his"), "inspect", []step{
			{result.Warn, ""}, {result.Warn, "fire"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.cfg)
			at := t0
			for i, s := range tc.steps {
				at = at.Add(10 * time.Minute)
				if s.status != noRun {
					e.run(tc.kind, at, disk(s.status))
				} else {
					e.run(tc.kind, at, result.Result{Asset: "other", Check: "load", Status: result.OK})
				}
				if got := e.eval(at.Add(time.Minute)); got != s.want {
					t.Fatalf("step %d (%s): transitions %q, want %q", i+1, s.status, got, s.want)
				}
			}
		})
	}
}

func TestEvaluateAlertContent(t *testing.T) {
	e := newEnv(t, &config.Config{Alerts: config.Alerts{KeyPeriods: []config.KeyPeriod{{Name: "两会", From: "2026-11-01",
		To: "2026-11-30", Escalate: true, MinConsecutive: 1}}}})
	e.run("inspect", t0, disk(result.Warn))
	if got := e.eval(t0.Add(time.Minute)); got != "fire" {
		t.Fatalf("got %q", got)
	}
	as, _ := e.db.FiringAlerts(e.ctx)
	a := as[0]
	if a.Severity != result.Crit || a.Status != result.Warn || !a.Escalated || a.KeyPeriod != "两会" ||
		a.Zone != "intranet" || a.Advice != "clean up /data" || a.Kind != "inspect" || !a.Since.Equal(t0) {
		t.Errorf("alert %+v", a)
	}
	ns, _ := e.db.Notifications(e.ctx, a.ID)
	if len(ns) != 1 || ns[0].Channel != "hook" || !strings.Contains(ns[0].Body, "key period") ||
		!strings.Contains(ns[0].Subject, "[CRIT] pacs-db-01 · disk:/data") {
		t.Errorf("notifications %+v", ns)
	}
}

func TestEvaluateMaintenance(t *testing.T) {
	for _, w := range []store.MaintenanceWindow{{Asset: "pacs-db-01"}, {System: "pacs"}} {
		e := newEnv(t, nil)
		w.Start, w.End, w.Reason = t0, t0.Add(time.Hour), "patch"
		if err := e.db.AddMaintenance(e.ctx, &w); err != nil {
			t.Fatal(err)
		}
		e.run("inspect", t0.Add(10*time.Minute), disk(result.Crit))
		if got := e.eval(t0.Add(11 * time.Minute)); got != "" {
			t.Errorf("%+v: in the window: %q", w, got)
		}
		// Still CRIT after the window: it fires then.
		if got := e.eval(t0.Add(61 * time.Minute)); got != "fire" {
			t.Errorf("%+v: after the window: %q", w, got)
		}
		// A recovery inside a later window is still told.
		w2 := store.MaintenanceWindow{Asset: "pacs-db-01", Start: t0.Add(2 * time.Hour), End: t0.Add(3 * time.Hour), Reason: "x"}
		if err := e.db.AddMaintenance(e.ctx, &w2); err != nil {
			t.Fatal(err)
		}
		e.run("inspect", t0.Add(2*time.Hour+10*time.Minute), disk(result.Unreachable))
		if got := e.eval(t0.Add(2*time.Hour + 11*time.Minute)); got != "escalate:maintenance" {
			t.Errorf("escalation in a window: %q", got)
		}
		e.run("inspect", t0.Add(2*time.Hour+20*time.Minute), disk(result.OK))
		if got := e.eval(t0.Add(2*time.Hour + 21*time.Minute)); got != "resolve" {
			t.Errorf("recovery in a window: %q", got)
		}
	}
}

func TestEvaluateSilenceAckRemind(t *testing.T) {
	e := newEnv(t, &config.Config{Alerts: config.Alerts{RemindEvery: "1h"}})
	e.run("inspect", t0, disk(result.Crit))
	if got := e.eval(t0.Add(time.Minute)); got != "fire" {
		t.Fatalf("fire: %q", got)
	}
	if got := e.eval(t0.Add(30 * time.Minute)); got != "" {
		t.Errorf("before remind_every: %q", got)
	}
	if got := e.eval(t0.Add(61 * time.Minute)); got != "remind" {
		t.Errorf("after remind_every: %q", got)
	}
	as, _ := e.db.FiringAlerts(e.ctx)
	id := as[0].ID
	if err := e.db.SilenceAlert(e.ctx, id, t0.Add(4*time.Hour), "zhang", t0.Add(62*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := e.eval(t0.Add(3 * time.Hour)); got != "" {
		t.Errorf("silenced: reminded: %q", got)
	}
	e.run("inspect", t0.Add(3*time.Hour), disk(result.Unreachable))
	if got := e.eval(t0.Add(3*time.Hour + time.Minute)); got != "escalate:silenced" {
		t.Errorf("silenced escalation: %q", got)
	}
	// The silence is over, the reminders come back, until someone acks.
	if got := e.eval(t0.Add(5 * time.Hour)); got != "remind" {
		t.Errorf("after the silence: %q", got)
	}
	if err := e.db.AckAlert(e.ctx, id, "zhang", t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := e.eval(t0.Add(7 * time.Hour)); got != "" {
		t.Errorf("acked: reminded: %q", got)
	}
	e.run("inspect", t0.Add(8*time.Hour), disk(result.OK))
	if got := e.eval(t0.Add(8*time.Hour + time.Minute)); got != "resolve" {
		t.Errorf("acked recovery: %q", got)
	}
	evs, _ := e.db.AlertEvents(e.ctx, id)
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	if want := "fire remind silence escalate remind ack resolve"; strings.Join(kinds, " ") != want {
		t.Errorf("events %q, want %q", strings.Join(kinds, " "), want)
	}
}

// Two evaluators at once (a watcher and cron): each alert fires once.
func TestEvaluateConcurrentEvaluators(t *testing.T) {
	e := newEnv(t, nil)
	var rs []result.Result
	for _, host := range []string{"a", "b", "c", "d", "e", "f"} {
		r := disk(result.Crit)
		r.Asset = host
		rs = append(rs, r)
	}
	e.run("inspect", t0, rs...)
	done := make(chan []Transition, 2)
	for range 2 {
		go func() {
			trs, err := Evaluate(e.ctx, e.db, t0.Add(time.Minute), e.p)
			if err != nil {
				t.Error(err)
			}
			done <- trs
		}()
	}
	total := len(<-done) + len(<-done)
	if total != 6 {
		t.Errorf("%d fires by two evaluators, want 6", total)
	}
	counts, _ := e.db.OutboxCounts(e.ctx)
	if counts[store.NotifyPending] != 6 {
		t.Errorf("outbox %v, want 6 pending", counts)
	}
}

func TestRouting(t *testing.T) {
	cfg := &config.Config{
		Mail: config.Mail{Host: "127.0.0.1", From: "hcops@example.org", To: []string{"ops@example.org"}},
		Webhooks: map[string]config.Webhook{"robot": {Type: "dingtalk", URL: "http://127.0.0.1:1/robot"},
			"night": {Type: "wecom", URL: "http://127.0.0.1:1/night"}},
		Alerts: config.Alerts{
			Channels: map[string]config.AlertChannel{"mail": {Type: "mail"}, "robot": {Type: "webhook", Webhook: "robot"},
				"night": {Type: "webhook", Webhook: "night"}},
			Routes: []config.AlertRoute{
				{Systems: []string{"pacs"}, Severity: "crit", Channels: []string{"robot", "mail"}, Duty: true, Stop: true},
				{Days: []string{"mon-fri"}, Hours: "18:00-08:00", Channels: []string{"night"}},
				{Zones: []string{"dmz"}, Channels: []string{"mail"}},
			},
			People: map[string]config.Person{"zhang": {Name: "张工", Email: "zhang@example.org", Mobile: "13800000000"},
				"li": {Name: "李工", Email: "li@example.org"}},
			Roster: []config.Shift{{People: []string{"zhang"}, Days: []string{"mon-fri"}, Hours: "08:00-18:00"},
				{People: []string{"li"}}},
		},
	}
	p, err := NewPolicy(cfg, "zh")
	if err != nil {
		t.Fatal(err)
	}
	tue := t0.Add(2 * time.Hour) // Tuesday 10:00
	tueNight := t0.Add(14 * time.Hour)
	sat := t0.Add(4*24*time.Hour + 14*time.Hour) // Saturday 22:00
	tests := []struct {
		system, zone string
		sev          result.Status
		at           time.Time
		want         string
	}{
		{"pacs", "intranet", result.Crit, tue, "mail+duty robot+duty"},
		{"pacs", "dmz", result.Crit, tueNight, "mail+duty robot+duty"}, // stop
		{"pacs", "intranet", result.Warn, tue, ""},
		{"his", "intranet", result.Warn, tueNight, "night"},
		{"his", "intranet", result.Warn, tue, ""},
		{"his", "intranet", result.Warn, sat, ""},
		{"his", "dmz", result.Unreachable, t0.Add(-time.Hour), "mail night"}, // Tuesday 07:00
	}
	for _, tc := range tests {
		a := &store.Alert{System: tc.system, Zone: tc.zone, Severity: tc.sev}
		var got []string
		for _, d := range p.route(a, tc.at) {
			s := d.channel
			if d.duty {
				s += "+duty"
			}
			got = append(got, s)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s %s %s at %s: %q, want %q", tc.system, tc.zone, tc.sev, tc.at.Format("Mon 15:04"), strings.Join(got, " "), tc.want)
		}
	}
	if d := p.OnDuty(tue); len(d) != 1 || d[0].Name != "张工" {
		t.Errorf("on duty Tuesday 10:00: %v", d)
	}
	if d := p.OnDuty(sat); len(d) != 1 || d[0].Name != "李工" {
		t.Errorf("on duty Saturday night: %v", d)
	}
	// The duty's addresses ride on the notification.
	ns, err := p.notifications(Fire, &store.Alert{ID: 7, Key: result.Key{Asset: "pacs-db-01", Check: "disk"}, System: "pacs",
		Severity: result.Crit, Status: result.Crit, Since: tue, FiredAt: tue}, 1, tue)
	if err != nil || len(ns) != 2 {
		t.Fatalf("notifications: %v %v", ns, err)
	}
	if r := ns[1].Recipients; ns[1].Channel != "robot" || r.Mobiles[0] != "13800000000" || r.Emails[0] != "zhang@example.org" {
		t.Errorf("recipients %+v", ns[1])
	}
	if !strings.Contains(ns[0].Body, "值班人员：张工") || !strings.Contains(ns[0].Subject, "【严重告警】") {
		t.Errorf("zh body:\n%s", ns[0].Body)
	}
}

func TestPolicyErrors(t *testing.T) {
	cfg := &config.Config{File: "site.yaml",
		Webhooks: map[string]config.Webhook{"robot": {Type: "dingtalk", URL: "http://x"}},
		Alerts: config.Alerts{
			Lang:        "fr",
			Damping:     config.Damping{Warn: -1},
			RemindEvery: "often",
			KeyPeriods:  []config.KeyPeriod{{Name: "两会", From: "2027-03-15", To: "2027-03-03"}, {From: "soon", To: "2027-03-03"}},
			Channels: map[string]config.AlertChannel{"m": {Type: "mail"}, "r": {Type: "webhook", Webhook: "robo", RateLimit: "many"},
				"x": {Type: "sms"}},
			Routes: []config.AlertRoute{{Hours: "8-18", Channels: []string{"nope"}}, {Severity: "ok", Days: []string{"funday"}}},
			Roster: []config.Shift{{People: []string{"wang"}}},
		},
	}
	_, err := NewPolicy(cfg, "en")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"config site.yaml:",
		"alerts.lang: want zh or en, not \"fr\"",
		"alerts.damping.warn: must not be negative",
		"alerts.remind_every: want a duration such as 4h, not \"often\"",
		"alerts.key_periods[0].to: 2027-03-03 is not after from 2027-03-15",
		"alerts.key_periods[1].name: give the period a name",
		"alerts.key_periods[1].from: want a date 2026-03-03",
		"alerts.channels.m: type mail needs the mail server (mail.host)",
		"alerts.channels.r.webhook: no webhook \"robo\" in webhooks:",
		"alerts.channels.r.rate_limit: want messages/period such as 20/1m, not \"many\"",
		"alerts.channels.x.type: want mail or webhook, not \"sms\"",
		"alerts.routes[0].hours: want a local time range such as 08:00-18:00, not \"8-18\"",
		"alerts.routes[0].channels: no channel \"nope\"",
		"alerts.routes[1].severity: want warn, crit or unreachable, not \"ok\"",
		"alerts.routes[1].channels: name at least one channel",
		"alerts.roster[0].people: no person \"wang\" in alerts.people",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]string{"20/1m": "20 1m0s", "60/h": "60 1h0m0s", "5/30s": "5 30s", "": "0 0s"} {
		n, d, err := parseRate(in)
		if err != nil || strconv.Itoa(n)+" "+d.String() != want {
			t.Errorf("parseRate(%q) = %d %s %v, want %s", in, n, d, err, want)
		}
	}
	for _, bad := range []string{"20", "0/1m", "x/1m", "20/x", "20/-1m"} {
		if _, _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q): no error", bad)
		}
	}
}
