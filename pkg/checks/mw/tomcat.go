package mw

import (
	"context"
	"encoding/xml"
	"sort"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// tomcatCheck reads Tomcat's manager status in XML from this machine (type
// "tomcat": /manager/status?XML=true, a user with the manager-status role).
// Results:
//
//   - item "jvm": heap in use (total - free) against the JVM's maximum;
//     warn/crit apply to the percentage (default warn ~:85, crit ~:95).
//   - one per connector (item: its name, "http-nio-8080"): busy threads
//     against maxThreads, WARN from threads_warn percent (default 90): new
//     requests wait for a thread. Requests and errors are metrics.
//
// Parameters:
//
//	url       the manager's base URL (default http://ADDRESS:8080, or the
//	          asset's port; https for 443 and 8443)
//	path      default /manager/status?XML=true
//	host, port  instead of the asset's address and port
//	user      a user with the manager-status role (Tomcat reads the
//	          password as ISO-8859-1 unless its BasicAuthenticator has
//	          charset="UTF-8": keep it ASCII on a stock Tomcat)
//	password  secret reference: {env: NAME}, {file: PATH} or {vault: NAME}
//	threads_warn  busy thread percentage that warns (default 90)
//	insecure  skip certificate verification
//	timeout   default 10s
type tomcatCheck struct{}

// Tomcat is the check type playbooks call "tomcat".
func Tomcat() inspect.Check { return tomcatCheck{} }

// tomcatParams are the parameters, decoded once when the playbook is
// loaded.
type tomcatParams struct {
	URL         string        `param:"url"`
	Path        string        `param:"path"`
	Host        string        `param:"host"`
	Port        int           `param:"port"`
	User        string        `param:"user"`
	Password    mwPassword    `param:"password"`
	ThreadsWarn float64       `param:"threads_warn"`
	Insecure    bool          `param:"insecure"`
	Timeout     time.Duration `param:"timeout"`
}

// Defaults: the manager's XML status, 90 % busy threads, 10 s.
func (p *tomcatParams) Defaults() {
	p.Path, p.ThreadsWarn, p.Timeout = "/manager/status?XML=true", 90, 10*time.Second
}

// CheckParams checks url, port, timeout and threads_warn.
func (p *tomcatParams) CheckParams(spec *inspect.Spec) error {
	if p.ThreadsWarn <= 0 || p.ThreadsWarn > 100 {
		return inspect.BadParamMsg(spec, "threads_warn", "mw.param.percent", p.ThreadsWarn)
	}
	if err := mwCheckURL(spec, p.URL); err != nil {
		return err
	}
	return mwCheckCommon(spec, p.Port, p.Timeout)
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (tomcatCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[tomcatParams](spec)
}

// Validate has nothing left to check: DecodeParams did.
func (tomcatCheck) Validate(*inspect.Spec) error { return nil }

// Script: none, the status page is read from this machine.
func (tomcatCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "", nil }

// TomcatStatus is what hcops reads of the manager's XML status.
type TomcatStatus struct {
	XMLName xml.Name `xml:"status"`
	JVM     struct {
		Memory struct {
			Free  float64 `xml:"free,attr"`
			Total float64 `xml:"total,attr"`
			Max   float64 `xml:"max,attr"`
		} `xml:"memory"`
	} `xml:"jvm"`
	Connectors []struct {
		Name   string `xml:"name,attr"`
		Thread struct {
			Max     float64 `xml:"maxThreads,attr"`
			Current float64 `xml:"currentThreadCount,attr"`
			Busy    float64 `xml:"currentThreadsBusy,attr"`
		} `xml:"threadInfo"`
		Request struct {
			Count  float64 `xml:"requestCount,attr"`
			Errors float64 `xml:"errorCount,attr"`
			MaxMS  float64 `xml:"maxTime,attr"`
		} `xml:"requestInfo"`
	} `xml:"connector"`
}

// ParseTomcatStatus reads the XML status page. Connector names lose the
// double quotes Tomcat 8 and later put around them.
func ParseTomcatStatus(b []byte) (*TomcatStatus, error) {
	var st TomcatStatus
	if err := xml.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	for i := range st.Connectors {
		st.Connectors[i].Name = strings.Trim(st.Connectors[i].Name, `"`)
	}
	return &st, nil
}

func (tomcatCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	const typ = "tomcat"
	p, err := inspect.ParamsOf[tomcatParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	c := newHTTPConf(p.URL, p.Path, p.Host, p.Port, p.User, p.Password, p.Insecure, p.Timeout, env.Asset, 8080)
	threadsWarn := p.ThreadsWarn
	if c.url == "" {
		r := mwUnknown(env, typ, "", "bad-params", "mw.no_address")
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return []result.Result{r}
	}
	body, err := c.get(ctx, "")
	if err != nil {
		if _, ok := err.(*secretError); ok {
			return []result.Result{mwUnknown(env, typ, "", "secret", "mw.secret", err.Error())}
		}
		return []result.Result{mwHTTPProblem(env, typ, "Tomcat manager status", err)}
	}
	st, err := ParseTomcatStatus(body)
	if err != nil || st.JVM.Memory.Max <= 0 {
		r := mwUnknown(env, typ, "", "unparsable", "mw.tomcat.unparsable", c.url, errText(err, "no JVM memory figures"))
		inspect.SetEvidence(&r, inspect.Clip(string(body), 2000), false)
		return []result.Result{r}
	}
	var rs []result.Result
	m := st.JVM.Memory
	jvm := mwResult(env, typ, "jvm")
	used := m.Total - m.Free
	pct := mwPct(used, m.Max)
	inspect.DefaultThresholds(env, "~:85", "~:95").Apply(&jvm, pct, "%")
	jvm.Metrics = []result.Metric{{Name: "tomcat.heap_used", Value: pct, Unit: "%"}}
	inspect.SetMsg(&jvm, env, "mw.tomcat.jvm", pct, inspect.Bytes(used), inspect.Bytes(m.Max))
	if jvm.Status != result.OK {
		inspect.SetAdvice(&jvm, env, "mw.tomcat.jvm_advice")
	}
	rs = append(rs, jvm)
	sort.SliceStable(st.Connectors, func(i, j int) bool { return st.Connectors[i].Name < st.Connectors[j].Name })
	for _, cn := range st.Connectors {
		r := mwResult(env, typ, cn.Name)
		busy := mwPct(cn.Thread.Busy, cn.Thread.Max)
		r.SetValue(busy, "%")
		r.Metrics = []result.Metric{{Name: "tomcat.threads_busy", Value: busy, Unit: "%"},
			{Name: "tomcat.requests", Value: cn.Request.Count}, {Name: "tomcat.errors", Value: cn.Request.Errors}}
		inspect.SetMsg(&r, env, "mw.tomcat.connector", cn.Name, int(cn.Thread.Busy), int(cn.Thread.Max), int(cn.Request.Count), int(cn.Request.Errors))
		if cn.Thread.Max > 0 && busy >= threadsWarn {
			r.Status = result.Warn
			r.Reason = "threads"
			inspect.SetAdvice(&r, env, "mw.tomcat.threads_advice")
		}
		rs = append(rs, r)
	}
	return rs
}
