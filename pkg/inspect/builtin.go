package inspect

// Builtin is the explicit list of hcops's check types, by the name
// playbooks use. It replaces registration from init functions: a check type
// is one line here, and nothing is registered behind the reader's back.
func Builtin() Registry {
	return Registry{
		"accounts":        osGuard{accountsCheck{}},
		"command":         commandCheck{},
		"cpu":             osGuard{cpuCheck{}},
		"db-activity":     dbProbe{name: "db-activity", pg: pgActivity, my: myActivity},
		"db-backup":       dbProbe{name: "db-backup", pg: pgBackupSignals, my: myBackupSignals},
		"db-cache":        dbProbe{name: "db-cache", pg: pgCache, my: myCache},
		"db-connections":  dbProbe{name: "db-connections", pg: pgConnections, my: myConnections},
		"db-log":          dbLogCheck{},
		"db-replication":  dbProbe{name: "db-replication", pg: pgReplication, my: myReplication},
		"db-security":     dbProbe{name: "db-security", pg: pgSecurity, my: mySecurity},
		"db-size":         dbProbe{name: "db-size", pg: pgSize, my: mySize},
		"db-status":       dbProbe{name: "db-status", pg: pgStatus, my: myStatusCheck},
		"db-throughput":   dbProbe{name: "db-throughput", pg: pgThroughput, my: myThroughput},
		"disk":            osGuard{diskCheck{}},
		"dns":             dnsCheck{},
		"edac":            edacCheck{},
		"failed-logins":   osGuard{failedLoginsCheck{}},
		"file":            fileCheck{},
		"http":            httpCheck{},
		"inode":           osGuard{inodeCheck{}},
		"ipmi":            ipmiCheck{},
		"kernel-log":      osGuard{kernelLogCheck{}},
		"load":            osGuard{loadCheck{}},
		"log-pattern":     logPatternCheck{},
		"memory":          osGuard{memoryCheck{}},
		"multipath":       multipathCheck{},
		"nagios-plugin":   nagiosCheck{},
		"nic":             nicCheck{},
		"os-info":         osGuard{osInfoCheck{}},
		"port-listen":     osGuard{portListenCheck{}},
		"process":         osGuard{processCheck{}},
		"raid":            raidCheck{},
		"reboot-required": osGuard{rebootRequiredCheck{}},
		"smart":           smartCheck{},
		"systemd-unit":    osGuard{systemdUnitCheck{}},
		"tcp-connect":     tcpCheck{},
		"time-offset":     osGuard{timeOffsetCheck{}},
		"tls-cert":        tlsCertCheck{},
		"uptime":          osGuard{uptimeCheck{}},
		"zombie":          osGuard{zombieCheck{}},
	}
}
