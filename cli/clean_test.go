package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds"
)

func TestClean(t *testing.T) {
	f := newSTSFixture(t)
	// One live session from the engine itself, plus hand-made entries in
	// each shape the engine stores.
	f.run(t, "credential-process", "prod").wantCode(t, exitOK)
	dir := filepath.Join(f.home, ".cache", "switcher")
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	entries := map[string]string{
		creds.Key("expired session"):     `{"Kind":"role-session","Profile":"p","AccessKeyId":"ASIAEXAMPLE","Expiration":"` + past + `"}`,
		creds.Key("expired mfa session"): `{"Kind":"mfa-session","Profile":"dev","Expiration":"` + past + `","Credentials":{"AccessKeyId":"ASIAEXAMPLE","Expiration":"` + past + `"},"Serial":"s"}`,
		creds.Key("live mfa session"):    `{"Kind":"mfa-session","Profile":"dev","Expiration":"` + future + `","Credentials":{"AccessKeyId":"ASIAEXAMPLE","Expiration":"` + future + `"},"Serial":"s"}`,
		creds.Key("no expiry"):           `{"Kind":"used-mfa-code","Serial":"s"}`,
	}
	for key, body := range entries {
		writeTestFile(t, filepath.Join(dir, key+".json"), body)
	}
	before := cacheEntries(t, dir)

	r := f.run(t, "clean")
	r.wantCode(t, exitOK)
	if diff := cmp.Diff("switcher: removed 2 expired cache entries from "+dir+"\n", r.stderr); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	var want []string
	for _, e := range before {
		if e != creds.Key("expired session")+".json" && e != creds.Key("expired mfa session")+".json" {
			want = append(want, e)
		}
	}
	if diff := cmp.Diff(want, cacheEntries(t, dir)); diff != "" {
		t.Errorf("entries left (-want +got):\n%s", diff)
	}
	// The live session is still served from the cache.
	f.run(t, "credential-process", "prod").wantCode(t, exitOK)
	if diff := cmp.Diff(1, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}

	r = f.run(t, "clean", "--all")
	r.wantCode(t, exitOK)
	if !strings.HasPrefix(r.stderr, "switcher: removed 3 cache entries") {
		t.Errorf("stderr = %q, want 3 entries removed", r.stderr)
	}
	if got := cacheEntries(t, dir); len(got) != 0 {
		t.Errorf("entries left after --all: %v", got)
	}
}

func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range des {
		if strings.HasSuffix(d.Name(), ".json") {
			out = append(out, d.Name())
		}
	}
	sort.Strings(out)
	return out
}

// TestCleanRemovesStaleTemps: a write killed between creating its
// temporary file and renaming it leaves a copy of the credentials file
// (long-term keys included) next to it, and one in the cache directory;
// clean removes both and says so, and the next write removes its own.
func TestCleanRemovesStaleTemps(t *testing.T) {
	f := newSTSFixture(t)
	f.run(t, "credential-process", "prod").wantCode(t, exitOK)
	awsDir := filepath.Join(f.home, ".aws")
	cacheDir := filepath.Join(f.home, ".cache", "switcher")
	secret := "[dev]\naws_secret_access_key = " + testSecret + "\n"
	crashed := filepath.Join(awsDir, ".switcher-tmp-credentials-4242")
	cacheTemp := filepath.Join(cacheDir, ".switcher-tmp-"+creds.Key("x")+".json-4242")
	other := filepath.Join(awsDir, ".switcher-tmp-credentials.bak-4242") // another file's
	for _, p := range []string{crashed, cacheTemp, other} {
		writeTestFile(t, p, secret)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(cacheTemp, old, old); err != nil {
		t.Fatal(err)
	}
	r := f.run(t, "clean")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "removed 2 temporary files") || !strings.Contains(r.stderr, crashed) || !strings.Contains(r.stderr, cacheTemp) {
		t.Errorf("clean did not report the temporary files:\n%s", r.stderr)
	}
	for path, gone := range map[string]bool{crashed: true, cacheTemp: true, other: false} {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) != gone {
			t.Errorf("%s: removed %t, want %t", path, !gone, gone)
		}
	}
	if strings.Contains(r.stderr, testSecret) {
		t.Error("clean printed a secret")
	}

	// clean --all reports them too, at any age.
	writeTestFile(t, crashed, secret)
	r = f.run(t, "clean", "--all")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "removed 1 temporary file ") || !strings.Contains(r.stderr, crashed) {
		t.Errorf("clean --all did not report the temporary file:\n%s", r.stderr)
	}

	// The next write removes a leftover of its own file.
	writeTestFile(t, crashed, secret)
	f.run(t, "write", "prod").wantCode(t, exitOK)
	if _, err := os.Stat(crashed); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("write left the stale temporary file: %v", err)
	}
}
