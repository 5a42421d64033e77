package os

import (
	"context"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// osInfoCheck records which operating system a host runs (type
// "os-info"): distribution and version from /etc/os-release (or the release
// files of older systems and of Kylin and UOS), kernel and architecture
// from uname. The result is OK without a value; its message is the line
// reports show ("Kylin Linux Advanced Server V10 (Tercel); kernel
// 4.19.90-23.15.v2101.ky10.aarch64; aarch64") and its evidence holds the
// same facts as key=value lines (id, name, version, edition, family,
// kernel, arch) for programs. It is UNKNOWN only when nothing could be
// read.
type osInfoCheck struct{}

// DecodeParams rejects every parameter: the check takes none
// (inspect.ParamsDecoder).
func (osInfoCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[osNoParams](spec)
}

// Validate checks the parameters of a spec built by hand (a loaded one was
// decoded already).
func (osInfoCheck) Validate(spec *inspect.Spec) error { return osValidate[osNoParams](spec) }

// Script prints each release file that exists (read builtin, no cat) and
// runs uname once.
func (osInfoCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	if _, err := inspect.ParamsOf[osNoParams](spec); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("for f in")
	for _, f := range osFiles {
		b.WriteString(" " + f)
	}
	b.WriteString(`; do
  [ -r "$f" ] || continue
  echo "@@FILE $f"
  while IFS= read -r l || [ -n "$l" ]; do echo "$l"; done < "$f"
done
echo "@@UNAME"
uname -srm`)
	return b.String(), nil
}

// Evaluate reports the OS.
func (osInfoCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("os-info")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	info := parseOSInfo(osSplit(env.Section.Stdout))
	if info.Name == "" && info.Kernel == "" {
		r := osUnknownMsg(base, env, "unparsable", "os.osinfo.unknown")
		osSetEvidence(&r, env.Section.Stdout, 20, false)
		return []result.Result{r}
	}
	r := base
	r.Status = result.OK
	r.Message = info.String()
	if info.Kernel != "" && info.Arch != "" && info.Name != "" {
		inspect.SetMsg(&r, env, "os.osinfo.msg", info.Name, info.Kernel, info.Arch)
	}
	r.Evidence = info.Facts()
	return []result.Result{r}
}

// OSInfo is the check type playbooks call "os-info".
func OSInfo() inspect.Check { return osGuard{osInfoCheck{}} }
