package backup

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Archive drills against real archives: trees written here, packed with
// the system's tar, zip, zstd and xz, checksummed with sha256sum, and
// hostile archives written entry by entry.

// siteTree writes a small backup of a web server's files in dir and
// returns how many regular files and bytes it holds.
func siteTree(t *testing.T, dir string) (files int, size int64) {
	t.Helper()
	big := bytes.Repeat([]byte("0123456789abcdef"), 40_000) // 640 KB
	for name, body := range map[string][]byte{
		"etc/nginx/nginx.conf":             []byte("worker_processes auto;\nevents {}\n"),
		"etc/nginx/conf.d/his.conf":        []byte("server { listen 443 ssl; server_name his.example; }\n"),
		"data/uploads/report-001.pdf":      big,
		"data/uploads/name with space.txt": []byte("患者 随访 记录\n"),
		"data/empty.txt":                   nil,
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// the manifest as a backup job writes it, before packing
	sh(t, dir, "find . -type f ! -name MANIFEST.sha256 | sort | xargs -d '\\n' sha256sum > MANIFEST.sha256")
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			st, _ := d.Info()
			files++
			size += st.Size()
		}
		return nil
	})
	return files, size
}

func sh(t *testing.T, dir, script string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
}

func filePolicy(spec *DrillSpec) *Policy {
	return &Policy{Name: "web-files", Kind: KindFile, Of: "web-01", Path: "/backup/web/web-*.tar.gz", Schedule: "daily", Drill: spec}
}

// archiveDrill drills file (on this machine) with scratch as scratch_dir.
func archiveDrill(t *testing.T, ctx context.Context, p *Policy, file, scratch, lang string) []result.Result {
	t.Helper()
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	c := Copy{Name: filepath.Base(file), Path: file, Time: st.ModTime(), Size: st.Size()}
	return Drill(ctx, p, c, transport.NewLocal(), DrillOptions{ScratchDir: scratch, Lang: lang})
}

// leftovers lists what a drill left in the scratch directory.
func leftovers(t *testing.T, scratch string) []string {
	t.Helper()
	es, err := os.ReadDir(scratch)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestArchiveDrillTarGzWithManifest(t *testing.T) {
	src, out, scratch := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "drill")
	files, size := siteTree(t, src)
	archive := filepath.Join(out, "web-20261129.tar.gz")
	sh(t, src, "tar -czf "+archive+" .")
	p := filePolicy(&DrillSpec{Expect: []string{"etc/nginx/nginx.conf", "data/", "data/uploads/*.pdf"}, Manifest: "MANIFEST.sha256"})

	rs := archiveDrill(t, context.Background(), p, archive, scratch, "en")
	restore, fr, mr := aspect(rs, DrillRestore), aspect(rs, DrillFiles), aspect(rs, DrillManifest)
	if restore.Status != result.OK || restore.Check != "drill:web-files" || restore.Playbook != "drill" ||
		!regexp.MustCompile(`^web-20261129\.tar\.gz \(tar\.gz\) extracted into a scratch directory in [0-9.]+m?s \(RTO evidence\)$`).MatchString(restore.Message) {
		t.Errorf("restore: %s %s %q", restore.Status, restore.Check, restore.Message)
	}
	if restore.Value == nil || *restore.Value <= 0 || restore.Unit != "s" || len(restore.Metrics) != 1 || restore.Metrics[0].Name != "drill.duration_s" {
		t.Errorf("restore duration not recorded as RTO evidence: %+v", restore)
	}
	if fr.Status != result.OK || fr.Value == nil || int(*fr.Value) != files ||
		fr.Message != strings.Join([]string{strconv.Itoa(files), " files (", humanBytes(size), ") restored, all 3 expected paths present"}, "") {
		t.Errorf("files: %s %v %q (want %d files, %d bytes)", fr.Status, fr.Value, fr.Message, files, size)
	}
	if mr.Status != result.OK || mr.Message != "all "+strconv.Itoa(files-1)+" files listed in MANIFEST.sha256 match (sha256)" {
		t.Errorf("manifest: %s %q", mr.Status, mr.Message)
	}
	if left := leftovers(t, scratch); len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v", left)
	}

	zh := archiveDrill(t, context.Background(), p, archive, scratch, "zh")
	if r := aspect(zh, DrillManifest); r.Message != "校验清单 MANIFEST.sha256 所列 "+strconv.Itoa(files-1)+" 个文件的 sha256 校验值全部一致" {
		t.Errorf("manifest in Chinese: %q", r.Message)
	}
	if r := aspect(zh, DrillRestore); !regexp.MustCompile(`^web-20261129\.tar\.gz（tar\.gz）已解压到临时演练目录，耗时 \d+\.\d秒（可作为 RTO 依据）$`).MatchString(r.Message) {
		t.Errorf("restore in Chinese: %q", r.Message)
	}
}

func TestArchiveDrillFindsWhatIsWrong(t *testing.T) {
	src, out, scratch := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "drill")
	siteTree(t, src)
	// altered after the manifest was written, and one listed file gone
	os.WriteFile(filepath.Join(src, "etc/nginx/conf.d/his.conf"), []byte("server { listen 80; }\n"), 0o644)
	os.Remove(filepath.Join(src, "data/empty.txt"))
	archive := filepath.Join(out, "web-20261130.tar.gz")
	sh(t, src, "tar -czf "+archive+" .")

	p := filePolicy(&DrillSpec{Expect: []string{"etc/nginx/", "backup/", "data/*.db"}, Manifest: "MANIFEST.sha256"})
	rs := archiveDrill(t, context.Background(), p, archive, scratch, "en")
	if r := aspect(rs, DrillRestore); r.Status != result.OK {
		t.Errorf("the archive itself extracts: %s %q", r.Status, r.Message)
	}
	if r := aspect(rs, DrillFiles); r.Status != result.Crit || !strings.HasPrefix(r.Message, "expected path(s) missing from the archive: backup/, data/*.db (") ||
		!strings.Contains(r.Advice, "exclude") {
		t.Errorf("missing expected paths: %s %q", r.Status, r.Message)
	}
	r := aspect(rs, DrillManifest)
	if r.Status != result.Crit || r.Message != "2 of the 5 files listed in MANIFEST.sha256 do not match: ./data/empty.txt (not in the archive), ./etc/nginx/conf.d/his.conf (checksum differs)" ||
		!strings.Contains(r.Advice, "do not rely on this copy") {
		t.Errorf("manifest mismatch: %s %q", r.Status, r.Message)
	}
	zh := aspect(archiveDrill(t, context.Background(), p, archive, scratch, "zh"), DrillManifest)
	if zh.Message != "校验清单 MANIFEST.sha256 所列 5 个文件中有 2 个不一致：./data/empty.txt（归档中没有该文件）、./etc/nginx/conf.d/his.conf（校验值不一致）" {
		t.Errorf("manifest mismatch in Chinese: %q", zh.Message)
	}

	// a manifest the policy names but the archive lacks
	p.Drill.Manifest = "SHA256SUMS"
	if r := aspect(archiveDrill(t, context.Background(), p, archive, scratch, "en"), DrillManifest); r.Status != result.Crit || r.Message != "manifest SHA256SUMS is not in the archive" {
		t.Errorf("manifest absent: %s %q", r.Status, r.Message)
	}
	if left := leftovers(t, scratch); len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v", left)
	}
}

// A manifest written the careless way lists itself (hashed while the shell
// was writing it): that line is ignored. An md5 line in a sha256 manifest
// is named as such, not as a damaged file.
func TestArchiveDrillManifestQuirks(t *testing.T) {
	src, out, scratch := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "drill")
	files, _ := siteTree(t, src)
	sh(t, src, "find . -type f | sort | xargs -d '\\n' sha256sum > MANIFEST.sha256 && md5sum ./data/empty.txt >> MANIFEST.sha256")
	if b, _ := os.ReadFile(filepath.Join(src, "MANIFEST.sha256")); !strings.Contains(string(b), "  ./MANIFEST.sha256\n") {
		t.Fatalf("the manifest does not list itself:\n%s", b)
	}
	archive := filepath.Join(out, "web.tar.gz")
	sh(t, src, "tar -czf "+archive+" .")
	r := aspect(archiveDrill(t, context.Background(), filePolicy(&DrillSpec{Manifest: "MANIFEST.sha256"}), archive, scratch, "en"), DrillManifest)
	// the files but the manifest, and the md5 line
	if want := "1 of the " + strconv.Itoa(files) + " files listed in MANIFEST.sha256 do not match: ./data/empty.txt (not a sha256 hash)"; r.Status != result.Crit || r.Message != want {
		t.Errorf("got %s %q\nwant %q", r.Status, r.Message, want)
	}
}

// An SM3 manifest (GB/T 32905), "hash  path" lines as gmssl and sm3sum
// write them.
func TestArchiveDrillSM3Manifest(t *testing.T) {
	src, out, scratch := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "drill")
	siteTree(t, src)
	os.Remove(filepath.Join(src, "MANIFEST.sha256"))
	var m strings.Builder
	n := 0
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			sum, err := HashFile(p, "sm3")
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(src, p)
			m.WriteString(sum + "  " + rel + "\n")
			n++
		}
		return nil
	})
	os.MkdirAll(filepath.Join(src, "meta"), 0o755)
	os.WriteFile(filepath.Join(src, "meta", "MANIFEST.sm3"), []byte(m.String()), 0o644)
	// paths in a manifest in a subdirectory are relative to it
	os.WriteFile(filepath.Join(src, "MANIFEST.sm3"), []byte(strings.ReplaceAll(m.String(), "  ", "  ../")), 0o644)
	archive := filepath.Join(out, "web.tar.gz")
	sh(t, src, "tar -czf "+archive+" meta/MANIFEST.sm3 etc data")

	p := filePolicy(&DrillSpec{Manifest: "meta/MANIFEST.sm3", ManifestAlgo: "sm3"})
	r := aspect(archiveDrill(t, context.Background(), p, archive, scratch, "en"), DrillManifest)
	if r.Status != result.Crit || !strings.HasPrefix(r.Message, strconv.Itoa(n)+" of the "+strconv.Itoa(n)+" files listed in meta/MANIFEST.sm3 do not match: ") {
		t.Errorf("paths relative to the manifest's directory: %s %q", r.Status, r.Message)
	}
	sh(t, src, "cp MANIFEST.sm3 meta/MANIFEST.sm3 && tar -czf "+archive+" meta/MANIFEST.sm3 etc data")
	r = aspect(archiveDrill(t, context.Background(), p, archive, scratch, "en"), DrillManifest)
	if want := "all " + strconv.Itoa(n) + " files listed in meta/MANIFEST.sm3 match (sm3)"; r.Status != result.OK || r.Message != want {
		t.Errorf("sm3: %s %q, want %q", r.Status, r.Message, want)
	}
	// the same manifest read as sha256: every file differs
	p.Drill.ManifestAlgo = ""
	if r := aspect(archiveDrill(t, context.Background(), p, archive, scratch, "en"), DrillManifest); r.Status != result.Crit || !strings.Contains(r.Message, "(checksum differs)") {
		t.Errorf("sm3 read as sha256: %s %q", r.Status, r.Message)
	}
}

// hdr is one entry of a hand-made archive.
type hdr struct {
	name, link string
	typ        byte
	mode       int64
	body       string
}

func writeTar(t *testing.T, file string, entries []hdr) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: e.mode, Size: int64(len(e.body)), ModTime: time.Now(), Format: tar.FormatPAX}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	zw.Close()
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestArchiveDrillRefusesHostileArchives(t *testing.T) {
	base := t.TempDir()
	scratch := filepath.Join(base, "scratch", "drill")
	victim := filepath.Join(base, "victim")
	os.MkdirAll(victim, 0o755)
	// From scratch/drill/hcops-drill-*/files, ../../../../victim is base/victim.
	p := filePolicy(&DrillSpec{})
	for _, tc := range []struct {
		name    string
		entries []hdr
		refused string // the entry named in the refusal
	}{
		{"dot-dot", []hdr{{name: "ok.txt", typ: tar.TypeReg, body: "fine"}, {name: "../../../../victim/evil.txt", typ: tar.TypeReg, body: "pwned"}}, "../../../../victim/evil.txt"},
		{"absolute", []hdr{{name: victim + "/abs.txt", typ: tar.TypeReg, body: "pwned"}}, victim + "/abs.txt"},
		{"hard link out", []hdr{{name: "shadow", typ: tar.TypeLink, link: "../../../../victim/target"}}, "shadow → ../../../../victim/target"},
		// a link that looks inside but resolves outside once followed:
		// up → .. .. is the extraction root, l → up/.. is its parent
		{"symlink chain", []hdr{{name: "x/y/up", typ: tar.TypeSymlink, link: "../.."}, {name: "l", typ: tar.TypeSymlink, link: "x/y/up/.."}, {name: "l/evil.txt", typ: tar.TypeReg, body: "pwned"}}, "l/evil.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(victim, "target"), []byte("secret"), 0o644)
			file := filepath.Join(base, strings.ReplaceAll(tc.name, " ", "-")+".tar.gz")
			writeTar(t, file, tc.entries)
			r := aspect(archiveDrill(t, context.Background(), p, file, scratch, "en"), DrillRestore)
			want := `refused to extract ` + filepath.Base(file) + `: entry "` + tc.refused + `" would be written outside the scratch directory (absolute path or ..); everything extracted was removed`
			if r.Status != result.Crit || r.Message != want || !strings.Contains(r.Advice, "tampered") {
				t.Errorf("got %s %q\nwant %q", r.Status, r.Message, want)
			}
			if r.Value != nil {
				t.Errorf("a refused archive is no RTO evidence: %v", *r.Value)
			}
			es, _ := os.ReadDir(victim)
			if len(es) != 1 {
				t.Errorf("written outside the scratch directory: %v", es)
			}
			if b, _ := os.ReadFile(filepath.Join(victim, "target")); string(b) != "secret" {
				t.Errorf("victim changed: %q", b)
			}
			if left := leftovers(t, scratch); len(left) != 0 {
				t.Errorf("scratch directory not cleaned: %v", left)
			}
			// nothing beside the extraction root either (symlink chain)
			filepath.WalkDir(filepath.Dir(scratch), func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Name() == "evil.txt" {
					t.Errorf("evil.txt written at %s", p)
				}
				return nil
			})
		})
	}

	t.Run("zip slip", func(t *testing.T) {
		file := filepath.Join(base, "slip.zip")
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("docs/readme.txt")
		w.Write([]byte("fine"))
		w, _ = zw.Create("../../../../victim/zip-evil.txt")
		w.Write([]byte("pwned"))
		zw.Close()
		os.WriteFile(file, buf.Bytes(), 0o644)
		r := aspect(archiveDrill(t, context.Background(), p, file, scratch, "zh"), DrillRestore)
		if r.Status != result.Crit || r.Message != `拒绝解压 slip.zip：条目 "../../../../victim/zip-evil.txt" 会写到临时演练目录之外（绝对路径或含 ..）；已删除解压出的全部文件` {
			t.Errorf("zip slip: %s %q", r.Status, r.Message)
		}
		if _, err := os.Stat(filepath.Join(victim, "zip-evil.txt")); err == nil {
			t.Error("zip entry written outside")
		}
		if left := leftovers(t, scratch); len(left) != 0 {
			t.Errorf("scratch directory not cleaned (the spooled zip too): %v", left)
		}
	})
}

// What a drill writes: no link leading out, no device node, no setuid
// bit, files readable only by the operator; what it skipped is said.
func TestArchiveDrillWritesNothingDangerous(t *testing.T) {
	base := t.TempDir()
	scratch := filepath.Join(base, "drill")
	file := filepath.Join(base, "etc-20261129.tar.gz")
	writeTar(t, file, []hdr{
		{name: "etc/", typ: tar.TypeDir, mode: 0o555},
		{name: "etc/hosts", typ: tar.TypeReg, body: "127.0.0.1 localhost\n"},
		{name: "etc/localtime", typ: tar.TypeSymlink, link: "/usr/share/zoneinfo/Asia/Shanghai"},
		{name: "etc/hosts.bak", typ: tar.TypeSymlink, link: "hosts"},
		{name: "etc/up", typ: tar.TypeSymlink, link: "../../outside"},
		{name: "usr/bin/sudo", typ: tar.TypeReg, mode: 0o4755, body: "#!/bin/sh\n"},
		{name: "usr/bin/sudo.link", typ: tar.TypeLink, link: "usr/bin/sudo"},
		{name: "dev/sda", typ: tar.TypeBlock},
		{name: "dev/null", typ: tar.TypeChar},
		{name: "run/fifo", typ: tar.TypeFifo},
		{name: "zz-last", typ: tar.TypeReg, body: "x"},
	})
	var seen []string
	testHookEntry = func(name string) {
		if name != "zz-last" {
			return
		}
		// everything before the last entry is on disk now
		filepath.WalkDir(scratch, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			st, _ := os.Lstat(p)
			rel, _ := filepath.Rel(scratch, p)
			m := st.Mode()
			switch {
			case m&os.ModeSymlink != 0:
				link, _ := os.Readlink(p)
				seen = append(seen, filepath.Base(p)+"→"+link)
			case m&(os.ModeDevice|os.ModeCharDevice|os.ModeNamedPipe) != 0:
				t.Errorf("special file created: %s %v", rel, m)
			case m&(os.ModeSetuid|os.ModeSetgid) != 0:
				t.Errorf("setuid/setgid kept: %s %v", rel, m)
			case m.IsRegular() && m.Perm() != 0o600, m.IsDir() && m.Perm() != 0o700:
				t.Errorf("%s: mode %v", rel, m)
			case m.IsRegular():
				seen = append(seen, filepath.Base(p))
			}
			return nil
		})
	}
	defer func() { testHookEntry = nil }()
	rs := archiveDrill(t, context.Background(), filePolicy(&DrillSpec{Expect: []string{"etc/localtime", "dev/"}}), file, scratch, "en")
	if got := strings.Join(seen, " "); got != "hosts hosts.bak→hosts sudo sudo.link" {
		t.Errorf("written: %q", got)
	}
	r := aspect(rs, DrillFiles)
	if r.Status != result.OK || r.Message != "4 files (31 B) restored, all 2 expected paths present; 2 symlink(s) pointing outside the archive not created "+
		"(etc/localtime → /usr/share/zoneinfo/Asia/Shanghai, etc/up → ../../outside); 3 device file(s), pipe(s) or dangling hard link(s) not restored" {
		t.Errorf("files: %s %q", r.Status, r.Message)
	}
	if left := leftovers(t, scratch); len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v", left)
	}
}

// Every format the site's backup jobs write, packed by the real tools.
func TestArchiveDrillFormats(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	files, _ := siteTree(t, src)
	for _, tc := range []struct{ name, tool, pack string }{
		{"web.tar", "tar", "tar -cf %s ."},
		{"web.tar.bz2", "bzip2", "tar -cjf %s ."},
		{"web.tar.xz", "xz", "tar -cJf %s ."},
		{"web.tar.zst", "zstd", "tar -cf - . | zstd -q -o %s"},
		{"web.tgz", "gzip", "tar -cf - . | gzip > %s"},
		{"web.zip", "zip", "zip -qr %s ."},
		{"web-no-dot-prefix.tar.gz", "tar", "tar -czf %s etc data MANIFEST.sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testenv.LookPath(t, tc.tool)
			file := filepath.Join(out, tc.name)
			sh(t, src, strings.ReplaceAll(tc.pack, "%s", file))
			scratch := filepath.Join(t.TempDir(), "drill")
			rs := archiveDrill(t, context.Background(), filePolicy(&DrillSpec{Expect: []string{"etc/nginx/nginx.conf"}, Manifest: "MANIFEST.sha256"}), file, scratch, "en")
			for _, a := range []string{DrillRestore, DrillFiles, DrillManifest} {
				if r := aspect(rs, a); r.Status != result.OK {
					t.Errorf("%s: %s %q", a, r.Status, r.Message)
				}
			}
			if r := aspect(rs, DrillFiles); r.Value == nil || int(*r.Value) != files {
				t.Errorf("files: %q", r.Message)
			}
			if left := leftovers(t, scratch); len(left) != 0 {
				t.Errorf("scratch directory not cleaned: %v", left)
			}
		})
	}
}

func TestArchiveDrillDamagedOrNotAnArchive(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	siteTree(t, src)
	scratch := filepath.Join(t.TempDir(), "drill")
	p := filePolicy(&DrillSpec{})
	cut := func(name, pack string) string {
		file := filepath.Join(out, name)
		sh(t, src, pack+" "+file+" .")
		b, _ := os.ReadFile(file)
		os.WriteFile(file, b[:len(b)*2/3], 0o644)
		return file
	}
	r := aspect(archiveDrill(t, context.Background(), p, cut("cut.tar.gz", "tar -czf"), scratch, "en"), DrillRestore)
	if r.Status != result.Crit || !strings.HasPrefix(r.Message, "extraction of cut.tar.gz failed after ") || !strings.Contains(r.Message, "unexpected EOF") || r.Value == nil {
		t.Errorf("truncated tar.gz: %s %q", r.Status, r.Message)
	}
	testenv.LookPath(t, "zstd")
	r = aspect(archiveDrill(t, context.Background(), p, cut("cut.tar.zst", "tar --zstd -cf"), scratch, "zh"), DrillRestore)
	if r.Status != result.Crit || !strings.HasPrefix(r.Message, "cut.tar.zst 解压到临时演练目录失败（耗时") || !strings.Contains(r.Message, "zstd 解压出错：") {
		t.Errorf("truncated tar.zst: %s %q", r.Status, r.Message)
	}
	sql := filepath.Join(out, "his-20261129.sql.gz")
	writeGzip(t, sql, 1000)
	r = aspect(archiveDrill(t, context.Background(), p, sql, scratch, "en"), DrillRestore)
	if r.Status != result.Unknown || r.Message != "his-20261129.sql.gz is not an archive hcops can extract (tar, tar.gz, tar.bz2, tar.zst, tar.xz, zip)" ||
		!strings.Contains(r.Advice, "drill.engine") {
		t.Errorf("a dump is not an archive: %s %q", r.Status, r.Message)
	}
	if left := leftovers(t, scratch); len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v", left)
	}
}

func TestArchiveDrillScratchDirectory(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	siteTree(t, src)
	file := filepath.Join(out, "web.tar.gz")
	sh(t, src, "tar -czf "+file+" .")
	p := filePolicy(&DrillSpec{})
	link := filepath.Join(t.TempDir(), "looks-harmless")
	os.Symlink("/usr", link)
	for _, dir := range []string{"/", "/etc/hcops-drill", "/usr/local/drill", link + "/drill"} {
		r := aspect(archiveDrill(t, context.Background(), p, file, dir, "en"), DrillRestore)
		if r.Status != result.Unknown || !strings.HasPrefix(r.Message, "refusing to drill: scratch directory "+dir) || !strings.Contains(r.Advice, "scratch_dir") {
			t.Errorf("%s: %s %q", dir, r.Status, r.Message)
		}
	}
	for _, dir := range []string{"/etc/hcops-drill", "/usr/local/drill", "/usr/drill"} {
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%s was created", dir)
		}
	}

	// Free space: a copy larger than the scratch disk is not started.
	scratch := filepath.Join(t.TempDir(), "drill")
	c := Copy{Name: "huge.tar.gz", Path: file, Time: time.Now(), Size: 1 << 60}
	r := aspect(Drill(context.Background(), p, c, transport.NewLocal(), DrillOptions{ScratchDir: scratch, Lang: "en"}), DrillRestore)
	if r.Status != result.Unknown || !regexp.MustCompile(`^only [0-9.]+ [KMGT]iB free in `+regexp.QuoteMeta(scratch)+`, less than the 1048576\.0 TiB of huge\.tar\.gz: drill not started$`).MatchString(r.Message) {
		t.Errorf("no space: %s %q", r.Status, r.Message)
	}
	if left := leftovers(t, scratch); len(left) != 0 {
		t.Errorf("created under scratch: %v", left)
	}
}

// A scratch disk that fills: a real 2 MiB tmpfs and an archive that
// extracts to 16 MiB.
func TestArchiveDrillDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "mounting a small tmpfs needs root")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
		testenv.Missing(t, "mount tmpfs: "+err.Error()+" "+string(out))
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "a.txt"), []byte("small"), 0o644)
	f, _ := os.Create(filepath.Join(src, "big.img"))
	f.Truncate(16 << 20)
	f.Close()
	file := filepath.Join(t.TempDir(), "img.tar.gz")
	sh(t, src, "tar -czf "+file+" a.txt big.img")
	scratch := filepath.Join(mnt, "drill")
	for _, lang := range []string{"en", "zh"} {
		r := aspect(archiveDrill(t, context.Background(), filePolicy(&DrillSpec{}), file, scratch, lang), DrillRestore)
		want := regexp.MustCompile(`^stopped extracting img\.tar\.gz: the disk of scratch directory ` + regexp.QuoteMeta(scratch) + ` is full or nearly full \([0-9.]+ [KM]iB written\); everything extracted was removed$`)
		if lang == "zh" {
			want = regexp.MustCompile(`^解压 img\.tar\.gz 时临时演练目录 ` + regexp.QuoteMeta(scratch) + ` 所在磁盘已满或将满（已写入 [0-9.]+ [KM]iB），已停止解压并删除解压出的全部文件$`)
		}
		if r.Status != result.Unknown || !want.MatchString(r.Message) || r.Advice == "" {
			t.Errorf("%s: %s %q", lang, r.Status, r.Message)
		}
	}
	if left := leftovers(t, scratch); len(left) != 0 {
		t.Errorf("half-restored files left: %v", left)
	}
	var st syscall.Statfs_t
	syscall.Statfs(mnt, &st)
	if free := int64(st.Bavail) * int64(st.Bsize); free < 1<<20 {
		t.Errorf("the tmpfs was not freed: %d bytes free", free)
	}
}

func TestArchiveDrillInterrupted(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	siteTree(t, src)
	file := filepath.Join(out, "web.tar.gz")
	sh(t, src, "tar -czf "+file+" .")
	scratch := filepath.Join(t.TempDir(), "drill")
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	testHookEntry = func(string) {
		if n++; n == 4 {
			cancel() // Ctrl-C in the middle of the archive
		}
	}
	defer func() { testHookEntry = nil }()
	rs := archiveDrill(t, ctx, filePolicy(&DrillSpec{Manifest: "MANIFEST.sha256"}), file, scratch, "en")
	if r := aspect(rs, DrillRestore); len(rs) != 1 || r.Status != result.Unknown || !regexp.MustCompile(`^drill interrupted after .+; everything extracted was removed$`).MatchString(r.Message) || r.Value != nil {
		t.Errorf("interrupted: %d results, %s %q", len(rs), r.Status, r.Message)
	}
	if left := leftovers(t, scratch); len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v", left)
	}
}

// The copy on another host, streamed through a real sshd.
func TestArchiveDrillOverSSH(t *testing.T) {
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	src, remote := t.TempDir(), t.TempDir()
	files, _ := siteTree(t, src)
	file := filepath.Join(remote, "web-20261129.tar.xz")
	sh(t, src, "tar -cJf "+file+" .")
	d, err := transport.NewSSHDialer(transport.SSHConfig{KnownHostsFiles: []string{sshd.KnownHostsPath}, Identities: []string{sshd.ClientKeyPath}, ConnectTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r, err := d.Dial(context.Background(), transport.SSHTarget{Name: "backup-host", Address: "127.0.0.1", Port: sshd.Port, User: sshd.User})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := filePolicy(&DrillSpec{Expect: []string{"data/uploads/"}, Manifest: "MANIFEST.sha256"})
	p.Asset, p.Path = "backup-host", remote+"/web-*.tar.xz"
	copies, err := List(context.Background(), r, p)
	if err != nil || len(copies) != 1 {
		t.Fatalf("list over ssh: %v %+v", err, copies)
	}
	scratch := filepath.Join(t.TempDir(), "drill")
	rs := Drill(context.Background(), p, copies[0], r, DrillOptions{ScratchDir: scratch, Lang: "en"})
	for _, a := range []string{DrillRestore, DrillFiles, DrillManifest} {
		if x := aspect(rs, a); x.Status != result.OK {
			t.Errorf("%s: %s %q", a, x.Status, x.Message)
		}
	}
	if x := aspect(rs, DrillFiles); x.Value == nil || int(*x.Value) != files {
		t.Errorf("files over ssh: %q", x.Message)
	}
	// a copy that vanished between listing and drill: cat's error
	gone := copies[0]
	gone.Path += ".gone"
	x := aspect(Drill(context.Background(), p, gone, r, DrillOptions{ScratchDir: scratch, Lang: "en"}), DrillRestore)
	if x.Status != result.Crit || !strings.Contains(x.Message, "cat exited 1") || !strings.Contains(x.Message, "No such file") {
		t.Errorf("missing copy over ssh: %s %q", x.Status, x.Message)
	}
	if left := leftovers(t, scratch); len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v", left)
	}
}

// The archive is streamed: extracting 256 MiB costs a few MiB of heap.
func TestArchiveDrillStreams(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	f, _ := os.Create(filepath.Join(src, "disk.img"))
	f.Truncate(256 << 20)
	f.Close()
	file := filepath.Join(out, "img.tar.gz")
	sh(t, src, "tar -czf "+file+" disk.img")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rs := archiveDrill(t, context.Background(), filePolicy(&DrillSpec{}), file, filepath.Join(t.TempDir(), "drill"), "en")
	runtime.ReadMemStats(&after)
	if r := aspect(rs, DrillFiles); r.Status != result.OK || !strings.Contains(r.Message, "(256.0 MiB)") {
		t.Fatalf("files: %s %q", r.Status, r.Message)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 24<<20 {
		t.Fatalf("extracting 256 MiB allocated %d MiB: not streaming", grew>>20)
	}
}

func TestParseManifestLine(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for line, want := range map[string]string{
		h + "  etc/hosts":                  "etc/hosts",
		h + " *bin/data.img":               "bin/data.img",
		h + "  name with  spaces.txt":      "name with  spaces.txt",
		"SHA256 (etc/hosts) = " + h:        "etc/hosts",
		"SM3 (a (1).txt) = " + h:           "a (1).txt",
		`\` + h + `  dir\nline\\x`:         "dir\nline\\x",
		strings.ToUpper(h) + "  upper.txt": "upper.txt",
		"garbage line":                     "",
		h:                                  "",
		"abc  short-hash":                  "",
	} {
		sum, name, ok := parseManifestLine(line)
		if name != want || ok != (want != "") || ok && sum != h {
			t.Errorf("%q: %q %q %v, want %q", line, sum, name, ok, want)
		}
	}
}

func TestArchiveDrillPolicy(t *testing.T) {
	f, err := Parse("backups.yaml", []byte(`policies:
  - name: web-files
    kind: file
    path: /backup/web/web-*.tar.gz
    schedule: daily
    drill: {expect: [etc/nginx/nginx.conf, "data/", "*/MANIFEST"], manifest: MANIFEST.sm3, manifest_algo: sm3}
  - name: legacy-dump
    kind: file
    path: /backup/db/his-*.sql.gz
    schedule: daily
    drill: {engine: postgresql, tables: [patients]}
drill_targets:
  files: {scratch_dir: /var/tmp/hcops-drill}
  postgresql: {host: 127.0.0.1, user: drill, scratch_prefix: hcops_drill_}
`))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Policies[0].ArchiveDrill() || f.Policies[1].ArchiveDrill() || f.Drill[FilesTarget].ScratchDir != "/var/tmp/hcops-drill" {
		t.Errorf("archive drill: %v %v %+v", f.Policies[0].ArchiveDrill(), f.Policies[1].ArchiveDrill(), f.Drill)
	}

	_, err = Parse("backups.yaml", []byte(`policies:
  - name: web-files
    kind: file
    path: /backup/web/web-*.tar.gz
    schedule: daily
    drill: {expect: [../etc/passwd, /etc/hosts, "data/[", ""], manifest: "dir/", manifest_algo: md5, tables: [x]}
  - name: his-dump
    kind: pg_dump
    path: /backup/his/his-*.dump
    schedule: daily
    drill: {engine: postgresql, expect: [x]}
  - name: snap
    kind: zfs
    dataset: tank/his
    schedule: daily
    drill: {manifest: SUMS}
  - name: algo-alone
    kind: file
    path: /backup/x/*.tar
    schedule: daily
    drill: {manifest_algo: sm3}
drill_targets:
  postgresql: {host: 127.0.0.1, user: drill, scratch_prefix: hcops_drill_, scratch_dir: /var/tmp/x, tls: prefer}
  files: {host: 127.0.0.1, scratch_dir: var/tmp/drill}
  mariadb: {host: 127.0.0.1, user: drill, scratch_prefix: hcops_drill_}
`))
	want := []string{
		`backups.yaml:2: policy web-files: tables, source and row_tolerance are for dumps restored into a database (engine:), not for file archive drills`,
		`backups.yaml:2: policy web-files: drill expect "../etc/passwd" must be a path inside the archive (relative, no ..)`,
		`backups.yaml:2: policy web-files: drill expect "/etc/hosts" must be a path inside the archive (relative, no ..)`,
		`backups.yaml:2: policy web-files: drill expect "data/[" is not a valid pattern`,
		`backups.yaml:2: policy web-files: drill expect "" must be a path inside the archive (relative, no ..)`,
		`backups.yaml:2: policy web-files: drill manifest "dir/" must be a path inside the archive (relative, no ..)`,
		`backups.yaml:2: policy web-files: drill manifest_algo "md5": want sha256 or sm3`,
		`backups.yaml:7: policy his-dump: expect, manifest and manifest_algo are for file archive drills (kind file without engine)`,
		`backups.yaml:12: policy snap: drills restore pg_dump, mysqldump or file archives, not zfs`,
		`backups.yaml:17: policy algo-alone: drill manifest_algo needs manifest:`,
		`backups.yaml:24: drill_targets.files takes only scratch_dir (the directory on this machine archives are extracted under)`,
		`backups.yaml:24: drill_targets.files: scratch_dir "var/tmp/drill" must be absolute`,
		`backups.yaml:23: drill_targets.postgresql: scratch_dir is only for files (archive drills)`,
		`backups.yaml:23: drill_targets.postgresql: tls "prefer" is not one of disable, require, verify-ca, verify-full`,
	}
	if err == nil {
		t.Fatal("bad drill sections accepted")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), "mariadb") || strings.Count(err.Error(), "policy snap") != 1 {
		t.Errorf("a valid target reported: %v", err)
	}
	zh := ErrorText(err, "zh")
	for _, w := range []string{`backups.yaml:2: 策略 web-files：drill 的 expect "../etc/passwd" 应为归档内的相对路径（不以 / 开头，不含 ..）`,
		`backups.yaml:24: drill_targets.files 只接受 scratch_dir（本机上解压归档所用的目录）`} {
		if !strings.Contains(zh, w) {
			t.Errorf("missing %q in\n%s", w, zh)
		}
	}
	for _, dir := range []string{"/", "/etc", "/usr/local/drill", "/var/lib/drill", "/home"} {
		_, err := Parse("backups.yaml", []byte("policies: []\ndrill_targets:\n  files: {scratch_dir: "+dir+"}\n"))
		if err == nil || err.Error() != `backups.yaml:3: drill_targets.files: scratch_dir "`+dir+`" is / or a system directory: use a directory of its own (e.g. /var/tmp/hcops-drill)` {
			t.Errorf("%s: %v", dir, err)
		}
	}
}
