package inventory

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// mergeSNMP is the asset's effective snmp block: each field the asset does
// not set comes from the most specific layer (its groups, last first, then
// the defaults) that does. Nil when no layer has an snmp block.
func mergeSNMP(own *SNMP, layers []*Settings) *SNMP {
	var e SNMP
	has := own != nil
	if own != nil {
		e = *own
	}
	str := func(dst *string, get func(s *SNMP) string) {
		for i := len(layers) - 1; i >= 0 && *dst == ""; i-- {
			if s := layers[i].SNMP; s != nil {
				*dst = get(s)
			}
		}
	}
	ref := func(dst *SecretRef, get func(s *SNMP) SecretRef) {
		for i := len(layers) - 1; i >= 0 && dst.IsZero(); i-- {
			if s := layers[i].SNMP; s != nil {
				*dst = get(s)
			}
		}
	}
	for _, l := range layers {
		has = has || l.SNMP != nil
	}
	if !has {
		return nil
	}
	str(&e.Version, func(s *SNMP) string { return s.Version })
	str(&e.User, func(s *SNMP) string { return s.User })
	str(&e.Level, func(s *SNMP) string { return s.Level })
	str(&e.AuthProto, func(s *SNMP) string { return s.AuthProto })
	str(&e.PrivProto, func(s *SNMP) string { return s.PrivProto })
	str(&e.Context, func(s *SNMP) string { return s.Context })
	str(&e.Timeout, func(s *SNMP) string { return s.Timeout })
	ref(&e.Community, func(s *SNMP) SecretRef { return s.Community })
	ref(&e.AuthKey, func(s *SNMP) SecretRef { return s.AuthKey })
	ref(&e.PrivKey, func(s *SNMP) SecretRef { return s.PrivKey })
	for i := len(layers) - 1; i >= 0; i-- {
		s := layers[i].SNMP
		if s == nil {
			continue
		}
		if e.Port == 0 {
			e.Port = s.Port
		}
		if e.Retries == nil && s.Retries != nil {
			v := *s.Retries
			e.Retries = &v
		}
	}
	return &e
}

// Configured reports whether s says how to authenticate: a community or a
// v3 user. A block of timeouts and ports alone (on the defaults, say)
// configures nothing.
func (s *SNMP) Configured() bool {
	return s != nil && (!s.Community.IsZero() || s.User != "")
}

// SNMPTimeout is the per-request timeout of s: as written, or 5 s.
func (s *SNMP) SNMPTimeout() time.Duration {
	if d, err := ParseDuration(s.Timeout); err == nil && d > 0 {
		return d
	}
	return 5 * time.Second
}

// checkSNMP validates one snmp block as written (defaults, a group or an
// asset): each value on its own, at the line it is on.
func (l *loader) checkSNMP(file string, n *yaml.Node, s *SNMP, fb Pos) {
	if s == nil {
		return
	}
	at := func(key string) Pos { return l.at(file, lookup(n, key), l.at(file, n, fb)) }
	if s.Version != "" && s.Version != SNMPv2c && s.Version != SNMPv3 {
		l.add(problem(at("version"), "inventory.problem.snmp_version", s.Version).hint("inventory.hint.snmp_version"))
	}
	if s.Port < 0 || s.Port > 65535 {
		l.add(problem(at("port"), "inventory.problem.bad_port", strconv.Itoa(s.Port)).hint("inventory.hint.port"))
	}
	if s.Level != "" && !slices.Contains([]string{SNMPNoAuthNoPriv, SNMPAuthNoPriv, SNMPAuthPriv}, s.Level) {
		l.add(problem(at("level"), "inventory.problem.snmp_level", s.Level).hint("inventory.hint.snmp_level"))
	}
	if s.AuthProto != "" && !slices.Contains(SNMPAuthProtos, strings.ToUpper(s.AuthProto)) {
		l.add(problem(at("auth_proto"), "inventory.problem.snmp_proto", "auth_proto", s.AuthProto).hint("inventory.hint.snmp_protos", strings.Join(SNMPAuthProtos, ", ")))
	}
	if s.PrivProto != "" && !slices.Contains(SNMPPrivProtos, strings.ToUpper(s.PrivProto)) {
		l.add(problem(at("priv_proto"), "inventory.problem.snmp_proto", "priv_proto", s.PrivProto).hint("inventory.hint.snmp_protos", strings.Join(SNMPPrivProtos, ", ")))
	}
	if s.Timeout != "" {
		if d, err := ParseDuration(s.Timeout); err != nil || d <= 0 || d > time.Minute {
			l.add(problem(at("timeout"), "inventory.problem.snmp_timeout", s.Timeout).hint("inventory.hint.snmp_timeout"))
		}
	}
	if s.Retries != nil && (*s.Retries < 0 || *s.Retries > 5) {
		l.add(problem(at("retries"), "inventory.problem.snmp_retries", *s.Retries))
	}
	for key, ref := range map[string]SecretRef{"community": s.Community, "auth_key": s.AuthKey, "priv_key": s.PrivKey} {
		if ref.Sources() > 1 {
			l.add(problem(at(key), "inventory.problem.secret_both", "snmp."+key).hint("inventory.hint.secret_ref"))
		}
	}
}

// checkAssetSNMP validates an asset's effective snmp block as a whole: v2c
// needs a community, v3 a user and the keys its level asks for. The
// problem is at the asset's own snmp block, or at the asset when the block
// is inherited.
func (l *loader) checkAssetSNMP(file string, n *yaml.Node, own, a *Asset) {
	if own.SNMP != nil {
		l.checkSNMP(file, lookup(n, "snmp"), own.SNMP, a.Pos)
	}
	s := a.SNMP
	if s == nil || l.assetBad[a] || !s.Configured() && s.Version == "" {
		return // no block, or only tuning (timeout, port) for whatever has SNMP
	}
	pos := l.at(file, lookup(n, "snmp"), a.Pos)
	switch s.Version {
	case "", SNMPv2c:
		if s.Community.IsZero() {
			l.add(problem(pos, "inventory.problem.snmp_no_community", a.Name).hint("inventory.hint.snmp_community"))
		}
	case SNMPv3:
		if s.User == "" {
			l.add(problem(pos, "inventory.problem.snmp_no_user", a.Name).hint("inventory.hint.snmp_user"))
		}
		lvl := s.EffectiveLevel()
		if (lvl == SNMPAuthNoPriv || lvl == SNMPAuthPriv) && s.AuthKey.IsZero() {
			l.add(problem(pos, "inventory.problem.snmp_no_key", a.Name, lvl, "auth_key").hint("inventory.hint.secret_ref"))
		}
		if lvl == SNMPAuthPriv && s.PrivKey.IsZero() {
			l.add(problem(pos, "inventory.problem.snmp_no_key", a.Name, lvl, "priv_key").hint("inventory.hint.secret_ref"))
		}
		if !s.PrivKey.IsZero() && s.AuthKey.IsZero() {
			l.add(problem(pos, "inventory.problem.snmp_priv_without_auth", a.Name).hint("inventory.hint.snmp_level"))
		}
	}
}
