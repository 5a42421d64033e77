package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/iostreams"
)

// Shell completion offers values, not only commands and flags: asset
// names, groups, selector keys and their values, playbooks, formats and
// run ids (issue #12 item 17). This is what the shells call.
func TestValueCompletions(t *testing.T) {
	inv := filepath.Join("..", "..", "examples", "site")
	complete := func(args ...string) string {
		t.Helper()
		ios, _, out, _ := iostreams.Test()
		root := newRootCmd(ios)
		root.SetArgs(append([]string{"__complete", "--inventory", inv, "--db", filepath.Join(t.TempDir(), "h.db")}, args...))
		root.ExecuteContext(context.Background())
		return out.String()
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"ssh", ""}, []string{"bastion-01\thost"}},
		{[]string{"inspect", "--group", ""}, []string{"bastions\t", "databases\t"}},
		{[]string{"inspect", "-l", ""}, []string{"zone=\n", "system=\n"}},
		{[]string{"inspect", "-l", "kind=host,zone="}, []string{"kind=host,zone=intranet\n", "kind=host,zone=internet\n"}},
		{[]string{"inspect", "-p", ""}, []string{"linux-daily\t"}},
		{[]string{"report", "daily", "--format", ""}, []string{"html\n", "xlsx\n"}},
		{[]string{"inspect", "--lang", ""}, []string{"zh\n", "en\n"}},
	} {
		got := complete(tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%v: no %q in\n%s", tc.args, w, got)
			}
		}
	}
}
