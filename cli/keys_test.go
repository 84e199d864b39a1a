package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIssue10StaticProfileGetsASession: a profile with long-term keys and no
// role hands out a GetSessionToken session (ASIA…) to export,
// credential-process, exec and write, never its long-term keys, unless
// --no-session.
func TestIssue10StaticProfileGetsASession(t *testing.T) {
	f := newSTSFixture(t)
	vars := exportedVars(t, f.run(t, "export", "dev", "--format", "json"))
	id, secret := *vars["AWS_ACCESS_KEY_ID"], *vars["AWS_SECRET_ACCESS_KEY"]
	if !strings.HasPrefix(id, "ASIA") || id == testKeyID || secret == testSecret || vars["AWS_SESSION_TOKEN"] == nil {
		t.Fatalf("export dev handed out %s (a session: %t)", id, strings.HasPrefix(id, "ASIA"))
	}
	if info, ok := f.sim.Session(id); !ok || info.IssuedBy != "GetSessionToken" {
		t.Errorf("the key is not a GetSessionToken session of the simulator: %+v %t", info, ok)
	}

	cp := decodeProcessOutput(t, f.run(t, "credential-process", "dev").stdout)
	if !strings.HasPrefix(cp.AccessKeyID, "ASIA") || cp.SessionToken == "" {
		t.Errorf("credential-process dev handed out %s", cp.AccessKeyID)
	}
	r := f.run(t, "exec", "dev", "--", "sh", "-c", `printf %s "$AWS_SECRET_ACCESS_KEY"`)
	r.wantCode(t, exitOK)
	if r.stdout == testSecret || r.stdout == "" {
		t.Errorf("exec dev gave the child the long-term secret")
	}
	f.run(t, "write", "dev").wantCode(t, exitOK)
	written := string(mustRead(t, filepath.Join(f.home, ".aws", "credentials")))
	if strings.Count(written, testSecret) != 1 || !strings.Contains(written, "[dev-session]\naws_access_key_id = ASIA") {
		t.Errorf("write dev: credentials file\n%s", strings.ReplaceAll(written, testSecret, "<long-term secret>"))
	}
	if n := f.sim.Calls("GetSessionToken"); n != 1 {
		t.Errorf("%d GetSessionToken calls, want 1: the session is cached and shared", n)
	}

	vars = exportedVars(t, f.run(t, "export", "dev", "--format", "json", "--no-session"))
	if *vars["AWS_ACCESS_KEY_ID"] != testKeyID || vars["AWS_SESSION_TOKEN"] != nil {
		t.Errorf("export dev --no-session handed out %s, want the long-term key", *vars["AWS_ACCESS_KEY_ID"])
	}
}

// keysFixture is the STS fixture with a file keyring.
func keysFixture(t *testing.T) *stsFixture {
	t.Helper()
	f := newSTSFixture(t)
	f.env["SWITCHER_KEYRING_BACKEND"] = "file"
	f.env["SWITCHER_KEYRING_PASSPHRASE"] = "throwaway passphrase"
	return f
}

func TestKeysAddListRemove(t *testing.T) {
	f := keysFixture(t)
	env := f.with("AWS_ACCESS_KEY_ID", testKeyID, "AWS_SECRET_ACCESS_KEY", testSecret)
	r := runSwitcher(t, env, "keys", "add", "alice", "--env")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "stored the keys of alice (…0001, arn:aws:iam::123456789012:user/dev) in the keyring (file)") {
		t.Errorf("keys add said %q", r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, testSecret) {
		t.Error("keys add printed the secret")
	}
	r = f.run(t, "keys", "list", "--json")
	r.wantCode(t, exitOK)
	var rows []keyListRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Profile != "alice" || rows[0].Backend != "file" || rows[0].KeyID != "…0001" || rows[0].Rotated != nil {
		t.Errorf("keys list --json = %s", r.stdout)
	}
	if strings.Contains(r.stdout, testKeyID) || strings.Contains(r.stdout, testSecret) {
		t.Error("keys list shows a whole key id or the secret")
	}
	table := f.run(t, "keys", "list")
	if !strings.Contains(table.stdout, "alice    file     …0001") {
		t.Errorf("keys list:\n%s", table.stdout)
	}

	// alice works like a static-key profile: plan says where, export
	// hands out a session of the keys.
	plan := f.run(t, "plan", "alice")
	plan.wantCode(t, exitOK)
	if !strings.Contains(plan.stdout, "source:  keyring (file) of alice") || !strings.Contains(plan.stdout, "signed by long-term keys of alice in the keyring (file)") {
		t.Errorf("plan alice:\n%s", plan.stdout)
	}
	vars := exportedVars(t, f.run(t, "export", "alice", "--format", "json"))
	if id := *vars["AWS_ACCESS_KEY_ID"]; !strings.HasPrefix(id, "ASIA") {
		t.Errorf("export alice handed out %s", id)
	}

	r = f.run(t, "keys", "remove", "alice")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "add --yes") {
		t.Errorf("keys remove without a terminal: %q", r.stderr)
	}
	f.run(t, "keys", "remove", "alice", "--yes").wantCode(t, exitOK)
	if r := f.run(t, "keys", "list", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("keys list after remove = %s", r.stdout)
	}
	if r := f.run(t, "export", "alice"); r.code != exitFailure || !strings.Contains(r.stderr, `unknown profile "alice"`) {
		t.Errorf("export alice after remove: exit %d, %q", r.code, r.stderr)
	}
}

func TestKeysAddRefuses(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"keys STS does not know", []string{"AWS_ACCESS_KEY_ID", "AKIAFAKEUNKNOWN00001", "AWS_SECRET_ACCESS_KEY", "x"}, nil, exitFailure, "the keys did not verify"},
		{"a session", []string{"AWS_ACCESS_KEY_ID", "ASIAFAKESESSION00001", "AWS_SECRET_ACCESS_KEY", "x", "AWS_SESSION_TOKEN", "t"}, nil, exitFailure, "temporary credentials"},
		{"not a key id", []string{"AWS_ACCESS_KEY_ID", "hello", "AWS_SECRET_ACCESS_KEY", "x"}, []string{"--no-verify"}, exitFailure, "is not an AWS access key id"},
		{"no keys in the environment", nil, nil, exitUsage, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set"},
		{"a bad profile name", []string{"AWS_ACCESS_KEY_ID", testKeyID, "AWS_SECRET_ACCESS_KEY", testSecret}, []string{"--env", "--", "[x]"}, exitUsage, "profile name"},
		{"an unknown backend", []string{"AWS_ACCESS_KEY_ID", testKeyID, "AWS_SECRET_ACCESS_KEY", testSecret}, []string{"--keyring-backend", "vault"}, exitFailure, "use one of secret-service, keychain, wincred, file"},
		{"another system's backend", []string{"AWS_ACCESS_KEY_ID", testKeyID, "AWS_SECRET_ACCESS_KEY", testSecret}, []string{"--keyring-backend", "wincred"}, exitFailure, "not available on linux"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := keysFixture(t)
			args := append([]string{"keys", "add"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "--env --") {
				args = append(args, "alice", "--env")
			}
			r := runSwitcher(t, f.with(tt.env...), args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d saying %q", r.code, r.stderr, tt.code, tt.want)
			}
			if strings.Contains(r.stderr, "AKIAFAKEUNKNOWN00001") || strings.Contains(r.stderr, testSecret) {
				t.Errorf("the error shows a key: %q", r.stderr)
			}
			if _, err := os.Stat(filepath.Join(f.home, ".local", "share", "switcher", "keys.json")); err == nil {
				t.Error("the key index was written")
			}
		})
	}
}

// TestKeysImport: the credentials file's keys move into the keyring, the
// file keeps every other byte, and the role profiles that used them work
// with the secret gone from the file.
func TestKeysImport(t *testing.T) {
	f := keysFixture(t)
	credPath := filepath.Join(f.home, ".aws", "credentials")
	other := "\n# someone else's\n[ci]\naws_access_key_id = AKIAEXAMPLECI0000001\naws_secret_access_key = ci-secret\n"
	writeTestFile(t, credPath, testCredentials+other)
	r := f.run(t, "keys", "import", "dev")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "moved the keys of dev (…0001) into the keyring (file)") {
		t.Errorf("keys import said %q", r.stderr)
	}
	got := string(mustRead(t, credPath))
	if diff := cmp.Diff("# long-term keys of dev\n"+strings.TrimPrefix(other, "\n"), got); diff != "" {
		t.Errorf("credentials file after import (-want +got):\n%s", diff)
	}
	vars := exportedVars(t, f.run(t, "export", "prod", "--format", "json"))
	f.wantIssuedFor(t, *vars["AWS_ACCESS_KEY_ID"], "prod")

	// The cached role session is served without touching the keyring: no
	// passphrase is at hand (and no terminal), yet it works.
	noPass := f.with("SWITCHER_KEYRING_PASSPHRASE", "")
	runSwitcher(t, noPass, "export", "prod", "--format", "json").wantCode(t, exitOK)
	calls := f.sim.Calls("AssumeRole")
	r = runSwitcher(t, noPass, "export", "prod", "--no-cache")
	if r.code != exitFailure || !strings.Contains(r.stderr, "keyring file") || !strings.Contains(r.stderr, "SWITCHER_KEYRING_PASSPHRASE") {
		t.Errorf("with no cache and no passphrase: exit %d, %q", r.code, r.stderr)
	}
	if f.sim.Calls("AssumeRole") != calls {
		t.Error("an STS call was made without the source keys")
	}

	// A wrong passphrase is said so, and nothing is assumed.
	r = runSwitcher(t, f.with("SWITCHER_KEYRING_PASSPHRASE", "wrong"), "export", "prod", "--no-cache")
	if r.code != exitFailure || !strings.Contains(r.stderr, "wrong passphrase") {
		t.Errorf("wrong passphrase: exit %d, %q", r.code, r.stderr)
	}

	// --all takes the rest; a second import finds nothing.
	f.run(t, "keys", "import", "--all").wantCode(t, exitOK)
	if got := string(mustRead(t, credPath)); strings.Contains(got, "aws_secret_access_key") {
		t.Errorf("credentials file after import --all:\n%s", got)
	}
	if r := f.run(t, "keys", "import", "--all"); r.code != exitFailure || !strings.Contains(r.stderr, "no profile has long-term keys") {
		t.Errorf("second import --all: exit %d, %q", r.code, r.stderr)
	}
}

// TestKeysDoctorBoth: keys in the keyring and in the file are reported.
func TestKeysDoctorBoth(t *testing.T) {
	f := keysFixture(t)
	env := f.with("AWS_ACCESS_KEY_ID", testKeyID, "AWS_SECRET_ACCESS_KEY", testSecret)
	r := runSwitcher(t, env, "keys", "add", "dev", "--env")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "still holds keys for dev") {
		t.Errorf("keys add did not warn about the file's keys: %q", r.stderr)
	}
	r = f.run(t, "doctor")
	if !strings.Contains(r.stdout, "dev has keys in the keyring (file) and in") || !strings.Contains(r.stdout, "switcher keys import dev") {
		t.Errorf("doctor:\n%s", r.stdout)
	}
}
