package probe

import (
	"fmt"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
)

// The probes declare their parameters as structs: a misspelt key and a
// value of the wrong type are refused when the playbook is loaded, at the
// parameter's line, with the nearest known key — before anything is probed.
func TestProbeParamsRejectedAtLoad(t *testing.T) {
	cases := []struct{ check, want string }{
		{"  - name: w\n    type: http\n    params:\n      url: http://his.example/\n      timout: 5s\n",
			`p.yaml:7: check w: parameter timout: unknown parameter (did you mean timeout?); known: body, body_not_regex, body_regex, ca_file, cert_file, headers, insecure, json_path, json_value, key_file, max_redirects, method, proxy, status, system_endpoints, timeout, url`},
		{"  - name: w\n    type: http\n    params:\n      url: http://his.example/\n      max_redirects: many\n",
			`p.yaml:7: check w: parameter max_redirects: want a whole number, got "many"`},
		{"  - name: w\n    type: http\n    params:\n      url: http://his.example/\n      headers: [Accept]\n",
			`p.yaml:7: check w: parameter headers: want a mapping of header names to values, got a list`},
		{"  - name: w\n    type: http\n    params:\n      url: http://his.example/\n      insecure: sometimes\n",
			`p.yaml:7: check w: parameter insecure: want true or false, got "sometimes"`},
		{"  - name: w\n    type: http\n    params:\n      url: http://his.example/\n      json_value: [1]\n",
			`p.yaml:7: check w: parameter json_value: want a string, got a list`},
		{"  - name: t\n    type: tcp-connect\n    params:\n      port: ssh\n",
			`p.yaml:6: check t: parameter port: want a whole number, got "ssh"`},
		{"  - name: t\n    type: tcp-connect\n    params:\n      port: 0\n",
			`p.yaml:6: check t: parameter port: 0 is not a TCP port (1-65535)`},
		{"  - name: t\n    type: tcp-connect\n    params:\n      prots: [22]\n",
			`p.yaml:6: check t: parameter prots: unknown parameter (did you mean ports?); known: banner_regex, host, port, ports, timeout`},
		{"  - name: d\n    type: dns\n    params:\n      name: his.example\n      exact: perhaps\n",
			`p.yaml:7: check d: parameter exact: want true or false, got "perhaps"`},
		{"  - name: d\n    type: dns\n    params:\n      name: his.example\n      sever: 10.0.0.53\n",
			`p.yaml:7: check d: parameter sever: unknown parameter (did you mean server?); known: exact, expect, name, server, timeout, type`},
		{"  - name: c\n    type: tls-cert\n    params:\n      port: [443]\n",
			`p.yaml:6: check c: parameter port: want a whole number, got a list`},
		{"  - name: c\n    type: tls-cert\n    params:\n      endpoint: his.example:443\n",
			`p.yaml:6: check c: parameter endpoint: unknown parameter (did you mean endpoints?); known: ca_file, endpoints, files, missing, port, server_name, timeout, untrusted, use_address`},
	}
	for _, c := range cases {
		_, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte("name: p\nchecks:\n"+c.check), "p")
		if err == nil || err.Error() != c.want {
			t.Errorf("%s\n got  %v\n want %s", c.check, err, c.want)
		}
	}
}

// The spellings the probes took before they were typed still load and mean
// the same: status as a number, a list or "200-299,302"; ports as a list
// or "22,443"; timeouts in seconds; json_value "" (an empty value expected)
// told apart from no json_value; and a per-asset override is decoded for
// that asset only.
func TestProbeParamsOldSpellings(t *testing.T) {
	pb, err := inspect.ParsePlaybook(testChecks, "p.yaml", []byte(`name: p
checks:
  - {name: a, type: http, params: {url: "http://his.example/", status: 204, timeout: 3, json_path: state, json_value: ""}}
  - {name: b, type: http, params: {url: "http://his.example/", status: "200-299,302", headers: {Accept: text/html, X-Api-Key: {env: HIS_KEY}}}}
  - {name: c, type: http, params: {url: "http://his.example/", status: [200, 301]}}
  - {name: t, type: tcp-connect, params: {port: "22", ports: "443,8443"}}
  - {name: d, type: dns, params: {name: his.example, expect: "::ffff:10.0.0.1", server: 10.0.0.53}}
  - {name: s, type: tls-cert, params: {endpoints: his.example, untrusted: warning}}
`), "p")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := httpParse(&pb.Checks[0])
	if a == nil || len(a.status) != 1 || a.status[0] != (statusRange{204, 204}) || a.opts.Timeout != 3*time.Second || !a.hasJSONValue || a.jsonValue != "" {
		t.Errorf("http a: %+v", a)
	}
	b, _ := httpParse(&pb.Checks[1])
	if b == nil || len(b.status) != 2 || b.status[1] != (statusRange{302, 302}) || len(b.headers) != 2 || b.headers[1].ref.Env != "HIS_KEY" || b.hasJSONValue {
		t.Errorf("http b: %+v", b)
	}
	c, _ := httpParse(&pb.Checks[2])
	if c == nil || len(c.status) != 2 || c.status[1] != (statusRange{301, 301}) {
		t.Errorf("http c: %+v", c)
	}
	asset := &inventory.Asset{Name: "his-db", Address: "10.0.0.9"}
	tc, _ := tcpParse(&pb.Checks[3], asset)
	if tc == nil || tc.host != "10.0.0.9" || len(tc.ports) != 3 || tc.ports[0] != 22 || tc.ports[2] != 8443 {
		t.Errorf("tcp: %+v", tc)
	}
	d, _ := dnsParse(&pb.Checks[4])
	if d == nil || d.qtype != "IP" || len(d.expect) != 1 || d.expect[0] != "10.0.0.1" || d.server != "10.0.0.53:53" || d.timeout != 5*time.Second {
		t.Errorf("dns: %+v", d)
	}
	s, _ := tlsParse(&pb.Checks[5])
	if s == nil || len(s.endpoints) != 1 || s.port != 443 || s.untrusted.String() != "WARN" || !s.useAddress {
		t.Errorf("tls-cert: %+v", s)
	}

	assets := []*inventory.Asset{
		{Name: "plain", Kind: inventory.KindHost, Address: "192.0.2.1"},
		{Name: "other", Kind: inventory.KindHost, Address: "192.0.2.2", Checks: map[string]inventory.CheckOverride{"t": {Params: map[string]any{"ports": []any{1521}}}}},
		{Name: "typo", Kind: inventory.KindHost, Address: "192.0.2.3", Checks: map[string]inventory.CheckOverride{"t": {Params: map[string]any{"port": "oracle"}}}},
	}
	plan, err := inspect.BuildPlan(inspect.PlanInput{Assets: assets, Playbooks: []*inspect.Playbook{pb}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range plan.Hosts {
		for _, it := range h.Items {
			if it.Spec.Name != "t" {
				continue
			}
			if it.Err != nil {
				got[h.Name] = it.Err.Error()
				continue
			}
			c, err := tcpParse(&it.Spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			got[h.Name] = fmt.Sprint(c.ports)
		}
	}
	if got["plain"] != "[22 443 8443]" || got["other"] != "[22 1521]" || got["typo"] != `check t: parameter port: want a whole number, got "oracle" (override checks.t for typo)` {
		t.Errorf("overrides: %v", got)
	}
}
