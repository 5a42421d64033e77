package result

import "strings"

// Key identifies a finding: what one result is about, across runs. Two
// results with the same Key are verdicts on the same thing at different
// times, so reports compare runs, and the findings table, alerts and
// tickets follow a problem, by Key. It is comparable and can be a map key.
type Key struct {
	Asset string `json:"asset"`
	Check string `json:"check"`
	Item  string `json:"item,omitempty"`
}

// Key returns the identity of what r is about.
func (r *Result) Key() Key { return Key{Asset: r.Asset, Check: r.Check, Item: r.Item} }

// String writes the key as asset/check, or asset/check/item when it has an
// item: for messages and logs, not to be parsed back (names may contain
// slashes).
func (k Key) String() string {
	if k.Item == "" {
		return k.Asset + "/" + k.Check
	}
	return k.Asset + "/" + k.Check + "/" + k.Item
}

// Compare orders keys by asset, then check, then item, as the store and
// the reports list them; it returns -1, 0 or +1 like strings.Compare.
func (k Key) Compare(o Key) int {
	if c := strings.Compare(k.Asset, o.Asset); c != 0 {
		return c
	}
	if c := strings.Compare(k.Check, o.Check); c != 0 {
		return c
	}
	return strings.Compare(k.Item, o.Item)
}
