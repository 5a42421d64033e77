package os

import (
	"regexp"
	"strconv"
	"strings"
)

// osInfo says which operating system a host runs. Reports group hosts by
// Family and show Name; the package-manager hints in advice use Family.
type osInfo struct {
	ID      string // os-release ID, lower case: centos, rhel, kylin, uos, openeuler, sles, ubuntu, debian
	Name    string // human name with version, e.g. "Kylin Linux Advanced Server V10 (Tercel)"
	Version string // VERSION_ID or the release file's version: "7", "V10", "20", "24.03", "12.3"
	Edition string // UOS edition and minor version ("1050e"); "" elsewhere
	Family  string // rhel, debian, suse or "" when unknown
	Kernel  string // uname -r
	Arch    string // uname -m
}

// ParseOSRelease reads an os-release file (KEY=value, values optionally
// quoted). Lines that are not assignments (a pasted prompt, a release file
// appended) are ignored.
func ParseOSRelease(s string) map[string]string {
	kv := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t[]") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
			v = osReleaseUnquote.Replace(v)
		}
		kv[k] = v
	}
	return kv
}

// osReleaseUnquote undoes the shell escapes os-release allows in quoted
// values.
var osReleaseUnquote = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`, "\\`", "`")

var (
	osReleaseLineRE = regexp.MustCompile(`^(.*?)\s+release\s+(\S+)(?:\s+\((.*)\))?`)
)

// osFiles are the release files the os-info collector prints, in the order
// they are trusted.
var osFiles = []string{"/etc/os-release", "/etc/os-version", "/etc/kylin-release", "/etc/UnionTech-release", "/etc/redhat-release", "/etc/SuSE-release"}

// parseOSInfo builds osInfo from the collector's blocks: "@@FILE <path>"
// with the file's content, and "@@UNAME" with `uname -srm`.
func parseOSInfo(blocks []osBlock) osInfo {
	var info osInfo
	files := map[string]string{}
	for _, b := range blocks {
		switch b.Name {
		case "FILE":
			files[b.Arg] = b.Body
		case "UNAME":
			info.Kernel, info.Arch = parseUname(b.Body)
		}
	}
	if s, ok := files["/etc/os-release"]; ok {
		kv := ParseOSRelease(s)
		info.ID = strings.ToLower(kv["ID"])
		info.Version = kv["VERSION_ID"]
		info.Name = kv["PRETTY_NAME"]
		if info.Name == "" {
			info.Name = strings.TrimSpace(kv["NAME"] + " " + kv["VERSION"])
		}
		info.Family = osFamily(info.ID, strings.ToLower(kv["ID_LIKE"]), kv["PLATFORM_ID"])
	}
	// UOS server: /etc/os-version names the minor version and edition
	// (1050e), which decides the patch level; os-release only says "20".
	if s, ok := files["/etc/os-version"]; ok {
		kv := ParseOSRelease(s)
		if kv["MinorVersion"] != "" || kv["EditionName"] != "" {
			info.Edition = kv["MinorVersion"] + kv["EditionName"]
		}
		if info.Name == "" && kv["SystemName"] != "" {
			info.Name = strings.TrimSpace(kv["SystemName"] + " " + kv["MajorVersion"])
			info.Version = kv["MajorVersion"]
			info.ID = "uos"
		}
		if info.Edition != "" && !strings.Contains(info.Name, info.Edition) {
			info.Name += " (" + info.Edition + ")"
		}
	}
	// Old systems without os-release (CentOS 6, SLES 11): the release file.
	for _, path := range []string{"/etc/kylin-release", "/etc/UnionTech-release", "/etc/redhat-release", "/etc/SuSE-release"} {
		s, ok := files[path]
		if !ok || info.Name != "" {
			continue
		}
		first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(s), "\n", 2)[0])
		if first == "" {
			continue
		}
		info.Name = first
		if m := osReleaseLineRE.FindStringSubmatch(first); m != nil {
			info.Version = m[2]
		}
		switch path {
		case "/etc/kylin-release":
			info.ID = "kylin"
		case "/etc/UnionTech-release":
			info.ID = "uos"
		case "/etc/SuSE-release":
			info.ID = "sles"
			if kv := ParseOSRelease(s); kv["VERSION"] != "" {
				info.Version = kv["VERSION"]
				if kv["PATCHLEVEL"] != "" {
					info.Version += "." + kv["PATCHLEVEL"]
				}
			}
		default:
			low := strings.ToLower(first)
			switch {
			case strings.HasPrefix(low, "centos"):
				info.ID = "centos"
			case strings.HasPrefix(low, "red hat"):
				info.ID = "rhel"
			default:
				info.ID = strings.ToLower(strings.Fields(first)[0])
			}
		}
		info.Family = osFamily(info.ID, "", "")
	}
	if info.Family == "" {
		info.Family = osFamily(info.ID, "", "")
	}
	return info
}

// osFamily maps a distribution to the family whose tools it shares. Kylin
// Server V10, UOS Server 20 and openEuler are RPM/yum systems; Kylin Desktop
// and UOS Desktop are Debian-based and say so in ID_LIKE.
func osFamily(id, like, platform string) string {
	words := " " + id + " " + like + " "
	switch {
	case strings.Contains(words, " debian ") || strings.Contains(words, " ubuntu "):
		return "debian"
	case strings.Contains(words, " suse") || strings.Contains(words, " sles") || strings.Contains(words, " opensuse"):
		return "suse"
	case strings.Contains(words, " rhel ") || strings.Contains(words, " fedora ") || strings.Contains(words, " centos "),
		id == "kylin", id == "uos", id == "openeuler", id == "anolis", id == "rocky", id == "almalinux", id == "ol",
		strings.HasPrefix(platform, "platform:uel"), strings.HasPrefix(platform, "platform:el"):
		return "rhel"
	}
	return ""
}

// String is the one-line description shown in reports.
func (o osInfo) String() string {
	parts := []string{}
	name := o.Name
	if name == "" {
		name = "unknown OS"
	}
	parts = append(parts, name)
	if o.Kernel != "" {
		parts = append(parts, "kernel "+o.Kernel)
	}
	if o.Arch != "" {
		parts = append(parts, o.Arch)
	}
	return strings.Join(parts, "; ")
}

// Facts is the machine-readable form kept as evidence: one key=value per
// line, stable keys.
func (o osInfo) Facts() string {
	var b strings.Builder
	for _, kv := range [][2]string{{"id", o.ID}, {"name", o.Name}, {"version", o.Version}, {"edition", o.Edition}, {"family", o.Family}, {"kernel", o.Kernel}, {"arch", o.Arch}} {
		if kv[1] != "" {
			q := strconv.Quote(kv[1])
			b.WriteString(kv[0] + "=" + q[1:len(q)-1] + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// parseUname reads kernel release and machine from `uname -srm` ("Linux
// 4.19.90-23.15.v2101.ky10.aarch64 aarch64") or `uname -a`; other lines
// (a pasted prompt) are skipped.
func parseUname(s string) (kernel, arch string) {
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "Linux" {
			continue
		}
		if f[len(f)-1] == "GNU/Linux" {
			f = f[:len(f)-1]
		}
		switch {
		case len(f) == 2:
			return f[1], ""
		case len(f) == 3: // uname -srm
			return f[1], f[2]
		default: // uname -a: Linux host release #version ... machine
			return f[2], f[len(f)-1]
		}
	}
	return "", ""
}
