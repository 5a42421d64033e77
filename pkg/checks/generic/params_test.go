package generic

import (
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
)

// command and nagios-plugin declare their parameters as structs: a misspelt
// key and a value of the wrong type are refused when the playbook is
// loaded, at the parameter's line, with the nearest known key.
func TestGenericParamsRejectedAtLoad(t *testing.T) {
	cases := []struct{ check, want string }{
		{"  - name: c\n    type: command\n    params:\n      script: \"true\"\n      ok_code: [0, 1]\n",
			`p.yaml:7: check c: parameter ok_code: unknown parameter (did you mean ok_codes?); known: command, item, not_regex, ok_codes, regex, script, script_file, unit, value_regex, warn_codes`},
		{"  - name: c\n    type: command\n    params:\n      script: \"true\"\n      warn_codes: [one]\n",
			`p.yaml:7: check c: parameter warn_codes: want whole numbers, got "one"`},
		{"  - name: c\n    type: command\n    params:\n      script: \"true\"\n      regex: \"(\"\n",
			"p.yaml:7: check c: parameter regex: bad regular expression: error parsing regexp: missing closing ): `(`"},
		{"  - name: c\n    type: command\n    params:\n      script: [echo, hi]\n",
			`p.yaml:6: check c: parameter script: want a string, got a list`},
		{"  - name: n\n    type: nagios-plugin\n    params:\n      plugin: check_load\n      arg: [-w, 5]\n",
			`p.yaml:7: check n: parameter arg: unknown parameter (did you mean args?); known: args, item, plugin`},
		{"  - name: n\n    type: nagios-plugin\n    params:\n      plugin: check_load\n      args: {w: 5}\n",
			`p.yaml:7: check n: parameter args: want a list of strings, got a mapping`},
	}
	for _, c := range cases {
		_, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n"+c.check), "p")
		if err == nil || err.Error() != c.want {
			t.Errorf("%s\n got  %v\n want %s", c.check, err, c.want)
		}
	}
}

// The spellings the checks took before they were typed still load: exit
// codes as a list, one number or "0,1"; arguments with numbers in them.
func TestGenericParamsOldSpellings(t *testing.T) {
	pb, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte(`name: p
checks:
  - {name: a, type: command, params: {command: "exit 1", ok_codes: "0,1", warn_codes: 2}}
  - {name: b, type: command, params: {script: "true"}}
  - {name: n, type: nagios-plugin, params: {plugin: /usr/lib64/nagios/plugins/check_load, args: [-w, 5, -c, 10.5]}}
`), "p")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := commandParse(&pb.Checks[0])
	if a == nil || a.script != "exit 1" || len(a.okCodes) != 2 || a.okCodes[1] != 1 || len(a.warnCode) != 1 || a.warnCode[0] != 2 {
		t.Errorf("command a: %+v", a)
	}
	b, _ := commandParse(&pb.Checks[1])
	if b == nil || len(b.okCodes) != 1 || b.okCodes[0] != 0 || b.warnCode != nil {
		t.Errorf("command b defaults: %+v", b)
	}
	plugin, args, item, err := nagiosParse(&pb.Checks[2])
	if err != nil || plugin != "/usr/lib64/nagios/plugins/check_load" || item != "check_load" || len(args) != 4 || args[1] != "5" || args[3] != "10.5" {
		t.Errorf("nagios: %q %q %q %v", plugin, args, item, err)
	}
}
