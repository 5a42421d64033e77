package os

// OSFacts is what other check domains need to know of a host's operating
// system: the security baseline (pkg/checks/sec) picks its remediation
// advice by Family and Version.
type OSFacts struct {
	ID      string // os-release ID, lower case: centos, rhel, kylin, uos, openeuler, sles, ubuntu, debian
	Name    string // e.g. "Kylin Linux Advanced Server V10 (Tercel)"
	Version string // "7", "V10", "20", "24.03", "12.3"
	Family  string // rhel, debian, suse or "" when unknown
}

// DetectOS reads the release files the os-info check reads (path →
// content: /etc/os-release, /etc/os-version, /etc/kylin-release,
// /etc/UnionTech-release, /etc/redhat-release, /etc/SuSE-release) the same
// way, so a host is the same OS in the baseline as in the daily inspection.
func DetectOS(files map[string]string) OSFacts {
	var blocks []osBlock
	for _, p := range osFiles {
		if s, ok := files[p]; ok {
			blocks = append(blocks, osBlock{Name: "FILE", Arg: p, Body: s})
		}
	}
	info := parseOSInfo(blocks)
	return OSFacts{ID: info.ID, Name: info.Name, Version: info.Version, Family: info.Family}
}

// ReleaseFiles lists the release files DetectOS reads, in the order they
// are trusted.
func ReleaseFiles() []string { return append([]string(nil), osFiles...) }
