package mw

import (
	"bufio"
	"context"
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

	"github.com/cyhealth/hcops/internal/testenv"
)

// Real servers on loopback, started by the test and stopped with it (the
// whole process group): redis-server, nginx and a RabbitMQ node with the
// management plugin, from their Debian packages (scripts/test-deps.sh).

// startProc runs cmd in its own process group and kills the group when
// the test ends.
func startProc(t *testing.T, cmd *exec.Cmd, logPath string) {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logf.Close()
	})
}

// waitPort waits until addr accepts connections.
func waitPort(t *testing.T, addr string, within time.Duration, logPath string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("%s did not open within %s; log:\n%s", addr, within, b)
}

// redisServer is a redis-server on a free loopback port.
type redisServer struct {
	Addr, Dir string
	stop      func()
}

// startRedis starts redis-server with extra arguments ("--requirepass",
// "pw", ...). No RDB saves unless asked, its own directory.
func startRedis(t *testing.T, args ...string) *redisServer {
	t.Helper()
	bin := testenv.LookPath(t, "redis-server")
	port := testenv.FreePort(t)
	dir := t.TempDir()
	s := &redisServer{Addr: "127.0.0.1:" + strconv.Itoa(port), Dir: dir}
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
		"--enable-protected-configs", "yes", "--logfile", ""}, args...)
	cmd := exec.Command(bin, all...)
	logPath := filepath.Join(dir, "redis.log")
	startProc(t, cmd, logPath)
	s.stop = func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Process.Wait() }
	waitPort(t, s.Addr, 10*time.Second, logPath)
	return s
}

// do sends one command and returns the reply (test helper over the
// check's own RESP code).
func (s *redisServer) do(t *testing.T, password string, args ...string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	if password != "" {
		redisCommand(c, "AUTH", password)
		if _, err := redisReply(br); err != nil {
			t.Fatalf("AUTH: %v", err)
		}
	}
	redisCommand(c, args...)
	out, err := redisReply(br)
	if err != nil {
		return "ERR " + err.Error()
	}
	return out
}

// info waits until INFO's field has the value.
func (s *redisServer) waitInfo(t *testing.T, password, field, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		last = ParseRedisInfo(s.do(t, password, "INFO"))[field]
		if last == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: INFO %s is %q, want %q", s.Addr, field, last, want)
}

// startNginx runs nginx with the server block given (inside http {}).
func startNginx(t *testing.T, server string) string {
	t.Helper()
	bin := testenv.LookPath(t, "nginx")
	dir := t.TempDir()
	port := testenv.FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	user := ""
	if os.Geteuid() == 0 {
		// Workers would run as nobody and not read the test's 0700 files.
		user = "user root;"
	}
	conf := fmt.Sprintf(`daemon off;
%[4]s
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  server {
    listen %[2]s;
    %[3]s
  }
}
`, dir, addr, strings.ReplaceAll(server, "DIR", dir), user)
	cf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(cf, []byte(conf), 0o644)
	cmd := exec.Command(bin, "-p", dir, "-c", cf, "-e", filepath.Join(dir, "error.log"))
	startProc(t, cmd, filepath.Join(dir, "stdout.log"))
	waitPort(t, addr, 10*time.Second, filepath.Join(dir, "error.log"))
	nginxDirs[addr] = dir
	return addr
}

// nginxDirs are the directories of the running nginx servers, by address.
var nginxDirs = map[string]string{}

// nginxDir is the directory of the nginx at addr (files named DIR/... in
// its configuration are there).
func nginxDir(t *testing.T, addr string) string {
	t.Helper()
	return nginxDirs[addr]
}

// rabbitNode is a RabbitMQ node with the management plugin.
type rabbitNode struct {
	API  string // http://127.0.0.1:PORT
	env  []string
	dir  string
	name string
}

// startRabbitMQ starts a private RabbitMQ node (its own epmd on a free
// port, its own directories) and waits until its management API answers.
func startRabbitMQ(t *testing.T) *rabbitNode {
	t.Helper()
	bin := rabbitBin(t, "rabbitmq-server")
	dir := t.TempDir()
	amqp, mgmt, dist, epmd := testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t)
	n := &rabbitNode{API: fmt.Sprintf("http://127.0.0.1:%d", mgmt), dir: dir,
		name: fmt.Sprintf("hcops%d@localhost", mgmt)}
	os.WriteFile(filepath.Join(dir, "enabled_plugins"), []byte("[rabbitmq_management].\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rabbitmq.conf"), []byte(fmt.Sprintf(
		"listeners.tcp.default = 127.0.0.1:%d\nmanagement.tcp.port = %d\nmanagement.tcp.ip = 127.0.0.1\ncollect_statistics_interval = 1000\nmanagement.rates_mode = none\n", amqp, mgmt)), 0o644)
	n.env = append(os.Environ(), "HOME="+dir, "RABBITMQ_NODENAME="+n.name,
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"), "RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq"), "RABBITMQ_DIST_PORT="+strconv.Itoa(dist),
		"ERL_EPMD_PORT="+strconv.Itoa(epmd))
	// epmd daemonises out of the process group: end it by its port once
	// the node is gone (cleanups run last-registered first, and epmd
	// refuses -kill while a node is registered).
	t.Cleanup(func() {
		if e, err := exec.LookPath("epmd"); err == nil {
			c := exec.Command(e, "-port", strconv.Itoa(epmd), "-kill")
			if out, err := c.CombinedOutput(); err != nil {
				t.Logf("epmd -kill: %v %s", err, out)
			}
		}
	})
	cmd := exec.Command(bin)
	cmd.Env, cmd.Dir = n.env, dir
	logPath := filepath.Join(dir, "server.log")
	startProc(t, cmd, logPath)
	waitPort(t, fmt.Sprintf("127.0.0.1:%d", mgmt), 60*time.Second, logPath)
	return n
}

// ctl runs rabbitmqctl against the node.
func (n *rabbitNode) ctl(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bin := rabbitBin(t, "rabbitmqctl")
	cmd := exec.CommandContext(ctx, bin, append([]string{"-n", n.name}, args...)...)
	cmd.Env, cmd.Dir = n.env, n.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rabbitmqctl %v: %v\n%s", args, err, out)
	}
}

// rabbitBin is the RabbitMQ script itself, not /usr/sbin's wrapper (which
// switches to the rabbitmq user and drops the test's environment).
func rabbitBin(t *testing.T, name string) string {
	t.Helper()
	p := "/usr/lib/rabbitmq/bin/" + name
	if _, err := os.Stat(p); err != nil {
		testenv.Missing(t, "rabbitmq-server is not installed (run scripts/test-deps.sh)")
	}
	return p
}

// startTomcat runs a private Tomcat (Debian's tomcat10, CATALINA_BASE of
// its own) with the manager webapp of tomcat10-admin and one user with the
// manager-status role, and waits until the manager answers.
func startTomcat(t *testing.T, user, password string) string {
	t.Helper()
	home := "/usr/share/tomcat10"
	manager := "/usr/share/tomcat10-admin/manager"
	for _, p := range []string{home + "/bin/catalina.sh", manager, "/etc/tomcat10/web.xml"} {
		if _, err := os.Stat(p); err != nil {
			testenv.Missing(t, "tomcat10 and tomcat10-admin are not installed (run scripts/test-deps.sh)")
		}
	}
	testenv.LookPath(t, "java")
	base := t.TempDir()
	for _, d := range []string{"conf/Catalina/localhost", "logs", "work", "temp", "webapps"} {
		os.MkdirAll(filepath.Join(base, d), 0o755)
	}
	for _, f := range []string{"web.xml", "catalina.properties"} {
		b, err := os.ReadFile("/etc/tomcat10/" + f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(base, "conf", f), b, 0o644)
	}
	port := testenv.FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	os.WriteFile(filepath.Join(base, "conf", "server.xml"), []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="%d" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000"/>
    <Engine name="Catalina" defaultHost="localhost">
      <Realm className="org.apache.catalina.realm.MemoryRealm" pathname="conf/tomcat-users.xml"/>
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false"/>
    </Engine>
  </Service>
</Server>
`, port)), 0o644)
	var users strings.Builder
	xmlAttr := func(s string) string {
		return strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "'", "&apos;").Replace(s)
	}
	fmt.Fprintf(&users, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tomcat-users>\n  <user username=\"%s\" password=\"%s\" roles=\"manager-status\"/>\n</tomcat-users>\n", xmlAttr(user), xmlAttr(password))
	os.WriteFile(filepath.Join(base, "conf", "tomcat-users.xml"), []byte(users.String()), 0o600)
	os.WriteFile(filepath.Join(base, "conf", "Catalina", "localhost", "manager.xml"),
		[]byte(`<Context docBase="`+manager+`" privileged="true"/>`), 0o644)
	cmd := exec.Command(home+"/bin/catalina.sh", "run")
	cmd.Env = append(os.Environ(), "CATALINA_HOME="+home, "CATALINA_BASE="+base, "JAVA_OPTS=-Xmx96m -Xshare:auto")
	cmd.Dir = base
	logPath := filepath.Join(base, "catalina.out")
	startProc(t, cmd, logPath)
	waitPort(t, addr, 90*time.Second, logPath)
	return addr
}
