package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Postgres is a real PostgreSQL server started for a test on 127.0.0.1,
// from Debian's postgresql package. It is stopped at the end of the test.
type Postgres struct {
	Dir      string // cluster's parent directory (data, socket, log)
	Data     string
	Port     int
	Password string // of the postgres superuser (scram over TCP; trust over the socket)
	BinDir   string
	// Log is the server log (pg_ctl -l): stderr logging with PostgreSQL's
	// default log_line_prefix '%m [%p] '. Set log_min_duration_statement
	// and the like through StartPostgres' extraConf.
	Log   string
	owner *syscall.Credential
	t     testing.TB
}

// PostgresBinDir finds the newest /usr/lib/postgresql/N/bin.
func PostgresBinDir(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	Missing(t, "PostgreSQL server (initdb) is not installed (apt-get install postgresql)")
	return ""
}

// serviceCredential returns the credential to run a server as: the named
// system user when the test runs as root (PostgreSQL refuses root), else nil.
func serviceCredential(t testing.TB, name string) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		Missing(t, "system user "+name+" does not exist (install the server package)")
		return nil
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// ownedTempDir makes a directory the service user can write (t.TempDir is
// root-only when tests run as root).
func ownedTempDir(t testing.TB, cred *syscall.Credential, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runAs(t testing.TB, cred *syscall.Credential, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// StartPostgres initialises and starts a primary configured for streaming
// replication (wal_level replica, replication allowed from 127.0.0.1 with
// the superuser's password).
func StartPostgres(t testing.TB, extraConf ...string) *Postgres {
	t.Helper()
	bin := PostgresBinDir(t)
	cred := serviceCredential(t, "postgres")
	dir := ownedTempDir(t, cred, "hcops-pg-*")
	p := &Postgres{Dir: dir, Data: filepath.Join(dir, "data"), Port: FreePort(t), Password: "hcops-test-pw", BinDir: bin, Log: filepath.Join(dir, "log"), owner: cred, t: t}
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(p.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		os.Chown(pwfile, int(cred.Uid), int(cred.Gid))
	}
	if out, err := runAs(t, cred, nil, filepath.Join(bin, "initdb"), "-D", p.Data, "-U", "postgres", "-E", "UTF8", "--no-sync",
		"--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile="+pwfile); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	conf := []string{
		"listen_addresses = '127.0.0.1'",
		fmt.Sprintf("port = %d", p.Port),
		fmt.Sprintf("unix_socket_directories = '%s'", dir),
		"wal_level = replica", "max_wal_senders = 5", "hot_standby = on",
		"fsync = off", "synchronous_commit = off", "full_page_writes = off",
		"shared_buffers = 16MB", "max_connections = 20",
	}
	conf = append(conf, extraConf...)
	appendFile(t, filepath.Join(p.Data, "postgresql.conf"), strings.Join(conf, "\n")+"\n")
	appendFile(t, filepath.Join(p.Data, "pg_hba.conf"), "host replication all 127.0.0.1/32 scram-sha-256\n")
	p.start()
	return p
}

// StartStandby makes a streaming standby of primary with pg_basebackup -R
// and starts it on its own port.
func (primary *Postgres) StartStandby(t testing.TB) *Postgres {
	t.Helper()
	dir := ownedTempDir(t, primary.owner, "hcops-pgstandby-*")
	s := &Postgres{Dir: dir, Data: filepath.Join(dir, "data"), Port: FreePort(t), Password: primary.Password, BinDir: primary.BinDir, Log: filepath.Join(dir, "log"), owner: primary.owner, t: t}
	out, err := runAs(t, primary.owner, []string{"PGPASSWORD=" + primary.Password}, filepath.Join(primary.BinDir, "pg_basebackup"),
		"-h", "127.0.0.1", "-p", strconv.Itoa(primary.Port), "-U", "postgres", "-D", s.Data, "-R", "-X", "stream", "--no-sync")
	if err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	appendFile(t, filepath.Join(s.Data, "postgresql.conf"), fmt.Sprintf("port = %d\nunix_socket_directories = '%s'\n", s.Port, dir))
	s.start()
	return s
}

func (p *Postgres) start() {
	t := p.t
	t.Helper()
	logf := p.Log
	if out, err := runAs(t, p.owner, nil, filepath.Join(p.BinDir, "pg_ctl"), "-D", p.Data, "-l", logf, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(logf)
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(p.Stop)
}

// Start starts the server again after Stop, on the same port and data.
func (p *Postgres) Start() { p.start() }

// Freeze stops (SIGSTOP) the server and every backend: a database that
// hangs, or a link that silently drops its packets. Connections stay
// open; nothing answers. Thaw, or the test's end, lets it go on.
func (p *Postgres) Freeze() {
	p.signal(syscall.SIGSTOP)
	p.t.Cleanup(p.Thaw)
}

// Thaw lets a frozen server go on (SIGCONT).
func (p *Postgres) Thaw() { p.signal(syscall.SIGCONT) }

func (p *Postgres) signal(sig syscall.Signal) {
	b, err := os.ReadFile(filepath.Join(p.Data, "postmaster.pid"))
	if err != nil {
		p.t.Fatalf("postmaster.pid: %v", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		p.t.Fatalf("postmaster.pid: %q", line)
	}
	syscall.Kill(pid, sig)
	for _, c := range descendants(pid) {
		syscall.Kill(c, sig)
	}
}

// Stop stops the server at once (safe to call twice).
func (p *Postgres) Stop() {
	runAs(p.t, p.owner, nil, filepath.Join(p.BinDir, "pg_ctl"), "-D", p.Data, "-m", "immediate", "-w", "stop")
}

// SQL runs statements through psql over the local socket as postgres and
// returns the unaligned output.
func (p *Postgres) SQL(t testing.TB, db, stmts string) string {
	t.Helper()
	if db == "" {
		db = "postgres"
	}
	out, err := runAs(t, p.owner, nil, filepath.Join(p.BinDir, "psql"), "-h", p.Dir, "-p", strconv.Itoa(p.Port), "-U", "postgres", "-d", db,
		"-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", stmts)
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", stmts, err, out)
	}
	return strings.TrimSpace(out)
}

// WaitFor polls cond every 100 ms until it is true or timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}

func appendFile(t testing.TB, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
