package mw

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// rabbitmqCheck asks the RabbitMQ management API from this machine (type
// "rabbitmq"): /api/overview and /api/nodes, with a monitoring user's
// password (the "monitoring" tag is enough). Results:
//
//   - one per cluster node (item: the node name): not running, a memory or
//     disk alarm (publishers are blocked) or a network partition is CRIT;
//     memory at warn/crit percent of the high watermark (default warn ~:80,
//     crit ~:95) or file descriptors at 90 % are WARN.
//   - item "queues": messages ready and unacknowledged over all queues,
//     against max_messages when given (WARN).
//
// A node just started reports no figures until its first statistics
// interval: the node is then judged on running, alarms and partitions only.
//
// Parameters:
//
//	url       the management API (default http://ADDRESS:15672, or the
//	          asset's port; https for 15671, 443 and 8443)
//	host, port  instead of the asset's address and port
//	user      monitoring user (default: guest with password guest,
//	          RabbitMQ's own account, which it lets in from localhost only)
//	password  secret reference: {env: NAME}, {file: PATH} or {vault: NAME}
//	max_messages  messages in all queues that warn (default 0: none)
//	insecure  skip certificate verification
//	timeout   default 10s
type rabbitmqCheck struct{}

// RabbitMQ is the check type playbooks call "rabbitmq".
func RabbitMQ() inspect.Check { return rabbitmqCheck{} }

// rabbitmqParams are the parameters, decoded once when the playbook is
// loaded.
type rabbitmqParams struct {
	URL         string        `param:"url"`
	Host        string        `param:"host"`
	Port        int           `param:"port"`
	User        string        `param:"user"`
	Password    mwPassword    `param:"password"`
	MaxMessages int           `param:"max_messages"`
	Insecure    bool          `param:"insecure"`
	Timeout     time.Duration `param:"timeout"`
}

// Defaults: 10 s.
func (p *rabbitmqParams) Defaults() { p.Timeout = 10 * time.Second }

// CheckParams checks url, port, timeout and max_messages.
func (p *rabbitmqParams) CheckParams(spec *inspect.Spec) error {
	if p.MaxMessages < 0 {
		return inspect.BadParamMsg(spec, "max_messages", "mw.param.zero_or_more", p.MaxMessages)
	}
	if err := mwCheckURL(spec, p.URL); err != nil {
		return err
	}
	return mwCheckCommon(spec, p.Port, p.Timeout)
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (rabbitmqCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[rabbitmqParams](spec)
}

// Validate has nothing left to check: DecodeParams did.
func (rabbitmqCheck) Validate(*inspect.Spec) error { return nil }

// Script: none, the API is asked from this machine.
func (rabbitmqCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "", nil }

// RabbitNode is what hcops reads of one /api/nodes entry. Figures are
// pointers: a node reports them only after its first statistics interval.
type RabbitNode struct {
	Name          string   `json:"name"`
	Running       bool     `json:"running"`
	MemUsed       *float64 `json:"mem_used"`
	MemLimit      *float64 `json:"mem_limit"`
	MemAlarm      bool     `json:"mem_alarm"`
	DiskFree      *float64 `json:"disk_free"`
	DiskFreeLimit *float64 `json:"disk_free_limit"`
	DiskFreeAlarm bool     `json:"disk_free_alarm"`
	FDUsed        *float64 `json:"fd_used"`
	FDTotal       *float64 `json:"fd_total"`
	Partitions    []string `json:"partitions"`
	Uptime        *float64 `json:"uptime"` // milliseconds
}

// RabbitOverview is what hcops reads of /api/overview.
type RabbitOverview struct {
	Version     string `json:"rabbitmq_version"`
	ClusterName string `json:"cluster_name"`
	QueueTotals struct {
		Messages       *float64 `json:"messages"`
		Ready          *float64 `json:"messages_ready"`
		Unacknowledged *float64 `json:"messages_unacknowledged"`
	} `json:"queue_totals"`
	ObjectTotals struct {
		Queues      float64 `json:"queues"`
		Connections float64 `json:"connections"`
		Consumers   float64 `json:"consumers"`
	} `json:"object_totals"`
}

func (rabbitmqCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	const typ = "rabbitmq"
	p, err := inspect.ParamsOf[rabbitmqParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	c := newHTTPConf(p.URL, "", p.Host, p.Port, p.User, p.Password, p.Insecure, p.Timeout, env.Asset, 15672)
	if c.user == "" && c.password.IsZero() {
		// RabbitMQ's own account, which it lets in from localhost only.
		c.user, c.plain = "guest", "guest"
	}
	maxMsgs := p.MaxMessages
	if c.url == "" {
		r := mwUnknown(env, typ, "", "bad-params", "mw.no_address")
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return []result.Result{r}
	}
	fail := func(err error) []result.Result {
		if _, ok := err.(*secretError); ok {
			return []result.Result{mwUnknown(env, typ, "", "secret", "mw.secret", err)}
		}
		return []result.Result{mwHTTPProblem(env, typ, "RabbitMQ management API", err)}
	}
	ovBody, err := c.get(ctx, "/api/overview")
	if err != nil {
		return fail(err)
	}
	nodesBody, err := c.get(ctx, "/api/nodes")
	if err != nil {
		return fail(err)
	}
	var ov RabbitOverview
	var nodes []RabbitNode
	if err := json.Unmarshal(ovBody, &ov); err != nil || ov.Version == "" {
		r := mwUnknown(env, typ, "", "unparsable", "mw.rabbitmq.unparsable", c.url+"/api/overview", errText(err, "no rabbitmq_version"))
		inspect.SetEvidence(&r, inspect.Clip(string(ovBody), 2000), false)
		return []result.Result{r}
	}
	if err := json.Unmarshal(nodesBody, &nodes); err != nil || len(nodes) == 0 {
		r := mwUnknown(env, typ, "", "unparsable", "mw.rabbitmq.unparsable", c.url+"/api/nodes", errText(err, "no node"))
		inspect.SetEvidence(&r, inspect.Clip(string(nodesBody), 2000), false)
		return []result.Result{r}
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	th := inspect.DefaultThresholds(env, "~:80", "~:95")
	var rs []result.Result
	for _, n := range nodes {
		rs = append(rs, rabbitNodeResult(env, typ, th, ov.Version, n))
	}
	q := mwResult(env, typ, "queues")
	ready, unacked := deref(ov.QueueTotals.Ready), deref(ov.QueueTotals.Unacknowledged)
	total := ready + unacked
	if ov.QueueTotals.Messages != nil {
		total = *ov.QueueTotals.Messages
	}
	q.SetValue(total, "")
	q.Metrics = []result.Metric{{Name: "rabbitmq.messages", Value: total}, {Name: "rabbitmq.messages_unacked", Value: unacked}}
	inspect.SetMsg(&q, env, "mw.rabbitmq.queues", int(total), int(ready), int(unacked), int(ov.ObjectTotals.Queues), int(ov.ObjectTotals.Consumers))
	if maxMsgs > 0 && total >= float64(maxMsgs) {
		q.Status = result.Warn
		q.Reason = "backlog"
		inspect.AddMsg(&q, env, "mw.rabbitmq.backlog", maxMsgs)
		inspect.SetAdvice(&q, env, "mw.rabbitmq.backlog_advice")
	}
	rs = append(rs, q)
	return rs
}

// rabbitNodeResult judges one cluster node.
func rabbitNodeResult(env *inspect.Env, typ string, th inspect.Thresholds, version string, n RabbitNode) result.Result {
	r := mwResult(env, typ, n.Name)
	ev, _ := json.Marshal(n)
	if !n.Running {
		r.Status = result.Crit
		r.Reason = "node-down"
		inspect.SetMsg(&r, env, "mw.rabbitmq.node_down", n.Name)
		inspect.SetAdvice(&r, env, "mw.rabbitmq.node_down_advice")
		inspect.SetEvidence(&r, string(ev), false)
		return r
	}
	if n.MemUsed != nil && n.MemLimit != nil && *n.MemLimit > 0 {
		pct := mwPct(*n.MemUsed, *n.MemLimit)
		th.Apply(&r, pct, "%")
		r.Metrics = append(r.Metrics, result.Metric{Name: "rabbitmq.mem_watermark", Value: pct, Unit: "%"})
		inspect.SetMsg(&r, env, "mw.rabbitmq.node", n.Name, version, pct, inspect.Bytes(*n.MemUsed), inspect.Bytes(*n.MemLimit))
	} else {
		inspect.SetMsg(&r, env, "mw.rabbitmq.node_nostats", n.Name, version)
	}
	var alarms []string
	if n.MemAlarm {
		alarms = append(alarms, "memory")
	}
	if n.DiskFreeAlarm {
		alarms = append(alarms, "disk")
	}
	if len(alarms) > 0 {
		r.Status = result.Crit
		r.Reason = "alarm"
		inspect.AddMsg(&r, env, "mw.rabbitmq.alarm", strings.Join(alarms, ", "))
		inspect.SetAdvice(&r, env, "mw.rabbitmq.alarm_advice")
	}
	if len(n.Partitions) > 0 {
		r.Status = result.Crit
		r.Reason = "partition"
		inspect.AddMsg(&r, env, "mw.rabbitmq.partition", strings.Join(n.Partitions, ", "))
		inspect.SetAdvice(&r, env, "mw.rabbitmq.partition_advice")
	}
	if n.FDUsed != nil && n.FDTotal != nil && *n.FDTotal > 0 && *n.FDUsed >= 0.9**n.FDTotal {
		r.Status = result.Worst(r.Status, result.Warn)
		inspect.AddMsg(&r, env, "mw.rabbitmq.fd", int(*n.FDUsed), int(*n.FDTotal))
		if r.Advice == "" {
			inspect.SetAdvice(&r, env, "mw.rabbitmq.fd_advice")
		}
	}
	if r.Status != result.OK {
		if r.Advice == "" {
			inspect.SetAdvice(&r, env, "mw.rabbitmq.mem_advice")
		}
		inspect.SetEvidence(&r, string(ev), false)
	}
	return r
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// errText is err's text, or why when err is nil.
func errText(err error, why string) string {
	if err != nil {
		return err.Error()
	}
	return why
}
