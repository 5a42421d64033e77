package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/cyhealth/hcops/pkg/result"
)

// SQL engines hcops speaks. DM (达梦) and Kingbase (金仓) are reached through
// their PostgreSQL (Kingbase) or MySQL-compatible modes where the site has
// enabled them; see the README.
const (
	EnginePostgres = "postgresql"
	EngineMySQL    = "mysql"
	EngineMariaDB  = "mariadb"
)

// SQLTarget is a database instance to connect to. Password is already
// resolved from its secret reference; it is never logged.
type SQLTarget struct {
	Name           string // asset name, for messages
	Engine         string // postgresql, mysql, mariadb (also: postgres, pg, kingbase → postgresql)
	Host           string
	Port           int
	Database       string
	User           string
	Password       string
	TLS            string // "", disable, prefer, require, verify-ca, verify-full: see TLSModes and dsn
	ConnectTimeout time.Duration
}

// NormalizeEngine maps engine spellings to EnginePostgres or EngineMySQL
// (MariaDB speaks the MySQL protocol), or "" when unknown.
func NormalizeEngine(e string) string {
	switch strings.ToLower(strings.TrimSpace(e)) {
	case "postgresql", "postgres", "pg", "pgsql", "kingbase", "kingbasees", "opengauss", "gaussdb":
		return EnginePostgres
	case "mysql", "mariadb", "tidb", "oceanbase", "dm-mysql", "greatdb":
		return EngineMySQL
	}
	return ""
}

// TLS modes a database asset may give (inventory database.tls). They are
// PostgreSQL's sslmode names; MySQL and MariaDB get the same meaning:
//
//	""           not given: require on the wire, prefer on loopback/socket
//	disable      never TLS: the explicit permission to send the password in clear
//	prefer       TLS when the server offers it, else plaintext (also a permission)
//	require      TLS or no connection; the certificate is not verified
//	verify-ca    TLS with a certificate signed by a trusted CA (any name)
//	verify-full  TLS with a trusted certificate for the address connected to
//
// A server that declines TLS under require or stricter gets no password: the
// drivers stop before authentication (pgx: "server refused TLS connection";
// go-sql-driver: mysql.ErrNoTLS).
var TLSModes = []string{"disable", "prefer", "require", "verify-ca", "verify-full"}

// ValidTLSMode reports whether m may be given as a target's TLS mode ("" too).
func ValidTLSMode(m string) bool {
	return m == "" || slices.Contains(TLSModes, m)
}

// IsLocalHost reports whether host never puts the connection on a network:
// a loopback address, "localhost", a unix socket directory, or empty (the
// driver's local default).
func IsLocalHost(host string) bool {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if h == "" || strings.HasPrefix(h, "/") || strings.EqualFold(h, "localhost") {
		return true
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().IsLoopback()
	}
	return false
}

// TLSMode returns the mode t connects with: its own, else require — or, for
// a loopback address or socket, prefer (the connection never leaves this
// machine, and local instances rarely have certificates).
func (t SQLTarget) TLSMode() string {
	if t.TLS != "" {
		return t.TLS
	}
	if IsLocalHost(t.Host) {
		return "prefer"
	}
	return "require"
}

// mysqlVerifyCA is the go-sql-driver TLS config for verify-ca: the chain must
// lead to a trusted CA, the name is not checked (as PostgreSQL's verify-ca).
const mysqlVerifyCA = "hcops-verify-ca"

var registerVerifyCA = sync.OnceValue(func() error {
	return mysql.RegisterTLSConfig(mysqlVerifyCA, &tls.Config{
		InsecureSkipVerify: true, // the chain is verified below, without the host name
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("server sent no certificate")
			}
			certs := make([]*x509.Certificate, len(raw))
			for i, b := range raw {
				c, err := x509.ParseCertificate(b)
				if err != nil {
					return err
				}
				certs[i] = c
			}
			opts := x509.VerifyOptions{Intermediates: x509.NewCertPool()}
			for _, c := range certs[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := certs[0].Verify(opts)
			return err
		},
	})
})

// dsn builds the driver's connection string.
func (t SQLTarget) dsn() (driver, dsn string, err error) {
	timeout := t.ConnectTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if !ValidTLSMode(t.TLS) {
		return "", "", fmt.Errorf("%s: unknown TLS mode %q (want %s)", t.Name, t.TLS, strings.Join(TLSModes, ", "))
	}
	mode := t.TLSMode()
	switch NormalizeEngine(t.Engine) {
	case EnginePostgres:
		port := t.Port
		if port == 0 {
			port = 5432
		}
		u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(t.Host, strconv.Itoa(port)), Path: "/" + t.Database}
		if t.User != "" {
			u.User = url.UserPassword(t.User, t.Password)
			if t.Password == "" {
				u.User = url.User(t.User)
			}
		}
		q := url.Values{}
		q.Set("sslmode", mode)
		q.Set("connect_timeout", strconv.Itoa(int(timeout.Seconds()+0.5)))
		q.Set("application_name", "hcops")
		u.RawQuery = q.Encode()
		return "pgx", u.String(), nil
	case EngineMySQL:
		port := t.Port
		if port == 0 {
			port = 3306
		}
		c := mysql.NewConfig()
		c.Net = "tcp"
		c.Addr = net.JoinHostPort(t.Host, strconv.Itoa(port))
		c.User, c.Passwd, c.DBName = t.User, t.Password, t.Database
		c.Timeout, c.ReadTimeout, c.WriteTimeout = timeout, 30*time.Second, 30*time.Second
		c.ParseTime = true
		c.AllowNativePasswords = true
		switch mode {
		case "prefer":
			c.TLSConfig = "preferred" // TLS when offered, else plaintext
		case "require":
			c.TLSConfig = "skip-verify" // TLS or nothing; no fallback
		case "verify-ca":
			if err := registerVerifyCA(); err != nil {
				return "", "", fmt.Errorf("%s: %w", t.Name, err)
			}
			c.TLSConfig = mysqlVerifyCA
		case "verify-full":
			c.TLSConfig = "true" // system CAs, ServerName = the host
		}
		return "mysql", c.FormatDSN(), nil
	}
	return "", "", fmt.Errorf("%s: unsupported database engine %q (want postgresql or mysql/mariadb)", t.Name, t.Engine)
}

// OpenSQL opens a connection to t and checks it answers. Failures to reach
// the server are *UnreachableError (refused, timeout, dns, auth).
func OpenSQL(ctx context.Context, t SQLTarget) (*sql.DB, error) {
	driver, dsn, err := t.dsn()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Name, err)
	}
	db.SetMaxOpenConns(2) // two samples may run side by side; never more per instance
	db.SetMaxIdleConns(2)
	db.SetConnMaxLifetime(10 * time.Minute)
	timeout := t.ConnectTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		reason := sqlReason(err, t.TLSMode())
		if reason == ReasonTLS {
			err = fmt.Errorf("TLS mode %s: the server declined TLS or its certificate failed; the connection was closed before the password was sent: %w", t.TLSMode(), err)
		}
		return nil, &UnreachableError{Target: t.Name, Reason: reason, Err: redact(err, t.Password)}
	}
	return db, nil
}

// ReasonTLS is the unreachable reason of a database connection that TLS
// stopped: the server declined it (no SSL configured) where the TLS mode
// requires it, or its certificate did not verify. Only SQL targets give it.
const ReasonTLS = "tls"

// sqlReason classifies a connection error. TLS is the reason only where
// mode forbids plaintext: under prefer, pgx's message keeps the refused TLS
// attempt before the plaintext one that decided.
func sqlReason(err error, mode string) string {
	var dnsErr *net.DNSError
	var myErr *mysql.MySQLError
	msg := strings.ToLower(err.Error())
	switch {
	case mode != "disable" && mode != "prefer" && (errors.Is(err, mysql.ErrNoTLS) || strings.Contains(msg, "server refused tls") ||
		strings.Contains(msg, "x509:") || strings.Contains(msg, "tls: ")):
		return ReasonTLS
	case errors.As(err, &dnsErr):
		return result.ReasonDNS
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(msg, "connection refused"):
		return result.ReasonRefused
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timeout") || strings.Contains(msg, "i/o timeout"):
		return result.ReasonTimeout
	case errors.As(err, &myErr) && (myErr.Number == 1045 || myErr.Number == 1044),
		strings.Contains(msg, "password authentication failed"), strings.Contains(msg, "no pg_hba.conf entry"),
		strings.Contains(msg, "access denied"), strings.Contains(msg, "28p01"), strings.Contains(msg, "28000"):
		return result.ReasonAuth
	}
	return result.ReasonNetwork
}

// redact removes the password from an error message, in case a driver
// echoes its connection string.
func redact(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "****"))
}

// SQLPool keeps one open connection per database asset for the length of a
// run, so every db-health check of an instance shares it.
type SQLPool struct {
	mu   sync.Mutex
	conn map[string]*sqlEntry
}

type sqlEntry struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// NewSQLPool returns an empty pool.
func NewSQLPool() *SQLPool { return &SQLPool{conn: map[string]*sqlEntry{}} }

// Get returns the connection for t (keyed by t.Name), opening it on first
// use. A failed open is remembered, so a down instance costs one timeout per
// run, not one per check.
func (p *SQLPool) Get(ctx context.Context, t SQLTarget) (*sql.DB, error) {
	p.mu.Lock()
	e, ok := p.conn[t.Name]
	if !ok {
		e = &sqlEntry{}
		p.conn[t.Name] = e
	}
	p.mu.Unlock()
	e.once.Do(func() { e.db, e.err = OpenSQL(ctx, t) })
	return e.db, e.err
}

// Close closes every connection.
func (p *SQLPool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first error
	for k, e := range p.conn {
		if e.db != nil {
			if err := e.db.Close(); err != nil && first == nil {
				first = err
			}
		}
		delete(p.conn, k)
	}
	return first
}
