package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPickerPaneTiming runs bench/panetime, the script bench/run times
// the picker's first frame with, against the real binary in a real tmux
// pane (a small config, a few runs): it must find the first frame, the
// floor and the typed filter, and print their times. 3,000 profiles are
// more than the first frame decodes (256): the rest arrive after it.
func TestPickerPaneTiming(t *testing.T) {
	s := need(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("tmux is missing and %s=1", requireEnv)
		}
		t.Skip("tmux is missing")
	}
	dir := t.TempDir()
	build := func(pkg string) string {
		t.Helper()
		bin := filepath.Join(dir, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-o", bin, "./"+pkg)
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
		return bin
	}
	gen, panetime := build("bench/gen"), build("bench/panetime")
	cfg := filepath.Join(dir, "cfg")
	if out, err := exec.Command(gen, "-n", "3000", "-dir", cfg).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	files := "--config " + filepath.Join(cfg, "config") + " --credentials " + filepath.Join(cfg, "credentials")
	cmd := exec.Command(panetime, "-runs", "2", "-warmup", "1", "-w", "100", "-h", "30", "-target-ms", "1000", "-timeout", "30s",
		"-goal", "picker, 3000 profiles", "-a", "switcher", "-acmd", s.bin+" "+files, "-amark", "3000/3000",
		"-b", "floor", "-bcmd", "grep -m 20 -F '[profile' "+filepath.Join(cfg, "config")+"; echo floor-done; exec sleep 60", "-bmark", "floor-done",
		"-keys", "bench-target", "-keysmark", "1/3000")
	cmd.Env = append(cleanEnv(os.Environ()), "HOME="+dir, "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("panetime: %v\n%s", err, out)
	}
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	first := regexp.MustCompile(`^\| picker, 3000 profiles \| 100x30 \| switcher \| floor \| [0-9.]+ ms \| [0-9.]+ ms \| -?[0-9.]+ ms \| ≤ 1000 ms over B \| (yes|no) \|$`)
	typed := regexp.MustCompile(`^\| picker, 3000 profiles: typing "bench-target" .* \| [0-9.]+ ms \|`)
	if len(rows) != 2 || !first.MatchString(rows[0]) || !typed.MatchString(rows[1]) {
		t.Errorf("panetime printed:\n%s", out)
	}
}
