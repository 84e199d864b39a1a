package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switcher-cli/switcher/creds/stssim"
	"github.com/switcher-cli/switcher/profiles"
)

func (f *ssoFixture) config(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.home, ".aws", "config"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func (f *ssoFixture) addAccounts(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		a := stssim.SSOAccount{ID: fmt.Sprintf("2000000000%02d", i), Name: fmt.Sprintf("team %02d", i), Roles: []string{"Admin", "ReadOnly"}}
		if err := f.sim.AddSSOAccount(a); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSyncSSO: sync lists every account and role over the portal's pages,
// previews with --dry-run, writes one block that the generated profiles
// work from, keeps every other byte, lets a hand-written profile win, and
// replaces only its block on a re-run.
func TestSyncSSO(t *testing.T) {
	f := newSSOFixture(t)
	f.addAccounts(t, 30) // 31 accounts, two pages of the portal's 20
	if r := f.run(t, nil, "login", "--sso-session", "corp"); r.code != exitOK {
		t.Fatalf("login: %s", r.stderr)
	}
	before := f.config(t)

	r := f.run(t, nil, "sync", "--sso-session", "corp", "--dry-run")
	r.wantCode(t, exitOK)
	if f.config(t) != before {
		t.Fatal("--dry-run wrote the config")
	}
	for _, want := range []string{"+# >>> switcher sync --sso-session corp", "+[profile team-29-ReadOnly]", "+sso_account_id = 200000000029", "+region = eu-west-1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the diff lacks %q:\n%.2000s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "61 profiles for 31 accounts (61 new, 0 removed)") {
		t.Errorf("dry run said: %s", r.stderr)
	}

	r = f.run(t, nil, "sync", "--sso-session", "corp")
	r.wantCode(t, exitOK)
	after := f.config(t)
	if !strings.HasPrefix(after, before) {
		t.Errorf("the bytes before the block changed")
	}
	if n := strings.Count(after, "[profile "); n != 3+61 {
		t.Errorf("%d profiles after sync, want 64", n)
	}
	if fi, err := os.Stat(filepath.Join(f.home, ".aws", "config")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, %v", fi, err)
	}
	r = f.run(t, nil, "export", "team-07-Admin", "--format", "sh")
	if r.wantCode(t, exitOK); !strings.Contains(r.stdout, "export AWS_ACCESS_KEY_ID='ASIA") {
		t.Errorf("export of a generated profile: %s", r.stderr)
	}

	r = f.run(t, nil, "sync", "--sso-session", "corp")
	if r.wantCode(t, exitOK); !strings.Contains(r.stderr, "up to date") {
		t.Errorf("a second sync: %s", r.stderr)
	}

	// The user adds a profile after the block and one of the generated
	// names by hand; an account appears. The re-run keeps both hand-written
	// profiles and adds the account.
	hand := after + "\n[profile team-03-Admin]\nregion = us-west-2\n"
	if err := os.WriteFile(filepath.Join(f.home, ".aws", "config"), []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.AddSSOAccount(stssim.SSOAccount{ID: "300000000000", Name: "new", Roles: []string{"Admin"}}); err != nil {
		t.Fatal(err)
	}
	r = f.run(t, nil, "sync", "--sso-session", "corp")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "kept the profile team-03-Admin written at") || !strings.Contains(r.stderr, "(1 new, 1 removed, 1 kept as written by hand)") {
		t.Errorf("sync with a clash said: %s", r.stderr)
	}
	got := f.config(t)
	if !strings.HasSuffix(got, "# <<< switcher sync --sso-session corp\n\n[profile team-03-Admin]\nregion = us-west-2\n") || !strings.Contains(got, "[profile new-Admin]") {
		t.Errorf("after the re-run:\n%s", got[len(got)-400:])
	}
	if strings.Count(got, "[profile team-03-Admin]") != 1 {
		t.Errorf("the hand-written profile was generated too")
	}

	// --role keeps one role, in a block of its own.
	r = f.run(t, nil, "sync", "--sso-session", "corp", "--role", "ReadOnly", "--name", "ro-{account_id}")
	r.wantCode(t, exitOK)
	if got := f.config(t); !strings.Contains(got, "# >>> switcher sync --sso-session corp --role ReadOnly") || !strings.Contains(got, "[profile ro-200000000005]") {
		t.Errorf("--role block missing")
	}
}

// TestSyncSSOBadInput: each mistake is one clear error, exit 1 or 2, and
// the config untouched.
func TestSyncSSOBadInput(t *testing.T) {
	f := newSSOFixture(t)
	before := f.config(t)
	r := f.run(t, nil, "sync", "--sso-session", "corp")
	if r.code != exitFailure || !strings.Contains(r.stderr, "run `switcher login --sso-session corp`") {
		t.Errorf("without a login: exit %d: %s", r.code, r.stderr)
	}
	if r := f.run(t, nil, "login", "--sso-session", "corp"); r.code != exitOK {
		t.Fatalf("login: %s", r.stderr)
	}
	for _, a := range []stssim.SSOAccount{
		{ID: "400000000001", Name: "Prod Team", Roles: []string{"Admin"}},
		{ID: "400000000002", Name: "Prod/Team", Roles: []string{"Admin"}},
	} {
		if err := f.sim.AddSSOAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sync"}, exitUsage, "sync needs --sso-session NAME"},
		{[]string{"sync", "--org", "--source", "keys"}, exitUsage, "--role NAME"},
		{[]string{"sync", "--org", "--sso-session", "corp"}, exitUsage, "not both"},
		{[]string{"sync", "--sso-session", "corp", "--name", "{acct}"}, exitUsage, "unknown placeholder"},
		{[]string{"sync", "--sso-session", "corp", "--name", "{role}"}, exitUsage, "names no account"},
		{[]string{"sync", "--sso-session", "nope"}, exitUsage, "no [sso-session nope]"},
		{[]string{"sync", "--sso-session", "corp\n[x]"}, exitUsage, "not a name"},
		{[]string{"sync", "--org", "--source", "keys", "--role", "a/b"}, exitUsage, "--role"},
		{[]string{"sync", "--sso-session", "corp"}, exitFailure, "Prod-Team-Admin would be made for account 400000000001"},
	} {
		r := f.run(t, nil, tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("switcher %q: exit %d, %q; want %d and %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
		if tt.code == exitUsage && !strings.HasSuffix(r.stderr, "Run 'switcher sync --help' for usage.\n") {
			t.Errorf("switcher %q: the usage error points elsewhere: %q", tt.args, r.stderr)
		}
		if f.config(t) != before {
			t.Fatalf("switcher %q changed the config", tt.args)
		}
	}
}

// TestSyncHostileNames: account names that would break a shell or the INI
// file become safe names, and nothing else gets into the config.
func TestSyncHostileNames(t *testing.T) {
	f := newSSOFixture(t)
	if r := f.run(t, nil, "login", "--sso-session", "corp"); r.code != exitOK {
		t.Fatalf("login: %s", r.stderr)
	}
	for i, name := range []string{"$(touch /tmp/pwned)", "a]\n[profile evil]\ncredential_process = /bin/sh", "--help", "`id`;echo"} {
		if err := f.sim.AddSSOAccount(stssim.SSOAccount{ID: fmt.Sprintf("50000000000%d", i), Name: name, Roles: []string{"Admin"}}); err != nil {
			t.Fatal(err)
		}
	}
	r := f.run(t, nil, "sync", "--sso-session", "corp")
	r.wantCode(t, exitOK)
	cfg, err := profiles.Load("config", []byte(f.config(t)), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	safe := regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	var names []string
	for _, p := range cfg.Profiles() {
		names = append(names, p.Name)
		if !safe.MatchString(p.Name) {
			t.Errorf("profile %q is not shell-safe", p.Name)
		}
		if p.Value(profiles.KeyCredentialProcess) != "" && p.Name != "keys" {
			t.Errorf("profile %s got a credential_process", p.Name)
		}
	}
	if _, ok := cfg.Profile("evil"); ok {
		t.Errorf("an account name made a profile of its own: %v", names)
	}
	for _, want := range []string{"touch-tmp-pwned-Admin", "help-Admin", "id-echo-Admin"} {
		if _, ok := cfg.Profile(want); !ok {
			t.Errorf("no profile %s in %v", want, names)
		}
	}
}

// TestSyncConfigChangedDuringSync: an edit of the config while sync lists
// the accounts makes it write nothing and say so.
func TestSyncConfigChangedDuringSync(t *testing.T) {
	f := newSSOFixture(t)
	f.addAccounts(t, 2)
	if r := f.run(t, nil, "login", "--sso-session", "corp"); r.code != exitOK {
		t.Fatalf("login: %s", r.stderr)
	}
	path := filepath.Join(f.home, ".aws", "config")
	edited := f.config(t) + "\n[profile edited]\nregion = eu-north-1\n"
	var once atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == stssim.SSOAccountsPath && once.CompareAndSwap(false, true) {
			if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
				t.Error(err)
			}
		}
		f.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.env["AWS_ENDPOINT_URL_SSO"] = srv.URL
	r := f.run(t, nil, "sync", "--sso-session", "corp")
	if r.code != exitFailure || !strings.Contains(r.stderr, "changed while sync was listing accounts; nothing was written: run sync again") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	if f.config(t) != edited {
		t.Errorf("the edited config was overwritten")
	}
	if r := f.run(t, nil, "sync", "--sso-session", "corp"); r.code != exitOK {
		t.Errorf("the run after: %s", r.stderr)
	}
}

// TestSyncOrg: sync --org lists the organization's accounts over pages,
// signed by the source's keys, skips the suspended ones, and writes role
// profiles that chain from the source with its mfa_serial and region.
func TestSyncOrg(t *testing.T) {
	sim := stssim.New()
	const serial = "arn:aws:iam::123456789012:mfa/admin"
	user := stssim.User{Name: "admin", AccessKeyID: "AKIAEXAMPLEADMIN0001", SecretAccessKey: "fake-secret-of-admin", MFASerial: serial}
	if err := sim.AddUser(user); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddMFADevice(serial, "123456"); err != nil {
		t.Fatal(err)
	}
	var accounts []stssim.OrgAccount
	for i := range 25 {
		accounts = append(accounts, stssim.OrgAccount{ID: fmt.Sprintf("6000000000%02d", i), Name: fmt.Sprintf("acct %d", i)})
	}
	accounts[3].State = "SUSPENDED"
	sim.SetOrganization(accounts, 7)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	config := "[profile admin]\nregion = eu-central-1\nmfa_serial = " + serial + "\n"
	writeTestFile(t, filepath.Join(aws, "config"), config)
	writeTestFile(t, filepath.Join(aws, "credentials"), "[admin]\naws_access_key_id = "+user.AccessKeyID+"\naws_secret_access_key = "+user.SecretAccessKey+"\n")
	env := map[string]string{"HOME": home, "USER": "alice", "AWS_ENDPOINT_URL": srv.URL, "XDG_CACHE_HOME": filepath.Join(home, ".cache")}

	// Listing needs admin's credentials: with mfa_serial that is an MFA
	// session, so give the code on the command line.
	r := runSwitcher(t, env, "sync", "--org", "--source", "admin", "--role", "OrganizationAccountAccessRole", "--name", "org-{account_name}", "--mfa-code", "123456")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "skipped 1 accounts that are not ACTIVE") || !strings.Contains(r.stderr, "24 profiles for 24 accounts") {
		t.Errorf("sync --org said: %s", r.stderr)
	}
	data, _ := os.ReadFile(filepath.Join(aws, "config"))
	got := string(data)
	want := "[profile org-acct-7]\nrole_arn = arn:aws:iam::600000000007:role/OrganizationAccountAccessRole\nsource_profile = admin\nmfa_serial = " + serial + "\nregion = eu-central-1\n"
	if !strings.Contains(got, want) || strings.Contains(got, "org-acct-3]") || !strings.HasPrefix(got, config) {
		t.Errorf("config after sync --org:\n%s", got)
	}
	if n := sim.Calls("ListAccounts"); n != 4 {
		t.Errorf("ListAccounts called %d times, want 4 pages", n)
	}
	r = runSwitcher(t, env, "plan", "org-acct-7")
	if r.wantCode(t, exitOK); !strings.Contains(r.stdout, "admin") {
		t.Errorf("plan of a generated profile: %s %s", r.stdout, r.stderr)
	}

	r = runSwitcher(t, env, "sync", "--org", "--source", "nobody", "--role", "R")
	if r.code != exitFailure || !strings.Contains(r.stderr, "nobody") {
		t.Errorf("unknown source: exit %d: %s", r.code, r.stderr)
	}
}

// TestSyncOrgNotInOrganization: Organizations' refusal is explained.
func TestSyncOrgNotInOrganization(t *testing.T) {
	sim := stssim.New()
	user := stssim.User{Name: "admin", AccessKeyID: "AKIAEXAMPLEADMIN0001", SecretAccessKey: "fake-secret-of-admin"}
	if err := sim.AddUser(user); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	writeTestFile(t, filepath.Join(aws, "config"), "[profile admin]\nregion = eu-central-1\n")
	writeTestFile(t, filepath.Join(aws, "credentials"), "[admin]\naws_access_key_id = "+user.AccessKeyID+"\naws_secret_access_key = "+user.SecretAccessKey+"\n")
	env := map[string]string{"HOME": home, "USER": "alice", "AWS_ENDPOINT_URL": srv.URL, "XDG_CACHE_HOME": filepath.Join(home, ".cache")}
	r := runSwitcher(t, env, "sync", "--org", "--source", "admin", "--role", "R", "--no-session")
	if r.code != exitFailure || !strings.Contains(r.stderr, "not in an AWS Organization") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, user.SecretAccessKey) {
		t.Error("the secret reached stderr")
	}
}
