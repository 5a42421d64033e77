package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// Set through -ldflags by the Makefile.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

type versionInfo struct {
	Version   string `json:"version" yaml:"version"`
	Commit    string `json:"commit" yaml:"commit"`
	BuildDate string `json:"build_date" yaml:"build_date"`
	GoVersion string `json:"go_version" yaml:"go_version"`
	Platform  string `json:"platform" yaml:"platform"`
}

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit, build date, Go version and platform",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := versionInfo{version, commit, date, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
			if app.Output == "json" || app.Output == "yaml" {
				return app.PrintData(v)
			}
			fmt.Fprintf(app.IO.Out, "hcops %s\ncommit:     %s\nbuilt:      %s\ngo:         %s\nplatform:   %s\n",
				v.Version, v.Commit, v.BuildDate, v.GoVersion, v.Platform)
			return nil
		},
	}
}
