package i18n

// Messages of the baseline waiver file (pkg/waiver). Keys start with
// "waiver.".
func init() {
	Register(map[string]Msg{
		"waiver.problem.yaml":                {"YAML 语法错误：%s", "YAML syntax error: %s"},
		"waiver.problem.too_big":             {"豁免文件超过 %d MB，不像手工编写的文件", "the waiver file is larger than %d MB, which no hand-written file is"},
		"waiver.problem.multi_doc":           {"豁免文件只能包含一个 YAML 文档", "only one YAML document per waiver file"},
		"waiver.problem.top":                 {"文件顶层应为映射，形如「waivers: [...]」", "the top level must be a mapping: waivers: [...]"},
		"waiver.problem.unknown_top":         {"未知的顶层键 %q（顶层只有 waivers）", "unknown top-level key %q (the only one is waivers)"},
		"waiver.problem.want_list":           {"此处应为列表（每项以 - 开头）", "expected a list (items start with -)"},
		"waiver.problem.want_mapping":        {"每条豁免应为映射（rule、assets、justification 等键）", "each waiver must be a mapping (rule, assets, justification, ...)"},
		"waiver.problem.want_text":           {"此处应为文本", "expected text"},
		"waiver.problem.unknown_key":         {"未知的键 %q（可用：rule、clause、assets、selector、justification、compensating_control、approver、expires）", "unknown key %q (known: rule, clause, assets, selector, justification, compensating_control, approver, expires)"},
		"waiver.problem.unknown_top_near":    {"未知的顶层键 %q", "unknown top-level key %q"},
		"waiver.problem.unknown_key_near":    {"未知的键 %q", "unknown key %q"},
		"waiver.problem.unknown_rule_near":   {"未知的规则编号 %q", "unknown rule ID %q"},
		"waiver.problem.unknown_clause_near": {"未知的条款 %q", "unknown clause %q"},
		"waiver.problem.dup_key":             {"键 %q 重复（第 %d 行已出现）", "key %q given twice (first on line %d)"},
		"waiver.problem.no_target":           {"豁免缺少 rule（规则编号）或 clause（条款、控制点或测评单元）", "the waiver has neither rule (a rule ID) nor clause (a clause, section or test unit)"},
		"waiver.problem.rule_and_clause":     {"rule 与 clause 只能写一个", "give rule or clause, not both"},
		"waiver.problem.unknown_rule":        {"未知的规则编号 %q（基线报告的核查记录列出全部规则编号）", "unknown rule ID %q (the baseline report's checklist lists every rule ID)"},
		"waiver.problem.unknown_clause":      {"未知的条款 %q（可写控制点如 8.1.4.1、条款如 8.1.4.1 a) 或测评单元如 L3-CES1-01）", "unknown clause %q (write a section such as 8.1.4.1, a clause such as 8.1.4.1 a) or a test unit such as L3-CES1-01)"},
		"waiver.problem.assets_and_selector": {"assets 与 selector 只能写一个", "give assets or selector, not both"},
		"waiver.problem.no_scope":            {"豁免缺少适用范围：assets（资产名称列表）或 selector（选择器，如 system=rhis）", "the waiver has no scope: assets (asset names) or selector (e.g. system=rhis)"},
		"waiver.problem.bad_selector":        {"选择器有误：%s", "bad selector: %s"},
		"waiver.problem.missing":             {"豁免缺少必填项 %s", "the waiver is missing %s"},
		"waiver.problem.empty":               {"%s 不能为空", "%s must not be empty"},
		"waiver.problem.bad_date":            {"到期日 %q 不是有效日期，应写作 YYYY-MM-DD（如 2027-06-30）", "expiry date %q is not a date: write YYYY-MM-DD (e.g. 2027-06-30)"},
		"waiver.problem.unknown_asset":       {"资产 %q 不在清单中，此项不会匹配任何主机", "asset %q is not in the inventory; this entry matches no host"},
	})
}
