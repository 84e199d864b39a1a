package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/creds/stssim"
)

// ssoFixture is a home with an SSO config and the simulator serving STS,
// SSO OIDC and the portal.
type ssoFixture struct {
	sim  *stssim.Sim
	home string
	env  map[string]string
}

const ssoConfig = `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 111111111111
sso_role_name = Admin

[profile keys]
credential_process = /bin/true
`

func newSSOFixture(t *testing.T) *ssoFixture {
	t.Helper()
	sim := stssim.New()
	if err := sim.AddSSOAccount(stssim.SSOAccount{ID: "111111111111", Name: "Dev", Roles: []string{"Admin"}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(ssoConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return &ssoFixture{sim: sim, home: home, env: map[string]string{
		"HOME": home, "USER": "alice", "AWS_ENDPOINT_URL": srv.URL, "XDG_CACHE_HOME": filepath.Join(home, ".cache"),
	}}
}

// browser is a person's browser: it follows the sign-in page's redirect.
func browser(_ context.Context, u string) error {
	go func() {
		if resp, err := http.Get(u); err == nil { //nolint:noctx // a browser outlives the call
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	return nil
}

func (f *ssoFixture) run(t *testing.T, tty func() (*os.File, *os.File, error), args ...string) cmdResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	d := testDeps(strings.NewReader(""), &stdout, &stderr, func(k string) string { return f.env[k] }, nil)
	d.OpenURL = browser
	if tty != nil {
		d.OpenTTY = tty
	}
	code := Run(context.Background(), args, d)
	return cmdResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// TestLogin: switcher login leaves the token where the AWS CLI and the
// SDK read it, so the SSO profiles work; a second login keeps it; the
// device flow works too; mistakes are explained.
func TestLogin(t *testing.T) {
	f := newSSOFixture(t)
	r := f.run(t, nil, "export", "dev", "--format", "sh")
	r.wantCode(t, exitFailure)
	if !strings.Contains(r.stderr, "run `switcher login --sso-session corp` (or `aws sso login --sso-session corp`)") {
		t.Errorf("export before a login: %s", r.stderr)
	}
	r = f.run(t, nil, "login", "--sso-session", "corp")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "sign in at http") || !strings.Contains(r.stderr, "logged in to sso_session corp") {
		t.Errorf("login said:\n%s", r.stderr)
	}
	path := creds.SSOCachePath(filepath.Join(f.home, ".aws", "sso", "cache"), "corp")
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file %v, %v", fi, err)
	}
	r = f.run(t, nil, "export", "dev", "--format", "sh")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "export AWS_ACCESS_KEY_ID='ASIA") {
		t.Errorf("export after the login:\n%s", r.stdout)
	}
	r = f.run(t, nil, "login", "dev")
	if r.wantCode(t, exitOK); !strings.Contains(r.stderr, "already logged in") {
		t.Errorf("a second login: %s", r.stderr)
	}
	r = f.run(t, nil, "login", "legacy", "--device-code")
	if r.wantCode(t, exitOK); !strings.Contains(r.stderr, "check that it shows the code") {
		t.Errorf("device login: %s", r.stderr)
	}
	if _, err := os.Stat(creds.SSOCachePath(filepath.Join(f.home, ".aws", "sso", "cache"), "https://legacy.awsapps.com/start")); err != nil {
		t.Errorf("the legacy token is not where the AWS CLI keeps it: %v", err)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"login", "--sso-session", "nope"}, exitFailure, "no [sso-session nope]"},
		{[]string{"login", "keys"}, exitFailure, "not from IAM Identity Center"},
		{[]string{"login", "dev", "--sso-session", "corp"}, exitUsage, "not both"},
	} {
		r := f.run(t, nil, tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("switcher %v: exit %d, %q; want %d and %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
	}
}

// TestLoginDeniedOrTimedOut: a refused or unanswered login fails with
// exit 1, saying so, and caches nothing.
func TestLoginDeniedOrTimedOut(t *testing.T) {
	for _, tt := range []struct {
		outcome, want string
	}{{stssim.SSODeny, "refused"}, {stssim.SSOIgnore, "not completed within 1s"}} {
		t.Run(tt.outcome, func(t *testing.T) {
			f := newSSOFixture(t)
			f.sim.SetSSOLogin(tt.outcome)
			r := f.run(t, nil, "login", "--sso-session", "corp", "--timeout", "1s")
			if r.code != exitFailure || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d: %s", r.code, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(f.home, ".aws", "sso", "cache")); err == nil {
				entries, _ := os.ReadDir(filepath.Join(f.home, ".aws", "sso", "cache"))
				if len(entries) > 0 {
					t.Errorf("a token was cached: %v", entries)
				}
			}
		})
	}
}

// TestExportOffersLogin: on a terminal, export of an SSO profile with no
// login asks, logs in, and goes on.
func TestExportOffersLogin(t *testing.T) {
	f := newSSOFixture(t)
	tty := func() (*os.File, *os.File, error) {
		in, w, err := os.Pipe()
		if err != nil {
			return nil, nil, err
		}
		_, _ = io.WriteString(w, "y\n")
		w.Close()
		out, err := os.Create(filepath.Join(f.home, "tty.out"))
		return in, out, err
	}
	r := f.run(t, tty, "export", "dev", "--format", "sh")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "export AWS_ACCESS_KEY_ID='ASIA") {
		t.Errorf("export after the offered login:\n%s\n%s", r.stdout, r.stderr)
	}
	said, _ := os.ReadFile(filepath.Join(f.home, "tty.out"))
	if !strings.Contains(string(said), "Log in now? [Y/n]") || !strings.Contains(string(said), "logged in to sso_session corp") {
		t.Errorf("the terminal showed:\n%s", said)
	}
}
