// Package checks is the one explicit list of hcops's check types. Each
// check type lives in its domain package (checks/os, checks/hw, checks/db,
// checks/probe, checks/generic), one file per check; adding one is that
// file plus a line here (see CONTRIBUTING.md).
package checks

import (
	"github.com/cyhealth/hcops/pkg/checks/db"
	"github.com/cyhealth/hcops/pkg/checks/generic"
	"github.com/cyhealth/hcops/pkg/checks/hw"
	"github.com/cyhealth/hcops/pkg/checks/mw"
	netchecks "github.com/cyhealth/hcops/pkg/checks/net"
	oschecks "github.com/cyhealth/hcops/pkg/checks/os"
	"github.com/cyhealth/hcops/pkg/checks/probe"
	"github.com/cyhealth/hcops/pkg/checks/sec"
	"github.com/cyhealth/hcops/pkg/checks/win"
	"github.com/cyhealth/hcops/pkg/inspect"
)

// All returns every check type by the name playbooks use. Each call
// returns a new map, so a caller may add its own (tests) without touching
// anyone else's.
func All() inspect.Registry {
	return inspect.Registry{
		"accounts":        oschecks.Accounts(),
		"command":         generic.Command(),
		"cpu":             oschecks.CPU(),
		"db-activity":     db.Activity(),
		"db-backup":       db.Backup(),
		"db-cache":        db.Cache(),
		"db-connections":  db.Connections(),
		"db-log":          db.Log(),
		"db-replication":  db.Replication(),
		"db-security":     db.Security(),
		"db-size":         db.Size(),
		"db-status":       db.Status(),
		"db-throughput":   db.Throughput(),
		"disk":            oschecks.Disk(),
		"dns":             probe.DNS(),
		"edac":            hw.EDAC(),
		"failed-logins":   oschecks.FailedLogins(),
		"file":            oschecks.File(),
		"http":            probe.HTTP(),
		"inode":           oschecks.Inode(),
		"ipmi":            hw.IPMI(),
		"kernel-log":      oschecks.KernelLog(),
		"load":            oschecks.Load(),
		"log-pattern":     oschecks.LogPattern(),
		"memory":          oschecks.Memory(),
		"multipath":       hw.Multipath(),
		"nagios-plugin":   generic.NagiosPlugin(),
		"nginx":           mw.Nginx(),
		"nic":             hw.NIC(),
		"os-info":         oschecks.OSInfo(),
		"ping":            probe.Ping(),
		"port-listen":     oschecks.PortListen(),
		"process":         oschecks.Process(),
		"rabbitmq":        mw.RabbitMQ(),
		"raid":            hw.RAID(),
		"reboot-required": oschecks.RebootRequired(),
		"redis":           mw.Redis(),
		"sec-accounts":    sec.Accounts(),
		"sec-agent":       sec.Agent(),
		"sec-audit":       sec.Audit(),
		"sec-exposure":    sec.Exposure(),
		"sec-lockout":     sec.Lockout(),
		"sec-logs":        sec.Logs(),
		"sec-mac":         sec.MAC(),
		"sec-password":    sec.Password(),
		"sec-patch":       sec.Patch(),
		"sec-privilege":   sec.Privilege(),
		"sec-session":     sec.Session(),
		"sec-sshd":        sec.Sshd(),
		"sec-trust":       sec.Trust(),
		"smart":           hw.SMART(),
		"systemd-unit":    oschecks.SystemdUnit(),
		"snmp-health":     netchecks.Health(),
		"snmp-interfaces": netchecks.Interfaces(),
		"snmp-storage":    netchecks.Storage(),
		"snmp-system":     netchecks.System(),
		"tcp-connect":     probe.TCPConnect(),
		"time-offset":     oschecks.TimeOffset(),
		"tls-cert":        probe.TLSCert(),
		"tomcat":          mw.Tomcat(),
		"uptime":          oschecks.Uptime(),
		"win-cpu":         win.CPU(),
		"win-disk":        win.Disk(),
		"win-eventlog":    win.EventLog(),
		"win-memory":      win.Memory(),
		"win-reboot":      win.RebootPending(),
		"win-service":     win.Service(),
		"win-uptime":      win.Uptime(),
		"zombie":          oschecks.Zombie(),
	}
}
