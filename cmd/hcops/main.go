// Command hcops is the operations toolkit of the Chaoyang District health
// cloud: asset inventory, fleet inspection, backup verification and reports.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cyhealth/hcops/pkg/iostreams"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes hcops with args and returns the exit code. Errors are printed
// here, once, on stderr; findings are data and were printed by the command.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ios := iostreams.System()
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	code := exitCode(err)
	if err != nil {
		var es *exitStatusError
		if !errors.As(err, &es) {
			fmt.Fprintf(ios.ErrOut, "hcops: %s\n", err)
			var fe *flagError
			if errors.As(err, &fe) {
				fmt.Fprintln(ios.ErrOut, "run 'hcops --help' for usage")
			}
		}
	}
	if ctx.Err() != nil && code != ExitInterrupted && err != nil {
		code = ExitInterrupted
	}
	return code
}
