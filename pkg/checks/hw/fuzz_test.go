package hw

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/result"
)

// Fuzz targets of the hardware parsers (ipmitool, smartctl, mdstat/mdadm,
// storcli/perccli, multipath, EDAC counters), seeded with the real captures
// in testdata/hardware. Whatever a BMC, a disk or a controller prints, the
// parser never panics, and the check's results are sane: a known status, a
// message, finite numbers (JSON cannot carry NaN or Inf, and one would lose
// the whole run's output), and the same results for the same output.
//
//	go test -run '^$' -fuzz FuzzIPMI -fuzztime 20s ./pkg/inspect/

// hwSane evaluates typ on out in both languages, twice, and checks the
// results.
func hwSane(t *testing.T, typ, out string) []result.Result {
	t.Helper()
	var first []result.Result
	for _, lang := range []string{i18n.EN, i18n.ZH} {
		rs := hwEvalLang(t, typ, out, nil, time.Time{}, lang)
		if again := hwEvalLang(t, typ, out, nil, time.Time{}, lang); !reflect.DeepEqual(rs, again) {
			t.Fatalf("%s: not deterministic:\n%+v\n%+v", typ, rs, again)
		}
		if len(rs) == 0 {
			t.Fatalf("%s: no result at all", typ)
		}
		for _, r := range rs {
			if r.Status < result.OK || r.Status > result.Unreachable {
				t.Fatalf("%s %s: status %d", typ, r.Item, r.Status)
			}
			if strings.TrimSpace(r.Message) == "" {
				t.Fatalf("%s %q: %s with no message", typ, r.Item, r.Status)
			}
			if r.Value != nil && (math.IsNaN(*r.Value) || math.IsInf(*r.Value, 0)) {
				t.Fatalf("%s %q: value %v", typ, r.Item, *r.Value)
			}
			for _, m := range r.Metrics {
				if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
					t.Fatalf("%s %q: metric %s = %v", typ, r.Item, m.Name, m.Value)
				}
			}
		}
		if _, err := json.Marshal(rs); err != nil {
			t.Fatalf("%s: results do not encode: %v", typ, err)
		}
		if first == nil {
			first = rs
		}
	}
	return first
}

// hwSeed adds the captured output of testdata/hardware files to f's corpus,
// each wrapped by wrap (the section markers the check's script prints).
func hwSeed(f *testing.F, wrap func(string) string, files ...string) {
	for _, name := range files {
		f.Add(wrap(hwCapture(f, name)))
	}
}

func FuzzIPMI(f *testing.F) {
	sdr := func(s string) string { return "@@SDR\n" + s + "@@SEL\n" }
	hwSeed(f, sdr, "hp-proliant-dl360__ipmitool-sdr-elist-full-psu-failure.txt", "ibm-system-x__ipmitool-sdr.txt")
	hwSeed(f, func(s string) string { return "@@SDR\nFan 1 | 30h | ok | 29.1 | 9800 RPM\n@@SEL\n" + s }, "hp-proliant-dl360__ipmitool-sel-list.txt")
	f.Add("@@NOTOOL ipmitool\n")
	f.Add("@@SDR\nCPU Temp | -1e999 degrees C | ok\nX | | \n@@SEL\n 1 | 13/45/2021 | 25:61:61 | Memory | failed | Asserted\n")
	statusRE := regexp.MustCompile(`^[^A-Z]*$`)
	f.Fuzz(func(t *testing.T, out string) {
		for _, s := range parseIPMISDR(out) {
			if !statusRE.MatchString(s.Status) {
				t.Fatalf("status %q not lower case", s.Status)
			}
		}
		for _, e := range parseIPMISEL(out, time.UTC) {
			if !e.At.IsZero() && e.At.Location() != time.UTC {
				t.Fatalf("event time %v", e.At)
			}
		}
		hwSane(t, "ipmi", out)
	})
}

func FuzzSmartctl(f *testing.F) {
	hwSeed(f, func(s string) string { return s },
		"apple-ssd-sm256e__smartctl-brief-past-failure.txt", "hgst-travelstar-sata__smartctl-brief-healthy.txt",
		"seagate-barracuda-7200.10__smartctl-a-failed.txt", "seagate-st3300657ss-sas-megaraid__smartctl-a-failure-prediction.txt",
		"transcend-mte850-nvme__smartctl-nvme.txt", "wd-red-wd10efrx__smartctl-a-healthy.txt")
	f.Add("Temperature: 99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999 Celsius\n")
	f.Fuzz(func(t *testing.T, out string) {
		d := parseSmartctl(out)
		for id, a := range d.Attrs {
			if id != a.ID {
				t.Fatalf("attribute %d filed under %d", a.ID, id)
			}
		}
		if math.IsNaN(d.TempC) || math.IsInf(d.TempC, 0) || math.IsNaN(d.PercentUsed) || math.IsInf(d.PercentUsed, 0) {
			t.Fatalf("temperature %v, percent used %v", d.TempC, d.PercentUsed)
		}
		// The section as the check's script prints it: one disk, its exit status.
		hwSane(t, "smart", "@@DEV /dev/sda sat\n"+out+"\n@@RC 0\n")
	})
}

func FuzzRaid(f *testing.F) {
	hwSeed(f, func(s string) string { return "@@MDSTAT\n" + s }, "linux-raid1__proc-mdstat-resync.txt", "linux-raid6__proc-mdstat-recovery.txt")
	hwSeed(f, func(s string) string {
		return "@@MDSTAT\nmd1 : active raid1 sdb3[1] sda3[0](F)\n      41909248 blocks super 1.2 [2/1] [_U]\n\n@@MDADM /dev/md1\n" + s
	}, "linux-raid1__mdadm-detail-active-degraded-faulty.txt", "sysrescue-vm__mdadm-detail-clean.txt", "sysrescue-vm__mdadm-detail-degraded.txt")
	hwSeed(f, func(s string) string { return "@@STORCLI storcli64\n" + s },
		"cloud-host-megaraid__storcli-c0-eall-sall-show-ubad.txt", "cloud-host-megaraid__storcli-c0-vall-show-raid10-degraded.txt",
		"dell-perc-esxi67__perccli-c0-dall-show-failed-drive.txt", "dell-perc-esxi67__perccli-show-all-failed-drive.txt",
		"dell-perc-esxi67__perccli-show-all-need-attention-rebuilding.txt", "dell-perc-esxi67__perccli-topology-rebuilding.txt",
		"lsi-9266-8i__storcli-c0-show-raid5-optimal.txt", "lsi-9266-8i__storcli-c0-v0-show-all-degraded-rebuild.txt",
		"lsi-9266-8i__storcli-show-system-overview.txt", "mgh-megaraid-9361-8i__storcli-c0-show-excerpt-optimal.txt",
		"pve-perc12__perccli2-c0-vall-show-all-optimal.txt")
	hwSeed(f, func(s string) string {
		return "@@STORCLI storcli64\n" + hwCapture(f, "mgh-megaraid-9361-8i__storcli-c0-show-excerpt-rebuilding.txt") + "@@STORCLI-REBUILD\n" + s
	}, "mgh-megaraid-9361-8i__storcli-show-rebuild.txt", "dell-perc-esxi67__perccli-show-rebuild.txt")
	f.Add("@@NORAID\n")
	f.Add("@@NOTOOL mdadm\n")
	mapRE := regexp.MustCompile(`^[U_]*$`)
	f.Fuzz(func(t *testing.T, out string) {
		for _, a := range parseMdstat(out) {
			if !mapRE.MatchString(a.Map) || a.Want < 0 || a.Have < 0 {
				t.Fatalf("array %+v", a)
			}
		}
		parseMdadmDetail(out)
		rep := parseStorcli(out)
		for _, d := range rep.Drives {
			if d == nil {
				t.Fatal("nil drive")
			}
		}
		hwSane(t, "raid", out)
	})
}

func FuzzMultipath(f *testing.F) {
	hwSeed(f, func(s string) string { return s }, "emc-vnx-iscsi__multipath-ll-failed-faulty.txt", "rocky-linux-iscsi-lio__multipath-ll-healthy.txt")
	f.Add("@@NOTOOL multipath\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, d := range parseMultipath(out) {
			for _, p := range d.Paths {
				if p.DMState != "active" && p.DMState != "failed" {
					t.Fatalf("path %+v", p)
				}
			}
		}
		hwSane(t, "multipath", out)
	})
}

func FuzzEDAC(f *testing.F) {
	for _, s := range []string{"mc0 0 0\nmc1 0 0\n", "mc0 12 0\n", "mc0 3 1\n", "@@NOEDAC\n", "mc0 9223372036854775807 9223372036854775807\nmc1 1 1\n", "mc0 -5 0\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		hwSane(t, "edac", out)
	})
}
