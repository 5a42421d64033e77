package deliver

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/cyhealth/hcops/pkg/config"
)

// received is one message as the SMTP server got it.
type received struct {
	from string
	to   []string
	data []byte
	auth string // user that authenticated, "" if none
	tls  bool
}

// smtpServer is a real SMTP server (emersion/go-smtp) on loopback that
// records what it receives.
type smtpServer struct {
	mu        sync.Mutex
	msgs      []received
	user      string // when set, AUTH PLAIN with user/pass is required
	pass      string
	rejectTo  string // RCPT TO this address is refused with 550
	loginMech bool   // offer AUTH LOGIN only (instead of PLAIN)
	port      int
	certPEM   []byte
}

func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &smtpSession{srv: s, tls: isTLS}, nil
}

type smtpSession struct {
	srv  *smtpServer
	tls  bool
	auth string
	cur  received
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.srv.loginMech {
		return []string{sasl.Login}
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) check(user, pass string) error {
	if user != s.srv.user || pass != s.srv.pass {
		return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
	}
	s.auth = user
	return nil
}

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech == sasl.Login {
		return &loginServer{check: s.check}, nil
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error { return s.check(user, pass) }), nil
}

// loginServer is the server side of AUTH LOGIN (go-sasl has only the
// client): ask for the user name, then the password.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if len(resp) > 0 { // initial response carries the user name
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.auth == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = received{from: from, auth: s.auth}
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.srv.rejectTo {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.cur.tls = s.tls
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.cur = received{} }
func (s *smtpSession) Logout() error { return nil }

// selfSigned returns a TLS certificate for 127.0.0.1 and its PEM.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hcops test mail"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// start runs s on a loopback port; mode is "none", "starttls" or "tls".
func (s *smtpServer) start(t *testing.T, mode string) {
	t.Helper()
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = mode == "none"
	srv.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected here
	var l net.Listener
	var err error
	if mode != "none" {
		cert, pemBytes := selfSigned(t)
		s.certPEM = pemBytes
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if mode == "tls" {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// caFile writes the server's certificate for mail.ca_file.
func (s *smtpServer) caFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, s.certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var xlsxBytes = []byte("PK\x03\x04 fake-but-binary \x00\x01\x02\xff workbook")

func testMessage() Message {
	return Message{
		Subject: "朝阳区卫生健康委 运维工作报告 2026年11月",
		HTML:    "<html><body><h1>运维工作报告</h1><p>可用率 99.98%</p></body></html>",
		Text:    "运维工作报告\n可用率 99.98%",
		Attachments: []Attachment{
			{Name: "运维工作报告-2026-11.xlsx", Data: xlsxBytes, ContentType: ContentTypeXLSX},
		},
	}
}

// parsed is the part of a received message a recipient would look at.
type parsed struct {
	subject  string
	html     string
	text     string
	attName  string
	attType  string
	attData  []byte
	toHeader string
}

func parseMessage(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	var p parsed
	// Headers must be 7-bit (RFC 2047 words), or old relays mangle them.
	for k, vs := range m.Header {
		for _, v := range vs {
			for i := 0; i < len(v); i++ {
				if v[i] >= 0x80 {
					t.Errorf("header %s is not 7-bit: %q", k, v)
					break
				}
			}
		}
	}
	dec := new(mime.WordDecoder)
	if p.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("subject %q: %v", m.Header.Get("Subject"), err)
	}
	p.toHeader = m.Header.Get("To")
	var walk func(ct string, h map[string][]string, body io.Reader)
	walk = func(ct string, h map[string][]string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(part.Header.Get("Content-Type"), part.Header, part)
			}
		}
		raw, _ := io.ReadAll(body)
		enc := strings.ToLower(mail.Header(h).Get("Content-Transfer-Encoding"))
		var content []byte
		switch enc {
		case "base64":
			content, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
			if err != nil {
				t.Fatalf("base64 part: %v", err)
			}
		case "quoted-printable":
			content, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		default:
			content = raw
		}
		disp := mail.Header(h).Get("Content-Disposition")
		switch {
		case strings.HasPrefix(disp, "attachment"):
			_, dp, _ := mime.ParseMediaType(disp)
			// go-mail writes non-ASCII names as RFC 2047 words, which
			// Outlook, Foxmail and Thunderbird decode.
			name, err := dec.DecodeHeader(dp["filename"])
			if err != nil {
				t.Fatalf("attachment name %q: %v", dp["filename"], err)
			}
			p.attName, p.attType, p.attData = name, mt, content
		case mt == "text/html":
			p.html = string(content)
		case mt == "text/plain":
			p.text = string(content)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Header, m.Body)
	return p
}

func TestMailStartTLSWithAuth(t *testing.T) {
	srv := &smtpServer{user: "ops@cyhealth.example", pass: "s3cret pass"}
	srv.start(t, "starttls")
	t.Setenv("HCOPS_TEST_SMTP_PW", "s3cret pass")
	cfg := config.Mail{
		Host: "127.0.0.1", Port: srv.port, Username: "ops@cyhealth.example",
		Password: config.SecretRef{Env: "HCOPS_TEST_SMTP_PW"},
		From:     "hcops <ops@cyhealth.example>",
		To:       []string{"director@cyhealth.example", "duty@cyhealth.example"},
		Cc:       []string{"archive@cyhealth.example"},
	}
	cfg.CAFile = srv.caFile(t)
	if err := Mail(context.Background(), cfg, testMessage()); err != nil {
		t.Fatalf("mail: %v", err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	r := msgs[0]
	if !r.tls || r.auth != "ops@cyhealth.example" || r.from != "ops@cyhealth.example" {
		t.Errorf("tls=%v auth=%q from=%q, want STARTTLS, authenticated, ops@", r.tls, r.auth, r.from)
	}
	if got := strings.Join(r.to, ","); got != "director@cyhealth.example,duty@cyhealth.example,archive@cyhealth.example" {
		t.Errorf("RCPT TO = %s", got)
	}
	p := parseMessage(t, r.data)
	if p.subject != testMessage().Subject {
		t.Errorf("subject = %q, want %q", p.subject, testMessage().Subject)
	}
	if !strings.Contains(p.html, "<h1>运维工作报告</h1>") || !strings.Contains(p.text, "可用率 99.98%") {
		t.Errorf("html part %q / text part %q", p.html, p.text)
	}
	if p.attName != "运维工作报告-2026-11.xlsx" || p.attType != ContentTypeXLSX || !bytes.Equal(p.attData, xlsxBytes) {
		t.Errorf("attachment %q %q %q", p.attName, p.attType, p.attData)
	}
	if bytes.Contains(r.data, []byte("s3cret")) {
		t.Error("the password appears in the message")
	}
}

func TestMailAuthLogin(t *testing.T) {
	srv := &smtpServer{user: "ops", pass: "pa55 word", loginMech: true}
	srv.start(t, "starttls")
	// The password from a file (as written by an editor: with a newline).
	pwFile := filepath.Join(t.TempDir(), "smtp.pw")
	if err := os.WriteFile(pwFile, []byte("pa55 word\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Mail{Host: "127.0.0.1", Port: srv.port, Username: "ops", Password: config.SecretRef{File: pwFile},
		From: "ops@cyhealth.example", To: []string{"duty@cyhealth.example"}, CAFile: srv.caFile(t)}
	if err := Mail(context.Background(), cfg, Message{Subject: "login", Text: "x"}); err != nil {
		t.Fatalf("mail: %v", err)
	}
	if msgs := srv.messages(); len(msgs) != 1 || msgs[0].auth != "ops" {
		t.Fatalf("messages = %+v, want one sent after AUTH LOGIN", msgs)
	}
}

func TestMailImplicitTLSAndPlain(t *testing.T) {
	for _, mode := range []string{"tls", "none"} {
		t.Run(mode, func(t *testing.T) {
			srv := &smtpServer{}
			srv.start(t, mode)
			cfg := config.Mail{Host: "127.0.0.1", Port: srv.port, TLS: mode, From: "ops@cyhealth.example", To: []string{"duty@cyhealth.example"}}
			if mode == "tls" {
				cfg.Insecure = true // self-signed; the CA path is covered above
				srv.user, srv.pass = "ops", "pw"
				t.Setenv("HCOPS_TEST_SMTP_PW", "pw")
				cfg.Username, cfg.Password = "ops", config.SecretRef{Env: "HCOPS_TEST_SMTP_PW"}
			}
			msg := Message{Subject: "daily inspection", Text: "all OK"}
			if err := Mail(context.Background(), cfg, msg); err != nil {
				t.Fatalf("mail: %v", err)
			}
			msgs := srv.messages()
			if len(msgs) != 1 || msgs[0].tls != (mode == "tls") {
				t.Fatalf("messages = %+v", msgs)
			}
			if p := parseMessage(t, msgs[0].data); p.subject != "daily inspection" || strings.TrimSpace(p.text) != "all OK" {
				t.Errorf("got %+v", p)
			}
		})
	}
}

func TestMailFailures(t *testing.T) {
	t.Setenv("HCOPS_TEST_SMTP_PW", "wrong-password-xyz")
	base := func(port int) config.Mail {
		return config.Mail{Host: "127.0.0.1", Port: port, TLS: "none", From: "ops@cyhealth.example", To: []string{"nobody@cyhealth.example"}}
	}

	t.Run("recipient refused", func(t *testing.T) {
		srv := &smtpServer{rejectTo: "nobody@cyhealth.example"}
		srv.start(t, "none")
		err := Mail(context.Background(), base(srv.port), Message{Subject: "x", Text: "y"})
		wantErr(t, err, "mail to nobody@cyhealth.example via 127.0.0.1:"+strconv.Itoa(srv.port), "550", "mailbox unavailable")
	})

	t.Run("wrong password", func(t *testing.T) {
		srv := &smtpServer{user: "ops", pass: "right"}
		srv.start(t, "starttls")
		cfg := base(srv.port)
		cfg.TLS, cfg.Insecure, cfg.Username = "starttls", true, "ops"
		cfg.Password = config.SecretRef{Env: "HCOPS_TEST_SMTP_PW"}
		err := Mail(context.Background(), cfg, Message{Subject: "x", Text: "y"})
		wantErr(t, err, "535", "environment variable HCOPS_TEST_SMTP_PW")
		if strings.Contains(err.Error(), "wrong-password-xyz") {
			t.Errorf("error shows the password: %v", err)
		}
	})

	t.Run("starttls not offered", func(t *testing.T) {
		srv := &smtpServer{}
		srv.start(t, "none")
		cfg := base(srv.port)
		cfg.TLS = ""
		err := Mail(context.Background(), cfg, Message{Subject: "x", Text: "y"})
		wantErr(t, err, "STARTTLS", "mail.tls")
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		srv := &smtpServer{}
		srv.start(t, "tls")
		cfg := base(srv.port)
		cfg.TLS = "tls"
		err := Mail(context.Background(), cfg, Message{Subject: "x", Text: "y"})
		wantErr(t, err, "certificate", "mail.ca_file")
	})

	t.Run("server closes the connection", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Write([]byte("421 too busy, closing\r\n"))
				c.Close()
			}
		}()
		err = Mail(context.Background(), base(l.Addr().(*net.TCPAddr).Port), Message{Subject: "x", Text: "y"})
		wantErr(t, err, "mail to nobody@cyhealth.example", "421")
	})

	t.Run("server never answers", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		var conns []net.Conn
		var mu sync.Mutex
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c) // hold it open, say nothing
				mu.Unlock()
			}
		}()
		defer func() {
			mu.Lock()
			for _, c := range conns {
				c.Close()
			}
			mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- Mail(ctx, base(l.Addr().(*net.TCPAddr).Port), Message{Subject: "x", Text: "y"}) }()
		select {
		case err := <-done:
			wantErr(t, err, "mail to nobody@cyhealth.example", "in time")
		case <-time.After(20 * time.Second):
			t.Fatal("Mail hangs on a silent server despite the context deadline")
		}
		// Ctrl-C: a cancelled context (no deadline) ends the wait too.
		ctx, cancel = context.WithCancel(context.Background())
		go func() { done <- Mail(ctx, base(l.Addr().(*net.TCPAddr).Port), Message{Subject: "x", Text: "y"}) }()
		time.AfterFunc(300*time.Millisecond, cancel)
		select {
		case err := <-done:
			wantErr(t, err, "mail to nobody@cyhealth.example", "context canceled: interrupted before the server finished")
		case <-time.After(20 * time.Second):
			t.Fatal("Mail ignores cancellation on a silent server")
		}
	})

	t.Run("nothing listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		err = Mail(context.Background(), base(port), Message{Subject: "x", Text: "y"})
		wantErr(t, err, "127.0.0.1:"+strconv.Itoa(port), "refused", "is the SMTP server running")
	})

	t.Run("config errors", func(t *testing.T) {
		cfg := base(25)
		cfg.To = nil
		wantErr(t, Mail(context.Background(), cfg, Message{}), "mail to (no recipients) via 127.0.0.1:25: no recipients configured (mail.to)")
		cfg = base(25)
		cfg.TLS = "ssl3"
		wantErr(t, Mail(context.Background(), cfg, Message{}), `mail.tls "ssl3"`)
		cfg = base(25)
		cfg.Username, cfg.Password = "ops", config.SecretRef{Env: "HCOPS_TEST_NOT_SET_ANYWHERE"}
		wantErr(t, Mail(context.Background(), cfg, Message{}), "mail password", "HCOPS_TEST_NOT_SET_ANYWHERE")
	})
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}
