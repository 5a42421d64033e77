package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/xuri/excelize/v2"

	"github.com/cyhealth/hcops/pkg/result"
)

// reportSMTP is a real SMTP server (emersion/go-smtp) on loopback that keeps
// the messages it accepts.
type reportSMTP struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (s *reportSMTP) NewSession(*smtp.Conn) (smtp.Session, error) { return &reportSession{srv: s}, nil }

type reportSession struct {
	srv *reportSMTP
}

func (s *reportSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *reportSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *reportSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, b)
	s.srv.mu.Unlock()
	return err
}
func (s *reportSession) Reset()        {}
func (s *reportSession) Logout() error { return nil }

func startReportSMTP(t *testing.T) (*reportSMTP, string) {
	t.Helper()
	be := &reportSMTP{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return be, port
}

// TestReportDailyMail sends the daily report through a real SMTP server:
// the HTML report inline, the XLSX workbook attached, the subject naming
// site, report and day; the written file is there too.
func TestReportDailyMail(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, time.Local)
	v := 95.0
	seedHistoryRun(t, db, result.KindInspect, at, result.RunCompleted,
		result.Result{Asset: "his-db-01", Check: "disk:/data", Type: "disk", Item: "/data", Status: result.Crit, Value: &v, Unit: "%",
			Warn: "80", Crit: "90", Message: "/data 95% used", StartedAt: at},
		result.Result{Asset: "pacs-01", Check: "connect", Status: result.Unreachable, Reason: result.ReasonTimeout, Message: "ssh: i/o timeout", StartedAt: at})
	db.Close()

	be, port := startReportSMTP(t)
	cfg := filepath.Join(e.dir, "config.yaml")
	os.WriteFile(cfg, []byte(`site:
  name: 朝阳区卫生健康委员会 健康云
  engineer: 张伟
  reviewer: 李娜
report:
  out_dir: `+filepath.Join(e.dir, "reports")+`
mail:
  host: 127.0.0.1
  port: `+port+`
  tls: none
  from: hcops@example.org
  to: [ops@example.org]
`), 0o644)
	code, out, errOut := e.hcops(t, "--config", cfg, "--lang", "zh", "report", "daily", "--mail")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	path := strings.TrimSpace(out)
	if path != filepath.Join(e.dir, "reports", "巡检报告-2026-11-29.html") {
		t.Errorf("printed path %q", path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.msgs) != 1 {
		t.Fatalf("server got %d messages", len(be.msgs))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(be.msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "朝阳区卫生健康委员会 健康云 巡检报告 2026年11月29日" {
		t.Errorf("subject %q", subject)
	}
	var html string
	var xlsx []byte
	var walk func(r io.Reader, ctype string)
	walk = func(r io.Reader, ctype string) {
		mt, params, _ := mime.ParseMediaType(ctype)
		if !strings.HasPrefix(mt, "multipart/") {
			return
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return
			}
			body := decodePart(t, p)
			pt := p.Header.Get("Content-Type")
			switch {
			case strings.HasPrefix(pt, "multipart/"):
				walk(bytes.NewReader(body), pt)
			case strings.HasPrefix(pt, "text/html"):
				html = string(body)
			case strings.Contains(pt, "spreadsheetml"):
				xlsx = body
			}
		}
	}
	walk(msg.Body, msg.Header.Get("Content-Type"))
	if !strings.Contains(html, "本次共巡检 2 台设备、2 项指标") {
		t.Errorf("HTML body lacks the count line")
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatalf("attachment is not a workbook: %v", err)
	}
	rows, _ := f.GetRows("异常说明")
	if len(rows) != 3 || rows[1][1] != "pacs-01" || rows[2][5] != "严重" {
		t.Errorf("workbook findings %v", rows)
	}
}

func decodePart(t *testing.T, p *multipart.Part) []byte {
	t.Helper()
	b, err := io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
		dec := make([]byte, len(b))
		n, err := base64Decode(dec, b)
		if err != nil {
			t.Fatal(err)
		}
		return dec[:n]
	}
	return b
}

func base64Decode(dst, src []byte) (int, error) {
	return base64.StdEncoding.Decode(dst, bytes.Join(bytes.Fields(src), nil))
}

// TestReportFileMode: every report format is written 0640 narrowed by the
// umask (issue #10 item 9), also when it replaces a world-readable report
// an older hcops left; nothing else is left in the directory.
func TestReportFileMode(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, time.Local)
	seedHistoryRun(t, db, result.KindInspect, at, result.RunCompleted,
		result.Result{Asset: "his-db-01", Check: "connect", Status: result.OK, StartedAt: at})
	db.Close()
	for _, umask := range []int{0o022, 0o077} {
		want := os.FileMode(0o640) &^ os.FileMode(umask)
		for _, format := range []string{"html", "md", "xlsx", "json"} {
			t.Run(fmt.Sprintf("%s umask %03o", format, umask), func(t *testing.T) {
				old := syscall.Umask(umask)
				defer syscall.Umask(old)
				dir := t.TempDir()
				path := filepath.Join(dir, "daily."+format)
				if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, 0o644)
				code, out, errOut := e.hcops(t, "report", "daily", "--format", format, "--out", path)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				if strings.TrimSpace(out) != path {
					t.Errorf("printed %q", out)
				}
				st, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm() != want {
					t.Errorf("mode %04o, want %04o", st.Mode().Perm(), want)
				}
				if st.Size() <= int64(len("old")) {
					t.Errorf("report not replaced: %d bytes", st.Size())
				}
				ents, _ := os.ReadDir(dir)
				if len(ents) != 1 {
					t.Errorf("directory holds %d entries, want only the report", len(ents))
				}
			})
		}
	}
}

// TestReportWriteFails: a report that cannot be put in place exits 3 with
// the path in the message, and leaves no temporary file.
func TestReportWriteFails(t *testing.T) {
	e := newHistoryEnv(t)
	db := e.open(t)
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, time.Local)
	seedHistoryRun(t, db, result.KindInspect, at, result.RunCompleted,
		result.Result{Asset: "his-db-01", Check: "connect", Status: result.OK, StartedAt: at})
	db.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "daily.html")
	if err := os.MkdirAll(filepath.Join(path, "in-the-way"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := e.hcops(t, "report", "daily", "--out", path)
	if code != ExitUnknown {
		t.Errorf("exit %d, want %d", code, ExitUnknown)
	}
	if !strings.Contains(errOut, "cannot write the report "+path+": ") || strings.Contains(errOut, ".tmp-") {
		t.Errorf("stderr %q", errOut)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only the directory in the way", len(ents))
	}
}
