// Package deliver sends reports out of the machine: by e-mail over SMTP
// (HTML body, attachments such as the XLSX report) and as a short summary to
// chat robots (WeCom, DingTalk, Feishu) or a generic JSON webhook (OP3, OP5).
//
// Delivery never touches the report file itself: a caller writes the file
// first and delivers afterwards, so a failed delivery loses nothing. Errors
// name the recipients or webhook and the reason; passwords, signing secrets
// and tokens in URLs never appear in errors or logs.
package deliver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/cyhealth/hcops/pkg/config"
)

// DefaultTimeout bounds connecting to the SMTP server and each SMTP command,
// and a webhook request, when the context has no earlier deadline.
const DefaultTimeout = 30 * time.Second

// Message is one e-mail: a subject, an HTML body with a plain-text
// alternative, and attachments.
type Message struct {
	Subject     string
	HTML        string
	Text        string
	Attachments []Attachment
}

// Attachment is a file attached to a Message.
type Attachment struct {
	Name        string
	Data        []byte
	ContentType string // e.g. ContentTypeXLSX; "" means application/octet-stream
}

// ContentTypeXLSX is the MIME type of an Excel workbook.
const ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Mail sends msg to cfg.To (and cfg.Cc) through the SMTP server cfg.Host.
//
// cfg.TLS chooses the transport: "starttls" (the default; the server must
// offer STARTTLS, port 587 unless set), "tls" (implicit TLS, port 465) or
// "none" (plain text, port 25; only for a relay on a trusted network). When
// cfg.Username is set the client authenticates with PLAIN or LOGIN — only
// over an encrypted connection — or the strongest other mechanism the server
// offers; the password comes from cfg.Password (env or file). cfg.CAFile adds
// a CA for a private mail server; cfg.Insecure skips verification (test
// servers only).
func Mail(ctx context.Context, cfg config.Mail, msg Message) error {
	rcpts := append(append([]string(nil), cfg.To...), cfg.Cc...)
	who := strings.Join(rcpts, ", ")
	if who == "" {
		who = "(no recipients)"
	}
	fail := func(err error) error {
		return fmt.Errorf("mail to %s via %s: %w", who, mailAddr(cfg), err)
	}
	if cfg.Host == "" {
		return fail(errors.New("no SMTP host configured (mail.host)"))
	}
	if cfg.From == "" {
		return fail(errors.New("no sender configured (mail.from)"))
	}
	if len(cfg.To) == 0 {
		return fail(errors.New("no recipients configured (mail.to)"))
	}

	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8))
	if err := m.From(cfg.From); err != nil {
		return fail(fmt.Errorf("sender %q: %w", cfg.From, err))
	}
	if err := m.To(cfg.To...); err != nil {
		return fail(fmt.Errorf("recipient: %w", err))
	}
	if len(cfg.Cc) > 0 {
		if err := m.Cc(cfg.Cc...); err != nil {
			return fail(fmt.Errorf("cc recipient: %w", err))
		}
	}
	m.Subject(msg.Subject)
	m.SetDate()
	m.SetMessageID()
	switch {
	case msg.HTML != "" && msg.Text != "":
		m.SetBodyString(mail.TypeTextPlain, msg.Text)
		m.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	case msg.HTML != "":
		m.SetBodyString(mail.TypeTextHTML, msg.HTML)
	default:
		m.SetBodyString(mail.TypeTextPlain, msg.Text)
	}
	for _, a := range msg.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		m.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(ct)))
	}

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	opts, err := clientOptions(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	c, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return fail(err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		if ctx.Err() != nil {
			// The connection was closed under go-mail; say why.
			if errors.Is(ctx.Err(), context.Canceled) {
				return fail(fmt.Errorf("%w: interrupted before the server finished", ctx.Err()))
			}
			return fail(fmt.Errorf("%w: the server did not finish in time (last error: %v)", ctx.Err(), err))
		}
		return fail(explainSMTP(err, cfg))
	}
	return nil
}

// clientOptions turns the config into go-mail options; the password is
// resolved here and handed only to the client.
func clientOptions(ctx context.Context, cfg config.Mail) ([]mail.Option, error) {
	tlsCfg := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate found", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	if cfg.Insecure {
		tlsCfg.InsecureSkipVerify = true //nolint:gosec // explicit opt-in for test servers
	}
	timeout := DefaultTimeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = max(time.Until(d), time.Millisecond)
	}
	opts := []mail.Option{
		mail.WithTimeout(timeout),
		mail.WithTLSConfig(tlsCfg),
		mail.WithPort(mailPort(cfg)),
		mail.WithDialContextFunc(dialer(ctx, tlsMode(cfg) == "tls", tlsCfg)),
	}
	switch tlsMode(cfg) {
	case "tls":
		// Implicit TLS is done by dialer; go-mail must not start TLS again.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("mail.tls %q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Username != "" {
		pw, err := cfg.Password.Resolve()
		if err != nil {
			return nil, fmt.Errorf("mail password: %w", err)
		}
		opts = append(opts,
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin),
			mail.WithUsername(cfg.Username), mail.WithPassword(pw))
	}
	return opts, nil
}

// dialer connects (with TLS for implicit TLS) and ties the connection to
// ctx: go-mail honours the context only while dialling, so without this a
// server that accepts and then says nothing would hold us for the whole
// command timeout even after Ctrl-C.
func dialer(ctx context.Context, implicitTLS bool, tlsCfg *tls.Config) mail.DialContextFunc {
	return func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		nd := &net.Dialer{}
		var c net.Conn
		var err error
		if implicitTLS {
			c, err = (&tls.Dialer{NetDialer: nd, Config: tlsCfg}).DialContext(dialCtx, network, addr)
		} else {
			c, err = nd.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { c.Close() })
		return c, nil
	}
}

func tlsMode(cfg config.Mail) string {
	m := strings.ToLower(strings.TrimSpace(cfg.TLS))
	if m == "" {
		return "starttls"
	}
	return m
}

func mailPort(cfg config.Mail) int {
	if cfg.Port > 0 {
		return cfg.Port
	}
	switch tlsMode(cfg) {
	case "tls":
		return mail.DefaultPortSSL
	case "none":
		return mail.DefaultPort
	}
	return mail.DefaultPortTLS
}

func mailAddr(cfg config.Mail) string {
	return net.JoinHostPort(cfg.Host, strconv.Itoa(mailPort(cfg)))
}

// explainSMTP adds a hint to the common failures; the underlying error stays
// wrapped so callers can inspect it.
func explainSMTP(err error, cfg config.Mail) error {
	var ne net.Error
	var oe *net.OpError
	msg := err.Error()
	switch {
	case errors.As(err, &oe) && oe.Op == "dial":
		return fmt.Errorf("%w (is the SMTP server running, and are mail.host and mail.port right?)", err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w (the server did not answer in time)", err)
	case strings.Contains(msg, "does not support STARTTLS"):
		return fmt.Errorf("%w (set mail.tls: tls for implicit TLS, or none for a trusted relay)", err)
	case strings.Contains(msg, "certificate"):
		return fmt.Errorf("%w (set mail.ca_file to the server's CA)", err)
	case authFailedRE.MatchString(msg):
		return fmt.Errorf("%w (check mail.username and the password in %s)", err, secretWhere(cfg.Password))
	}
	return err
}

// authFailedRE matches the SMTP reply 535 (RFC 4954: authentication
// credentials invalid) or go-mail's own wording, not a port like :53535.
var authFailedRE = regexp.MustCompile(`(^|[^0-9:])535([^0-9]|$)|(?i)authentication failed`)

// secretWhere names where a secret comes from, never its value.
func secretWhere(s config.SecretRef) string {
	switch {
	case s.Env != "":
		return "environment variable " + s.Env
	case s.File != "":
		return "file " + s.File
	}
	return "mail.password"
}
