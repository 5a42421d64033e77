// Package schedule turns the jobs of the configuration (jobs: name,
// schedule, args) into crontab lines or systemd timer and service units, and
// gives each job a lock so that an overlapping run of the same job exits at
// once instead of piling up (OP4).
//
// Every generated entry runs `hcops schedule run NAME`, which takes the lock
// and then runs the job's hcops arguments; the schedule itself is a standard
// 5-field cron expression (minute hour day-of-month month day-of-week) or
// one of @hourly, @daily, @weekly, @monthly, @yearly.
package schedule

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/robfig/cron/v3"

	"github.com/cyhealth/hcops/pkg/config"
)

// Site is what the default jobs are fitted to: a job that cannot work at
// this site (an inspection of a system the inventory does not have, a report
// mailed with no mail server) is not proposed.
type Site struct {
	// Systems are the application systems of the inventory.
	Systems []string
	// Mail is true when the configuration names a mail server and
	// recipients (mail.host and mail.to).
	Mail bool
}

// HasSystem reports whether the site has the application system name.
func (s Site) HasSystem(name string) bool {
	for _, n := range s.Systems {
		if n == name {
			return true
		}
	}
	return false
}

// SiteOf fits the defaults to a configuration and the inventory's systems.
func SiteOf(cfg *config.Config, systems []string) Site {
	s := Site{Systems: systems}
	if cfg != nil {
		s.Mail = cfg.Mail.Host != "" && len(cfg.Mail.To) > 0
	}
	return s
}

// DispatchSystem is the 120 emergency dispatch system, inspected weekly by
// default where the inventory has it.
const DispatchSystem = "dispatch-120"

// DefaultJobs are used when the configuration has no jobs:
//
//   - daily-inspection: every day at 08:00, `hcops inspect` (its daily set:
//     linux-daily, windows-daily, network-daily and middleware-daily, so
//     hosts, Windows servers, network and security devices, links, storage
//     and middleware are all checked);
//   - weekly-dispatch-120: Mondays at 09:00, `hcops inspect -l
//     system=dispatch-120` (the 120 emergency dispatch system), only when
//     the inventory has that system;
//   - monthly-report: the 1st of each month at 07:00, `hcops report monthly`
//     for the month just ended (its default), with --mail only when mail is
//     configured (otherwise the report is only written to report.out_dir).
//
// Times are the machine's local time (cron and systemd use it).
func DefaultJobs(site Site) []config.Job {
	jobs := []config.Job{{Name: "daily-inspection", Schedule: "0 8 * * *", Args: []string{"inspect"}}}
	if site.HasSystem(DispatchSystem) {
		jobs = append(jobs, config.Job{Name: "weekly-dispatch-120", Schedule: "0 9 * * 1", Args: []string{"inspect", "-l", "system=" + DispatchSystem}})
	}
	monthly := config.Job{Name: "monthly-report", Schedule: "0 7 1 * *", Args: []string{"report", "monthly"}}
	if site.Mail {
		monthly.Args = append(monthly.Args, "--mail")
	}
	return append(jobs, monthly)
}

// Jobs returns the configured jobs, or DefaultJobs(site) when there are none.
func Jobs(cfg *config.Config, site Site) []config.Job {
	if cfg == nil || len(cfg.Jobs) == 0 {
		return DefaultJobs(site)
	}
	return cfg.Jobs
}

// Find returns the job called name.
func Find(jobs []config.Job, name string) (config.Job, error) {
	var names []string
	for _, j := range jobs {
		if j.Name == name {
			return j, nil
		}
		names = append(names, j.Name)
	}
	return config.Job{}, fmt.Errorf("no job named %q (jobs: %s)", name, strings.Join(names, ", "))
}

var jobNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// cronParser accepts what crontab(5) accepts: five fields (names such as
// MON and JAN allowed) and the @yearly…@hourly descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule checks a cron expression as crontab and systemd will see
// it. @every and CRON_TZ= are rejected: crontab cannot express them.
func ParseSchedule(expr string) (cron.Schedule, error) {
	e := strings.TrimSpace(expr)
	switch {
	case e == "":
		return nil, errors.New("empty schedule (want a cron expression such as \"0 8 * * *\")")
	case strings.HasPrefix(e, "@every"):
		return nil, errors.New("@every cannot be written as a crontab line; use a 5-field cron expression such as \"*/30 * * * *\"")
	case strings.HasPrefix(e, "TZ=") || strings.HasPrefix(e, "CRON_TZ="):
		return nil, errors.New("a time zone prefix cannot be written as a crontab line; jobs run in the machine's local time")
	case e == "@reboot":
		return nil, errors.New("@reboot is not a schedule hcops can lock and report on; use a time")
	}
	s, err := cronParser.Parse(e)
	if err != nil {
		return nil, fmt.Errorf("%s (want minute hour day-of-month month day-of-week, e.g. \"0 8 * * *\")", err)
	}
	return s, nil
}

// Validate checks every job: a unique name fit for a file name, a valid
// schedule, and arguments. Errors name the job and the config file.
func Validate(jobs []config.Job, file string) error {
	where := func(i int, j config.Job) string {
		name := j.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if file != "" {
			return fmt.Sprintf("%s: job %s", file, name)
		}
		return "job " + name
	}
	seen := map[string]bool{}
	var errs []error
	for i, j := range jobs {
		switch {
		case j.Name == "":
			errs = append(errs, fmt.Errorf("%s: no name", where(i, j)))
		case !jobNameRE.MatchString(j.Name):
			errs = append(errs, fmt.Errorf("%s: name may hold only letters, digits, '.', '_' and '-'", where(i, j)))
		case seen[j.Name]:
			errs = append(errs, fmt.Errorf("%s: name used twice", where(i, j)))
		}
		seen[j.Name] = true
		if _, err := ParseSchedule(j.Schedule); err != nil {
			errs = append(errs, fmt.Errorf("%s: schedule %q: %w", where(i, j), j.Schedule, err))
		}
		if len(j.Args) == 0 {
			errs = append(errs, fmt.Errorf("%s: no args (the hcops command to run, e.g. [inspect])", where(i, j)))
		} else if j.Args[0] == "schedule" {
			errs = append(errs, fmt.Errorf("%s: a job cannot run 'hcops schedule'", where(i, j)))
		}
		for _, a := range j.Args {
			// A line break would end the crontab line or the ExecStart= setting.
			if strings.ContainsAny(a, "\r\n\x00") {
				errs = append(errs, fmt.Errorf("%s: argument %q holds a line break or NUL", where(i, j), a))
			}
		}
	}
	return errors.Join(errs...)
}
