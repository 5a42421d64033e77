package result

import (
	"slices"
	"testing"
)

func TestResultKey(t *testing.T) {
	r := Result{Asset: "web-01", Check: "disk:/var", Item: "/var", Status: Crit, Message: "92%"}
	if got, want := r.Key(), (Key{Asset: "web-01", Check: "disk:/var", Item: "/var"}); got != want {
		t.Fatalf("Key() = %#v, want %#v", got, want)
	}
	// Status, message and the rest are not part of the identity.
	other := Result{Asset: "web-01", Check: "disk:/var", Item: "/var", Status: OK, Message: "40%"}
	if r.Key() != other.Key() {
		t.Error("two verdicts on the same item have different keys")
	}
}

func TestKeyString(t *testing.T) {
	for _, tc := range []struct {
		k    Key
		want string
	}{
		{Key{"web-01", "load", ""}, "web-01/load"},
		{Key{"web-01", "disk:/var", "/var"}, "web-01/disk:/var//var"},
		{Key{"db-01", "service", "postgresql"}, "db-01/service/postgresql"},
	} {
		if got := tc.k.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.k, got, tc.want)
		}
	}
}

// The parts cannot run into each other: what a NUL-joined string key could
// confuse when a name held a NUL, a struct key keeps apart.
func TestKeyDistinct(t *testing.T) {
	a := Key{Asset: "a\x00b", Check: "c"}
	b := Key{Asset: "a", Check: "b\x00c"}
	if a == b {
		t.Fatal("keys with different parts compare equal")
	}
	m := map[Key]int{a: 1, b: 2}
	if len(m) != 2 {
		t.Fatalf("map holds %d keys, want 2", len(m))
	}
}

func TestKeyCompare(t *testing.T) {
	keys := []Key{
		{"web-02", "disk", "/"},
		{"web-01", "load", ""},
		{"web-01", "disk", "/var"},
		{"web-01", "disk", "/"},
		{"db-01", "service", "postgresql"},
		{"web-01", "disk", ""},
	}
	slices.SortFunc(keys, Key.Compare)
	want := []Key{
		{"db-01", "service", "postgresql"},
		{"web-01", "disk", ""},
		{"web-01", "disk", "/"},
		{"web-01", "disk", "/var"},
		{"web-01", "load", ""},
		{"web-02", "disk", "/"},
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("sorted = %v\nwant     %v", keys, want)
	}
	for _, k := range want {
		if k.Compare(k) != 0 {
			t.Errorf("%v.Compare(itself) != 0", k)
		}
	}
	if (Key{"a", "b", "c"}).Compare(Key{"a", "b", "d"}) != -1 || (Key{"a", "c", ""}).Compare(Key{"a", "b", "z"}) != 1 {
		t.Error("Compare does not return -1/+1")
	}
}
