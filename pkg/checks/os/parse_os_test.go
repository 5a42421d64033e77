package os

import (
	"strings"
	"testing"
)

// osSection builds the os-info collector's output from release file
// contents and a uname line.
func osSection(files map[string]string, uname string) string {
	var b strings.Builder
	for _, f := range osFiles {
		if c, ok := files[f]; ok {
			b.WriteString("@@FILE " + f + "\n" + c)
			if !strings.HasSuffix(c, "\n") {
				b.WriteString("\n")
			}
		}
	}
	if uname != "" {
		b.WriteString("@@UNAME\n" + uname + "\n")
	}
	return b.String()
}

func TestParseOSInfo(t *testing.T) {
	cap := func(name string) string { return osCapture(t, "os-info", name) }
	tercelArm := cap("kylin-v10-tercel-aarch64-os-release-uname.txt")
	armRelease, armUname, _ := strings.Cut(tercelArm, "[root@node1 ~]# uname -a")
	ubuntuUname, ubuntuRelease, _ := strings.Cut(cap("ubuntu-22.04-os-release-uname-a.txt"), "\n")
	debian := cap("debian-12-os-release-uname.txt")
	debLines := strings.Split(strings.TrimSpace(debian), "\n")
	debUname := debLines[len(debLines)-1]

	tests := []struct {
		name  string
		files map[string]string
		uname string
		want  osInfo
	}{
		{"centos 7", map[string]string{"/etc/os-release": cap("centos-7-os-release.txt")}, strings.TrimSpace(cap("centos-7.7-uname-a.txt")),
			osInfo{ID: "centos", Name: "CentOS Linux 7 (Core)", Version: "7", Family: "rhel", Kernel: "3.10.0-1062.1.2.el7.x86_64", Arch: "x86_64"}},
		{"kylin v10 lance", map[string]string{"/etc/os-release": cap("kylin-v10-lance-os-release.txt")}, "",
			osInfo{ID: "kylin", Name: "Kylin Linux Advanced Server V10 (Lance)", Version: "V10", Family: "rhel"}},
		// os-release and kylin-release pasted together: the release line is
		// not an assignment and must not disturb the parse.
		{"kylin v10 tercel", map[string]string{"/etc/os-release": cap("kylin-v10-tercel-os-release.txt")}, cap("kylin-v10-sp2-uname-a.txt"),
			osInfo{ID: "kylin", Name: "Kylin Linux Advanced Server V10 (Tercel)", Version: "V10", Family: "rhel", Kernel: "4.19.90-24.4.v2101.ky10.x86_64", Arch: "x86_64"}},
		// A shell prompt in the paste; uname -a on aarch64.
		{"kylin v10 tercel aarch64", map[string]string{"/etc/os-release": armRelease}, armUname,
			osInfo{ID: "kylin", Name: "Kylin Linux Advanced Server V10 (Tercel)", Version: "V10", Family: "rhel", Kernel: "4.19.90-23.15.v2101.ky10.aarch64", Arch: "aarch64"}},
		// Only the release file (no os-release) on a Kylin system.
		{"kylin-release only", map[string]string{"/etc/kylin-release": "Kylin Linux Advanced Server release V10 (Tercel)\n"}, "",
			osInfo{ID: "kylin", Name: "Kylin Linux Advanced Server release V10 (Tercel)", Version: "V10", Family: "rhel"}},
		{"uos 20 fuyu", map[string]string{"/etc/os-release": cap("uos-20-fuyu-os-release.txt")}, "",
			osInfo{ID: "uos", Name: "UnionTech OS Server 20", Version: "20", Family: "rhel"}},
		// UOS: os-version adds the minor version and edition.
		{"uos 20 with os-version", map[string]string{"/etc/os-release": cap("uos-20-fuyu-os-release.txt"), "/etc/os-version": cap("uos-20-1050e-os-version.txt")}, "",
			osInfo{ID: "uos", Name: "UnionTech OS Server 20 (1050e)", Version: "20", Edition: "1050e", Family: "rhel"}},
		{"uos os-version only", map[string]string{"/etc/os-version": cap("uos-20-1050e-os-version.txt")}, "",
			osInfo{ID: "uos", Name: "UnionTech OS Server 20 (1050e)", Version: "20", Edition: "1050e", Family: "rhel"}},
		{"openEuler 24.03", map[string]string{"/etc/os-release": cap("openeuler-24.03-os-release.txt")}, "",
			osInfo{ID: "openeuler", Name: "openEuler 24.03 (LTS)", Version: "24.03", Family: "rhel"}},
		// The paste ends with `free -V` output, which is not an assignment.
		{"sles 12 sp3", map[string]string{"/etc/os-release": cap("sles-12-sp3-os-release.txt")}, "",
			osInfo{ID: "sles", Name: "SUSE Linux Enterprise Server 12 SP3", Version: "12.3", Family: "suse"}},
		{"ubuntu 22.04", map[string]string{"/etc/os-release": ubuntuRelease}, ubuntuUname,
			osInfo{ID: "ubuntu", Name: "Ubuntu 22.04.5 LTS", Version: "22.04", Family: "debian", Kernel: "5.15.0-94-generic", Arch: "x86_64"}},
		{"debian 12 (this machine)", map[string]string{"/etc/os-release": strings.Join(debLines[:len(debLines)-1], "\n")}, debUname,
			osInfo{ID: "debian", Name: "Debian GNU/Linux 12 (bookworm)", Version: "12", Family: "debian", Kernel: strings.Fields(debUname)[1], Arch: "x86_64"}},
		// Constructed: CentOS 6 has no os-release, only this one line.
		{"centos 6 redhat-release", map[string]string{"/etc/redhat-release": "CentOS release 6.10 (Final)\n"}, "Linux 2.6.32-754.el6.x86_64 x86_64",
			osInfo{ID: "centos", Name: "CentOS release 6.10 (Final)", Version: "6.10", Family: "rhel", Kernel: "2.6.32-754.el6.x86_64", Arch: "x86_64"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseOSInfo(osSplit(osSection(tc.files, tc.uname)))
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestOSInfoCheck(t *testing.T) {
	out := osSection(map[string]string{"/etc/os-release": osCapture(t, "os-info", "kylin-v10-lance-os-release.txt")}, "Linux 4.19.90-24.4.v2101.ky10.x86_64 x86_64")
	r := osOne(t, osEval(t, "os-info", out, nil, osNow))
	if r.Status.String() != "OK" || r.Value != nil {
		t.Errorf("want a value-less OK, got %+v", r)
	}
	if r.Message != "Kylin Linux Advanced Server V10 (Lance); kernel 4.19.90-24.4.v2101.ky10.x86_64; x86_64" {
		t.Errorf("message = %q", r.Message)
	}
	for _, fact := range []string{"id=kylin", "version=V10", "family=rhel", "arch=x86_64"} {
		if !strings.Contains(r.Evidence, fact+"\n") && !strings.HasSuffix(r.Evidence, fact) {
			t.Errorf("evidence lacks %s:\n%s", fact, r.Evidence)
		}
	}
	r = osOne(t, osEval(t, "os-info", "@@UNAME\nsh: uname: not found\n", nil, osNow))
	if r.Status.String() != "UNKNOWN" {
		t.Errorf("nothing readable: want UNKNOWN, got %+v", r)
	}
}

func BenchmarkParseOSInfo(b *testing.B) {
	out := osSection(map[string]string{"/etc/os-release": osCapture(b, "os-info", "uos-20-fuyu-os-release.txt"), "/etc/os-version": osCapture(b, "os-info", "uos-20-1050e-os-version.txt")}, "Linux 4.19.0 x86_64")
	for b.Loop() {
		parseOSInfo(osSplit(out))
	}
}
