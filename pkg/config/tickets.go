package config

// Tickets configures tickets (工单) and their SLA clocks (config key
// tickets:). pkg/ticket reads and checks it (ticket.NewPolicy); every key
// is optional.
//
//	tickets:
//	  holidays: /etc/hcops/holidays.yaml   # the site's holiday and 调休 data, laid over the built-in years
//	  hours: "08:30-12:00,13:30-17:30"     # the working day of a "working" calendar
//	  calendars: {response: 24x7, arrival: 24x7, repair: working}
//	  systems: {cost: {repair: working}}   # calendars per application system
//	  deadlines:                           # when a system's sla: lacks one
//	    urgent: {respond: 15m, arrive: 20m, fix: 2h}
//	  from_alerts: {unreachable: urgent, crit: serious}
//	  security: {operator_class: cii, report: {cii: 1h, central: 2h, other: 4h}}
type Tickets struct {
	Holidays  string                       `yaml:"holidays,omitempty"`
	Hours     string                       `yaml:"hours,omitempty"`
	Calendars map[string]string            `yaml:"calendars,omitempty"`
	Systems   map[string]map[string]string `yaml:"systems,omitempty"`
	Deadlines map[string]TicketDeadline    `yaml:"deadlines,omitempty"`
	// FromAlerts maps an alert's status (warn, crit, unreachable) to the
	// class of the ticket it opens; a status not listed opens none.
	FromAlerts map[string]string `yaml:"from_alerts,omitempty"`
	Security   TicketSecurity    `yaml:"security,omitempty"`
}

// TicketDeadline is a class's respond, arrive (on site or logged in) and
// fix deadline, as Go durations ("15m", "2h").
type TicketDeadline struct {
	Respond string `yaml:"respond,omitempty"`
	Arrive  string `yaml:"arrive,omitempty"`
	Fix     string `yaml:"fix,omitempty"`
}

// TicketSecurity configures security incidents (网络安全事件): the site's
// operator class and the reporting deadline of each class.
type TicketSecurity struct {
	OperatorClass string            `yaml:"operator_class,omitempty"`
	Report        map[string]string `yaml:"report,omitempty"`
}
