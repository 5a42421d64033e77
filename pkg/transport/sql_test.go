package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// The inventory accepts exactly the modes the transport knows.
func TestTLSModesMatchInventory(t *testing.T) {
	if !slices.Equal(TLSModes, inventory.DBTLSModes) {
		t.Errorf("transport %v, inventory %v", TLSModes, inventory.DBTLSModes)
	}
}

func TestIsLocalHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true, "localhost": true, "LocalHost": true,
		"/var/run/postgresql": true, "": true, "::ffff:127.0.0.1": true,
		"192.0.2.10": false, "10.0.0.1": false, "db.example.org": false, "localhost.example.org": false, "2001:db8::1": false, "0.0.0.0": false,
	} {
		if got := IsLocalHost(host); got != want {
			t.Errorf("IsLocalHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// What each TLS mode means on the wire, for a host on the network and on
// the loopback: PostgreSQL's sslmode, go-sql-driver's TLS settings.
func TestDSNTLS(t *testing.T) {
	type want struct {
		sslmode  string // PostgreSQL
		myTLS    bool   // MySQL: TLS attempted
		fallback bool   // MySQL: plaintext when the server declines TLS
		verify   bool   // MySQL: certificate chain verified
	}
	cases := []struct {
		host, mode string
		want       want
	}{
		{"192.0.2.10", "", want{"require", true, false, false}},
		{"db.example.org", "", want{"require", true, false, false}},
		{"127.0.0.1", "", want{"prefer", true, true, false}},
		{"::1", "", want{"prefer", true, true, false}},
		{"localhost", "", want{"prefer", true, true, false}},
		{"192.0.2.10", "disable", want{"disable", false, false, false}},
		{"192.0.2.10", "prefer", want{"prefer", true, true, false}},
		{"127.0.0.1", "require", want{"require", true, false, false}},
		{"192.0.2.10", "require", want{"require", true, false, false}},
		{"192.0.2.10", "verify-ca", want{"verify-ca", true, false, true}},
		{"db.example.org", "verify-full", want{"verify-full", true, false, true}},
	}
	for _, tc := range cases {
		t.Run(tc.host+"/"+tc.mode, func(t *testing.T) {
			pg := SQLTarget{Name: "x", Engine: "postgresql", Host: tc.host, User: "mon", Password: "pw", TLS: tc.mode}
			_, dsn, err := pg.dsn()
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Query().Get("sslmode"); got != tc.want.sslmode {
				t.Errorf("postgresql sslmode %q, want %q", got, tc.want.sslmode)
			}
			my := pg
			my.Engine = "mariadb"
			_, dsn, err = my.dsn()
			if err != nil {
				t.Fatal(err)
			}
			c, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.TLS != nil; got != tc.want.myTLS {
				t.Errorf("mysql TLS %v, want %v (%s)", got, tc.want.myTLS, dsn)
			}
			if c.AllowFallbackToPlaintext != tc.want.fallback {
				t.Errorf("mysql fallback to plaintext %v, want %v", c.AllowFallbackToPlaintext, tc.want.fallback)
			}
			if c.TLS != nil {
				verifies := !c.TLS.InsecureSkipVerify || c.TLS.VerifyPeerCertificate != nil
				if verifies != tc.want.verify {
					t.Errorf("mysql verifies certificate %v, want %v", verifies, tc.want.verify)
				}
				if tc.mode == "verify-full" && c.TLS.ServerName != tc.host {
					t.Errorf("mysql ServerName %q, want %q", c.TLS.ServerName, tc.host)
				}
			}
		})
	}
	for _, bad := range []string{"true", "skip-verify", "allow", "yes", "REQUIRE"} {
		for _, engine := range []string{"postgresql", "mysql"} {
			if _, _, err := (SQLTarget{Name: "x", Engine: engine, Host: "192.0.2.1", TLS: bad}).dsn(); err == nil || !strings.Contains(err.Error(), "unknown TLS mode") {
				t.Errorf("%s TLS %q: err %v", engine, bad, err)
			}
		}
	}
}

// recorder is a TCP relay in front of a real server that keeps every byte
// the client sent, to show what reached the wire.
type recorder struct {
	ln   net.Listener
	mu   sync.Mutex
	sent bytes.Buffer
}

func newRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(c, s); c.Close() }()
			go func() {
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						r.mu.Lock()
						r.sent.Write(buf[:n])
						r.mu.Unlock()
						s.Write(buf[:n])
					}
					if err != nil {
						s.Close()
						return
					}
				}
			}()
		}
	}()
	return r
}

func (r *recorder) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *recorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.sent.Bytes())
}

// A real PostgreSQL without SSL (testenv's, ssl off): the loopback default
// still connects; tls: require fails with a clear message, and the client
// sent nothing but its request for TLS — no startup message, no password.
func TestPostgresRequireTLSAgainstServerWithoutSSL(t *testing.T) {
	p := testenv.StartPostgres(t)
	ctx := context.Background()
	base := SQLTarget{Name: "pg", Engine: "postgresql", Host: "127.0.0.1", Port: p.Port, Database: "postgres",
		User: "postgres", Password: p.Password, ConnectTimeout: 10 * time.Second}
	db, err := OpenSQL(ctx, base)
	if err != nil {
		t.Fatalf("loopback default (prefer): %v", err)
	}
	db.Close()

	rec := newRecorder(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port)))
	req := base
	req.Port, req.TLS = rec.port(), "require"
	_, err = OpenSQL(ctx, req)
	if err == nil {
		t.Fatal("tls require connected to a server without SSL")
	}
	if ReasonOf(err) != ReasonTLS || !strings.Contains(err.Error(), "before the password was sent") || !strings.Contains(err.Error(), "server refused TLS") {
		t.Errorf("error %q (reason %q)", err, ReasonOf(err))
	}
	// SSLRequest: length 8, code 80877103. Nothing after it.
	sslRequest := []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}
	if got := rec.bytes(); !bytes.Equal(got, sslRequest) {
		t.Errorf("client sent % x, want only the SSLRequest % x", got, sslRequest)
	}
	if strings.Contains(string(rec.bytes()), p.Password) || strings.Contains(err.Error(), p.Password) {
		t.Error("password on the wire or in the error")
	}
}

// A real MariaDB without TLS: the loopback default connects; tls: require
// fails with mysql.ErrNoTLS before the client has written a single byte
// (the server speaks first; the driver hangs up on its greeting).
func TestMariaDBRequireTLSAgainstServerWithoutTLS(t *testing.T) {
	m := testenv.StartMariaDB(t, 1)
	ctx := context.Background()
	base := SQLTarget{Name: "maria", Engine: "mariadb", Host: "127.0.0.1", Port: m.Port, User: "root", Password: m.RootPassword, ConnectTimeout: 10 * time.Second}
	db, err := OpenSQL(ctx, base)
	if err != nil {
		t.Fatalf("loopback default (preferred): %v", err)
	}
	db.Close()

	rec := newRecorder(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(m.Port)))
	for _, mode := range []string{"require", "verify-full"} {
		req := base
		req.Port, req.TLS = rec.port(), mode
		_, err = OpenSQL(ctx, req)
		if err == nil {
			t.Fatalf("tls %s connected to a server without TLS", mode)
		}
		if !errors.Is(err, mysql.ErrNoTLS) || ReasonOf(err) != ReasonTLS || !strings.Contains(err.Error(), "before the password was sent") {
			t.Errorf("tls %s: error %q (reason %q)", mode, err, ReasonOf(err))
		}
	}
	if got := rec.bytes(); len(got) != 0 {
		t.Errorf("client sent %d bytes (% x); want none", len(got), got)
	}
}

// A connection TLS stopped has advice in both languages.
func TestAdviceTLS(t *testing.T) {
	zh, en := Advice("zh", ReasonTLS), Advice("en", ReasonTLS)
	if zh == "" || en == "" || zh == en || !strings.Contains(en, "before the password was sent") {
		t.Errorf("zh %q en %q", zh, en)
	}
}

// Under prefer, pgx reports the refused TLS attempt and then the plaintext
// one that decided: the reason is the latter's.
func TestSQLReasonTLSOnlyWhereRequired(t *testing.T) {
	preferAuth := errors.New("failed to connect to `user=postgres database=postgres`:\n\t127.0.0.1:5432 (127.0.0.1): tls error: server refused TLS connection\n\t127.0.0.1:5432 (127.0.0.1): failed SASL auth: FATAL: password authentication failed for user \"postgres\" (SQLSTATE 28P01)")
	for _, tc := range []struct {
		err  error
		mode string
		want string
	}{
		{preferAuth, "prefer", "auth"},
		{errors.New("failed to connect: 192.0.2.1:5432: tls error: server refused TLS connection"), "require", ReasonTLS},
		{errors.New("failed to connect: tls error: tls: failed to verify certificate: x509: certificate signed by unknown authority"), "verify-full", ReasonTLS},
		{mysql.ErrNoTLS, "require", ReasonTLS},
		{errors.New("dial tcp 192.0.2.1:5432: connect: connection refused"), "require", "refused"},
	} {
		if got := sqlReason(tc.err, tc.mode); got != tc.want {
			t.Errorf("sqlReason(%q, %s) = %q, want %q", tc.err, tc.mode, got, tc.want)
		}
	}
}
