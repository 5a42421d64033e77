package engine

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
)

// An approval written by another account covers exactly its command, its
// assets and its time; one written by the operator, edited by others,
// for another command, an asset it does not name, or expired is refused.
func TestApproval(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "giving the approval file to another account needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		testenv.Missing(t, "no nobody account")
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	now := time.Now()
	write := func(a Approval, mode os.FileMode, owner int) string {
		p := filepath.Join(t.TempDir(), "approval.yaml")
		data, _ := a.Marshal()
		os.WriteFile(p, data, mode)
		os.Chmod(p, mode)
		os.Chown(p, owner, -1)
		return p
	}
	good := Approval{Approver: "nobody", CommandSHA256: CommandHash("systemctl restart his"), Command: "systemctl restart his", Targets: []string{"his-app-01", "his-db-01"}, Expires: now.Add(time.Hour)}
	if _, err := CheckApproval(write(good, 0o644, uid), "systemctl restart his", []string{"his-db-01"}, now); err != nil {
		t.Errorf("valid approval refused: %v", err)
	}
	for _, tc := range []struct {
		name  string
		a     Approval
		mode  os.FileMode
		owner int
		cmd   string
		needs []string
		want  string
	}{
		{"own file", good, 0o644, os.Getuid(), "systemctl restart his", nil, "second person"},
		{"writable by others", good, 0o666, uid, "systemctl restart his", nil, "can be written by others"},
		{"other command", good, 0o644, uid, "rm -rf /data", nil, "approves another command"},
		{"asset not named", good, 0o644, uid, "systemctl restart his", []string{"pacs-db-01"}, "does not name pacs-db-01"},
		{"expired", Approval{Approver: "nobody", CommandSHA256: good.CommandSHA256, Expires: now.Add(-time.Minute)}, 0o644, uid, "systemctl restart his", nil, "expired"},
		{"approver is not the owner", Approval{Approver: "li.wei", CommandSHA256: good.CommandSHA256, Expires: now.Add(time.Hour)}, 0o644, uid, "systemctl restart his", nil, "belongs to nobody"},
	} {
		_, err := CheckApproval(write(tc.a, tc.mode, tc.owner), tc.cmd, tc.needs, now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
