package inspect

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// Windows hosts (os.family: windows) are reached over OpenSSH, whose login
// shell is cmd.exe or PowerShell: neither runs the POSIX sh batch. A check
// type that can collect on Windows implements PowerShellScripter; for a
// Windows asset the plan takes its PowerShell snippet instead of Script,
// and the runner batches the snippets of the host into ONE PowerShell
// script with the same section markers as the sh batch:
//
//	function H($i,$s){ write BEGIN marker; run [scriptblock]::Create($s)
//	    with errors merged into the output (strings verbatim, anything
//	    else as Out-String text); write END marker }
//	H 0 '<snippet 0>'
//	H 1 '<snippet 1>'
//
// A snippet with a syntax error or a terminating error fails alone (its
// section ends with status 1 and the error text); the others run. The
// snippet arrives as a single-quoted PowerShell string (PSQuote), so nothing
// in it is interpreted before its own scriptblock runs. The script is sent
// as `powershell -NoProfile -NonInteractive -EncodedCommand <base64 of
// UTF-16LE>` (PowerShellCommand; the encoded command unpacks the gzipped
// script and runs it): the command line is only letters, digits and
// base64, so neither cmd.exe nor PowerShell as the login shell quotes or
// expands anything in it. Output is written as UTF-8 without BOM
// ([Console]::OutputEncoding), bounded by the transport like sh output.
//
// cmd.exe limits a command line to 8191 characters; a host whose batch
// would exceed MaxPowerShellCommand is run in several commands over the same
// connection, each a batch of whole snippets (PowerShellBatches).

// PowerShellScripter is implemented by check types that collect on Windows
// hosts. PowerShellScript returns the PowerShell snippet for the asset; it
// must print its data to the output stream (Write-Output, not Write-Host)
// and must not call exit. Values from the inventory or the playbook are
// quoted with PSQuote.
type PowerShellScripter interface {
	PowerShellScript(spec *Spec, a *inventory.Asset) (string, error)
}

// MaxPowerShellCommand bounds the length of one encoded command line,
// under cmd.exe's 8191 characters.
const MaxPowerShellCommand = 8000

// WindowsHost reports whether a is reached as a Windows host
// (os.family: windows, any case).
func WindowsHost(a *inventory.Asset) bool {
	return a != nil && strings.EqualFold(strings.TrimSpace(a.OS.Family), "windows")
}

// PSQuote returns s as a PowerShell single-quoted string: nothing inside
// is expanded. PowerShell also ends such a string at the typographic
// single quotes (U+2018..U+201B), so those are doubled like '.
func PSQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// psPrologue sets UTF-8 output, quiet progress and the section function.
// %[1]s is the marker prefix and nonce.
const psPrologue = `$ErrorActionPreference='Continue';$ProgressPreference='SilentlyContinue'
try{[Console]::OutputEncoding=New-Object System.Text.UTF8Encoding $false}catch{}
$OutputEncoding=New-Object System.Text.UTF8Encoding $false
function H($i,$s){[Console]::Out.Write("` + "`n" + `%[1]s BEGIN $i@@` + "`n" + `");$r=0
try{$o=& ([scriptblock]::Create($s)) 2>&1|ForEach-Object{if($_ -is [string]){$_}else{($_|Out-String -Width 4096).TrimEnd()}};[Console]::Out.Write(($o -join "` + "`n" + `"))}catch{[Console]::Out.Write(($_|Out-String -Width 4096));$r=1}
[Console]::Out.Write("` + "`n" + `%[1]s END $i $r@@` + "`n" + `");[Console]::Out.Flush()}
`

// BuildPowerShellScript joins PowerShell snippets into one script whose
// output SplitSections cuts back into one Section per snippet.
func BuildPowerShellScript(nonce string, snippets []string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, psPrologue, markerPrefix+nonce)
	for i, s := range snippets {
		fmt.Fprintf(&sb, "H %d %s\n", i, PSQuote(s))
	}
	return sb.String()
}

// PowerShellCommand returns the command line that runs script on a Windows
// host: powershell -NoProfile -NonInteractive -EncodedCommand with, as
// base64 of UTF-16LE, a one-line loader that gunzips the script (carried
// inside it as base64 of its gzip) and runs it. UTF-16 and base64 make a
// script 2.7 times longer on the command line; gzip first keeps a host's
// whole batch within cmd.exe's limit (windows-daily: 3.2 kB of script, a
// 5.8 kB command line instead of 8.5 kB). The loader uses New-Object, not
// ::new, so PowerShell 3 and 4 (Windows Server 2012) run it too.
func PowerShellCommand(script string) string {
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write([]byte(script))
	w.Close()
	loader := "$s=(New-Object IO.StreamReader((New-Object IO.Compression.GZipStream((New-Object IO.MemoryStream(,[Convert]::FromBase64String('" +
		base64.StdEncoding.EncodeToString(gz.Bytes()) +
		"'))),[IO.Compression.CompressionMode]::Decompress)),([Text.Encoding]::UTF8))).ReadToEnd();& ([scriptblock]::Create($s))"
	u := utf16.Encode([]rune(loader))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i] = byte(c)
		b[2*i+1] = byte(c >> 8)
	}
	return "powershell -NoProfile -NonInteractive -EncodedCommand " + base64.StdEncoding.EncodeToString(b)
}

// PowerShellBatches splits snippets into consecutive runs whose command
// line (PowerShellCommand of BuildPowerShellScript) stays within max
// characters, as [from, to) index pairs. A snippet too long on its own is
// a batch of its own (too long: the caller reports it rather than sending
// a command cmd.exe would refuse).
func PowerShellBatches(nonce string, snippets []string, max int) (batches [][2]int, tooLong []bool) {
	tooLong = make([]bool, len(snippets))
	from := 0
	for from < len(snippets) {
		to := from + 1
		if len(PowerShellCommand(BuildPowerShellScript(nonce, snippets[from:to]))) > max {
			tooLong[from] = true
			batches = append(batches, [2]int{from, to})
			from = to
			continue
		}
		for to < len(snippets) && len(PowerShellCommand(BuildPowerShellScript(nonce, snippets[from:to+1]))) <= max {
			to++
		}
		batches = append(batches, [2]int{from, to})
		from = to
	}
	return batches, tooLong
}
