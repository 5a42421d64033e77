package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/result"
)

// The JSON of a run is written as hosts finish, in inventory order whatever
// order they finish in; a host that never finished (an interrupted run)
// does not hold back the ones after it, and the output is one valid object
// with the fields of result.Run.
func TestJSONRunWriterOrder(t *testing.T) {
	var out strings.Builder
	j := &jsonRunWriter{w: &out}
	j.start([]string{"a", "b", "c", "d"})
	res := func(asset string, n int) []result.Result {
		var rs []result.Result
		for i := 0; i < n; i++ {
			rs = append(rs, result.Result{Asset: asset, Check: "c" + string(rune('0'+i)), Status: result.Warn, Message: `quote " and <tag>`})
		}
		return rs
	}
	j.add("c", res("c", 1))
	if strings.Contains(out.String(), `"asset"`) {
		t.Fatalf("c was written before a and b: %s", out.String())
	}
	j.add("a", res("a", 2))
	if n := strings.Count(out.String(), `"asset"`); n != 2 {
		t.Errorf("after a: %d results written, want a's 2", n)
	}
	j.add("d", res("d", 1)) // b never finishes
	run := &result.Run{ID: 7, Kind: result.KindInspect, Status: result.RunInterrupted, Counts: result.Counts{Warn: 4}, Worst: result.Warn}
	if err := j.finish(run); err != nil {
		t.Fatal(err)
	}
	var got result.Run
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out.String())
	}
	var order []string
	for _, r := range got.Results {
		order = append(order, r.Asset+"/"+r.Check)
	}
	if strings.Join(order, " ") != "a/c0 a/c1 c/c0 d/c0" || got.ID != 7 || got.Status != result.RunInterrupted || got.Counts.Warn != 4 {
		t.Errorf("order %v, run %+v", order, got)
	}
	if !strings.Contains(out.String(), `<tag>`) {
		t.Errorf("HTML escaped in JSON output")
	}
	var empty strings.Builder
	e := &jsonRunWriter{w: &empty}
	e.start(nil)
	e.finish(&result.Run{ID: 1})
	if err := json.Unmarshal([]byte(empty.String()), &got); err != nil || len(got.Results) != 0 {
		t.Errorf("empty run: %v\n%s", err, empty.String())
	}
}
