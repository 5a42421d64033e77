package inventory

import "errors"

// Inventory is the loaded register. TEMPORARY STUB: replaced by load.go.
type Inventory struct {
	Assets  []*Asset
	Systems []*System
}

// Load is a TEMPORARY STUB replaced by the real loader.
func Load(path string) (*Inventory, error) { return nil, errors.New("not implemented") }
