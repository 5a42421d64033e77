package os

import (
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestFailedLoginsLastb(t *testing.T) {
	// Plain lastb on CentOS 7.7 (no year: Feb 2026 is the latest Feb 27
	// not in the future of osNow).
	out := "@@LASTB\n" + osPrefixLines("L ", osCapture(t, "failed-logins", "centos-7.7-lastb.txt"))
	r := osOne(t, osEval(t, "failed-logins", out, nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local)))
	if r.Status != result.OK || *r.Value != 4 || !strings.Contains(r.Message, "192.168.71.1 (1)") || !strings.Contains(r.Message, "kbrazil (4)") {
		t.Errorf("lastb: %+v", r)
	}
	// lastb -F prints full times with the year.
	fs := parseLastb("root     ssh:notty    203.0.113.9      Sun Nov 29 03:01:02 2026 - Sun Nov 29 03:01:02 2026  (00:00)\n\nbtmp begins Sun Nov  1 00:00:01 2026\n", osNow)
	if len(fs) != 1 || fs[0].From != "203.0.113.9" || fs[0].Time.Year() != 2026 || fs[0].Time.Hour() != 3 {
		t.Errorf("lastb -F: %+v", fs)
	}
	r = osOne(t, osEval(t, "failed-logins", "@@LASTB\nL \nL btmp begins Tue May 20 00:00:00 2025\n", nil, osNow.Add(-24*time.Hour)))
	if r.Status != result.OK || *r.Value != 0 {
		t.Errorf("empty btmp (this machine): %+v", r)
	}
}

func TestFailedLoginsAuthLog(t *testing.T) {
	// Constructed in the formats sshd and pam write (classic syslog on
	// CentOS 7, RFC 3339 from rsyslog on Debian 12): a brute force from
	// 203.0.113.7 with three passwords on one connection, a key-only
	// server's invalid user, an su failure, and the pam duplicate lines.
	now := time.Now()
	ts := func(ago time.Duration) string { return now.Add(-ago).Format("Jan _2 15:04:05") }
	var b strings.Builder
	b.WriteString("@@LOG /var/log/secure\n")
	for i := 0; i < 30; i++ {
		b.WriteString(ts(time.Hour) + " web-01 sshd[4242]: Failed password for root from 203.0.113.7 port 52144 ssh2\n")
	}
	b.WriteString(ts(time.Hour) + " web-01 sshd[4242]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root\n")
	b.WriteString(ts(50*time.Minute) + " web-01 sshd[5000]: Invalid user admin from 198.51.100.3 port 40000\n")
	b.WriteString(ts(50*time.Minute) + " web-01 sshd[5000]: Failed password for invalid user admin from 198.51.100.3 port 40000 ssh2\n")
	b.WriteString(ts(40*time.Minute) + " web-01 sshd[5100]: Invalid user oracle from 198.51.100.4 port 40001\n")
	b.WriteString(ts(30*time.Minute) + " web-01 su: pam_unix(su:auth): authentication failure; logname=app uid=1000 euid=0 tty=pts/0 ruser=app rhost=  user=root\n")
	b.WriteString(ts(72*time.Hour) + " web-01 sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n")
	env := &inspect.Env{Spec: &inspect.Spec{Name: "failed-logins", Type: "failed-logins"}, Section: &inspect.Section{Stdout: b.String()}, Now: now, Since: now.Add(-24 * time.Hour)}
	c, _ := Lookup("failed-logins")
	r := osOne(t, c.Evaluate(t.Context(), env))
	// 30 + 1 (admin: the Failed line, not the Invalid one) + 1 (oracle) + 1 (su)
	if *r.Value != 33 || r.Status != result.Warn {
		t.Fatalf("want 33 attempts (WARN over ~:20), got %+v", r)
	}
	if !strings.Contains(r.Message, "203.0.113.7 (30)") || !strings.Contains(r.Message, "root (31)") || !strings.Contains(r.Advice, "203.0.113.7") {
		t.Errorf("top sources/users/advice: %+v", r)
	}
	// From a log larger than the byte bound, where even the oldest line
	// read is inside the window: a lower bound. (With the 3-day-old line
	// the whole window was read, and the count is exact.)
	lines := strings.Split(b.String(), "\n")
	env.Section.Stdout = "@@SIZE 900000000\n" + strings.Join(lines[:len(lines)-2], "\n")
	if r := osOne(t, c.Evaluate(t.Context(), env)); !strings.Contains(r.Message, "at least 33") {
		t.Errorf("cut log: want a lower bound, got %q", r.Message)
	}
	env.Section.Stdout = "@@SIZE 900000000\n" + b.String()
	if r := osOne(t, c.Evaluate(t.Context(), env)); strings.Contains(r.Message, "at least") || *r.Value != 33 {
		t.Errorf("cut log covering the window: want exactly 33, got %q", r.Message)
	}
	// RFC 3339 lines (Debian 12 rsyslog, journal short-iso).
	fs := parseAuthLog("2026-11-29T07:30:01.123456+00:00 deb sshd[77]: Failed password for invalid user test from 2001:db8::5 port 22 ssh2\n2026-11-29T07:31:00+0000 deb sshd[78]: Failed password for root from 192.0.2.8 port 22 ssh2\n", osNow)
	if len(fs) != 2 || fs[0].From != "2001:db8::5" || fs[0].User != "test" || fs[1].Time.Minute() != 31 {
		t.Errorf("rfc3339: %+v", fs)
	}
	r = osOne(t, osEval(t, "failed-logins", "@@JOURNAL\nHint: You are currently not seeing messages from other users and the system.\n", nil, osNow))
	if r.Status != result.Unknown || r.Reason != "not-readable" {
		t.Errorf("journal not readable: %+v", r)
	}
	r = osOne(t, osEval(t, "failed-logins", "@@NOACCESS\n", nil, osNow))
	if r.Status != result.Unknown || r.Reason != "not-readable" {
		t.Errorf("no access: %+v", r)
	}
}

func BenchmarkParseAuthLog(b *testing.B) {
	line := "Nov 29 05:12:41 web-01 sshd[4242]: Failed password for root from 203.0.113.7 port 52144 ssh2\n"
	out := strings.Repeat(line, failedLoginsMaxLines)
	for b.Loop() {
		if len(parseAuthLog(out, osNow)) != failedLoginsMaxLines {
			b.Fatal("lines lost")
		}
	}
}

func BenchmarkParseLastb(b *testing.B) {
	out := osCapture(b, "failed-logins", "centos-7.7-lastb.txt")
	for b.Loop() {
		if len(parseLastb(out, osNow)) != 4 {
			b.Fatal("want 4 entries")
		}
	}
}

// The real collector over a log file: only matching lines come back, with
// the file's size first.
func TestFailedLoginsScriptOnAFile(t *testing.T) {
	c, _ := Lookup("failed-logins")
	script, err := c.Script(&inspect.Spec{Name: "failed-logins"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	script = strings.Replace(script, "/var/log/secure /var/log/auth.log", "testdata/failed-logins/constructed-secure.log", 1)
	out := osRunSh(t, script)
	if !strings.HasPrefix(out, "@@SIZE 4") || !strings.Contains(out, "@@LOG testdata/failed-logins/constructed-secure.log\n") ||
		strings.Contains(out, "Accepted") || strings.Count(out, "\n") != 5 {
		t.Fatalf("collector output:\n%s", out)
	}
	fs := countAttempts(parseAuthLog(out, time.Date(2026, 11, 29, 8, 0, 0, 0, time.Local)))
	if len(fs) != 3 {
		t.Errorf("want 3 attempts (2 passwords, 1 invalid user), got %+v", fs)
	}
}

// osPrefixLines puts prefix before every line of s, as the collectors do
// with output others control.
func osPrefixLines(prefix, s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}

// An attacker who tries to log in as "@@NOACCESS" must not make the check
// think the log is unreadable (and hide the brute force).
func TestFailedLoginsMarkerInUserName(t *testing.T) {
	lastb := "@@NOACCESS ssh:notty    203.0.113.9      Sun Nov 29 03:01:02 2026 - Sun Nov 29 03:01:02 2026  (00:00)\n"
	r := osOne(t, osEval(t, "failed-logins", "@@LASTB\n"+osPrefixLines("L ", strings.Repeat(lastb, 25)), nil, osNow.Add(-24*time.Hour)))
	if r.Status != result.Warn || *r.Value != 25 || !strings.Contains(r.Message, "@@NOACCESS (25)") {
		t.Errorf("marker as user name: %+v", r)
	}
}
