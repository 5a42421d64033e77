package os

import (
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestOSVerCmp(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3.10.0-1062.1.2.el7.x86_64", "3.10.0-1160.el7.x86_64", -1},
		{"3.10.0-1160.el7.x86_64", "3.10.0-1160.el7.x86_64", 0},
		{"6.1.0-18-amd64", "6.1.0-9-amd64", 1},
		{"4.19.90-23.15.v2101.ky10.aarch64", "4.19.90-24.4.v2101.ky10.aarch64", -1},
		{"5.15.0-94-generic", "5.15.0-100-generic", -1},
		{"1.0a", "1.0", 1},
		{"1.0", "1.0.1", -1},
		{"1.a", "1.1", -1},
		{"010", "10", 0},
	}
	for _, tc := range tests {
		if got := osVerCmp(tc.a, tc.b); got != tc.want {
			t.Errorf("osVerCmp(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := osVerCmp(tc.b, tc.a); got != -tc.want {
			t.Errorf("osVerCmp(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
	for k, want := range map[string]string{"6.1.0-18-amd64": "amd64", "6.1.0-18-cloud-amd64": "cloud-amd64", "5.15.0-94-generic": "generic",
		"3.10.0-1062.1.2.el7.x86_64": "x86_64", "4.19.90-23.15.v2101.ky10.aarch64": "aarch64", "4.12.14-122.37-default": "default"} {
		if got := kernelFlavor(k); got != want {
			t.Errorf("kernelFlavor(%q) = %q, want %q", k, got, want)
		}
	}
}

func TestRebootRequired(t *testing.T) {
	// CentOS 7: 1160 installed, 1062 running (uname from the 7.7 capture).
	running := strings.Fields(osCapture(t, "os-info", "centos-7.7-uname-a.txt"))[2]
	out := "@@RUNNING " + running + "\n@@KERNEL 3.10.0-1062.1.2.el7.x86_64\n@@KERNEL 3.10.0-1160.119.1.el7.x86_64\n@@KERNEL 0-rescue-0123456789abcdef\n"
	r := osOne(t, osEval(t, "reboot-required", out, nil, osNow))
	if r.Status != result.Warn || !strings.Contains(r.Message, "3.10.0-1160.119.1.el7.x86_64") || r.Advice == "" {
		t.Errorf("newer kernel installed: %+v", r)
	}
	// Ubuntu: reboot-required file with packages; a newer kernel of another
	// flavour does not count.
	out = "@@REQUIRED\nlinux-image-5.15.0-100-generic\nlibc6\nlibc6\n@@RUNNING 5.15.0-94-generic\n@@KERNEL 5.15.0-94-generic\n@@KERNEL 5.15.0-1050-aws\n"
	r = osOne(t, osEval(t, "reboot-required", out, nil, osNow))
	if r.Status != result.Warn || !strings.Contains(r.Message, "linux-image-5.15.0-100-generic, libc6") || strings.Contains(r.Message, "older") {
		t.Errorf("reboot-required file: %+v", r)
	}
	// needs-restarting -r exit 1.
	out = "@@RUNNING 4.19.90-24.4.v2101.ky10.x86_64\n@@KERNEL 4.19.90-24.4.v2101.ky10.x86_64\n@@NEEDSRESTARTING\nCore libraries or services have been updated:\n  glibc -> 2.28-84\n\nReboot is required to ensure that your system benefits from these updates.\n@@RC 1\n"
	r = osOne(t, osEval(t, "reboot-required", out, &inspect.Spec{Name: "r", Params: map[string]any{"needs_restarting": true}}, osNow))
	if r.Status != result.Warn || !strings.Contains(r.Evidence, "glibc") {
		t.Errorf("needs-restarting: %+v", r)
	}
	// This machine: a kernel booted from outside, nothing in /boot.
	r = osOne(t, osEval(t, "reboot-required", "@@RUNNING 6.18.44-fc-v657\n", nil, osNow))
	if r.Status != result.OK {
		t.Errorf("nothing pending: %+v", r)
	}
	c, _ := Lookup("reboot-required")
	if s, _ := c.Script(&inspect.Spec{Name: "r"}, nil); strings.Contains(s, "needs-restarting") {
		t.Error("needs-restarting must be opt-in")
	}
}
