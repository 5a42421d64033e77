package os

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// osLoad parses a playbook of the given checks (YAML list items) as p.yaml.
func osLoad(checks string) (*inspect.Playbook, error) {
	return inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n"+checks), "p")
}

// Every OS check type declares its parameters as a struct: a misspelt key
// and a value of the wrong type are refused when the playbook is loaded,
// at the parameter's line, with the nearest known key — not when a host is
// inspected.
func TestOSParamsRejectedAtLoad(t *testing.T) {
	cases := []struct{ check, want string }{
		{"  - name: a\n    type: accounts\n    params:\n      allowed_uid: [root]\n",
			`p.yaml:6: check a: parameter allowed_uid: unknown parameter (did you mean allowed_uid0?); known: allowed_uid0`},
		{"  - name: a\n    type: accounts\n    params:\n      allowed_uid0: {root: 1}\n",
			`p.yaml:6: check a: parameter allowed_uid0: want a list of strings, got a mapping`},
		{"  - name: c\n    type: cpu\n    params:\n      sample: soon\n",
			`p.yaml:6: check c: parameter sample: want a duration like 30s, 15m, 24h or 7d, got "soon"`},
		{"  - name: c\n    type: cpu\n    params:\n      sample: 10s\n",
			`p.yaml:6: check c: parameter sample: want between 0.1s and 5s, got 10s`},
		{"  - name: l\n    type: load\n    params:\n      windw: 15\n",
			`p.yaml:6: check l: parameter windw: unknown parameter (did you mean window?); known: window`},
		{"  - name: l\n    type: load\n    params:\n      window: five\n",
			`p.yaml:6: check l: parameter window: want a whole number, got "five"`},
		{"  - name: m\n    type: memory\n    params:\n      swap_warn: [50]\n",
			`p.yaml:6: check m: parameter swap_warn: want a string, got a list`},
		{"  - name: m\n    type: memory\n    params:\n      swap_wran: ~:50\n",
			`p.yaml:6: check m: parameter swap_wran: unknown parameter (did you mean swap_warn?); known: swap_crit, swap_warn`},
		{"  - name: r\n    type: reboot-required\n    params:\n      needs_restarting: maybe\n",
			`p.yaml:6: check r: parameter needs_restarting: want true or false, got "maybe"`},
		{"  - name: d\n    type: disk\n    params:\n      mount: [/data]\n",
			`p.yaml:6: check d: parameter mount: unknown parameter (did you mean mounts?); known: allow_readonly, exclude_mounts, exclude_types, include_remote, include_types, mount_thresholds, mounts`},
		{"  - name: d\n    type: disk\n    params:\n      include_remote: perhaps\n",
			`p.yaml:6: check d: parameter include_remote: want true or false, got "perhaps"`},
		{"  - name: d\n    type: disk\n    params:\n      mount_thresholds: \"~:90\"\n",
			`p.yaml:6: check d: parameter mount_thresholds: want a mapping of mount pattern to {warn, crit}, got "~:90"`},
		{"  - name: i\n    type: inode\n    params:\n      allow_readonly: [/iso]\n",
			`p.yaml:6: check i: parameter allow_readonly: unknown parameter; known: exclude_mounts, exclude_types, include_remote, include_types, mount_thresholds, mounts`},
		{"  - name: f\n    type: failed-logins\n    params:\n      lookback: [7d]\n",
			`p.yaml:6: check f: parameter lookback: want a duration like 30s, 15m, 24h or 7d, got a list`},
		{"  - name: k\n    type: kernel-log\n    params:\n      ignore: \"(\"\n",
			"p.yaml:6: check k: parameter ignore: bad regular expression: error parsing regexp: missing closing ): `(`"},
		{"  - name: k\n    type: kernel-log\n    params:\n      lookbak: 2d\n",
			`p.yaml:6: check k: parameter lookbak: unknown parameter (did you mean lookback?); known: ignore, lookback`},
		{"  - name: s\n    type: systemd-unit\n    params:\n      units: {sshd: running}\n",
			`p.yaml:6: check s: parameter units: want a list of strings, got a mapping`},
		{"  - name: pl\n    type: port-listen\n    params:\n      expected: [22]\n      warn_unexpected: sometimes\n",
			`p.yaml:7: check pl: parameter warn_unexpected: want true or false, got "sometimes"`},
		{"  - name: pl\n    type: port-listen\n    params:\n      expect: [22]\n",
			`p.yaml:6: check pl: parameter expect: unknown parameter (did you mean expected?); known: allowed, expected, ignore_loopback, warn_unexpected`},
		{"  - name: pr\n    type: process\n    params:\n      processes:\n        - {name: java, min: one}\n",
			`p.yaml:6: check pr: parameter processes: item 1: min must be a whole number >= 0, got "one"`},
		{"  - name: pr\n    type: process\n    params:\n      forbiden: [xmrig]\n",
			`p.yaml:6: check pr: parameter forbiden: unknown parameter (did you mean forbidden?); known: forbidden, processes`},
		{"  - name: fi\n    type: file\n    params:\n      path: /etc/shadow\n      mode: 0640\n",
			`p.yaml:7: check fi: parameter mode: write the mode in quotes, e.g. "0640" (unquoted, YAML reads 0640 as the number 416)`},
		{"  - name: fi\n    type: file\n    params:\n      path: /backup/db.dump\n      max_age: yesterday\n",
			`p.yaml:7: check fi: parameter max_age: want a duration like 30s, 15m, 24h or 7d, got "yesterday"`},
		{"  - name: lp\n    type: log-pattern\n    params:\n      path: /var/log/messages\n      pattern: error\n      sample: many\n",
			`p.yaml:8: check lp: parameter sample: want a whole number, got "many"`},
		{"  - name: lp\n    type: log-pattern\n    params:\n      path: /var/log/messages\n      patern: error\n",
			`p.yaml:7: check lp: parameter patern: unknown parameter (did you mean pattern?); known: ignore, ignore_case, journal, max_bytes, missing, path, pattern, sample, unit, window`},
		{"  - name: u\n    type: uptime\n    params:\n      days: 365\n",
			`p.yaml:6: check u: parameter days: unknown parameter: this check type takes none`},
	}
	for _, c := range cases {
		_, err := osLoad(c.check)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s\n got  %v\n want %s", c.check, err, c.want)
		}
	}
}

// The accepted spellings are those the checks took before they were typed:
// durations as 30s, 7d or seconds, lists as a YAML list or a single value,
// sizes with a unit, modes quoted; each is decoded once, when the playbook
// is loaded, and an inventory override decodes them again for its asset
// only.
func TestOSParamsDecodedAtLoad(t *testing.T) {
	pb, err := osLoad(`  - {name: c, type: cpu, params: {sample: 2}}
  - {name: f, type: failed-logins, params: {lookback: 3d}}
  - {name: l, type: load, params: {window: "15"}}
  - {name: s, type: systemd-unit, params: {units: sshd.service}}
  - {name: fi, type: file, params: {path: /etc/shadow, mode_max: "0640", max_size: 10K, state: present}}
  - {name: d, type: disk, params: {mount_thresholds: {/data*: {warn: "~:95"}}, allow_readonly: /iso}}
  - {name: pr, type: process, params: {processes: sshd}}
`)
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) *inspect.Spec {
		for i := range pb.Checks {
			if pb.Checks[i].Name == name {
				return &pb.Checks[i]
			}
		}
		t.Fatalf("no check %s", name)
		return nil
	}
	if p, _ := inspect.ParamsOf[cpuParams](get("c")); p.Sample.Seconds() != 2 {
		t.Errorf("cpu sample 2 (seconds): %+v", p)
	}
	if d, _ := failedLoginsParams(get("f")); d.Hours() != 72 {
		t.Errorf("failed-logins lookback 3d: %s", d)
	}
	if p, _ := inspect.ParamsOf[loadParams](get("l")); p.Window != 15 {
		t.Errorf("load window \"15\": %+v", p)
	}
	if o, _ := systemdParams(get("s")); len(o.units) != 1 || o.units[0] != "sshd.service" {
		t.Errorf("systemd units as one string: %+v", o)
	}
	if c, _ := fileParse(get("fi")); !c.hasModeMx || c.modeMax != 0o640 || c.maxSize != 10240 || c.absent {
		t.Errorf("file: %+v", c)
	}
	if o, _ := diskOpts(get("d"), false); len(o.byMount) != 1 || o.byMount[0].Pattern != "/data*" || !o.allowRO["/iso"] {
		t.Errorf("disk: %+v", o)
	}
	if ps, _, _ := processAllParams(get("pr")); len(ps) != 1 || ps[0].Name != "sshd" || ps[0].Min != 1 {
		t.Errorf("process as one name: %+v", ps)
	}

	// An inventory override changes the window for one asset; a bad one
	// fails that asset's check only.
	a := []*inventory.Asset{
		{Name: "plain", Kind: inventory.KindHost, Address: "192.0.2.1"},
		{Name: "quiet", Kind: inventory.KindHost, Address: "192.0.2.2", Checks: map[string]inventory.CheckOverride{"l": {Params: map[string]any{"window": 1}}}},
		{Name: "typo", Kind: inventory.KindHost, Address: "192.0.2.3", Checks: map[string]inventory.CheckOverride{"l": {Params: map[string]any{"window": "1m"}}}},
	}
	plan, err := inspect.BuildPlan(inspect.PlanInput{Assets: a, Playbooks: []*inspect.Playbook{pb}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range plan.Hosts {
		for _, it := range h.Items {
			if it.Spec.Name != "l" {
				continue
			}
			if it.Err != nil {
				got[h.Name] = it.Err.Error()
				continue
			}
			p, err := inspect.ParamsOf[loadParams](&it.Spec)
			if err != nil {
				t.Fatal(err)
			}
			got[h.Name] = strconv.Itoa(p.Window)
		}
	}
	if got["plain"] != "15" || got["quiet"] != "1" || !strings.Contains(got["typo"], `parameter window: want a whole number, got "1m" (override checks.l for typo)`) {
		t.Errorf("overrides: %v", got)
	}
}
