package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/deliver"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// receiver is a webhook endpoint on loopback that can be down (HTTP 503)
// and records what it accepted.
type receiver struct {
	mu     sync.Mutex
	down   bool
	bodies []map[string]any
	tries  int
}

func newReceiver(t *testing.T) (*receiver, string) {
	r := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.tries++
		if r.down {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("receiver: not JSON: %s", body)
		}
		r.bodies = append(r.bodies, m)
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	t.Cleanup(srv.Close)
	return r, srv.URL
}

func (r *receiver) set(down bool) { r.mu.Lock(); r.down = down; r.mu.Unlock() }

// alertIDs are the ids of the alerts received, in order.
func (r *receiver) alertIDs() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for _, b := range r.bodies {
		a, _ := b["alert"].(map[string]any)
		id, _ := a["id"].(float64)
		out = append(out, int64(id))
	}
	return out
}

func crit(asset string) result.Result {
	r := disk(result.Crit)
	r.Asset = asset
	return r
}

func mustDeliver(t *testing.T, e *env, chs *Channels, now time.Time) *Report {
	t.Helper()
	rep, err := Deliver(e.ctx, e.db, chs, now)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestDeliverWebhookDownRetriedNotLostNotTwice(t *testing.T) {
	rcv, u := newReceiver(t)
	cfg := &config.Config{Webhooks: map[string]config.Webhook{"gateway": {Type: "generic", URL: u + "/sms"}}}
	e := newEnv(t, cfg)
	chs, err := NewChannels(cfg, "en")
	if err != nil {
		t.Fatal(err)
	}
	rcv.set(true)

	e.run("inspect", t0, crit("a"))
	if got := e.eval(t0.Add(time.Second)); got != "fire" {
		t.Fatalf("fire: %q", got)
	}
	rep := mustDeliver(t, e, chs, t0.Add(time.Second))
	if rep.Sent != 0 || rep.Failed != 1 || len(rep.Failures) != 1 || !rep.Failures[0].Retry.Equal(t0.Add(31*time.Second)) {
		t.Fatalf("receiver down: %+v", rep)
	}
	if !strings.Contains(rep.Failures[0].Err.Error(), "503") {
		t.Errorf("failure does not say why: %v", rep.Failures[0].Err)
	}
	// Not due yet: not tried again.
	if rep := mustDeliver(t, e, chs, t0.Add(10*time.Second)); rep.Sent+rep.Failed+rep.Deferred != 0 {
		t.Errorf("retried before its time: %+v", rep)
	}
	// Two more alerts while it is down: the first fails, the other waits
	// for the same retry without an attempt.
	e.run("inspect", t0.Add(20*time.Second), crit("a"), crit("b"), crit("c"))
	if got := e.eval(t0.Add(21 * time.Second)); got != "fire fire" {
		t.Fatalf("fire b, c: %q", got)
	}
	rep = mustDeliver(t, e, chs, t0.Add(31*time.Second))
	if rep.Failed != 1 || rep.Deferred != 2 {
		t.Fatalf("still down: %+v", rep)
	}
	tries := rcv.tries
	rcv.set(false)
	// Killed evaluators and restarted deliverers change nothing queued.
	if got := e.eval(t0.Add(40 * time.Second)); got != "" {
		t.Fatalf("evaluated again: %q", got)
	}
	rep = mustDeliver(t, e, chs, t0.Add(2*time.Minute))
	if rep.Sent != 3 || rep.Failed != 0 {
		t.Fatalf("receiver back: %+v", rep)
	}
	if rep := mustDeliver(t, e, chs, t0.Add(time.Hour)); rep.Sent+rep.Failed+rep.Deferred != 0 {
		t.Errorf("delivered again: %+v", rep)
	}
	if got := fmt.Sprint(rcv.alertIDs()); got != "[1 2 3]" {
		t.Errorf("received alerts %s, want [1 2 3] once each", got)
	}
	if rcv.tries != tries+3 {
		t.Errorf("%d requests after recovery, want 3", rcv.tries-tries)
	}
	// The delivery log: alert 1 failed once, waited while the channel
	// was known down (no attempt), then went through.
	ns, _ := e.db.Notifications(e.ctx, 1)
	log, _ := e.db.DeliveryAttempts(e.ctx, ns[0].ID)
	if len(log) != 2 || log[0].OK || !log[1].OK || ns[0].State != store.NotifySent || ns[0].Attempts != 2 {
		t.Errorf("delivery log %+v, notification %+v", log, ns[0])
	}
	counts, _ := e.db.OutboxCounts(e.ctx)
	if counts[store.NotifySent] != 3 || len(counts) != 1 {
		t.Errorf("outbox %v", counts)
	}
	// The generic body: title, message, status and the notice.
	b := rcv.bodies[0]
	a := b["alert"].(map[string]any)
	if b["status"] != "CRIT" || a["event"] != "fire" || a["asset"] != "a" || a["check"] != "disk:/data" ||
		!strings.Contains(b["message"].(string), "Details: /data CRIT") {
		t.Errorf("generic body %v", b)
	}
}

// A deliverer killed between claiming and recording leaves its claim to
// expire; the next one sends what it had claimed.
func TestDeliverAfterKilledDeliverer(t *testing.T) {
	var sent []string
	e := newEnv(t, nil)
	chs := NewChannelSet(0, 0, &Channel{Name: "hook", Sender: SenderFunc(func(ctx context.Context, m Message) error {
		sent = append(sent, m.Subject)
		return nil
	})})
	e.run("inspect", t0, crit("a"))
	e.eval(t0)
	if _, err := e.db.ClaimNotifications(e.ctx, t0, Lease, 10); err != nil { // ... and dies
		t.Fatal(err)
	}
	if rep := mustDeliver(t, e, chs, t0.Add(time.Minute)); rep.Sent != 0 {
		t.Errorf("sent a claimed notification: %+v", rep)
	}
	if rep := mustDeliver(t, e, chs, t0.Add(Lease)); rep.Sent != 1 || len(sent) != 1 {
		t.Errorf("after the lease: %+v, sent %v", rep, sent)
	}
}

func TestDeliverRateLimitDigest(t *testing.T) {
	var got []Message
	e := newEnv(t, nil)
	chs := NewChannelSet(0, 0, &Channel{Name: "hook", Limit: 2, Per: time.Minute, Lang: "en",
		Sender: SenderFunc(func(ctx context.Context, m Message) error {
			got = append(got, m)
			return nil
		})})
	var rs []result.Result
	for _, h := range []string{"a", "b", "c", "d", "e"} {
		rs = append(rs, crit(h))
	}
	e.run("inspect", t0, rs...)
	e.eval(t0)
	rep := mustDeliver(t, e, chs, t0)
	if rep.Sent != 5 || len(got) != 2 || got[0].Digest || !got[1].Digest {
		t.Fatalf("report %+v, messages %d", rep, len(got))
	}
	if !strings.HasPrefix(got[1].Subject, "[digest] 4 notifications") || strings.Count(got[1].Body, "\n[CRIT]") != 4 {
		t.Errorf("digest:\n%s\n%s", got[1].Subject, got[1].Body)
	}
	var data []map[string]any
	if err := json.Unmarshal(got[1].Data, &data); err != nil || len(data) != 4 {
		t.Errorf("digest data %s: %v", got[1].Data, err)
	}
	// The budget of this minute is spent: a new alert waits, then goes.
	e.run("inspect", t0.Add(10*time.Second), crit("f"))
	e.eval(t0.Add(10 * time.Second))
	if rep := mustDeliver(t, e, chs, t0.Add(10*time.Second)); rep.Deferred != 1 || rep.Sent != 0 {
		t.Errorf("over the limit: %+v", rep)
	}
	if rep := mustDeliver(t, e, chs, t0.Add(61*time.Second)); rep.Sent != 1 || len(got) != 3 || got[2].Digest {
		t.Errorf("next minute: %+v", rep)
	}
}

func TestDeliverGivesUpOnlyWhenTold(t *testing.T) {
	e := newEnv(t, nil)
	fail := SenderFunc(func(ctx context.Context, m Message) error { return errors.New("refused") })
	chs := NewChannelSet(2, 0, &Channel{Name: "hook", Sender: fail})
	e.run("inspect", t0, crit("a"))
	e.eval(t0)
	if rep := mustDeliver(t, e, chs, t0); rep.Failed != 1 {
		t.Fatalf("first: %+v", rep)
	}
	if rep := mustDeliver(t, e, chs, t0.Add(time.Minute)); rep.Dead != 1 || rep.Failures[0].Attempts != 2 {
		t.Fatalf("second: %+v", rep)
	}
	if counts, _ := e.db.OutboxCounts(e.ctx); counts[store.NotifyDead] != 1 {
		t.Errorf("outbox %v", counts)
	}
	// A channel removed from the config keeps its notifications.
	e.run("inspect", t0.Add(time.Hour), crit("b"))
	e.eval(t0.Add(time.Hour))
	if rep := mustDeliver(t, e, NewChannelSet(0, 0), t0.Add(time.Hour)); rep.Deferred != 1 {
		t.Errorf("unknown channel: %+v", rep)
	}
}

func TestBackoff(t *testing.T) {
	var got []string
	for n := 1; n <= 8; n++ {
		got = append(got, backoff(n, DefaultMaxDelay).String())
	}
	if want := "30s 1m0s 2m0s 4m0s 8m0s 16m0s 30m0s 30m0s"; strings.Join(got, " ") != want {
		t.Errorf("backoff %s, want %s", strings.Join(got, " "), want)
	}
}

// ---- e-mail to a real SMTP server on loopback -----------------------------

type smtpBackend struct {
	mu   sync.Mutex
	down bool // DATA answered 451 (try again later)
	msgs []smtpMsg
}

type smtpMsg struct {
	to   []string
	data []byte
}

type smtpSession struct {
	b   *smtpBackend
	cur smtpMsg
}

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }
func (s *smtpSession) Mail(string, *smtp.MailOptions) error        { return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.b.down {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.cur.data = data
	s.b.msgs = append(s.b.msgs, s.cur)
	return nil
}
func (s *smtpSession) Reset()        { s.cur = smtpMsg{} }
func (s *smtpSession) Logout() error { return nil }

func startSMTP(t *testing.T) (*smtpBackend, int) {
	b := &smtpBackend{}
	srv := smtp.NewServer(b)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return b, l.Addr().(*net.TCPAddr).Port
}

func TestDeliverMailToLoopbackSMTP(t *testing.T) {
	b, port := startSMTP(t)
	cfg := &config.Config{
		Mail: config.Mail{Host: "127.0.0.1", Port: port, TLS: "none", From: "hcops@example.org", To: []string{"ops@example.org"}},
		Alerts: config.Alerts{Lang: "zh",
			Channels: map[string]config.AlertChannel{"duty-mail": {Type: "mail", To: []string{"noc@example.org"}}},
			Routes:   []config.AlertRoute{{Channels: []string{"duty-mail"}, Duty: true}},
			People:   map[string]config.Person{"zhang": {Name: "张工", Email: "zhang@example.org"}},
			Roster:   []config.Shift{{People: []string{"zhang"}}},
		},
	}
	e := newEnv(t, cfg)
	chs, err := NewChannels(cfg, "en")
	if err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	b.down = true
	b.mu.Unlock()
	e.run("inspect", t0, crit("pacs-db-01"))
	e.eval(t0)
	if rep := mustDeliver(t, e, chs, t0); rep.Failed != 1 || !strings.Contains(rep.Failures[0].Err.Error(), "451") {
		t.Fatalf("server refusing: %+v", rep)
	}
	b.mu.Lock()
	b.down = false
	b.mu.Unlock()
	if rep := mustDeliver(t, e, chs, t0.Add(time.Minute)); rep.Sent != 1 {
		t.Fatalf("server back: %+v", rep)
	}
	e.run("inspect", t0.Add(time.Hour), disk(result.OK))
	if got := e.eval(t0.Add(time.Hour)); got != "resolve" {
		t.Fatalf("resolve: %q", got)
	}
	if rep := mustDeliver(t, e, chs, t0.Add(time.Hour)); rep.Sent != 1 {
		t.Fatalf("recovery: %+v", rep)
	}
	b.mu.Lock()
	msgs := append([]smtpMsg(nil), b.msgs...)
	b.mu.Unlock()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	dec := new(mime.WordDecoder)
	for i, want := range []string{"【严重告警】pacs-db-01 · disk:/data", "【已恢复·原严重】pacs-db-01 · disk:/data"} {
		m, err := mail.ReadMessage(bytes.NewReader(msgs[i].data))
		if err != nil {
			t.Fatal(err)
		}
		subj, _ := dec.DecodeHeader(m.Header.Get("Subject"))
		if subj != want {
			t.Errorf("message %d subject %q, want %q", i, subj, want)
		}
		if got := strings.Join(msgs[i].to, ","); got != "noc@example.org,zhang@example.org" {
			t.Errorf("message %d to %s", i, got)
		}
	}
	body, _ := io.ReadAll(mustMail(t, msgs[0].data).Body)
	if !bytes.Contains(body, []byte("=E5=80=BC=E7=8F=AD")) && !bytes.Contains(body, []byte("值班")) {
		t.Errorf("body does not name the duty:\n%s", body)
	}
}

func mustMail(t *testing.T, data []byte) *mail.Message {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ---- payload goldens per robot platform -----------------------------------

// TestRobotPayloadGolden: the request each platform gets for one alert
// (zh, on-duty mobile), signed with a fixed secret at a fixed time; the
// signatures are checked again here from the platforms' documented
// recipes, independently of pkg/deliver.
func TestRobotPayloadGolden(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("CST", 8*3600)
	defer func() { time.Local = saved }()
	const secret = "SECtest0123456789"
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.Local)
	t.Setenv("HCOPS_TEST_ROBOT_SECRET", secret)
	ref := config.SecretRef{Env: "HCOPS_TEST_ROBOT_SECRET"}

	cfg := &config.Config{
		Webhooks: map[string]config.Webhook{"x": {Type: "generic", URL: "http://127.0.0.1:1/"}},
		Alerts: config.Alerts{Lang: "zh", Routes: []config.AlertRoute{{Channels: []string{"x"}, Duty: true}},
			People: map[string]config.Person{"zhang": {Name: "张工", Mobile: "13800000000"}},
			Roster: []config.Shift{{People: []string{"zhang"}}},
		},
	}
	p, err := NewPolicy(cfg, "zh")
	if err != nil {
		t.Fatal(err)
	}
	p.SystemNames = map[string]SystemName{"pacs": {ZH: "PACS 影像系统", EN: "PACS"}}
	since := at.Add(-25 * time.Minute)
	a := &store.Alert{ID: 12, Key: result.Key{Asset: "pacs-db-01", Check: "disk:/data", Item: "/data"}, Type: "disk",
		System: "pacs", Zone: "intranet", Kind: "inspect", State: store.AlertFiring, Severity: result.Crit, Status: result.Crit,
		Since: since, FiredAt: at, Code: "os.disk.msg", Args: []any{"/data", 95.2, "9.6 GiB", "200 GiB", "ext4"},
		AdviceCode: "os.disk.advice", AdviceArgs: []any{"/data", "9.6 GiB", "200 GiB"}}
	ns, err := p.notifications(Fire, a, 2, at)
	if err != nil || len(ns) != 1 {
		t.Fatal(ns, err)
	}
	m := message(&Channel{Name: "x"}, ns)

	for _, typ := range []string{"wecom", "dingtalk", "feishu", "generic"} {
		t.Run(typ, func(t *testing.T) {
			wh := config.Webhook{Type: typ, URL: "https://robot.example.org/send?access_token=TOKEN", Secret: ref}
			if typ == "wecom" {
				wh.Secret = config.SecretRef{}
			}
			req, err := deliver.BuildWebhook(wh, WebhookPost(typ, m), at)
			if err != nil {
				t.Fatal(err)
			}
			checkSignature(t, typ, req, secret, at)
			got := fmt.Sprintf("POST %s\nX-Hcops-Signature: %s\n\n%s\n", req.URL, req.Header.Get("X-Hcops-Signature"), req.Body)
			golden := filepath.Join("testdata", "payload-"+typ+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("payload differs from %s (go test -update to accept):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func checkSignature(t *testing.T, typ string, req *deliver.Request, secret string, at time.Time) {
	t.Helper()
	mac := func(key, msg string) []byte {
		h := hmac.New(sha256.New, []byte(key))
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	switch typ {
	case "dingtalk":
		// DingTalk: timestamp in ms; sign = Base64(HmacSHA256(key=secret,
		// timestamp+"\n"+secret)), URL-encoded in the query.
		u, _ := url.Parse(req.URL)
		ts := fmt.Sprint(at.UnixMilli())
		want := base64.StdEncoding.EncodeToString(mac(secret, ts+"\n"+secret))
		if u.Query().Get("timestamp") != ts || u.Query().Get("sign") != want {
			t.Errorf("dingtalk signature: %s, want timestamp=%s sign=%s", u.RawQuery, ts, want)
		}
	case "feishu":
		// Feishu: timestamp in s; sign = Base64(HmacSHA256(key=timestamp+
		// "\n"+secret, empty message)), in the body.
		var b struct{ Timestamp, Sign string }
		_ = json.Unmarshal(req.Body, &b)
		ts := fmt.Sprint(at.Unix())
		if want := base64.StdEncoding.EncodeToString(mac(ts+"\n"+secret, "")); b.Timestamp != ts || b.Sign != want {
			t.Errorf("feishu signature: %+v, want %s %s", b, ts, want)
		}
	case "generic":
		if want := "sha256=" + hex.EncodeToString(mac(secret, string(req.Body))); req.Header.Get("X-Hcops-Signature") != want {
			t.Errorf("generic signature %q, want %q", req.Header.Get("X-Hcops-Signature"), want)
		}
	}
}
