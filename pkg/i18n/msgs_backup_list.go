package i18n

// Messages of what a backup listing refuses to count as a copy (names with
// control characters, FIFOs, sockets, devices, unreadable records, tool
// errors) and of copies dated in the future (pkg/backup). Keys start with
// "backup.list." or "backup.verify.".
//
// Names arrive already escaped (a newline shows as \n), so they can be
// printed as they are.
func init() {
	Register(map[string]Msg{
		// The listing verdict: one clause per kind of anomaly, then advice.
		"backup.list.anomaly.name": {"文件名含控制字符，不计为有效备份：%s。请重命名或删除",
			"copy with a control character in its name, not counted: %s — rename or remove it"},
		"backup.list.anomaly.name_advice": {"文件名中的换行等控制字符可用来伪造列举记录，使过期或为空的备份看似正常；也可能是备份脚本生成文件名出错。请查明文件来源后重命名或删除，并核查哪些账号可以写入备份目录",
			"control characters such as a newline in a file name can forge listing records and make a stale or empty series look healthy; a broken backup script can also write them. Find out where the file came from, rename or remove it, and check who can write to the backup directory"},
		"backup.list.anomaly.type": {"不是普通文件、目录或符号链接，不计为有效备份：%s",
			"not a regular file, directory or symbolic link, not counted as a copy: %s"},
		"backup.list.anomaly.type_advice": {"备份目录中不应存放命名管道、套接字或设备文件（读取命名管道会使校验和恢复演练一直等待）：请查明其用途后移出该目录，或收窄策略的文件名模式",
			"a backup directory should not hold FIFOs, sockets or device files (reading a FIFO makes a test or a restore drill wait for ever): find out what they are for, then move them out or narrow the policy's file pattern"},
		"backup.list.anomaly.record": {"列举输出中有无法识别的记录，已忽略：%s", "listing output that could not be read, ignored: %s"},
		"backup.list.anomaly.record_advice": {"请在该主机上手工运行列举命令，核对其输出；输出不完整时请检查网络连接和输出大小限制",
			"run the listing by hand on the host and look at its output; if it was cut short, check the connection and the output size limit"},
		"backup.list.anomaly.error": {"列举时工具报错：%s", "the listing tools reported: %s"},
		"backup.list.anomaly.error_advice": {"请在该主机上手工运行列举命令查看报错；如为权限不足，请授予校验账号读取备份目录的权限",
			"run the listing by hand on the host to see the error; if it is a permission problem, give the verifying account read access to the backup directory"},

		// Items of the lists above.
		"backup.list.typed": {"%s（%s）", "%s (%s)"},
		"backup.list.more":  {"%[1]s 等，共 %[2]d 项", "%s… (%d in all)"},

		// File types, as stat names them (spaces as underscores).
		"backup.list.type.fifo":                   {"命名管道", "FIFO"},
		"backup.list.type.socket":                 {"套接字", "socket"},
		"backup.list.type.character_special_file": {"字符设备文件", "character device"},
		"backup.list.type.block_special_file":     {"块设备文件", "block device"},

		// Copies dated after now: named in the freshness verdict, not counted.
		"backup.verify.future": {"另有 %[1]d 份备份的时间晚于本机当前时间%[2]s以上，未计入：%[3]s",
			"copies dated more than %[2]s after this machine's clock, not counted (%[1]d): %[3]s"},
		"backup.verify.future_item": {"%s（%s）", "%s (%s)"},
		"backup.verify.future_advice": {"请核对写入备份的主机与本机的时钟（NTP 同步）；若两边时钟都正确，说明文件时间被改动过，请查明原因",
			"check the clocks (NTP) of the host writing the copies and of this machine; if both are right, the files' times were changed: find out why"},
	})
}
