package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestZombieCheck(t *testing.T) {
	// Lines as the collector printed them on this machine (a python parent
	// that never waits, and PID 1 of the sandbox holding three).
	out := `Z 1 process_api :: 23736 (sh) Z 1 23734 6478 0 -1 4228172 22 0 0 0 0 0 0 0 20 0 1 0 198281 0 0
Z 1 process_api :: 23737 (sleep) Z 1 23734 6478 0 -1 4228108 76 0 0 0 0 0 0 0 20 0 1 0 198281 0 0
Z 1 process_api :: 23738 (sleep) Z 1 23734 6478 0 -1 4228108 76 0 0 0 0 0 0 0 20 0 1 0 198282 0 0
Z 23818 python3 :: 23860 (python3) Z 23818 23812 6484 0 -1 4227148 229 0 0 0 0 0 0 0 20 0 1 0 198365 0 0
@@PROCS 110
`
	r := osOne(t, osEval(t, "zombie", out, nil, osNow))
	if r.Status != result.OK || *r.Value != 4 || !strings.Contains(r.Message, "1 (process_api) ×3") {
		t.Errorf("4 zombies under the default ~:5: %+v", r)
	}
	r = osOne(t, osEval(t, "zombie", out, &inspect.Spec{Name: "zombie", Warn: "~:0"}, osNow))
	if r.Status != result.Warn || !strings.Contains(r.Advice, "1 (process_api)") || !strings.Contains(r.Evidence, "zombie 23860 (python3), parent 23818 (python3)") {
		t.Errorf("warn ~:0: %+v", r)
	}
	// A process name with spaces and parentheses.
	zs, n, ok := parseZombies("Z 77 my daemon :: 78 (a (b) c) Z 77 1\n@@PROCS 3\n")
	if !ok || n != 3 || len(zs) != 1 || zs[0].Comm != "a (b) c" || zs[0].ParentComm != "my daemon" || zs[0].PID != 78 {
		t.Errorf("odd names: %+v", zs)
	}
	r = osOne(t, osEval(t, "zombie", "@@PROCS 57\n", nil, osNow))
	if r.Status != result.OK || *r.Value != 0 {
		t.Errorf("no zombies: %+v", r)
	}
}

func BenchmarkParseZombies(b *testing.B) {
	out := strings.Repeat("Z 1 process_api :: 23736 (sh) Z 1 23734 6478 0 -1 4228172 22 0 0 0 0 0 0 0 20 0 1 0 198281 0 0\n", 50) + "@@PROCS 900\n"
	for b.Loop() {
		if zs, _, _ := parseZombies(out); len(zs) != 50 {
			b.Fatal("want 50 zombies")
		}
	}
}
