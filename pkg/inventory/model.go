// Package inventory is the asset register: the hosts, databases, appliance,
// network and security devices, middleware, applications and links the site
// runs, grouped by application system, zone, site and labels. It loads and
// validates the YAML files people keep in git, selects assets, edits the files
// in place and imports/exports CSV, XLSX, JSON and YAML.
package inventory

import (
	"fmt"
	"os"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/paths"
)

// Kinds of asset.
const (
	KindHost           = "host"
	KindDatabase       = "database"
	KindAppliance      = "appliance"
	KindNetworkDevice  = "network-device"
	KindSecurityDevice = "security-device"
	KindMiddleware     = "middleware"
	KindApplication    = "application"
	KindLink           = "link"
	KindStorage        = "storage"
	KindCloudService   = "cloud-service"
	CriticalityCore    = "core"
	CriticalityNonCore = "non-core"
	TransportSSH       = "ssh"
	TransportLocal     = "local"
	TransportNone      = "none"
	DefaultSSHPort     = 22
	LocalhostAssetName = "localhost"
)

// Kinds lists every valid asset kind, in the order they are documented.
var Kinds = []string{
	KindHost, KindDatabase, KindAppliance, KindNetworkDevice, KindSecurityDevice,
	KindMiddleware, KindApplication, KindLink, KindStorage, KindCloudService,
}

// Pos is where something was written: file, line and column (1-based).
type Pos struct {
	File   string `json:"-" yaml:"-"`
	Line   int    `json:"-" yaml:"-"`
	Column int    `json:"-" yaml:"-"`
}

// OS describes an asset's operating system.
type OS struct {
	Family  string `json:"family,omitempty" yaml:"family,omitempty"` // linux, windows, kylin, uos, centos, ...
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	Arch    string `json:"arch,omitempty" yaml:"arch,omitempty"` // x86_64, aarch64
}

// SecretRef names where a secret lives; the secret itself is never stored in
// the inventory. Exactly one of Env, File or Vault is set.
type SecretRef struct {
	Env   string `json:"env,omitempty" yaml:"env,omitempty"`     // environment variable holding the secret
	File  string `json:"file,omitempty" yaml:"file,omitempty"`   // file holding the secret (first line)
	Vault string `json:"vault,omitempty" yaml:"vault,omitempty"` // name of the secret in hcops' vault (hcops secret)
}

// IsZero reports whether no secret is referenced.
func (s SecretRef) IsZero() bool { return s.Env == "" && s.File == "" && s.Vault == "" }

// Sources is how many of Env, File and Vault are set: a valid reference
// has one (or none).
func (s SecretRef) Sources() int {
	n := 0
	for _, v := range []string{s.Env, s.File, s.Vault} {
		if v != "" {
			n++
		}
	}
	return n
}

// VaultResolver reads the secret called name from hcops' vault. The command
// layer sets it once (it knows where the vault is and how to ask for its
// passphrase); while it is nil, {vault: NAME} references cannot be read.
var VaultResolver func(name string) (string, error)

// Resolve reads the secret: the environment variable's value, the first
// line of the file, or the vault's secret. An empty reference gives "". This
// is hcops' one reader of secret references; the value is never logged or
// stored.
func (s SecretRef) Resolve() (string, error) {
	if s.Sources() > 1 {
		return "", &SecretError{Key: "inventory.secret.many_sources"}
	}
	switch {
	case s.Vault != "":
		if VaultResolver == nil {
			return "", fmt.Errorf("secret {vault: %s}: no vault is available here", s.Vault)
		}
		return VaultResolver(s.Vault)
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok {
			return "", &SecretError{Key: "inventory.secret.env_unset", Args: []any{s.Env}}
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(paths.Expand(s.File))
		if err != nil {
			return "", err
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimRight(line, "\r"), nil
	}
	return "", nil
}

// SecretError is a secret reference that cannot be resolved, for a reason
// of hcops' own (an unset variable, two sources): a catalogue message, so
// it reads in the language of whatever shows it (i18n.Coded).
type SecretError struct {
	Key  string
	Args []any
}

func (e *SecretError) Error() string { return i18n.T(i18n.EN, e.Key, e.Args...) }

// I18n is the error's meaning (i18n.Coded).
func (e *SecretError) I18n() i18n.Sub { return i18n.S(e.Key, e.Args...) }

// Connection says how hcops reaches an asset.
type Connection struct {
	Transport  string    `json:"transport,omitempty" yaml:"transport,omitempty"` // ssh (default for hosts), local, none
	User       string    `json:"user,omitempty" yaml:"user,omitempty"`
	Port       int       `json:"port,omitempty" yaml:"port,omitempty"` // SSH port; defaults to 22
	KeyFile    string    `json:"key_file,omitempty" yaml:"key_file,omitempty"`
	Agent      *bool     `json:"agent,omitempty" yaml:"agent,omitempty"` // use ssh-agent (default: when SSH_AUTH_SOCK is set)
	Via        string    `json:"via,omitempty" yaml:"via,omitempty"`     // name of the jump host / bastion asset
	Become     bool      `json:"become,omitempty" yaml:"become,omitempty"`
	BecomeUser string    `json:"become_user,omitempty" yaml:"become_user,omitempty"`
	Password   SecretRef `json:"password,omitzero" yaml:"password,omitempty"` // legacy devices only
	Passphrase SecretRef `json:"passphrase,omitzero" yaml:"passphrase,omitempty"`
}

// SNMP says how hcops reads a device over SNMP (switches, firewalls,
// storage): v2c with a community or v3 with a user and keys. Community and
// keys are secret references (env, file, vault), never values. Set on the
// defaults, a group or the asset; each field not set on the asset comes
// from its most specific group, then the defaults.
type SNMP struct {
	Version   string    `json:"version,omitempty" yaml:"version,omitempty"`       // "2c" (default) or "3"
	Port      int       `json:"port,omitempty" yaml:"port,omitempty"`             // UDP port; 161 when 0
	Community SecretRef `json:"community,omitzero" yaml:"community,omitempty"`    // v2c
	User      string    `json:"user,omitempty" yaml:"user,omitempty"`             // v3 security name
	Level     string    `json:"level,omitempty" yaml:"level,omitempty"`           // v3: noAuthNoPriv, authNoPriv, authPriv; from the keys when ""
	AuthProto string    `json:"auth_proto,omitempty" yaml:"auth_proto,omitempty"` // v3: MD5, SHA (default), SHA224, SHA256, SHA384, SHA512
	AuthKey   SecretRef `json:"auth_key,omitzero" yaml:"auth_key,omitempty"`
	PrivProto string    `json:"priv_proto,omitempty" yaml:"priv_proto,omitempty"` // v3: DES, AES (default), AES192, AES256, AES192C, AES256C
	PrivKey   SecretRef `json:"priv_key,omitzero" yaml:"priv_key,omitempty"`
	Context   string    `json:"context,omitempty" yaml:"context,omitempty"` // v3 context name, rarely needed
	Timeout   string    `json:"timeout,omitempty" yaml:"timeout,omitempty"` // per request, e.g. "3s"; 5s when ""
	Retries   *int      `json:"retries,omitempty" yaml:"retries,omitempty"` // per request; 1 when unset
}

// SNMP versions and v3 security levels.
const (
	SNMPv2c          = "2c"
	SNMPv3           = "3"
	SNMPNoAuthNoPriv = "noAuthNoPriv"
	SNMPAuthNoPriv   = "authNoPriv"
	SNMPAuthPriv     = "authPriv"
)

// SNMPAuthProtos and SNMPPrivProtos are the v3 protocols hcops accepts.
var (
	SNMPAuthProtos = []string{"MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"}
	SNMPPrivProtos = []string{"DES", "AES", "AES192", "AES256", "AES192C", "AES256C"}
)

// EffectiveLevel is the v3 security level: as written, or the highest the
// keys given allow.
func (s *SNMP) EffectiveLevel() string {
	switch {
	case s.Level != "":
		return s.Level
	case !s.AuthKey.IsZero() && !s.PrivKey.IsZero():
		return SNMPAuthPriv
	case !s.AuthKey.IsZero():
		return SNMPAuthNoPriv
	}
	return SNMPNoAuthNoPriv
}

// Endpoint is a URL an application system answers on, checked by the
// http-endpoints playbook.
type Endpoint struct {
	URL        string `json:"url" yaml:"url"`
	Name       string `json:"name,omitempty" yaml:"name,omitempty"`
	Status     int    `json:"status,omitempty" yaml:"status,omitempty"`           // expected HTTP status (default 2xx/3xx)
	BodyRegex  string `json:"body_regex,omitempty" yaml:"body_regex,omitempty"`   // must match the body
	Insecure   bool   `json:"insecure,omitempty" yaml:"insecure,omitempty"`       // skip TLS verification
	CAFile     string `json:"ca_file,omitempty" yaml:"ca_file,omitempty"`         // custom CA bundle
	TimeoutSec int    `json:"timeout_sec,omitempty" yaml:"timeout_sec,omitempty"` // default 10
}

// Database describes how to reach a database instance (kind database or an
// appliance running one).
type Database struct {
	Engine   string    `json:"engine" yaml:"engine"` // postgresql, mysql, mariadb
	Database string    `json:"database,omitempty" yaml:"database,omitempty"`
	User     string    `json:"user,omitempty" yaml:"user,omitempty"`
	Password SecretRef `json:"password,omitzero" yaml:"password,omitempty"`
	Role     string    `json:"role,omitempty" yaml:"role,omitempty"` // primary, standby
	Replicas int       `json:"replicas,omitempty" yaml:"replicas,omitempty"`
	TLS      string    `json:"tls,omitempty" yaml:"tls,omitempty"` // DBTLSModes; "" = require, or prefer on loopback
}

// LinkEnd is one end of a link: the site it is at and the address that
// answers ping there (the router or firewall interface of the line).
type LinkEnd struct {
	Site    string `json:"site,omitempty" yaml:"site,omitempty"`
	Address string `json:"address,omitempty" yaml:"address,omitempty"`
}

// Link describes an asset of kind link (a dedicated line, a VPN): its two
// ends, and its availability target. hcops measures a link from the end it
// runs at (the `location` setting, HCOPS_LOCATION; end a when unset or neither end's
// site) by pinging the far end's address. A link without a `link:` block is
// measured by pinging its `address`, as before.
type Link struct {
	A LinkEnd `json:"a" yaml:"a"`
	B LinkEnd `json:"b" yaml:"b"`
	// Availability is the target in percent; 0 means the SLA2 figure for
	// links and storage (99.95 %).
	Availability float64 `json:"availability,omitempty" yaml:"availability,omitempty"`
}

// LinkTarget is the address to ping to measure asset a from site (this
// runner's site, "" when unknown) and the end it is ("a" or "b"; "" for an
// asset measured by its own address). For a link with ends, the far end
// from site: b unless site is b's site. Without ends, the asset's address.
func (a *Asset) LinkTarget(site string) (addr, end string) {
	l := a.Link
	if l == nil {
		return a.Address, ""
	}
	if site != "" && site == l.B.Site && site != l.A.Site && l.A.Address != "" {
		return l.A.Address, "a"
	}
	if l.B.Address != "" {
		return l.B.Address, "b"
	}
	return a.Address, ""
}

// CheckOverride changes a playbook check for one asset, group or the defaults:
// other thresholds, other parameters, or off.
type CheckOverride struct {
	Warn     string         `json:"warn,omitempty" yaml:"warn,omitempty"`
	Crit     string         `json:"crit,omitempty" yaml:"crit,omitempty"`
	Disabled bool           `json:"disabled,omitempty" yaml:"disabled,omitempty"`
	Params   map[string]any `json:"params,omitempty" yaml:"params,omitempty"`
}

// Asset is one thing the engineer looks after.
type Asset struct {
	Name        string                   `json:"name" yaml:"name"`
	Kind        string                   `json:"kind" yaml:"kind"`
	Address     string                   `json:"address,omitempty" yaml:"address,omitempty"` // IPv4, IPv6 or DNS name
	Port        int                      `json:"port,omitempty" yaml:"port,omitempty"`       // service port (database, device)
	Zone        string                   `json:"zone,omitempty" yaml:"zone,omitempty"`       // intranet, internet, ...
	Site        string                   `json:"site,omitempty" yaml:"site,omitempty"`
	Room        string                   `json:"room,omitempty" yaml:"room,omitempty"`
	System      string                   `json:"system,omitempty" yaml:"system,omitempty"` // application system it serves
	Groups      []string                 `json:"groups,omitempty" yaml:"groups,omitempty"`
	Labels      map[string]string        `json:"labels,omitempty" yaml:"labels,omitempty"`
	Owner       string                   `json:"owner,omitempty" yaml:"owner,omitempty"`
	Contact     string                   `json:"contact,omitempty" yaml:"contact,omitempty"`
	Criticality string                   `json:"criticality,omitempty" yaml:"criticality,omitempty"` // core, non-core
	OS          OS                       `json:"os,omitzero" yaml:"os,omitempty"`
	Connection  Connection               `json:"connection,omitzero" yaml:"connection,omitempty"`
	Endpoints   []Endpoint               `json:"endpoints,omitempty" yaml:"endpoints,omitempty"`
	Database    *Database                `json:"database,omitempty" yaml:"database,omitempty"`
	SNMP        *SNMP                    `json:"snmp,omitempty" yaml:"snmp,omitempty"` // how to read the device over SNMP
	Link        *Link                    `json:"link,omitempty" yaml:"link,omitempty"` // the two ends of a link (kind link)
	Checks      map[string]CheckOverride `json:"checks,omitempty" yaml:"checks,omitempty"`
	Notes       string                   `json:"notes,omitempty" yaml:"notes,omitempty"`

	// Pos is where the asset was defined; zero for assets not read from a file.
	Pos Pos `json:"-" yaml:"-"`
}

// SLA holds respond and fix deadlines per fault severity, as the contract
// words them (紧急 urgent / 严重 serious / 一般 general). Durations are
// written like "15m", "2h", "24h", "168h".
type SLA struct {
	Urgent  Deadline `json:"urgent,omitzero" yaml:"urgent,omitempty"`
	Serious Deadline `json:"serious,omitzero" yaml:"serious,omitempty"`
	General Deadline `json:"general,omitzero" yaml:"general,omitempty"`
	// MaxOutage is the longest acceptable single outage (SLA3: core < 2h, non-core < 10h).
	MaxOutage string `json:"max_outage,omitempty" yaml:"max_outage,omitempty"`
	// Availability target in percent, e.g. 99.975.
	Availability float64 `json:"availability,omitempty" yaml:"availability,omitempty"`
}

// Deadline is a respond/fix pair, and optionally the arrival (on site, or
// logged in remotely) deadline of AP2 ("logged in within 20 min"); without
// it tickets take the config's tickets.deadlines.
type Deadline struct {
	Respond string `json:"respond,omitempty" yaml:"respond,omitempty"`
	Arrive  string `json:"arrive,omitempty" yaml:"arrive,omitempty"`
	Fix     string `json:"fix,omitempty" yaml:"fix,omitempty"`
}

// System is an application system the site runs (PACS, 120 dispatch, ...).
// Its members are the assets whose `system` field names it, plus those its
// selector matches.
type System struct {
	Name        string     `json:"name" yaml:"name"`
	NameZH      string     `json:"name_zh,omitempty" yaml:"name_zh,omitempty"`
	NameEN      string     `json:"name_en,omitempty" yaml:"name_en,omitempty"`
	Criticality string     `json:"criticality,omitempty" yaml:"criticality,omitempty"`
	SLA         SLA        `json:"sla,omitzero" yaml:"sla,omitempty"`
	Members     string     `json:"members,omitempty" yaml:"members,omitempty"` // selector expression, e.g. "group=pacs-servers"
	Endpoints   []Endpoint `json:"endpoints,omitempty" yaml:"endpoints,omitempty"`
	Owner       string     `json:"owner,omitempty" yaml:"owner,omitempty"`
	Notes       string     `json:"notes,omitempty" yaml:"notes,omitempty"`

	Pos Pos `json:"-" yaml:"-"`
}

// DisplayName returns the system's name in the given language ("zh" or "en"),
// falling back to the other language and then to its key.
func (s *System) DisplayName(lang string) string {
	if lang == "zh" && s.NameZH != "" {
		return s.NameZH
	}
	if s.NameEN != "" {
		return s.NameEN
	}
	if s.NameZH != "" {
		return s.NameZH
	}
	return s.Name
}
