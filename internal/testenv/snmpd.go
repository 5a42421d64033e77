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

// SNMPD is a real Net-SNMP agent (Debian snmpd) on a loopback UDP port,
// with its own configuration and persistent directory in a temp dir: a v2c
// community and two v3 users, one authPriv (SHA/AES) and one authNoPriv
// (SHA). Its engine boots count (snmpEngineBoots) survives Restart, as on
// a real device.
type SNMPD struct {
	Addr      string // 127.0.0.1
	Port      int
	Dir       string
	Community string
	// PrivUser is an authPriv user (SHA, AES); AuthUser an authNoPriv one
	// (SHA). Both use AuthKey; PrivUser also PrivKey.
	PrivUser, AuthUser string
	AuthKey, PrivKey   string

	bin, conf string
	starts    int
	cmd       *exec.Cmd
	logf      *os.File
}

// SNMPDOptions adds to the agent's configuration.
type SNMPDOptions struct {
	// Extra is appended to snmpd.conf (sysObjectID, ...).
	Extra string
	// Pass mounts data the agent serves as it is (an emulated vendor
	// table), see SNMPPass.
	Pass []SNMPPass
}

// SNMPPass is a Net-SNMP "pass" handler serving, under Root, the OIDs of
// Data: lines "OID TYPE VALUE" in any order, TYPE as pass expects
// (integer, gauge, counter, counter64, string, objectid, timeticks). The
// data is read on every request, so a test may change it (SetPassData).
type SNMPPass struct {
	Name, Root, Data string
}

// StartSNMPD starts an agent; it is stopped when the test ends.
func StartSNMPD(t testing.TB, o SNMPDOptions) *SNMPD {
	t.Helper()
	bin := LookPath(t, "snmpd")
	s := &SNMPD{Addr: "127.0.0.1", Port: freeUDPPort(t), Dir: t.TempDir(), Community: "hcops-test-community",
		PrivUser: "hcopspriv", AuthUser: "hcopsauth", AuthKey: "hcops-auth-key-1", PrivKey: "hcops-priv-key-1", bin: bin}
	if err := os.MkdirAll(filepath.Join(s.Dir, "persist"), 0o700); err != nil {
		t.Fatal(err)
	}
	s.conf = filepath.Join(s.Dir, "snmpd.conf")
	for _, p := range o.Pass {
		o.Extra += "\n" + s.passScript(t, p.Name, p.Root, p.Data)
	}
	cfg := fmt.Sprintf(`# written by the test
rocommunity %s 127.0.0.1
createUser %s SHA "%s" AES "%s"
createUser %s SHA "%s"
rouser %s priv
rouser %s auth
sysName hcops-test-agent
sysLocation loopback
%s
`, s.Community, s.PrivUser, s.AuthKey, s.PrivKey, s.AuthUser, s.AuthKey, s.PrivUser, s.AuthUser, o.Extra)
	if err := os.WriteFile(s.conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	t.Cleanup(s.Stop)
	return s
}

// freeUDPPort is a UDP port free on the loopback right now.
func freeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func (s *SNMPD) start(t testing.TB) {
	t.Helper()
	// A log file per start: -Lf truncates.
	s.starts++
	logPath := filepath.Join(s.Dir, fmt.Sprintf("snmpd-%d.log", s.starts))
	logf, err := os.OpenFile(filepath.Join(s.Dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	// -C -c: only this configuration; MIBS/MIBDIRS: the agent needs no MIB
	// files (it serves OIDs), and without them it logs no parse noise.
	// The persistent state (engine boots, engine ID) is a configuration
	// file too, which -C would skip: name it, once the agent has saved it.
	conf := s.conf
	if st := filepath.Join(s.Dir, "persist", "snmpd.conf"); fileExists(st) {
		conf += "," + st
	}
	s.cmd = exec.Command(s.bin, "-f", "-Lf", logPath, "-C", "-c", conf, "-p", filepath.Join(s.Dir, "pid"),
		"udp:127.0.0.1:"+strconv.Itoa(s.Port))
	s.cmd.Env = append(os.Environ(), "SNMP_PERSISTENT_DIR="+filepath.Join(s.Dir, "persist"), "MIBS=", "MIBDIRS="+filepath.Join(s.Dir, "no-mibs"))
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start snmpd: %v", err)
	}
	s.logf = logf
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		if strings.Contains(string(b), "NET-SNMP version") {
			return
		}
		if time.Now().After(deadline) || (s.cmd.ProcessState != nil) {
			t.Fatalf("snmpd did not start on udp 127.0.0.1:%d\n%s", s.Port, s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the agent.
func (s *SNMPD) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
	if s.logf != nil {
		s.logf.Close()
		s.logf = nil
	}
}

// Restart stops and starts the agent on the same port with the same
// persistent state: sysUpTime starts again from 0, snmpEngineBoots goes up
// and the interface counters it serves are read afresh.
func (s *SNMPD) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.start(t)
}

// Log is the agent's log, for failure messages.
func (s *SNMPD) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, fmt.Sprintf("snmpd-%d.log", s.starts)))
	o, _ := os.ReadFile(filepath.Join(s.Dir, "stdout.log"))
	return string(b) + string(o)
}

// passScript writes a pass handler (see SNMPPass) and returns the
// snmpd.conf line that mounts it.
func (s *SNMPD) passScript(t testing.TB, name, root, data string) string {
	t.Helper()
	dataPath := filepath.Join(s.Dir, name+".data")
	s.SetPassData(t, name, data)
	// The agent runs the handler as root: the files must not be writable
	// by others.
	awk := `function cmp(a, b,   x, y, n, m, i) {
	sub(/^\./, "", a); sub(/^\./, "", b)
	n = split(a, x, "."); m = split(b, y, ".")
	for (i = 1; i <= n && i <= m; i++) {
		if (x[i] + 0 < y[i] + 0) return -1
		if (x[i] + 0 > y[i] + 0) return 1
	}
	return n < m ? -1 : (n > m ? 1 : 0)
}
NF >= 3 {
	oid = $1; typ = $2; val = $0
	sub(/^[^ ]+ +[^ ]+ +/, "", val)
	if (mode == "-g" && cmp(oid, req) == 0) {
		print oid; print typ; print val; found = 1; exit
	}
	# getnext: the smallest OID after req, whatever the order of the lines
	if (mode == "-n" && cmp(oid, req) > 0 && (best == "" || cmp(oid, best) < 0)) {
		best = oid; btyp = typ; bval = val
	}
}
END { if (mode == "-n" && best != "") { print best; print btyp; print bval } }`
	awkPath := filepath.Join(s.Dir, name+".awk")
	if err := os.WriteFile(awkPath, []byte(awk), 0o644); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n[ \"$1\" = -s ] && { echo not-writable; exit 0; }\nexec awk -v mode=\"$1\" -v req=\"$2\" -f '%s' '%s'\n", awkPath, dataPath)
	scriptPath := filepath.Join(s.Dir, name+".sh")
	if err := os.WriteFile(scriptPath, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return "pass " + root + " /bin/sh " + scriptPath
}

// SetPassData replaces the data the pass handler name serves.
func (s *SNMPD) SetPassData(t testing.TB, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.Dir, name+".data"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
