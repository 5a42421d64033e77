package schedule

import (
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
)

var calendarCases = []struct{ cron, want string }{
	{"0 8 * * *", "*-*-* 08:00:00"},
	{"0 9 * * 1", "Mon *-*-* 09:00:00"},
	{"0 7 1 * *", "*-*-01 07:00:00"},
	{"*/15 * * * *", "*-*-* *:00/15:00"},
	{"30 2 * * 1-5", "Mon..Fri *-*-* 02:30:00"},
	{"0 22 * * 0", "Sun *-*-* 22:00:00"},
	{"0 22 * * 0,6", "Sat,Sun *-*-* 22:00:00"},
	{"0 8 * * SUN-TUE", "Mon,Tue,Sun *-*-* 08:00:00"},
	{"0 0,12 * * *", "*-*-* 00,12:00:00"},
	{"0 9-17 * * *", "*-*-* 09..17:00:00"},
	{"0 9-17/2 * * *", "*-*-* 09,11,13,15,17:00:00"},
	{"5/20 * * * *", "*-*-* *:05/20:00"},
	{"0 3 */2 * *", "*-*-01/2 03:00:00"},
	{"0 3 1 1,4,7,10 *", "*-01,04,07,10-01 03:00:00"},
	{"0 3 15 JAN *", "*-01-15 03:00:00"},
	{"0 0 * * 0-6", "*-*-* 00:00:00"},
	{"@daily", "*-*-* 00:00:00"},
	{"@hourly", "*-*-* *:00:00"},
	{"@weekly", "Sun *-*-* 00:00:00"},
	{"@monthly", "*-*-01 00:00:00"},
	{"@yearly", "*-01-01 00:00:00"},
}

func TestOnCalendar(t *testing.T) {
	for _, c := range calendarCases {
		got, err := OnCalendar(c.cron)
		if err != nil || got != c.want {
			t.Errorf("OnCalendar(%q) = %q, %v; want %q", c.cron, got, err, c.want)
		}
	}
}

func TestOnCalendarNotConvertible(t *testing.T) {
	_, err := OnCalendar("0 8 1 * 1")
	if !errors.Is(err, ErrNotConvertible) || !strings.Contains(err.Error(), "split it into two jobs") {
		t.Errorf("dom and dow both set: err = %v, want ErrNotConvertible with advice", err)
	}
}

// TestOnCalendarMatchesCron asks systemd itself: the next firings of each
// converted OnCalendar expression must equal the cron schedule's.
func TestOnCalendarMatchesCron(t *testing.T) {
	analyze := testenv.LookPath(t, "systemd-analyze")
	base := time.Date(2026, 11, 29, 5, 41, 0, 0, time.UTC) // a Sunday
	const n = 6
	elapse := regexp.MustCompile(`(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC`)
	for _, c := range calendarCases {
		cmd := exec.Command(analyze, "calendar", "--iterations=6", "--base-time="+base.Format("2006-01-02 15:04:05")+" UTC", c.want)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("systemd-analyze calendar %q: %v\n%s", c.want, err, out)
			continue
		}
		var got []string
		for _, m := range elapse.FindAllStringSubmatch(string(out), -1) {
			got = append(got, m[1])
		}
		sched, err := ParseSchedule(c.cron)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for t0, i := base, 0; i < n; i++ {
			t0 = sched.Next(t0)
			want = append(want, t0.Format("2006-01-02 15:04:05"))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%q → %q fires at\n  systemd %v\n  cron    %v", c.cron, c.want, got, want)
		}
	}
}
