package db

import (
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/playbooks"
)

// The database checks declare their parameters as structs: a misspelt key
// and a value of the wrong type are refused when the playbook is loaded, at
// the parameter's line, with the nearest known key — before any database is
// connected to.
func TestDBParamsRejectedAtLoad(t *testing.T) {
	cases := []struct{ check, want string }{
		{"  - name: s\n    type: db-status\n    params:\n      min_versoin: \"15.8\"\n",
			`p.yaml:6: check s: parameter min_versoin: unknown parameter (did you mean min_version?); known: min_version`},
		{"  - name: s\n    type: db-status\n    params:\n      min_version: [15, 8]\n",
			`p.yaml:6: check s: parameter min_version: want a string, got a list`},
		{"  - name: t\n    type: db-throughput\n    params:\n      interval: often\n",
			`p.yaml:6: check t: parameter interval: want a duration like 30s, 15m, 24h or 7d, got "often"`},
		{"  - name: sec\n    type: db-security\n    params:\n      allowed_superusers: {dba: yes}\n",
			`p.yaml:6: check sec: parameter allowed_superusers: want a list of strings, got a mapping`},
		{"  - name: c\n    type: db-cache\n    params:\n      interval: 1s\n",
			`p.yaml:6: check c: parameter interval: unknown parameter: this check type takes none`},
		{"  - name: l\n    type: db-log\n    params:\n      error_log: /var/log/mysql/error.log\n      slow_ms: slow\n",
			`p.yaml:7: check l: parameter slow_ms: want a number, got "slow"`},
		{"  - name: l\n    type: db-log\n    params:\n      eror_log: /var/log/mysql/error.log\n",
			`p.yaml:6: check l: parameter eror_log: unknown parameter (did you mean error_log?); known: error_log, max_bytes, slow_crit, slow_log, slow_ms, slow_warn, window`},
	}
	for _, c := range cases {
		_, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n"+c.check), "p")
		if err == nil || err.Error() != c.want {
			t.Errorf("%s\n got  %v\n want %s", c.check, err, c.want)
		}
	}
}

// The built-in db-health playbook loads with this package's check types,
// and its parameters are decoded as written there.
func TestDBHealthPlaybookParams(t *testing.T) {
	src, err := playbooks.FS.ReadFile("db-health.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pb, err := inspect.ParsePlaybook(testChecks, "db-health.yaml", src, "db-health")
	if err != nil {
		t.Fatal(err)
	}
	for i := range pb.Checks {
		s := &pb.Checks[i]
		switch s.Type {
		case "db-throughput":
			if p, err := inspect.ParamsOf[dbThroughputParams](s); err != nil || p.Interval != time.Second {
				t.Errorf("db-throughput: %+v, %v", p, err)
			}
		case "db-status":
			if p, err := inspect.ParamsOf[dbStatusParams](s); err != nil || p.MinVersion != "" {
				t.Errorf("db-status: %+v, %v", p, err)
			}
		}
	}
	// Old spellings: seconds as a number, sizes with a unit.
	pb, err = inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n  - {name: t, type: db-throughput, params: {interval: 2}}\n  - {name: l, type: db-log, params: {error_log: /x, max_bytes: 1M, slow_ms: \"500\", window: 7d}}\n"), "p")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := inspect.ParamsOf[dbThroughputParams](&pb.Checks[0]); p.Interval != 2*time.Second {
		t.Errorf("interval 2: %+v", p)
	}
	if c, _ := dbLogParse(&pb.Checks[1]); c == nil || c.maxBytes != 1<<20 || c.slowMS != 500 || c.window != 7*24*time.Hour || c.slowTh.Warn == nil {
		t.Errorf("db-log: %+v", c)
	}
}
