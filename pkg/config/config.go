// Package config reads hcops' configuration file. Unknown keys are errors
// naming the file and line, so a typo never silently changes nothing.
// Precedence between flags, HCOPS_* environment variables and this file is
// resolved by the command layer (viper); this package owns the file's shape.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// SecretRef names where a secret lives (environment variable or file); the
// secret itself is never written in the config. It is the inventory's type,
// so every secret reference in hcops is read the same way.
type SecretRef = inventory.SecretRef

// Site describes who the reports are for and by whom.
type Site struct {
	Name     string `yaml:"name,omitempty"`     // e.g. 朝阳区卫生健康委员会 健康云
	NameEN   string `yaml:"name_en,omitempty"`  // English name
	Client   string `yaml:"client,omitempty"`   // 客户单位
	Vendor   string `yaml:"vendor,omitempty"`   // 编制单位 / service provider
	Engineer string `yaml:"engineer,omitempty"` // 巡检人 / 编制人
	Reviewer string `yaml:"reviewer,omitempty"` // 审核人
	Approver string `yaml:"approver,omitempty"` // 负责人 / 甲方确认
}

// Report configures report rendering.
type Report struct {
	TemplateDir  string `yaml:"template_dir,omitempty"`  // Go templates overriding the built-in layout
	OutDir       string `yaml:"out_dir,omitempty"`       // where reports are written by default
	Logo         string `yaml:"logo,omitempty"`          // image file embedded in HTML reports
	PlanTemplate string `yaml:"plan_template,omitempty"` // next-month plan text file
}

// Mail configures SMTP delivery of reports.
type Mail struct {
	Host     string    `yaml:"host,omitempty"`
	Port     int       `yaml:"port,omitempty"`
	TLS      string    `yaml:"tls,omitempty"` // starttls (default), tls, none
	Username string    `yaml:"username,omitempty"`
	Password SecretRef `yaml:"password,omitempty"`
	From     string    `yaml:"from,omitempty"`
	To       []string  `yaml:"to,omitempty"`
	Cc       []string  `yaml:"cc,omitempty"`
	Insecure bool      `yaml:"insecure,omitempty"` // skip certificate verification (test servers only)
	CAFile   string    `yaml:"ca_file,omitempty"`
}

// Webhook is a chat robot or generic JSON endpoint.
type Webhook struct {
	Type     string    `yaml:"type"` // wecom, dingtalk, feishu, generic
	URL      string    `yaml:"url"`
	Secret   SecretRef `yaml:"secret,omitempty"`   // signing secret (DingTalk, Feishu)
	Template string    `yaml:"template,omitempty"` // Go template of the message text
}

// Job is a scheduled hcops invocation (hcops schedule print).
type Job struct {
	Name     string   `yaml:"name"`
	Schedule string   `yaml:"schedule"` // cron expression, e.g. "0 8 * * *"
	Args     []string `yaml:"args"`     // hcops arguments, e.g. [inspect, --playbook, linux-daily]
}

// Config is the whole configuration file.
type Config struct {
	Inventory string `yaml:"inventory,omitempty"`
	DB        string `yaml:"db,omitempty"`
	// DBPassword is the password of a postgres:// history, as a reference
	// (env:NAME, file:PATH or vault:NAME), never the password itself.
	DBPassword string `yaml:"db_password,omitempty"`
	// Runner and Zone name this hcops where several runners (one per
	// network zone) share one PostgreSQL history; every run it writes is
	// tagged with them and with Location as its site. Runner defaults to
	// the host name.
	Runner         string `yaml:"runner,omitempty"`
	Zone           string `yaml:"zone,omitempty"`
	AuditLog       string `yaml:"audit_log,omitempty"`  // hash-chained audit log (default audit.log beside db)
	AuditHash      string `yaml:"audit_hash,omitempty"` // hash of new audit records: sm3 (default) or sha256
	Vault          string `yaml:"vault,omitempty"`      // secrets vault (default vault beside db)
	Output         string `yaml:"output,omitempty"`
	Lang           string `yaml:"lang,omitempty"`
	NoColor        bool   `yaml:"no_color,omitempty"`
	KnownHosts     string `yaml:"known_hosts,omitempty"`
	Identity       string `yaml:"identity,omitempty"`
	Forks          int    `yaml:"forks,omitempty"`
	ConnectTimeout string `yaml:"connect_timeout,omitempty"` // e.g. 10s
	HostTimeout    string `yaml:"host_timeout,omitempty"`    // per-host deadline, e.g. 120s
	PlaybooksDir   string `yaml:"playbooks_dir,omitempty"`
	Backups        string `yaml:"backups,omitempty"` // backup policy file (default backups.yaml beside the inventory)
	// Location is the inventory site this hcops runs at (an asset's or a
	// link end's site): a link is measured from it to its far end.
	Location string `yaml:"location,omitempty"`

	Site     Site               `yaml:"site,omitempty"`
	Report   Report             `yaml:"report,omitempty"`
	Mail     Mail               `yaml:"mail,omitempty"`
	Webhooks map[string]Webhook `yaml:"webhooks,omitempty"`
	Alerts   Alerts             `yaml:"alerts,omitempty"`
	Tickets  Tickets            `yaml:"tickets,omitempty"`
	Jobs     []Job              `yaml:"jobs,omitempty"`
	Remote   Remote             `yaml:"remote,omitempty"`

	// File is the path the configuration was read from ("" when none).
	File string `yaml:"-"`
}

// Remote governs exec, cp and ssh.
type Remote struct {
	// Approval is when a second person's approval file (二次审批) is
	// required: "core" for core assets and appliances, "all" for every
	// target, "" (default) never — core assets then need --confirm.
	Approval string `yaml:"approval,omitempty"`
}

// DefaultPaths are searched, in order, when no --config is given.
func DefaultPaths() []string {
	var paths []string
	if dir, err := os.UserConfigDir(); err == nil {
		paths = append(paths, filepath.Join(dir, "hcops", "config.yaml"))
	}
	return append(paths, "/etc/hcops/config.yaml")
}

// Find returns the first default path that exists, or "".
func Find() string {
	for _, p := range DefaultPaths() {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

var (
	lineErrRE  = regexp.MustCompile(`line (\d+): field (\S+) not found in type`)
	yamlLineRE = regexp.MustCompile(`^line \d+(?:, column \d+)?: (.*)`)
)

// Load reads and strictly decodes the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes configuration text; name is used in messages.
func Parse(name string, data []byte) (*Config, error) {
	c := &Config{File: name}
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil // only comments
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var msgs []string
			for _, e := range te.Errors {
				if m := lineErrRE.FindStringSubmatch(e); m != nil {
					n, _ := strconv.Atoi(m[1])
					msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %q (check the spelling; known keys are listed in the README)", name, n, m[2]))
				} else {
					msgs = append(msgs, fmt.Sprintf("%s: %s", name, strings.TrimPrefix(e, "yaml: ")))
				}
			}
			return nil, errors.New(strings.Join(msgs, "\n"))
		}
		// A syntax error: where the parser stopped, not where yaml.v3
		// says (the start of the enclosing block).
		if line, col := inventory.SyntaxErrorPos(data, err); line > 0 {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				msg = m[1]
			}
			if col > 0 {
				return nil, fmt.Errorf("%s:%d:%d: YAML syntax error: %s", name, line, col, msg)
			}
			return nil, fmt.Errorf("%s:%d: YAML syntax error: %s", name, line, msg)
		}
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	switch c.Remote.Approval {
	case "", "core", "all":
	default:
		return nil, fmt.Errorf("%s: remote.approval %q: want core, all or nothing", name, c.Remote.Approval)
	}
	return c, nil
}

// DefaultDB is the history database path when none is configured:
// $XDG_DATA_HOME/hcops/history.db, else ~/.local/share/hcops/history.db.
func DefaultDB() string {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "hcops", "history.db")
}
