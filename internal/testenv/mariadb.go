package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// MariaDB is a real MariaDB server started for a test on 127.0.0.1 from
// Debian's mariadb-server package, with the binary log on so it can be a
// replication primary. It is stopped at the end of the test.
type MariaDB struct {
	Dir      string
	Port     int
	Socket   string
	ServerID int
	// RootPassword is root@'%' and root@localhost's password.
	RootPassword string
	// ErrorLog is the server's error log (--log-error).
	ErrorLog string
	// SlowLog is where the slow query log goes once it is switched on
	// (--slow-query-log=1 in extraArgs, or SET GLOBAL slow_query_log = 1);
	// it is off by default.
	SlowLog string
	owner   *syscall.Credential
	cmd     *exec.Cmd
}

// StartMariaDB initialises and starts a server. serverID must differ between
// a primary and its replicas.
func StartMariaDB(t testing.TB, serverID int, extraArgs ...string) *MariaDB {
	t.Helper()
	mysqld := LookPath(t, "mariadbd")
	install := LookPath(t, "mariadb-install-db")
	LookPath(t, "mariadb")
	cred := serviceCredential(t, "mysql")
	dir := ownedTempDir(t, cred, "hcops-maria-*")
	m := &MariaDB{Dir: dir, Port: FreePort(t), Socket: filepath.Join(dir, "sock"), ServerID: serverID, RootPassword: "hcops-root-pw",
		ErrorLog: filepath.Join(dir, "err.log"), SlowLog: filepath.Join(dir, "slow.log"), owner: cred}
	data := filepath.Join(dir, "data")
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if cred != nil {
		args = append(args, "--user=mysql")
	}
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	srv := []string{"--no-defaults", "--datadir=" + data, "--port=" + strconv.Itoa(m.Port), "--bind-address=127.0.0.1",
		"--socket=" + m.Socket, "--pid-file=" + filepath.Join(dir, "pid"), "--log-error=" + m.ErrorLog, "--slow-query-log-file=" + m.SlowLog,
		fmt.Sprintf("--server-id=%d", serverID), "--log-bin=" + filepath.Join(data, "binlog"), "--binlog-format=ROW",
		"--skip-name-resolve", "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--max-connections=30",
		"--innodb-flush-log-at-trx-commit=0", "--sync-binlog=0"}
	if cred != nil {
		srv = append(srv, "--user=mysql")
	}
	srv = append(srv, extraArgs...)
	m.cmd = exec.Command(mysqld, srv...)
	logf, _ := os.Create(filepath.Join(dir, "stdout.log"))
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start mariadbd: %v", err)
	}
	t.Cleanup(func() {
		m.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { m.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			m.cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", m.Port), time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(m.ErrorLog)
			t.Fatalf("mariadbd did not start listening on %d\n%s", m.Port, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A clean baseline: root only on the loopback, with a password; no
	// anonymous accounts; a replication account.
	// Not binlogged: each server sets up its own accounts, and a replica
	// must not replay its primary's.
	m.SQL(t, fmt.Sprintf(`SET sql_log_bin = 0;
		DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost','127.0.0.1'));
		FLUSH PRIVILEGES;
		ALTER USER 'root'@'localhost' IDENTIFIED BY '%[1]s';
		CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '%[1]s';
		GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
		CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl-pw'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
		FLUSH PRIVILEGES;`, m.RootPassword))
	return m
}

// SQL runs statements through the mariadb client over the socket as root.
func (m *MariaDB) SQL(t testing.TB, stmts string) string {
	t.Helper()
	args := []string{"--no-defaults", "--socket=" + m.Socket, "-uroot", "-B", "-e", stmts}
	if !strings.Contains(stmts, `\G`) {
		args = append(args, "-N")
	}
	cmd := exec.Command("mariadb", args...)
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+m.RootPassword)
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "Access denied") {
		// Before the root password is set, root logs in without one.
		cmd = exec.Command("mariadb", args...)
		out, err = cmd.CombinedOutput()
	}
	if err != nil {
		t.Fatalf("mariadb %q: %v\n%s", stmts, err, out)
	}
	return strings.TrimSpace(string(out))
}

// ReplicateFrom makes m a replica of primary (GTID positions) and waits until
// both replication threads run.
func (m *MariaDB) ReplicateFrom(t testing.TB, primary *MariaDB) {
	t.Helper()
	m.SQL(t, fmt.Sprintf(`CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='repl', MASTER_PASSWORD='repl-pw', MASTER_USE_GTID=slave_pos; START SLAVE;`, primary.Port))
	var out string
	deadline := time.Now().Add(30 * time.Second)
	for {
		out = m.SQL(t, "SHOW SLAVE STATUS\\G")
		if strings.Contains(out, "Slave_IO_Running: Yes") && strings.Contains(out, "Slave_SQL_Running: Yes") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica threads did not start:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
