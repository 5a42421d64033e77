package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"
)

// Approval is a second person's sign-off (二次审批) for running one command
// on named assets, written by that person with `hcops exec --approve` and
// handed to the operator. It is bound to the exact command text (its
// SHA-256), to the assets and to a time limit.
type Approval struct {
	Approver      string    `yaml:"approver"`
	CommandSHA256 string    `yaml:"command_sha256"`
	Command       string    `yaml:"command"` // for the reader; the hash is what counts
	Targets       []string  `yaml:"targets"`
	Expires       time.Time `yaml:"expires"`
}

// CommandHash is the SHA-256 of a command or script text, hex.
func CommandHash(script string) string {
	sum := sha256.Sum256([]byte(script))
	return hex.EncodeToString(sum[:])
}

// NewApproval is the approval the current user gives for script on targets
// for the next valid period.
func NewApproval(script, name string, targets []string, valid time.Duration, now time.Time) (*Approval, error) {
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	t := slices.Clone(targets)
	slices.Sort(t)
	return &Approval{Approver: u.Username, CommandSHA256: CommandHash(script), Command: name, Targets: t, Expires: now.Add(valid).Truncate(time.Second)}, nil
}

// Marshal writes the approval as YAML.
func (a *Approval) Marshal() ([]byte, error) { return yaml.Marshal(a) }

// CheckApproval reads the approval file at path and checks it covers
// running script on every one of needs, now, by someone else: the file
// belongs to the approver (another account than the one running hcops), the
// operator cannot write it, and it names this exact command and these
// assets and has not expired. Errors say which condition failed.
func CheckApproval(path, script string, needs []string, now time.Time) (*Approval, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var a Approval
	if err := yaml.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, errors.New("cannot read the approval file's owner")
	}
	me, err := user.Current()
	if err != nil {
		return nil, err
	}
	owner, err := user.LookupId(strconv.Itoa(int(sys.Uid)))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: owner uid %d is not an account here", path, sys.Uid)
	case owner.Uid == me.Uid:
		return nil, fmt.Errorf("%s belongs to you (%s): the approval must come from a second person's account", path, me.Username)
	case owner.Username != a.Approver:
		return nil, fmt.Errorf("%s says it was approved by %s but belongs to %s", path, a.Approver, owner.Username)
	case st.Mode().Perm()&0o022 != 0:
		return nil, fmt.Errorf("%s can be written by others (mode %o): the approver must keep it read-only to others", path, st.Mode().Perm())
	case a.CommandSHA256 != CommandHash(script):
		return nil, fmt.Errorf("%s approves another command (%q), not this one", path, a.Command)
	case !now.Before(a.Expires):
		return nil, fmt.Errorf("%s expired at %s", path, a.Expires.Format(time.RFC3339))
	}
	for _, n := range needs {
		if !slices.Contains(a.Targets, n) {
			return nil, fmt.Errorf("%s does not name %s", path, n)
		}
	}
	return &a, nil
}
