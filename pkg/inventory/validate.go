package inventory

import (
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"
)

var (
	nameRE     = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]*$`)
	labelKeyRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._/-]*$`)
	hostLabel  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	// Engines a database asset may name.
	dbEngines = []string{"postgresql", "mysql", "mariadb", "oracle", "sqlserver", "dm", "kingbase", "oceanbase", "gaussdb", "mongodb", "redis", "other"}
)

// DBTLSModes are the values database.tls may take (transport.TLSModes; a
// test keeps the two lists equal). Not given, a connection over the network
// requires TLS; one to a loopback address may go without. disable and prefer
// are the explicit permission to send the password in clear.
var DBTLSModes = []string{"disable", "prefer", "require", "verify-ca", "verify-full"}

// validName reports whether s may name an asset, group or system: letters
// (Chinese too), digits, '.', '_' and '-', starting with a letter or digit.
// Selectors and globs rely on this.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		case c >= 0x80:
			return nameRE.MatchString(s) // Chinese and other letters
		default:
			return false
		}
	}
	return true
}

// ValidName reports whether s may name an asset, group or system.
func ValidName(s string) bool { return validName(s) }

// ValidAddress reports whether s is an IPv4 or IPv6 address or a DNS name.
func ValidAddress(s string) bool {
	if s == "" {
		return false
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		_, err := netip.ParseAddr(s[1 : len(s)-1])
		return err == nil
	}
	name := strings.TrimSuffix(s, ".")
	if len(name) > 253 || name == "" {
		return false
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	// "192.0.2.300" is a mistyped address, not a host name: the last label
	// of a DNS name is never all digits.
	last := labels[len(labels)-1]
	if strings.IndexFunc(last, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		return false
	}
	return true
}

// ParseDuration reads a deadline such as "15m", "2h", "24h", "1d", "1w" or
// "1d12h" (d = 24h, w = 7d; Go duration units otherwise).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, strconv.ErrSyntax
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, strconv.ErrSyntax
		}
		num := rest[:i]
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		switch unit {
		case "d", "w":
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, err
			}
			day := 24 * time.Hour
			if unit == "w" {
				day *= 7
			}
			total += time.Duration(n * float64(day))
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, strconv.ErrSyntax
			}
			total += d
		}
	}
	return total, nil
}

// validate checks what cannot be seen by decoding alone: references, ranges,
// address syntax, jump chains. It runs after resolve.
func (l *loader) validate() {
	inv := l.inv
	if l.defaultsNod != nil {
		l.checkSettings(l.defaultsFil, l.defaultsNod, &inv.Defaults)
	}
	for _, g := range inv.Groups {
		if n := l.groupNodes[g]; n != nil && !isNull(n) {
			l.checkSettings(g.Pos.File, n, &g.Settings)
		}
	}
	for _, s := range inv.Systems {
		l.checkSystem(s, l.sysNodes[s])
	}
	for _, a := range inv.Assets {
		l.checkAsset(a, l.assetNodes[a])
	}
	for _, a := range l.dups {
		l.checkAsset(a, l.assetNodes[a])
		delete(inv.own, a)
	}
	l.checkJumpChains()
}

func (l *loader) at(file string, n *yaml.Node, fallback Pos) Pos {
	if n == nil {
		return fallback
	}
	return posOf(file, n)
}

// checkSettings validates fields shared by defaults, groups and assets.
func (l *loader) checkSettings(file string, n *yaml.Node, s *Settings) {
	fb := posOf(file, n)
	if s.Criticality != "" && s.Criticality != CriticalityCore && s.Criticality != CriticalityNonCore {
		l.add(problem(l.at(file, lookup(n, "criticality"), fb), "inventory.problem.bad_criticality", s.Criticality).hint("inventory.hint.criticality"))
	}
	if s.System != "" && l.inv.systemByName[s.System] == nil {
		l.add(problem(l.at(file, lookup(n, "system"), fb), "inventory.problem.unknown_system", s.System).hint("inventory.hint.declare_system"))
	}
	for k := range s.Labels {
		if !labelKeyRE.MatchString(k) {
			l.add(problem(l.at(file, lookupKey(n, "labels", k), fb), "inventory.problem.bad_label", k).hint("inventory.hint.label_chars"))
		}
	}
	l.checkConnection(file, lookup(n, "connection"), &s.Connection, fb)
	l.checkSNMP(file, lookup(n, "snmp"), s.SNMP, fb)
}

func (l *loader) checkConnection(file string, n *yaml.Node, c *Connection, fb Pos) {
	switch c.Transport {
	case "", TransportSSH, TransportLocal, TransportNone:
	default:
		l.add(problem(l.at(file, lookup(n, "transport"), fb), "inventory.problem.bad_transport", c.Transport).hint("inventory.hint.transport"))
	}
	if pn := lookup(n, "port"); pn != nil && !isNull(pn) {
		if p, err := strconv.Atoi(pn.Value); err == nil && (p < 1 || p > 65535) {
			l.add(problem(posOf(file, pn), "inventory.problem.bad_port", pn.Value).hint("inventory.hint.port"))
		}
	} else if c.Port < 0 || c.Port > 65535 { // merged from an anchor
		l.add(problem(l.at(file, n, fb), "inventory.problem.bad_port", strconv.Itoa(c.Port)).hint("inventory.hint.port"))
	}
	if c.Via != "" {
		vn := lookup(n, "via")
		if l.inv.assetByName[c.Via] == nil {
			l.add(problem(l.at(file, vn, fb), "inventory.problem.unknown_via", c.Via).hint("inventory.hint.declare_via"))
		}
	}
	for _, key := range []string{"password", "passphrase"} {
		ref := c.Password
		if key == "passphrase" {
			ref = c.Passphrase
		}
		if ref.Sources() > 1 {
			l.add(problem(l.at(file, lookup(n, key), fb), "inventory.problem.secret_both", key).hint("inventory.hint.secret_ref"))
		}
	}
}

func (l *loader) checkSystem(s *System, n *yaml.Node) {
	file := s.Pos.File
	if s.Criticality != "" && s.Criticality != CriticalityCore && s.Criticality != CriticalityNonCore {
		l.add(problem(l.at(file, lookup(n, "criticality"), s.Pos), "inventory.problem.bad_criticality", s.Criticality).hint("inventory.hint.criticality"))
	}
	for _, sev := range []string{"urgent", "serious", "general"} {
		for _, f := range []string{"respond", "fix"} {
			vn := lookup(n, "sla", sev, f)
			if vn == nil || isNull(vn) {
				continue
			}
			if _, err := ParseDuration(vn.Value); err != nil {
				l.add(problem(posOf(file, vn), "inventory.problem.bad_duration", vn.Value).hint("inventory.hint.duration"))
			}
		}
	}
	if vn := lookup(n, "sla", "max_outage"); vn != nil && !isNull(vn) {
		if _, err := ParseDuration(vn.Value); err != nil {
			l.add(problem(posOf(file, vn), "inventory.problem.bad_duration", vn.Value).hint("inventory.hint.duration"))
		}
	}
	if s.SLA.Availability < 0 || s.SLA.Availability > 100 {
		l.add(problem(l.at(file, lookup(n, "sla", "availability"), s.Pos), "inventory.problem.bad_availability", strconv.FormatFloat(s.SLA.Availability, 'f', -1, 64)))
	}
	if s.Members != "" {
		if _, err := ParseExpr(s.Members); err != nil {
			l.add(problem(l.at(file, lookup(n, "members"), s.Pos), "inventory.problem.bad_selector", err.Error()))
		}
	}
	l.checkEndpoints(file, lookup(n, "endpoints"), s.Endpoints, s.Pos)
}

func (l *loader) checkEndpoints(file string, n *yaml.Node, eps []Endpoint, fb Pos) {
	for i, ep := range eps {
		var en *yaml.Node
		if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
			en = n.Content[i]
		}
		u, err := url.Parse(ep.URL)
		if ep.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			l.add(problem(l.at(file, lookup(en, "url"), l.at(file, en, fb)), "inventory.problem.bad_url", ep.URL).hint("inventory.hint.url"))
		}
		if ep.Status != 0 && (ep.Status < 100 || ep.Status > 599) {
			l.add(problem(l.at(file, lookup(en, "status"), l.at(file, en, fb)), "inventory.problem.bad_status", ep.Status))
		}
	}
}

func (l *loader) checkAsset(a *Asset, n *yaml.Node) {
	file := a.Pos.File
	own := l.inv.own[a]
	if own.Kind != "" && !slices.Contains(Kinds, own.Kind) {
		l.add(problem(l.at(file, lookup(n, "kind"), a.Pos), "inventory.problem.bad_kind", own.Kind).hint("inventory.hint.kinds", strings.Join(Kinds, ", ")))
	}
	if own.Address != "" && !ValidAddress(own.Address) {
		l.add(problem(l.at(file, lookup(n, "address"), a.Pos), "inventory.problem.bad_address", own.Address).hint("inventory.hint.address"))
	}
	if pn := lookup(n, "port"); pn != nil && !isNull(pn) {
		if p, err := strconv.Atoi(pn.Value); err == nil && (p < 1 || p > 65535) {
			l.add(problem(posOf(file, pn), "inventory.problem.bad_port", pn.Value).hint("inventory.hint.port"))
		}
	} else if own.Port < 0 || own.Port > 65535 { // merged from an anchor
		l.add(problem(a.Pos, "inventory.problem.bad_port", strconv.Itoa(own.Port)).hint("inventory.hint.port"))
	}
	if gn := lookup(n, "groups"); gn != nil && gn.Kind == yaml.SequenceNode {
		seen := map[string]bool{}
		for _, g := range gn.Content {
			if l.inv.groupByName[g.Value] == nil {
				l.add(problem(posOf(file, g), "inventory.problem.unknown_group", g.Value).hint("inventory.hint.declare_group"))
			}
			if seen[g.Value] {
				l.add(problem(posOf(file, g), "inventory.problem.dup_in_list", g.Value))
			}
			seen[g.Value] = true
		}
	} else {
		for _, g := range own.Groups { // merged from an anchor
			if l.inv.groupByName[g] == nil {
				l.add(problem(a.Pos, "inventory.problem.unknown_group", g).hint("inventory.hint.declare_group"))
			}
		}
	}
	ownSettings := Settings{
		System: own.System, Criticality: own.Criticality, Labels: own.Labels, Connection: own.Connection,
	}
	l.checkSettings(file, n, &ownSettings)
	if own.Connection.Via == a.Name {
		l.add(problem(l.at(file, lookup(n, "connection", "via"), a.Pos), "inventory.problem.via_self", a.Name))
	}
	if own.Database != nil && own.Database.Engine == "" {
		l.add(problem(l.at(file, lookup(n, "database"), a.Pos), "inventory.problem.db_engine").hint("inventory.hint.db_engines", strings.Join(dbEngines, ", ")))
	} else if own.Database != nil && !slices.Contains(dbEngines, own.Database.Engine) {
		l.add(problem(l.at(file, lookup(n, "database", "engine"), a.Pos), "inventory.problem.bad_engine", own.Database.Engine).hint("inventory.hint.db_engines", strings.Join(dbEngines, ", ")))
	}
	if own.Database != nil && own.Database.TLS != "" && !slices.Contains(DBTLSModes, own.Database.TLS) {
		l.add(problem(l.at(file, lookup(n, "database", "tls"), a.Pos), "inventory.problem.bad_db_tls", own.Database.TLS).hint("inventory.hint.db_tls", strings.Join(DBTLSModes, ", ")))
	}
	l.checkEndpoints(file, lookup(n, "endpoints"), own.Endpoints, a.Pos)
	l.checkAssetSNMP(file, n, own, a)
	l.checkLink(file, n, own, a)
	// Effective: a host hcops reaches over SSH needs somewhere to connect.
	if !l.assetBad[a] && a.Kind == KindHost && a.Address == "" && (a.Connection.Transport == "" || a.Connection.Transport == TransportSSH) {
		l.add(problem(a.Pos, "inventory.problem.no_address", a.Name).hint("inventory.hint.no_address"))
	}
}

// checkLink checks the ends of a link: only assets of kind link have them,
// each end has a valid address, the ends are at different sites, and the
// target is a percentage.
func (l *loader) checkLink(file string, n *yaml.Node, own, a *Asset) {
	lk := own.Link
	if lk == nil {
		return
	}
	if a.Kind != KindLink {
		l.add(problem(l.at(file, lookupKey(n, "link"), a.Pos), "inventory.problem.link_kind", a.Kind))
		return
	}
	for _, e := range []struct {
		key string
		end LinkEnd
	}{{"a", lk.A}, {"b", lk.B}} {
		switch {
		case e.end.Address == "":
			l.add(problem(l.at(file, lookup(n, "link", e.key), l.at(file, lookup(n, "link"), a.Pos)), "inventory.problem.link_no_address", e.key).hint("inventory.hint.link"))
		case !ValidAddress(e.end.Address):
			l.add(problem(l.at(file, lookup(n, "link", e.key, "address"), a.Pos), "inventory.problem.bad_address", e.end.Address).hint("inventory.hint.address"))
		}
	}
	if lk.A.Site != "" && lk.A.Site == lk.B.Site {
		l.add(problem(l.at(file, lookup(n, "link", "b", "site"), a.Pos), "inventory.problem.link_same_site", lk.A.Site).hint("inventory.hint.link"))
	}
	if lk.Availability != 0 && (lk.Availability <= 0 || lk.Availability > 100) {
		l.add(problem(l.at(file, lookup(n, "link", "availability"), a.Pos), "inventory.problem.link_target", lk.Availability))
	}
}

// checkJumpChains reports every asset whose chain of `via` hosts loops.
func (l *loader) checkJumpChains() {
	for _, a := range l.inv.Assets {
		if a.Connection.Via == "" || a.Connection.Via == a.Name {
			continue
		}
		path := []string{a.Name}
		seen := map[string]bool{a.Name: true}
		cur := a
		for cur.Connection.Via != "" {
			next := l.inv.assetByName[cur.Connection.Via]
			if next == nil {
				break // reported as an unknown jump host
			}
			path = append(path, next.Name)
			if seen[next.Name] {
				pos := a.Pos
				if vn := lookup(l.assetNodes[a], "connection", "via"); vn != nil {
					pos = posOf(a.Pos.File, vn)
				}
				l.add(problem(pos, "inventory.problem.via_cycle", a.Name, strings.Join(path, " -> ")).hint("inventory.hint.via_cycle"))
				break
			}
			seen[next.Name] = true
			cur = next
		}
	}
}
