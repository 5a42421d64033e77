// Command cmd writes pkg/checks/doc_gen.go from the check types' doc
// comments (go generate ./pkg/checks).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cyhealth/hcops/internal/checkdoc"
)

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	src, err := checkdoc.Generate(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkdoc:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(filepath.Join(dir, "doc_gen.go"), src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "checkdoc:", err)
		os.Exit(1)
	}
}
