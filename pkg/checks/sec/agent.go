package sec

import (
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// agentParams name the host security agents the site runs.
type agentParams struct {
	AgentProcesses []string `param:"agent_processes"` // process names (as in /proc/PID/comm, 15 characters at most) of the HIDS/anti-malware agent
}

// Defaults lists the agents of the clouds and tools in MLPS3-LINUX.md §4 f
// and §5: Alibaba 云安全中心 (AliYunDun), Tencent 主机安全 (YDService),
// Huawei HSS (hostguard), Volcengine/Elkeid, Wazuh, OSSEC, ClamAV.
func (p *agentParams) Defaults() {
	*p = agentParams{AgentProcesses: []string{"AliYunDun", "AliYunDunMonito", "AliYunDunUpdate", "YDService", "YDLive",
		"hostguard", "hostwatch", "elkeid-agent", "wazuh-agentd", "ossec-agentd", "clamd"}}
}

// CheckParams rejects an empty list: nothing could ever pass.
func (p *agentParams) CheckParams(spec *inspect.Spec) error {
	if len(p.AgentProcesses) == 0 {
		return inspect.BadParamMsg(spec, "agent_processes", "sec.param.agent")
	}
	return nil
}

// Agent is the check type "sec-agent": the host security agent runs —
// intrusion detection (ip-intrusion-detection) and malicious-code
// prevention (mc-malware-protection). A process name is only a claim: the
// agent's console shows whether it reports and alerts.
func Agent() inspect.Check {
	return kind[agentParams]{
		typ:   "sec-agent",
		rules: []string{"ip-intrusion-detection", "mc-malware-protection"},
		body:  func(*agentParams) (string, error) { return procCollector, nil },
		eval: func(c *ctx, p *agentParams) []result.Result {
			var found []string
			for _, name := range p.AgentProcesses {
				n := name
				if len(n) > 15 {
					n = n[:15] // comm is cut at 15 characters
				}
				if c.s.running(n) != "" {
					found = append(found, n)
				}
			}
			var out []result.Result
			for _, id := range []string{"ip-intrusion-detection", "mc-malware-protection"} {
				f := c.rule(id)
				if len(c.s.Vals["PROC"]) == 0 {
					out = append(out, f.unknown("no-data", "sec.agent.no_proc").done())
					continue
				}
				if len(found) > 0 {
					f.text("process: " + strings.Join(found, ", "))
					out = append(out, f.note("sec.agent.ok", strings.Join(found, ", ")).done())
					continue
				}
				f.text("process: (none of " + strings.Join(p.AgentProcesses, ", ") + ")")
				out = append(out, f.bad(result.Crit, "sec.agent.none", strings.Join(p.AgentProcesses, ", ")).done())
			}
			return out
		},
	}
}
