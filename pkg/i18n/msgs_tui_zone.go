package i18n

// Messages of hcops tui --zone: the dashboard of one network zone of a
// history several runners share.
func init() {
	Register(map[string]Msg{
		"tui.header.zone": {"区域：%s", "zone: %s"},
	})
}
