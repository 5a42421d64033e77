package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/audit"
)

// auditEnv writes a log of three actions and returns its path.
func auditEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "cfg"))
	t.Setenv("HCOPS_AUDIT_LOG", "")
	t.Setenv("HCOPS_AUDIT_HASH", "")
	path := filepath.Join(dir, "hcops", "audit.log") // the default: beside the history database
	l, err := audit.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-48 * time.Hour)
	for i, r := range []audit.Record{
		{User: "zhang", From: "ops-1", Action: "exec", Targets: []string{"web-01", "web-02"}, Command: "systemctl restart nginx", Exit: map[string]int{"web-01": 0, "web-02": 1}, Outcome: "failed"},
		{User: "li", From: "ops-1", Action: "cp", Targets: []string{"web-01"}, File: "/etc/nginx/nginx.conf", FileHash: "ab12", Outcome: "ok"},
		{User: "zhang", From: "ops-2", Action: "ssh", Targets: []string{"db-01"}, Command: "interactive shell", Outcome: "ok"},
	} {
		r.Time = t0.Add(time.Duration(i) * 24 * time.Hour)
		if _, err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	return path
}

func TestAuditListSearchShow(t *testing.T) {
	path := auditEnv(t)
	out, errOut, code := runHcops(t, "audit", "list")
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, "systemctl restart nginx") {
		t.Fatalf("list: %d\n%s\n%s", code, out, errOut)
	}
	var recs []audit.Record
	out, _, _ = runHcops(t, "audit", "search", "NGINX", "-o", "json")
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 2 || recs[0].Seq != 1 || recs[1].Seq != 2 {
		t.Fatalf("search nginx: %v %s", err, out)
	}
	out, _, _ = runHcops(t, "audit", "search", "--user", "zhang", "--since", "30h", "-o", "json")
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 || recs[0].Seq != 3 {
		t.Fatalf("search --user --since: %v %s", err, out)
	}
	out, _, _ = runHcops(t, "audit", "list", "--host", "web-02", "-o", "json")
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 || recs[0].Seq != 1 || recs[0].Exit["web-02"] != 1 {
		t.Fatalf("list --host: %v %s", err, out)
	}
	if _, errOut, code := runHcops(t, "audit", "search"); code != ExitUnknown || !strings.Contains(errOut, "say what to search for") {
		t.Fatalf("search without criteria: %d %s", code, errOut)
	}
	out, _, code = runHcops(t, "audit", "show", "2")
	if code != 0 || !strings.Contains(out, "File: /etc/nginx/nginx.conf") || !strings.Contains(out, "Algorithm: sm3") {
		t.Fatalf("show 2: %d %s", code, out)
	}
	out, _, _ = runHcops(t, "--lang", "zh", "audit", "show", "latest")
	if !strings.Contains(out, "序号：3") {
		t.Fatalf("show latest (zh): %s", out)
	}
	if _, errOut, code := runHcops(t, "audit", "show", "9"); code != ExitUnknown || !strings.Contains(errOut, "has no record 9") {
		t.Fatalf("show 9: %d %s", code, errOut)
	}
	// --audit-log names another log
	other := filepath.Join(t.TempDir(), "other.log")
	if out, _, code := runHcops(t, "--audit-log", other, "audit", "list", "-o", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("--audit-log: %d %s", code, out)
	}
	_ = path
}

func TestAuditVerifyExitCodes(t *testing.T) {
	path := auditEnv(t)
	out, _, code := runHcops(t, "audit", "verify")
	if code != 0 || !strings.Contains(out, "is intact: 3 records") {
		t.Fatalf("verify: %d %s", code, out)
	}
	var res auditVerifyResult
	out, _, _ = runHcops(t, "audit", "verify", "-o", "json")
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Intact || res.Head.Seq != 3 {
		t.Fatalf("verify json: %v %s", err, out)
	}
	head := "3:" + res.Head.Hash
	if _, errOut, code := runHcops(t, "audit", "verify", "--head", head); code != 0 {
		t.Fatalf("verify --head: %d %s", code, errOut)
	}

	data, _ := os.ReadFile(path)
	good := data
	cases := []struct {
		name   string
		tamper func() []byte
		want   string
	}{
		{"edited", func() []byte { return []byte(strings.Replace(string(good), "restart nginx", "restart nginy", 1)) }, "record 1 (line 1) was edited"},
		{"deleted", func() []byte {
			ls := strings.SplitAfter(string(good), "\n")
			return []byte(ls[0] + ls[2])
		}, "record 2 was deleted"},
		{"swapped", func() []byte {
			ls := strings.SplitAfter(string(good), "\n")
			return []byte(ls[0] + ls[2] + ls[1])
		}, "records 2 and 3 were swapped"},
		{"truncated", func() []byte {
			ls := strings.SplitAfter(string(good), "\n")
			return []byte(ls[0] + ls[1])
		}, "records from 3 on were cut from the end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(path, c.tamper(), 0o600)
			defer os.WriteFile(path, good, 0o600)
			_, errOut, code := runHcops(t, "audit", "verify")
			if code != ExitCrit || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, %q; want 2 and %q", code, errOut, c.want)
			}
			out, _, code := runHcops(t, "audit", "verify", "-o", "json")
			var res auditVerifyResult
			if code != ExitCrit || json.Unmarshal([]byte(out), &res) != nil || res.Intact || res.Damage == nil || !strings.Contains(res.Damage.Message, c.want) {
				t.Fatalf("json: exit %d %s", code, out)
			}
		})
	}
	// A chain rebuilt with its checkpoint passes verify, not --head.
	recs, _ := audit.List(path, audit.Filter{})
	os.Remove(path)
	os.Remove(path + audit.CheckpointSuffix)
	l, _ := audit.Open(path, "")
	recs[1].File = "/etc/hosts"
	for _, r := range recs {
		l.Append(r)
	}
	l.Close()
	if _, _, code := runHcops(t, "audit", "verify"); code != 0 {
		t.Fatalf("rebuilt chain: %d", code)
	}
	if _, errOut, code := runHcops(t, "audit", "verify", "--head", head); code != ExitCrit || !strings.Contains(errOut, "differs from the --head hash") {
		t.Fatalf("--head on a rebuilt chain: %d %s", code, errOut)
	}
	if _, _, code := runHcops(t, "audit", "verify", "--head", "x"); code != ExitUnknown {
		t.Fatalf("bad --head: %d", code)
	}
}

func TestAuditExport(t *testing.T) {
	path := auditEnv(t)
	page := filepath.Join(t.TempDir(), "audit.html")
	_, errOut, code := runHcops(t, "audit", "export", "--html", page, "--user", "zhang")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, _ := os.ReadFile(page)
	st, _ := os.Stat(page)
	if st.Mode().Perm()&0o137 != 0 {
		t.Errorf("page mode %v", st.Mode().Perm())
	}
	if !strings.Contains(string(data), "intact: the chain of 3 records") || !strings.Contains(string(data), "2 of 3 in the log") ||
		strings.Contains(string(data), "nginx.conf") {
		t.Fatalf("page: %s", data)
	}
	// a damaged log is exported, and exits 2
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(raw), "ops-2", "ops-3", 1)), 0o600)
	if _, _, code := runHcops(t, "audit", "export", "--html", page); code != ExitCrit {
		t.Fatalf("export of a damaged log: %d", code)
	}
	data, _ = os.ReadFile(page)
	if !strings.Contains(string(data), "FAILED") || !strings.Contains(string(data), "record 3 (line 3) was edited") {
		t.Fatalf("page of a damaged log lacks the verdict")
	}
	if _, _, code := runHcops(t, "audit", "export"); code != ExitUnknown {
		t.Fatalf("export without --html: %d", code)
	}
}
