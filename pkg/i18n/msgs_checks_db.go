package i18n

// Messages of the database check types (pkg/inspect check_db.go,
// check_db_postgres.go, check_db_mysql.go: db-status, db-connections,
// db-activity, db-cache, db-throughput, db-replication, db-size, db-backup,
// db-security; check_db_log.go: db-log). Keys start with "db.". Parameter names, SQL, states the
// database reports (streaming, idle in transaction, Yes/No) and account
// names stay as the database writes them: the engineer types them back.
func init() {
	Register(map[string]Msg{
		// shared
		"db.sep":      {"；", "; "},
		"db.list_sep": {"、", ", "},
		"db.colon":    {"：", ": "},
		"db.none":     {"无", "none"},
		"db.never":    {"从未", "never"},

		"db.role.primary": {"主库", "primary"},
		"db.role.standby": {"备库", "standby"},

		// durations, written like humanAge in English (45s, 12m, 3h20m, 2d4h)
		"db.age.s":  {"%d 秒", "%ds"},
		"db.age.m":  {"%d 分钟", "%dm"},
		"db.age.h":  {"%d 小时", "%dh"},
		"db.age.hm": {"%d 小时 %d 分钟", "%dh%dm"},
		"db.age.d":  {"%d 天", "%dd"},
		"db.age.dh": {"%d 天 %d 小时", "%dd%dh"},

		// configuration and connection
		"db.config.no_engine":   {"%s：资产清单中未配置数据库类型（engine）", "%s: no database engine configured"},
		"db.config.unsupported": {"%s：不支持的数据库类型 %q（支持 postgresql、mysql、mariadb）", "%s: database engine %q is not supported (postgresql, mysql, mariadb)"},
		"db.config.password":    {"%s：无法读取数据库密码（%v）", "%s: database password: %v"},
		"db.config.other":       {"数据库连接配置不可用：%v", "database connection settings unusable: %v"},
		"db.advice.config":      {"在资产清单中为该资产补充 database 配置块（engine、user、密码引用）", "add a database: block (engine, user, password reference) to the asset in the inventory"},
		"db.connect_failed":     {"%s：无法连接 %s 实例 %s:%d（%v）", "%s: cannot connect to %s at %s:%d: %v"},
		"db.not_checked":        {"未检查：无法连接该实例（见 db-status）", "not checked: the instance could not be reached (see db-status)"},
		"db.advice.auth":        {"核对资产清单中监控账号的用户名和密码引用，以及 pg_hba.conf 或该账号允许登录的主机", "check the monitoring account's user and password reference in the inventory, and pg_hba.conf / the account's allowed hosts"},
		"db.advice.refused":     {"数据库未在监听：确认数据库服务已启动，并监听在该地址和端口上", "the database is not listening: check that the service is running and listens on this address and port"},
		"db.advice.timeout":     {"连接无响应：检查数据库服务，以及 hcops 与实例之间的防火墙和安全组策略", "no answer: check the service, firewalls and security groups between hcops and the instance"},
		"db.advice.network":     {"核对实例的地址、端口以及到实例的网络链路", "check the address, port and network path to the instance"},

		// a query that failed: "<what> failed: <error>"
		"db.query_failed": {"%s失败：%v", "%s: %v"},
		"db.advice.grant": {"为监控账号授予统计视图的读取权限（PostgreSQL：授予 pg_monitor 角色；MySQL/MariaDB：授予 PROCESS、REPLICATION CLIENT 以及 mysql 库的 SELECT 权限）", "grant the monitoring account read access to the statistics views (PostgreSQL: pg_monitor role; MySQL/MariaDB: PROCESS, REPLICATION CLIENT, SELECT on mysql.*)"},

		"db.q.playbook":            {"读取剧本参数", "playbook"},
		"db.q.server_status":       {"读取服务器状态", "read server status"},
		"db.q.count_connections":   {"统计连接数", "count connections"},
		"db.q.pg_stat_activity":    {"读取 pg_stat_activity", "read pg_stat_activity"},
		"db.q.pg_locks":            {"读取 pg_locks", "read pg_locks"},
		"db.q.pg_stat_database":    {"读取 pg_stat_database", "read pg_stat_database"},
		"db.q.sample_pg_stat":      {"采样 pg_stat_database", "sample pg_stat_database"},
		"db.q.recovery_state":      {"读取恢复状态（pg_is_in_recovery）", "read recovery state"},
		"db.q.standby_state":       {"读取备库状态", "read standby state"},
		"db.q.pg_stat_replication": {"读取 pg_stat_replication", "read pg_stat_replication"},
		"db.q.database_sizes":      {"读取数据库大小", "read database sizes"},
		"db.q.pg_stat_archiver":    {"读取 pg_stat_archiver", "read pg_stat_archiver"},
		"db.q.roles":               {"读取角色列表", "read roles"},
		"db.q.version":             {"读取版本号", "read version"},
		"db.q.status":              {"读取全局状态（SHOW GLOBAL STATUS）", "read status"},
		"db.q.variables":           {"读取全局变量（SHOW GLOBAL VARIABLES）", "read variables"},
		"db.q.innodb_trx":          {"读取 INNODB_TRX", "read INNODB_TRX"},
		"db.q.lock_waits":          {"读取锁等待信息", "read lock waits"},
		"db.q.sample_status":       {"采样全局状态", "sample status"},
		"db.q.replica_status":      {"读取复制状态（SHOW REPLICA STATUS）", "read replica status"},
		"db.q.processlist":         {"读取 PROCESSLIST", "read processlist"},
		"db.q.schema_sizes":        {"读取库大小", "read schema sizes"},
		"db.q.mysql_user":          {"读取 mysql.user", "read mysql.user"},

		// db-status
		// db.status.msg renders results stored before db.status.summary,
		// whose arguments are facts the db report reads: product name,
		// version, role (primary/standby; shown translated as %[4]s).
		"db.status.msg":            {"%s，%s，已运行 %s", "%s, %s, up %s"},
		"db.status.summary":        {"%[1]s %[2]s，%[4]s，已运行 %[5]s", "%[1]s %[2]s, %[4]s, up %[5]s"},
		"db.status.version_low":    {"版本 %s 低于要求的最低版本 %s", "version %s is below the required minimum %s"},
		"db.status.version_advice": {"安排维护窗口将数据库小版本升级到 %s 或更高（修复安全漏洞和缺陷；DB3）", "plan a minor-version upgrade to %s or later in a maintenance window (security and bug fixes; DB3)"},
		"db.status.restarted":      {"实例于 %s 重启过（上次巡检之后）", "restarted at %s since the last inspection"},
		"db.status.restart_advice": {"查明实例重启原因（数据库日志、OOM killer、人为操作）并记录在案", "find out why the instance restarted (server log, OOM killer, operator action) and record it"},
		"db.status.role_mismatch":  {"当前角色为%s，资产清单登记为%s（是否发生了主备切换？）", "role is %s, the inventory expects %s (failover?)"},
		"db.status.role_advice":    {"确认是否发生了主备切换；据实更新资产清单或切回原主库，并确认应用仍写入主库", "confirm whether a failover happened; update the inventory or fail back, and check that applications write to the primary"},

		// db-connections
		"db.conn.msg":    {"连接数 %d/%d（%.0f%%；上限 = %s）", "%d of %d connections in use (%.0f%%; limit = %s)"},
		"db.conn.advice": {"按应用和客户端地址统计连接来源，修复连接泄漏或引入连接池；确需调大上限时，须有足够内存支撑", "find who holds the connections (by application and client address) and fix leaks or add a connection pool; raise the limit only with memory to back it"},

		// db-activity
		"db.act.none":        {"没有未结束的事务", "no open transactions"},
		"db.act.oldest":      {"最长事务已持续 %s（会话 %s，用户 %s，数据库 %s，状态 %s）", "oldest open transaction %s old (session %s, user %s, db %s, %s)"},
		"db.act.advice":      {"长事务会持有锁并阻碍清理（vacuum/purge）：请联系会话 %s 的使用方确认其在做什么；若确已卡死，可执行 %s 结束该会话", "ask the owner of session %s what it is doing; a long transaction holds locks and blocks cleanup (vacuum/purge). End it if it is stuck: %s"},
		"db.act.locks":       {"%.0f 个会话处于锁等待；统计重置以来共发生死锁 %.0f 次", "%.0f session(s) waiting for a lock; %.0f deadlocks since statistics reset"},
		"db.act.lock_advice": {"找出阻塞其他会话的源头会话（通常就是上面的长事务），待其提交或将其结束", "find the blocking session (the oldest transaction above is the usual culprit) and end it or let it commit"},

		// db-cache
		"db.cache.no_reads": {"尚无读请求，缓冲池命中率暂无意义", "no reads yet: cache hit ratio not meaningful"},
		"db.cache.msg":      {"缓冲池命中率 %.2f%%（%s）", "cache hit ratio %.2f%% (%s)"},
		"db.cache.advice":   {"大量读请求落到磁盘：排查开销最大的 SQL（慢查询日志 / pg_stat_statements）和索引；内存允许时，按热点数据量调大 %s", "most reads go to disk: review the largest queries (slow log / pg_stat_statements) and indexes, and size %s to the working set if memory allows"},

		// db-throughput
		"db.tp.pg": {"TPS %.1f（采样间隔 %s）", "%.1f transactions/s over %s"},
		"db.tp.my": {"QPS %.1f，TPS %.1f（采样间隔 %s）", "%.1f queries/s, %.1f transactions/s over %s"},

		// db-replication, PostgreSQL
		"db.repl.pg_not_streaming":   {"备库未从主库接收流复制（WAL 接收进程状态：%s）", "standby is not streaming from its primary (WAL receiver: %s)"},
		"db.repl.pg_not_streaming_a": {"检查 primary_conninfo、到主库的网络和主库日志；若主库已回收本备库所需的 WAL，需用 pg_basebackup 重建备库", "check primary_conninfo, the network to the primary and the primary's log; if the primary recycled the WAL this standby needs, rebuild it with pg_basebackup"},
		"db.repl.pg_standby":         {"备库流复制正常，回放延迟 %s（尚有 %s WAL 未回放）", "standby streaming, replay %s behind (%s not yet replayed)"},
		"db.repl.pg_standby_lag_a":   {"备库回放跟不上：检查备库 I/O，以及回放是否被暂停（SELECT pg_is_wal_replay_paused()）；备库上的长查询也会阻塞回放", "replay is falling behind: check the standby's I/O and whether replay is paused (SELECT pg_is_wal_replay_paused()); long queries on the standby can also hold replay"},
		"db.repl.pg_missing":         {"主库：应有 %[2]d 个备库，仅 %[1]d 个处于流复制状态", "primary: %d of %d expected standbys streaming"},
		"db.repl.pg_missing_a":       {"有备库宕机或已断开：在其恢复流复制之前，该实例没有容灾副本——请检查备库服务和日志", "a standby is down or disconnected: the instance has no disaster-recovery copy until it streams again — check the standby's service and log"},
		"db.repl.pg_no_standby":      {"主库，无备库（资产清单未要求配置备库）", "primary without standbys (none expected by the inventory)"},
		"db.repl.pg_primary":         {"主库：%d 个备库处于流复制状态，最大回放延迟 %s / %.1f 秒", "primary: %d standby(s) streaming, largest replay lag %s / %.1fs"},
		"db.repl.pg_primary_lag_a":   {"有备库复制延迟偏大：检查该备库的 I/O、网络，以及回放是否被暂停", "a standby is falling behind: check its I/O, the network, and whether replay is paused on it"},

		// db-replication, MySQL / MariaDB
		"db.repl.my_broken":    {"复制中断（源 %s%s）：IO 线程 %s，SQL 线程 %s%s", "replica of %s%s is broken: IO thread %s, SQL thread %s%s"},
		"db.repl.my_running":   {"复制正常（源 %s%s），延迟 %s", "replica of %s%s running, %s behind"},
		"db.repl.my_broken_a":  {"查看上面的报错（SHOW REPLICA STATUS），修复原因（网络、复制账号、冲突数据行）后重启复制，并核对备库数据；若数据已不一致，用最新备份重建备库", "read the error above (SHOW REPLICA STATUS); fix the cause (network, credentials, a conflicting row), restart replication, and verify the replica's data — rebuild it from a fresh backup if it diverged"},
		"db.repl.my_lag_a":     {"备库复制延迟偏大：检查备库 I/O 和其上的长语句；主库上的大事务在备库回放较慢", "the replica is falling behind: check its I/O and long statements on it; large transactions on the primary replay slowly"},
		"db.repl.my_missing":   {"主库：应有 %[2]d 个备库，仅 %[1].0f 个已连接", "primary: %.0f of %d expected replicas connected"},
		"db.repl.my_missing_a": {"有备库宕机或已断开：检查其 SHOW REPLICA STATUS 和服务状态——在其重新连接之前没有容灾副本", "a replica is down or disconnected: check its SHOW REPLICA STATUS and service — there is no disaster-recovery copy until it reconnects"},
		"db.repl.my_primary":   {"主库：已连接 %.0f 个备库", "primary: %.0f replica(s) connected"},

		// db-size
		"db.size.msg": {"数据库 %s：%s", "database %s: %s"},

		// db-backup
		"db.backup.pg_off":       {"未开启 WAL 归档：该实例无法进行基于时间点的恢复（PITR）", "WAL archiving is off: point-in-time recovery is not possible from this instance"},
		"db.backup.pg_off_a":     {"若备份策略承诺可按时间点恢复（BK4），请开启 archive_mode 并配置 archive_command（或备份工具自带的 WAL 归档）", "if the backup policy promises point-in-time recovery (BK4), enable archive_mode and archive_command (or the backup tool's WAL archiving)"},
		"db.backup.pg_failing":   {"WAL 归档失败：最近一次失败 %s，最近一次成功 %s（累计失败 %d 次）", "WAL archiving is failing: last failure %s, last success %s (%d failures in total)"},
		"db.backup.pg_failing_a": {"修复 archive_command（错误原因见数据库日志）；修复前 WAL 会在 pg_wal 中持续堆积，时间点恢复也会出现断档", "fix archive_command (see the server log for its error); until then WAL accumulates in pg_wal and point-in-time recovery has a gap"},
		"db.backup.pg_ok":        {"WAL 归档已开启：已归档 %d 个段文件，最近一次归档 %s", "WAL archiving on: %d segments archived, last %s"},
		"db.backup.my_off":       {"未开启二进制日志（binlog）：该实例无法进行基于时间点的恢复（PITR）", "binary log is off: point-in-time recovery is not possible from this instance"},
		"db.backup.my_off_a":     {"若备份策略承诺可按时间点恢复（BK4），请开启 log_bin，且二进制日志保留时间不短于全量备份间隔", "if the backup policy promises point-in-time recovery (BK4), enable log_bin (and keep binlogs at least as long as the full-backup interval)"},
		"db.backup.my_keep_age":  {"，保留 %s", ", kept %s"},
		"db.backup.my_keep_days": {"，保留 %.0f 天", ", kept %.0f days"},
		"db.backup.my_ok":        {"二进制日志已开启（%s%s）", "binary log on (%s%s)"},

		// db-security, PostgreSQL
		"db.sec.pg_accounts":         {"可登录角色 %d 个，超级用户：%s", "%d login role(s), superusers: %s"},
		"db.sec.pg_super_nopw_trust": {"超级用户未设置密码：%s，且 pg_hba.conf 对网络连接使用 trust 免密认证（%s）", "superuser(s) without a password: %s, and pg_hba.conf trusts network connections (%s)"},
		"db.sec.pg_super_nopw":       {"超级用户未设置密码：%s", "superuser(s) without a password: %s"},
		"db.sec.pg_extra_super":      {"除 postgres 外另有超级用户：%s", "superusers besides postgres: %s"},
		"db.sec.pg_accounts_a":       {"为所有超级用户设置强密码（ALTER ROLE 角色名 PASSWORD ...），收回应用账号的超级用户权限（ALTER ROLE 角色名 NOSUPERUSER），并将 pg_hba.conf 中的 trust 改为 scram-sha-256", "give every superuser a strong password (ALTER ROLE name PASSWORD ...), remove SUPERUSER from application accounts (ALTER ROLE name NOSUPERUSER), and replace trust with scram-sha-256 in pg_hba.conf"},
		"db.sec.pg_no_authid":        {"（未检查密码：监控账号无权读取 pg_authid）", " (passwords not checked: the monitoring account cannot read pg_authid)"},
		"db.sec.pg_trust_rule":       {"第 %d 行：%s %s %s %s trust", "line %d: %s %s %s %s trust"},
		"db.sec.pg_ssl_off":          {"ssl 未开启（连接未加密）", "ssl is off (connections are not encrypted)"},
		"db.sec.pg_md5":              {"password_encryption 为 md5（应改用 scram-sha-256）", "password_encryption is md5 (use scram-sha-256)"},
		"db.sec.pg_no_log_conn":      {"log_connections 未开启（登录未纳入审计）", "log_connections is off (logins are not audited)"},
		"db.sec.pg_trust":            {"pg_hba.conf 对网络连接使用 trust 免密认证：%s", "pg_hba.conf trusts network connections: %s"},
		"db.sec.pg_settings_a":       {"按安全基线（等保 2.0）加固：ssl = on，password_encryption = scram-sha-256，log_connections = on，网络连接不使用 trust 认证", "harden per the security baseline (等保 2.0): ssl = on, password_encryption = scram-sha-256, log_connections = on, no trust entries for network connections"},
		"db.sec.pg_settings_ok":      {"ssl、密码加密方式和连接日志均符合安全基线", "ssl, password encryption and connection logging as the baseline expects"},

		// db-security, MySQL / MariaDB
		"db.sec.my_priv_nopw":    {"存在空密码的高权限账号：%s", "privileged account(s) without a password: %s"},
		"db.sec.my_nopw":         {"存在空密码账号：%s", "account(s) without a password: %s"},
		"db.sec.my_anon":         {"存在匿名账号：%s", "anonymous account(s): %s"},
		"db.sec.my_remote_root":  {"root 账号允许远程登录：%s", "root can log in remotely: %s"},
		"db.sec.my_accounts_a":   {"为账号设置强密码（ALTER USER ... IDENTIFIED BY ...），删除匿名账号，root 仅允许本地登录（等保 2.0 身份鉴别基线）", "set strong passwords (ALTER USER ... IDENTIFIED BY ...), drop anonymous accounts, and restrict root to localhost (等保 2.0 identity baseline)"},
		"db.sec.my_accounts_ok":  {"共 %d 个账号：均已设置密码，无匿名账号，root 仅限本地登录", "%d accounts: all have passwords, no anonymous users, root is local only"},
		"db.sec.my_no_tls":       {"require_secure_transport 未开启（允许未加密连接）", "require_secure_transport is off (unencrypted connections allowed)"},
		"db.sec.my_no_pwcheck":   {"未启用密码强度校验插件（validate_password / simple_password_check）", "no password-strength plugin (validate_password / simple_password_check)"},
		"db.sec.my_no_audit":     {"未启用审计插件（server_audit / audit_log）", "no audit plugin (server_audit / audit_log) is active"},
		"db.sec.my_local_infile": {"local_infile 已开启", "local_infile is on"},
		"db.sec.my_settings_a":   {"按安全基线（等保 2.0）加固：require_secure_transport = ON，启用密码强度校验插件和审计插件，local_infile = OFF", "harden per the security baseline (等保 2.0): require_secure_transport = ON, a password-strength plugin, an audit plugin, local_infile = OFF"},
		"db.sec.my_settings_ok":  {"传输加密、密码策略和审计均符合安全基线", "transport encryption, password policy and audit as the baseline expects"},
		// db-log: errors and slow statements in the server's own logs, read over SSH
		"db.log.stream.error":  {"错误日志", "error log"},
		"db.log.stream.server": {"数据库日志", "server log"},
		"db.log.stream.slow":   {"慢查询日志", "slow query log"},
		"db.log.missing":       {"%s %s 不存在或无法访问", "%s %s does not exist or cannot be reached"},
		"db.log.missing_a":     {"核对清单中该资产 db-log 检查的 error_log/slow_log 路径（可用通配符，取最新的文件），并确认巡检账号有权进入日志所在目录", "check the error_log/slow_log path of the db-log check for this asset in the inventory (a glob takes the newest file), and that the inspection account may enter the log's directory"},
		"db.log.unreadable":    {"%s %s 无读取权限", "%s %s is not readable by the inspection account"},
		"db.log.unreadable_a":  {"将巡检账号加入可读取该日志的组（如 adm、postgres 或 mysql），或在清单中为该资产设置 connection.become: true，以 sudo 读取", "add the inspection account to a group that may read the log (adm, postgres or mysql), or set connection.become: true for the asset in the inventory to read it through sudo"},
		"db.log.no_count":      {"%s %s：采集结果中没有统计数据（目标主机缺少 awk，或输出异常）", "%s %s: the collector reported no counts (awk missing on the host, or unexpected output)"},
		"db.log.begins":        {"日志文件始于 %s，更早的记录可能已轮转到其他文件", "the log file begins at %s: older entries may be in rotated files"},

		"db.log.errors":      {"%s %s：自 %s 以来记录错误 %s 条", "%s %s: %[4]s error(s) since %[3]s"},
		"db.log.errors_none": {"%s %s：自 %s 以来无错误", "%s %s: no errors since %s"},
		"db.log.severe":      {"（其中 %s）", " (%s)"},
		"db.log.fatal":       {"FATAL %d 条", "FATAL %d"},
		"db.log.panic":       {"PANIC %d 条", "PANIC %d"},
		"db.log.crash":       {"服务崩溃 %d 次", "server crash %d"},
		"db.log.latest":      {"；最近一条：%s", "; latest: %s"},
		"db.log.errors_a":    {"查看证据中的错误行，按报错内容逐条排查（PostgreSQL 在日志中同一进程号紧随其后的 DETAIL、STATEMENT 行给出详情和出错语句；MySQL/MariaDB 看 [MY-xxxxxx] 错误码和报错模块）；确属应用正常现象（如主键冲突）的，可在清单中为该资产调高阈值", "read the error lines in the evidence and follow up each by its text (PostgreSQL logs the details and the failing statement in the DETAIL and STATEMENT lines of the same process right after it; MySQL/MariaDB: the [MY-xxxxxx] code and the component); where errors are normal for the application (duplicate keys, say), raise the threshold for this asset in the inventory"},
		"db.log.panic_a":     {"实例出现 PANIC 或崩溃：立即确认实例是否已自动重启、是否需要做崩溃恢复，核对数据完整性和主备状态，保留错误日志并请 DBA 或数据库厂商分析原因", "the instance hit a PANIC or crashed: check at once whether it restarted and recovered, verify data integrity and replication, keep the error log and have the DBA or the vendor find the cause"},

		"db.log.slow":      {"%s %s：自 %s 以来慢查询 %s 条%s", "%s %s: %[4]s slow statement(s) since %[3]s%[5]s"},
		"db.log.slow_none": {"%s %s：自 %s 以来无慢查询%s", "%s %s: no slow statements since %s%s"},
		"db.log.slow_pg":   {"（执行时间不少于 %s 毫秒）", " (%s ms or longer)"},
		"db.log.slow_max":  {"，最长一条耗时 %s 秒", ", the longest took %s s"},
		"db.log.slow_at":   {"（%s）", " (%s)"},
		"db.log.slow_a":    {"查看证据中耗时最长的语句，用 EXPLAIN 分析执行计划，为过滤和关联条件建立合适的索引或改写语句；批量统计和导出任务安排在业务低峰期执行", "take the longest statements in the evidence, run EXPLAIN on them, add indexes for their filter and join conditions or rewrite them; schedule batch reports and exports outside business hours"},

		// Parameter errors, reported when the playbook is loaded.
		"db.param.pg_slow_log": {"PostgreSQL 把慢语句（duration: 行）写在服务器日志中：只需给出 error_log", "PostgreSQL writes slow statements (duration: lines) to its server log: give error_log only"},
		"db.param.slow_ms":     {"应为毫秒数（0 或更大），实际为 %v", "want milliseconds, 0 or more, got %v"},
	})
}
