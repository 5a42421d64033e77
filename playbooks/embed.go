// Package playbooks holds the built-in inspection playbooks (linux-daily,
// http-endpoints, local-default, ...), embedded in the binary so hcops
// works on a fresh machine with nothing else installed. The file format is
// described in README.md beside them.
package playbooks

import "embed"

// FS holds every built-in playbook file at its root. The pattern is "*" and
// not "*.yaml" so the package builds before any playbook exists; the loader
// (inspect.LoadLibrary) reads only the *.yaml files.
//
//go:embed *
var FS embed.FS
