package os

import (
	"strconv"
	"strings"
)

// dfRow is one filesystem of df output. For df -k the numbers are 1 KiB
// blocks; for df -i they are inodes.
type dfRow struct {
	Source, Type, Mount string
	Total, Used, Avail  float64
}

// UsedPct is the share of the space (or inodes) in use, computed as df does
// it: used / (used + available), so blocks reserved for root count as full.
func (r dfRow) UsedPct() float64 {
	if r.Used+r.Avail <= 0 {
		return 0
	}
	return r.Used * 100 / (r.Used + r.Avail)
}

// parseDF reads POSIX df output (df -P, df -PT, df -Pi, df -PTi, and plain
// df on Linux): a header line, then one filesystem per line. A Type column
// is recognised from the header. Mount points with spaces are kept whole;
// lines that are not a filesystem (error messages merged from stderr, "-"
// sizes of unreachable mounts) are skipped.
func parseDF(s string) []dfRow {
	var rows []dfRow
	hasType := false
	sawHeader := false
	pending := "" // df without -P wraps a long source name onto its own line
	for _, raw := range strings.Split(s, "\n") {
		line := strings.TrimRight(raw, "\r")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !sawHeader && strings.EqualFold(f[0], "Filesystem") {
			sawHeader = true
			hasType = len(f) > 1 && strings.EqualFold(f[1], "Type")
			continue
		}
		if len(f) == 1 && !strings.HasPrefix(line, " ") {
			pending = f[0]
			continue
		}
		shift := 0 // fields of the row that are not on this line
		if pending != "" && strings.HasPrefix(line, " ") {
			f = append([]string{pending}, f...)
			shift = 1
		}
		pending = ""
		need := 6
		if hasType {
			need = 7
		}
		if len(f) < need {
			continue
		}
		r := dfRow{Source: f[0]}
		i := 1
		if hasType {
			r.Type = f[1]
			i = 2
		}
		var ok bool
		if r.Total, ok = dfNum(f[i]); !ok {
			continue
		}
		if r.Used, ok = dfNum(f[i+1]); !ok {
			continue
		}
		if r.Avail, ok = dfNum(f[i+2]); !ok {
			continue
		}
		if !strings.HasSuffix(f[i+3], "%") && f[i+3] != "-" {
			continue
		}
		// The mount point is the rest of the line after the capacity
		// column, so "/mnt/my disk" stays one mount point.
		r.Mount = dfRest(line, i+4-shift)
		if !strings.HasPrefix(r.Mount, "/") {
			continue
		}
		rows = append(rows, r)
	}
	return rows
}

func dfNum(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

// dfRest returns the text of line from its n-th field (0-based) to the end.
func dfRest(line string, n int) string {
	s := line
	for i := 0; i < n; i++ {
		s = strings.TrimLeft(s, " \t")
		j := strings.IndexAny(s, " \t")
		if j < 0 {
			return ""
		}
		s = s[j:]
	}
	return strings.TrimSpace(s)
}

// procMount is one line of /proc/mounts.
type procMount struct {
	Source, Mount, Type string
	ReadOnly            bool
}

// parseProcMounts reads /proc/mounts lines ("/dev/vda / ext4 ro,relatime 0 0");
// octal escapes such as \040 (space) are decoded.
func parseProcMounts(s string) []procMount {
	var out []procMount
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		m := procMount{Source: mountUnescape(f[0]), Mount: mountUnescape(f[1]), Type: f[2]}
		for _, o := range strings.Split(f[3], ",") {
			if o == "ro" {
				m.ReadOnly = true
			}
		}
		out = append(out, m)
	}
	return out
}

// mountUnescape decodes the \ooo octal escapes of /proc/mounts.
func mountUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// osPseudoFS are filesystem types that hold no user data worth a disk
// check: memory-backed, kernel interfaces, read-only images by design.
var osPseudoFS = map[string]bool{
	"tmpfs": true, "devtmpfs": true, "overlay": true, "squashfs": true, "proc": true,
	"sysfs": true, "cgroup": true, "cgroup2": true, "devpts": true, "mqueue": true,
	"hugetlbfs": true, "debugfs": true, "tracefs": true, "securityfs": true, "pstore": true,
	"bpf": true, "configfs": true, "fusectl": true, "autofs": true, "binfmt_misc": true,
	"nsfs": true, "ramfs": true, "rpc_pipefs": true, "efivarfs": true, "fuse.lxcfs": true,
	"iso9660": true, "udf": true, "rootfs": true, "selinuxfs": true, "none": true,
	"fuse.gvfsd-fuse": true, "fuse.portal": true, "nfsd": true, "devfs": true,
}
