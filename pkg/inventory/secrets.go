package inventory

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// An import file comes from outside: a hospital's spreadsheet, a vendor's
// export. Whoever wrote it must not be able to make hcops read a local file,
// use a secret, run something on this machine, or send a password to an
// address of their choosing, just by the engineer importing it. So an import
// lists what each new or changed asset would bring of that sort (the dry run
// shows it) and the command refuses it unless told otherwise
// (--allow-secrets).

// What an imported row may bring in that needs a person's review.
const (
	// BringSecret is a password or passphrase reference ({env: VAR},
	// {file: PATH} or {vault: NAME}): hcops reads it on this machine and
	// sends it to the asset.
	BringSecret = "secret"
	// BringKeyFile is an SSH key or CA bundle read from this machine.
	BringKeyFile = "key-file"
	// BringCheck is a check override: parameters (commands, paths, URLs),
	// thresholds, or switching a check off.
	BringCheck = "check"
	// BringLocal is connection.transport: local — the playbook's commands
	// run on this machine.
	BringLocal = "local"
	// BringPlaintext is database.tls disable or prefer: the database
	// password may travel in clear.
	BringPlaintext = "plaintext"
	// BringRedirect is a new address or port for an existing asset that
	// carries a password: the password would go to the new place.
	BringRedirect = "redirect"
)

// Sensitive is one such thing: the field (as `inventory set` names it),
// its value as the file gives it (references and paths, never a secret)
// and what kind of thing it is (Bring*).
type Sensitive struct {
	Field string `json:"field" yaml:"field"`
	Value string `json:"value" yaml:"value"`
	Kind  string `json:"kind" yaml:"kind"`
}

// plaintextTLS are the modes that let a password travel in clear.
func plaintextTLS(m string) bool { return m == "disable" || m == "prefer" }

// Sensitive lists the records of the plan's new and changed assets that
// bring in something sensitive, in the order of the file.
func (p *ImportPlan) Sensitive() []*Record {
	var out []*Record
	for _, r := range p.Added {
		if len(r.Sensitive) > 0 {
			out = append(out, r)
		}
	}
	for _, c := range p.Changed {
		if len(c.Record.Sensitive) > 0 {
			out = append(out, c.Record)
		}
	}
	slices.SortStableFunc(out, func(a, b *Record) int { return a.Row - b.Row })
	return out
}

// findSensitive fills r.Sensitive from the fields r brings to the asset
// old (nil for a new asset): for a change, only what differs from old.
func (r *Record) findSensitive(old *Asset, fields []Assignment) {
	r.Sensitive = nil
	for _, f := range fields {
		r.Sensitive = append(r.Sensitive, sensitiveField(f.Path, f.Value, old)...)
	}
	if old != nil && carriesPassword(old) {
		for _, f := range fields {
			switch f.Path {
			case "address", "port", "connection.port", "connection.via":
				r.Sensitive = append(r.Sensitive, Sensitive{Field: f.Path, Value: fieldValue(old, f.Path) + " -> " + f.Value, Kind: BringRedirect})
			}
		}
	}
}

// carriesPassword reports whether a sends a password somewhere: to its
// database, or to SSH password login.
func carriesPassword(a *Asset) bool {
	return (a.Database != nil && !a.Database.Password.IsZero()) || !a.Connection.Password.IsZero()
}

// sensitiveField says what setting path to value brings in, given the
// asset's current state old (nil when new).
func sensitiveField(path, value string, old *Asset) []Sensitive {
	switch path {
	case "connection.password.env", "connection.password.file", "connection.password.vault",
		"connection.passphrase.env", "connection.passphrase.file", "connection.passphrase.vault",
		"database.password.env", "database.password.file", "database.password.vault":
		i := strings.LastIndexByte(path, '.')
		return []Sensitive{{Field: path[:i], Value: path[i+1:] + ":" + value, Kind: BringSecret}}
	case "connection.key_file":
		return []Sensitive{{Field: path, Value: value, Kind: BringKeyFile}}
	case "connection.transport":
		if value == TransportLocal {
			return []Sensitive{{Field: path, Value: value, Kind: BringLocal}}
		}
	case "database.tls":
		if plaintextTLS(value) {
			return []Sensitive{{Field: path, Value: value, Kind: BringPlaintext}}
		}
	case "database":
		var d Database
		if json.Unmarshal([]byte(value), &d) != nil {
			return nil // checked when the cell was read
		}
		var was Database
		if old != nil && old.Database != nil {
			was = *old.Database
		}
		var out []Sensitive
		if !d.Password.IsZero() && d.Password != was.Password {
			out = append(out, Sensitive{Field: "database.password", Value: secretCell(d.Password), Kind: BringSecret})
		}
		if plaintextTLS(d.TLS) && d.TLS != was.TLS {
			out = append(out, Sensitive{Field: "database.tls", Value: d.TLS, Kind: BringPlaintext})
		}
		return out
	case "endpoints":
		var eps []Endpoint
		if json.Unmarshal([]byte(value), &eps) != nil {
			return nil
		}
		var known []string
		if old != nil {
			for _, e := range old.Endpoints {
				known = append(known, e.CAFile)
			}
		}
		var out []Sensitive
		for i, e := range eps {
			if e.CAFile != "" && !slices.Contains(known, e.CAFile) {
				out = append(out, Sensitive{Field: fmt.Sprintf("endpoints[%d].ca_file", i), Value: e.CAFile, Kind: BringKeyFile})
			}
		}
		return out
	case "checks":
		var cs map[string]CheckOverride
		if json.Unmarshal([]byte(value), &cs) != nil {
			return nil
		}
		was := map[string]string{}
		if old != nil {
			for name, o := range old.Checks {
				for k, v := range overrideLeaves(name, o) {
					was[k] = v
				}
			}
		}
		var out []Sensitive
		for name, o := range cs {
			for k, v := range overrideLeaves(name, o) {
				if w, ok := was[k]; !ok || w != v {
					out = append(out, Sensitive{Field: k, Value: v, Kind: BringCheck})
				}
			}
		}
		slices.SortFunc(out, func(a, b Sensitive) int { return strings.Compare(a.Field, b.Field) })
		return out
	default:
		if strings.HasPrefix(path, "checks.") {
			return []Sensitive{{Field: path, Value: value, Kind: BringCheck}}
		}
	}
	return nil
}

// overrideLeaves flattens a check override into checks.NAME.… fields.
func overrideLeaves(name string, o CheckOverride) map[string]string {
	m := map[string]string{}
	base := "checks." + name
	if o.Warn != "" {
		m[base+".warn"] = o.Warn
	}
	if o.Crit != "" {
		m[base+".crit"] = o.Crit
	}
	if o.Disabled {
		m[base+".disabled"] = "true"
	}
	for k, v := range o.Params {
		s, ok := v.(string)
		if !ok {
			s = jsonText(v)
		}
		m[base+".params."+k] = s
	}
	if len(m) == 0 {
		m[base] = "{}"
	}
	return m
}
