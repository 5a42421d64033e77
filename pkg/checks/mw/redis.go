package mw

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// redisCheck asks a Redis server for INFO over its own protocol from this
// machine (type "redis"), after AUTH when a password is given, and reports
// four results:
//
//   - item "status": version, role, uptime and clients. A restart since the
//     last inspection is WARN, as are clients at 90 % of maxclients or
//     more.
//   - item "memory": used_memory against maxmemory, or against the host's
//     memory when no maxmemory is set (said in the message); warn/crit
//     apply to the percentage (default warn ~:80, crit ~:90).
//   - item "persistence": the last RDB save and, with AOF on, the last AOF
//     write must have succeeded (rdb_last_bgsave_status,
//     aof_last_write_status), else CRIT: the data on disk is falling behind.
//   - item "replication": a replica's link to its master must be up (CRIT
//     when down); a master must have min_replicas replicas connected.
//
// A server that cannot be reached is one CRIT result; a refused password is
// UNKNOWN (auth) with advice, as is a server that asks for one when none is
// given.
//
// Parameters:
//
//	host          address (default: the asset's address)
//	port          port (default: the asset's port, else 6379)
//	user          ACL user (Redis 6+); default: the default user
//	password      secret reference: {env: NAME}, {file: PATH} or {vault: NAME}
//	timeout       for the whole exchange (default 10s)
//	min_replicas  a master must have at least this many replicas (default 0)
type redisCheck struct{}

// Redis is the check type playbooks call "redis".
func Redis() inspect.Check { return redisCheck{} }

// redisParams are the parameters, decoded once when the playbook is loaded.
type redisParams struct {
	Host        string        `param:"host"` // default: the asset's address
	Port        int           `param:"port"` // default: the asset's port, else 6379
	User        string        `param:"user"`
	Password    mwPassword    `param:"password"`
	Timeout     time.Duration `param:"timeout"`
	MinReplicas int           `param:"min_replicas"`
}

// Defaults: 10 s.
func (p *redisParams) Defaults() { p.Timeout = 10 * time.Second }

// CheckParams checks port, timeout and min_replicas.
func (p *redisParams) CheckParams(spec *inspect.Spec) error {
	if p.MinReplicas < 0 {
		return inspect.BadParamMsg(spec, "min_replicas", "mw.param.zero_or_more", p.MinReplicas)
	}
	return mwCheckCommon(spec, p.Port, p.Timeout)
}

type redisConf struct {
	addr        string
	user        string
	password    inventory.SecretRef
	timeout     time.Duration
	minReplicas int
}

// redisConfOf is the check's configuration for asset a.
func redisConfOf(p *redisParams, a *inventory.Asset) *redisConf {
	c := &redisConf{user: p.User, password: p.Password.Ref, timeout: p.Timeout, minReplicas: p.MinReplicas}
	if host, port := mwAddr(p.Host, p.Port, a, 6379); host != "" {
		c.addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return c
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (redisCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[redisParams](spec)
}

// Validate has nothing left to check: DecodeParams did.
func (redisCheck) Validate(*inspect.Spec) error { return nil }

// Script: none, the check asks the server from this machine.
func (redisCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "", nil }

// errRedisAuth is a refused AUTH; errRedisNoAuth a server that wants one.
var (
	errRedisAuth   = errors.New("redis: password refused")
	errRedisNoAuth = errors.New("redis: authentication required")
)

// redisError is an error reply of the server.
type redisError string

func (e redisError) Error() string { return "redis: " + string(e) }

// redisProtocolError is an answer that is not Redis's protocol: another
// service on the port.
type redisProtocolError string

func (e redisProtocolError) Error() string { return "not a Redis reply: " + strconv.Quote(string(e)) }

// redisCommand writes one command as a RESP array: any byte of a password
// travels as data, never as protocol.
func redisCommand(w io.Writer, args ...string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// redisReply reads a simple string, error or bulk string reply.
func redisReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("redis: empty reply")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return "", redisError(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < -1 || n > mwMaxBody {
			return "", redisProtocolError(inspect.Clip(line, 60))
		}
		if n == -1 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", redisProtocolError(inspect.Clip(line, 60))
}

// redisInfo connects, authenticates and returns INFO's text.
func redisInfo(ctx context.Context, c *redisConf) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	dl, _ := ctx.Deadline()
	conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	br := bufio.NewReader(conn)
	if !c.password.IsZero() {
		pw, err := c.password.Resolve()
		if err != nil {
			return "", &secretError{err}
		}
		args := []string{"AUTH", pw}
		if c.user != "" {
			args = []string{"AUTH", c.user, pw}
		}
		if err := redisCommand(conn, args...); err != nil {
			return "", err
		}
		if _, err := redisReply(br); err != nil {
			var re redisError
			if errors.As(err, &re) {
				if strings.Contains(string(re), "no password is set") {
					// A server without a password accepts us anyway.
				} else {
					return "", fmt.Errorf("%w: %s", errRedisAuth, string(re))
				}
			} else {
				return "", err
			}
		}
	}
	if err := redisCommand(conn, "INFO"); err != nil {
		return "", err
	}
	info, err := redisReply(br)
	var re redisError
	if errors.As(err, &re) && strings.HasPrefix(string(re), "NOAUTH") {
		return "", errRedisNoAuth
	}
	return info, err
}

// ParseRedisInfo reads INFO's "key:value" lines (sections "# Server" are
// skipped) into a map.
func ParseRedisInfo(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

func (redisCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	const typ = "redis"
	p, err := inspect.ParamsOf[redisParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	c := redisConfOf(p, env.Asset)
	if c.addr == "" {
		r := mwUnknown(env, typ, "", "bad-params", "mw.no_address")
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return []result.Result{r}
	}
	text, err := redisInfo(ctx, c)
	switch {
	case errors.Is(err, errRedisAuth):
		r := mwUnknown(env, typ, "", "auth", "mw.redis.auth", c.addr)
		inspect.SetAdvice(&r, env, "mw.redis.auth_advice")
		return []result.Result{r}
	case errors.Is(err, errRedisNoAuth):
		r := mwUnknown(env, typ, "", "auth", "mw.redis.noauth", c.addr)
		inspect.SetAdvice(&r, env, "mw.redis.noauth_advice")
		return []result.Result{r}
	case errors.As(err, new(*secretError)):
		return []result.Result{mwUnknown(env, typ, "", "secret", "mw.secret", err)}
	case err != nil:
		var re redisError
		if errors.As(err, &re) {
			r := mwUnknown(env, typ, "", "redis-error", "mw.redis.error", c.addr, string(re))
			return []result.Result{r}
		}
		var pe redisProtocolError
		if errors.As(err, &pe) {
			r := mwUnknown(env, typ, "", "protocol", "mw.redis.not_redis", c.addr, string(pe))
			inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
			return []result.Result{r}
		}
		return []result.Result{mwDown(env, typ, "", "Redis "+c.addr, err)}
	}
	info := ParseRedisInfo(text)
	if info["redis_version"] == "" {
		r := mwUnknown(env, typ, "", "unparsable", "mw.redis.no_info", c.addr)
		inspect.SetEvidence(&r, text, false)
		return []result.Result{r}
	}
	num := func(k string) (float64, bool) {
		v, err := strconv.ParseFloat(strings.TrimSpace(info[k]), 64)
		return v, err == nil
	}
	var rs []result.Result

	// status
	st := mwResult(env, typ, "status")
	up, _ := num("uptime_in_seconds")
	clients, _ := num("connected_clients")
	st.SetValue(clients, "")
	inspect.SetMsg(&st, env, "mw.redis.status", info["redis_version"], info["role"], mwDays(up), int(clients))
	if maxc, ok := num("maxclients"); ok && maxc > 0 && clients >= 0.9*maxc {
		st.Status = result.Warn
		inspect.AddMsg(&st, env, "mw.redis.clients_near", int(maxc))
		inspect.SetAdvice(&st, env, "mw.redis.clients_advice")
	}
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	if !env.Since.IsZero() && up > 0 && now.Add(-time.Duration(up)*time.Second).After(env.Since.Add(time.Minute)) {
		st.Status = result.Worst(st.Status, result.Warn)
		st.Reason = "restarted"
		inspect.AddMsg(&st, env, "mw.redis.restarted", env.Since.Local().Format("2006-01-02 15:04"))
		inspect.SetAdvice(&st, env, "mw.redis.restarted_advice")
	}
	if v, ok := num("loading"); ok && v == 1 {
		st.Status = result.Worst(st.Status, result.Warn)
		inspect.AddMsg(&st, env, "mw.redis.loading")
	}
	rs = append(rs, st)

	// memory
	mem := mwResult(env, typ, "memory")
	used, _ := num("used_memory")
	maxm, _ := num("maxmemory")
	sys, _ := num("total_system_memory")
	th := inspect.DefaultThresholds(env, "~:80", "~:90")
	switch {
	case maxm > 0:
		pct := mwPct(used, maxm)
		th.Apply(&mem, pct, "%")
		inspect.SetMsg(&mem, env, "mw.redis.mem", pct, inspect.Bytes(used), inspect.Bytes(maxm), info["maxmemory_policy"])
	case sys > 0:
		pct := mwPct(used, sys)
		th.Apply(&mem, pct, "%")
		inspect.SetMsg(&mem, env, "mw.redis.mem_nomax", inspect.Bytes(used), pct, inspect.Bytes(sys))
	default:
		mem.SetValue(used, "B")
		inspect.SetMsg(&mem, env, "mw.redis.mem_nomax_nosys", inspect.Bytes(used))
	}
	mem.Metrics = []result.Metric{{Name: "redis.used_memory", Value: used, Unit: "B"}}
	if mem.Status == result.Warn || mem.Status == result.Crit {
		inspect.SetAdvice(&mem, env, "mw.redis.mem_advice")
	}
	rs = append(rs, mem)

	// persistence
	per := mwResult(env, typ, "persistence")
	rdb := info["rdb_last_bgsave_status"]
	aofOn := info["aof_enabled"] == "1"
	aof := info["aof_last_write_status"]
	changes, _ := num("rdb_changes_since_last_save")
	switch {
	case rdb != "" && rdb != "ok":
		per.Status = result.Crit
		per.Reason = "rdb-failed"
		inspect.SetMsg(&per, env, "mw.redis.rdb_failed", rdb, int(changes))
		inspect.SetAdvice(&per, env, "mw.redis.persist_advice")
	case aofOn && aof != "" && aof != "ok":
		per.Status = result.Crit
		per.Reason = "aof-failed"
		inspect.SetMsg(&per, env, "mw.redis.aof_failed", aof)
		inspect.SetAdvice(&per, env, "mw.redis.persist_advice")
	default:
		last, _ := num("rdb_last_save_time")
		inspect.SetMsg(&per, env, "mw.redis.persist_ok", time.Unix(int64(last), 0).Local().Format("2006-01-02 15:04"), int(changes))
		if aofOn {
			inspect.AddMsg(&per, env, "mw.redis.aof_on")
		}
	}
	rs = append(rs, per)

	// replication
	rep := mwResult(env, typ, "replication")
	switch info["role"] {
	case "slave", "replica":
		link := info["master_link_status"]
		master := net.JoinHostPort(info["master_host"], info["master_port"])
		if link != "up" {
			rep.Status = result.Crit
			rep.Reason = "replication-down"
			down, _ := num("master_link_down_since_seconds")
			inspect.SetMsg(&rep, env, "mw.redis.link_down", master, mwDays(down))
			inspect.SetAdvice(&rep, env, "mw.redis.link_advice")
		} else {
			lag, _ := num("master_last_io_seconds_ago")
			rep.SetValue(lag, "s")
			inspect.SetMsg(&rep, env, "mw.redis.link_up", master, int(lag))
		}
	default:
		n, _ := num("connected_slaves")
		rep.SetValue(n, "")
		inspect.SetMsg(&rep, env, "mw.redis.replicas", int(n))
		if int(n) < c.minReplicas {
			rep.Status = result.Crit
			rep.Reason = "replicas-missing"
			inspect.AddMsg(&rep, env, "mw.redis.replicas_few", c.minReplicas)
			inspect.SetAdvice(&rep, env, "mw.redis.link_advice")
		}
	}
	rs = append(rs, rep)
	for i := range rs {
		if rs[i].Status != result.OK && rs[i].Evidence == "" {
			inspect.SetEvidence(&rs[i], redisEvidence(info), false)
		}
	}
	return rs
}

// redisEvidence keeps the INFO fields the verdicts are made from.
func redisEvidence(info map[string]string) string {
	var b strings.Builder
	for _, k := range []string{"redis_version", "role", "uptime_in_seconds", "connected_clients", "maxclients",
		"rejected_connections", "used_memory", "maxmemory", "maxmemory_policy", "total_system_memory",
		"rdb_last_bgsave_status", "rdb_last_save_time", "rdb_changes_since_last_save", "aof_enabled",
		"aof_last_write_status", "master_host", "master_port", "master_link_status",
		"master_last_io_seconds_ago", "master_link_down_since_seconds", "connected_slaves"} {
		if v, ok := info[k]; ok {
			fmt.Fprintf(&b, "%s:%s\n", k, v)
		}
	}
	return b.String()
}

// mwDays renders seconds as days, hours or minutes in the catalogue's
// words (the duration keys of the Linux uptime check).
func mwDays(secs float64) any {
	d := time.Duration(secs) * time.Second
	days := int(d / (24 * time.Hour))
	h := int(d % (24 * time.Hour) / time.Hour)
	m := int(d % time.Hour / time.Minute)
	switch {
	case days > 0:
		return i18nS("os.dur.dh", days, h)
	case h > 0:
		return i18nS("os.dur.hm", h, m)
	case m > 0:
		return i18nS("os.dur.m", m)
	}
	return fmt.Sprintf("%.0fs", secs)
}
