package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestAccountsCheck(t *testing.T) {
	out := "@@PASSWD\nUID0 root\nUID0 toor\n@@SHADOW\nEMPTY guest\n"
	rs := osEval(t, "accounts", out, nil, osNow)
	uid0, empty := osItem(t, rs, "uid0"), osItem(t, rs, "empty-password")
	if uid0.Status != result.Crit || !strings.Contains(uid0.Message, "toor") || !strings.Contains(uid0.Advice, "toor") {
		t.Errorf("extra uid 0: %+v", uid0)
	}
	if empty.Status != result.Crit || !strings.Contains(empty.Message, "guest") {
		t.Errorf("empty password: %+v", empty)
	}
	rs = osEval(t, "accounts", out, &inspect.Spec{Name: "a", Params: map[string]any{"allowed_uid0": []any{"root", "toor"}}}, osNow)
	if r := osItem(t, rs, "uid0"); r.Status != result.OK {
		t.Errorf("allowed toor: %+v", r)
	}
	// Not root: no shadow.
	rs = osEval(t, "accounts", "@@PASSWD\nUID0 root\n@@NOSHADOW\n", nil, osNow)
	if r := osItem(t, rs, "empty-password"); r.Status != result.Unknown || r.Reason != "not-readable" {
		t.Errorf("no shadow: %+v", r)
	}
	if r := osItem(t, rs, "uid0"); r.Status != result.OK {
		t.Errorf("root only: %+v", r)
	}
}

// The collector runs for real on files shaped like /etc/passwd and
// /etc/shadow, and never prints a password hash.
func TestAccountsScriptFilters(t *testing.T) {
	script := strings.NewReplacer("/etc/passwd", "testdata/accounts/passwd", "/etc/shadow", "testdata/accounts/shadow").Replace(accountsScript)
	out := osRunSh(t, script)
	if strings.Contains(out, "$6$") || strings.Contains(out, "$y$") {
		t.Fatalf("a password hash left the host:\n%s", out)
	}
	rs := osEval(t, "accounts", out, nil, osNow)
	if r := osItem(t, rs, "uid0"); r.Status != result.Crit || !strings.Contains(r.Message, "backdoor") || strings.Contains(r.Message, "root,") {
		t.Errorf("uid0 from files: %+v", r)
	}
	if r := osItem(t, rs, "empty-password"); r.Status != result.Crit || !strings.Contains(r.Message, "nopass") || strings.Contains(r.Message, "locked") {
		t.Errorf("empty from files: %+v", r)
	}
}
