package profiles

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSyncName(t *testing.T) {
	safe := regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	for _, tt := range []struct {
		template string
		target   SyncTarget
		want     string
	}{
		{DefaultSyncName, SyncTarget{"111111111111", "Prod", "Admin"}, "Prod-Admin"},
		{"{account_id}.{role}", SyncTarget{"111111111111", "x", "Read"}, "111111111111.Read"},
		{DefaultSyncName, SyncTarget{"1", "prod team (EU)", "Admin"}, "prod-team-EU-Admin"},
		{DefaultSyncName, SyncTarget{"1", "$(rm -rf ~); echo `id`", "R"}, "rm-rf-echo-id-R"},
		{"{account_name}", SyncTarget{"1", "a]\n[profile evil]\nx=1", "R"}, "a-profile-evil-x-1"},
		{"{account_name}", SyncTarget{"1", "--help", "R"}, "help"},
		{"{account_name}", SyncTarget{"1", "Ünïcødé café", "R"}, "n-c-d-caf"},
		{"{account_name}", SyncTarget{"1", "$$$", "R"}, ""},
		{"org.{account_name}", SyncTarget{"1", "..dots..", "R"}, "org.dots"},
	} {
		got := SyncName(tt.template, tt.target)
		if got != tt.want {
			t.Errorf("SyncName(%q, %q) = %q, want %q", tt.template, tt.target.AccountName, got, tt.want)
		}
		if got != "" && !safe.MatchString(got) {
			t.Errorf("SyncName(%q) = %q is not shell-safe", tt.target.AccountName, got)
		}
	}
}

func TestSyncNamesCollideOrEmpty(t *testing.T) {
	targets := []SyncTarget{{"111111111111", "Prod Team", "Admin"}, {"222222222222", "Prod/Team", "Admin"}, {"333333333333", "!!", "Admin"}}
	_, err := SyncNames(DefaultSyncName, targets)
	if err == nil {
		t.Fatal("no error for colliding and empty names")
	}
	for _, want := range []string{"Prod-Team-Admin would be made for account 111111111111", "account 222222222222", "add {account_id}", "account 333333333333", "gives no account name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	names, err := SyncNames("{account_name}-{account_id}", targets[:2])
	if err != nil || !cmp.Equal(names, []string{"Prod-Team-111111111111", "Prod-Team-222222222222"}) {
		t.Errorf("with {account_id}: %v, %v", names, err)
	}
}

func TestValidateSyncTemplate(t *testing.T) {
	for _, tt := range []struct {
		t  string
		ok bool
	}{
		{DefaultSyncName, true}, {"{account_id}", true}, {"aws-{account_name}", true},
		{"{role}", false}, {"{acct}-{role}", false}, {"{account_name", false}, {"", false},
	} {
		if err := ValidateSyncTemplate(tt.t); (err == nil) != tt.ok {
			t.Errorf("ValidateSyncTemplate(%q) = %v, want ok %v", tt.t, err, tt.ok)
		}
	}
}

func syncProfiles(names ...string) []SyncProfile {
	var ps []SyncProfile
	for _, n := range names {
		ps = append(ps, SyncProfile{Name: n, Target: SyncTarget{AccountID: "111111111111", Role: "Admin"},
			Keys: [][2]string{{"sso_session", "corp"}, {"sso_account_id", "111111111111"}, {"sso_role_name", "Admin"}}})
	}
	return ps
}

// TestPlanSync: the block is appended, then replaced in place; every byte
// outside it stays; a profile outside it wins.
func TestPlanSync(t *testing.T) {
	const key = "--sso-session corp"
	const head = "# my config\r\n[profile mine]\r\nregion = eu-west-1\r\n"
	plan, err := PlanSync("config", []byte(head), "", nil, key, syncProfiles("a", "mine", "b"), "managed")
	if err != nil {
		t.Fatal(err)
	}
	want := head + "\r\n# >>> switcher sync --sso-session corp\r\n# managed\r\n" +
		"\r\n[profile a]\r\nsso_session = corp\r\nsso_account_id = 111111111111\r\nsso_role_name = Admin\r\n" +
		"\r\n[profile b]\r\nsso_session = corp\r\nsso_account_id = 111111111111\r\nsso_role_name = Admin\r\n" +
		"# <<< switcher sync --sso-session corp\r\n"
	if diff := cmp.Diff(want, string(plan.New)); diff != "" {
		t.Errorf("first sync (-want +got):\n%s", diff)
	}
	if len(plan.Clashes) != 1 || plan.Clashes[0].Profile.Name != "mine" || plan.Clashes[0].Kept.String() != "config:2" {
		t.Errorf("clashes: %+v", plan.Clashes)
	}
	if !cmp.Equal(plan.Added, []string{"a", "b"}) || len(plan.Removed) != 0 {
		t.Errorf("added %v removed %v", plan.Added, plan.Removed)
	}

	// A profile the user added after the block stays, and so does
	// everything before it; the block's profiles are replaced.
	tail := "\r\n[profile later]\r\nregion = us-east-1"
	again, err := PlanSync("config", append(plan.New, tail...), "", nil, key, syncProfiles("b", "c"), "managed")
	if err != nil {
		t.Fatal(err)
	}
	got := string(again.New)
	if !strings.HasPrefix(got, head) || !strings.HasSuffix(got, "# <<< switcher sync --sso-session corp\r\n"+tail) {
		t.Errorf("bytes outside the block changed:\n%q", got)
	}
	if strings.Contains(got, "[profile a]") || !strings.Contains(got, "[profile c]") {
		t.Errorf("block not replaced:\n%s", got)
	}
	if !cmp.Equal(again.Added, []string{"c"}) || !cmp.Equal(again.Removed, []string{"a"}) {
		t.Errorf("added %v removed %v", again.Added, again.Removed)
	}
	cfg, err := Load("config", again.New, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"mine", "b", "c", "later"} {
		if _, ok := cfg.Profile(n); !ok {
			t.Errorf("profile %s missing after the second sync", n)
		}
	}

	// Another block is outside this one: its profiles win too.
	other, err := PlanSync("config", again.New, "", nil, "--org --source x --role R", syncProfiles("c", "d"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Clashes) != 1 || other.Clashes[0].Profile.Name != "c" || !HasSyncBlock(other.New, key) || !HasSyncBlock(other.New, "--org --source x --role R") {
		t.Errorf("second block: clashes %+v\n%s", other.Clashes, other.New)
	}

	// A profile from the credentials file is outside the block as well.
	fromCreds, err := PlanSync("config", nil, "credentials", []byte("[a]\naws_access_key_id = AKIAEXAMPLE\n"), key, syncProfiles("a"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(fromCreds.Clashes) != 1 || fromCreds.Clashes[0].Kept.File != "credentials" {
		t.Errorf("credentials clash: %+v", fromCreds.Clashes)
	}
}

// TestPlanSyncBrokenMarkers: a block cut in half or doubled by hand is
// refused with the line to fix.
func TestPlanSyncBrokenMarkers(t *testing.T) {
	const key = "--sso-session corp"
	for _, tt := range []struct{ name, data, want string }{
		{"no end", "[profile x]\n# >>> switcher sync --sso-session corp\n[profile a]\n", "config:2: the \"--sso-session corp\" block has no end"},
		{"no begin", "[profile a]\n# <<< switcher sync --sso-session corp\n", "config:2: the end of the \"--sso-session corp\" block has no beginning"},
		{"twice", "# >>> switcher sync --sso-session corp\n# <<< switcher sync --sso-session corp\n# >>> switcher sync --sso-session corp\n# <<< switcher sync --sso-session corp\n", "config:3: a second"},
	} {
		_, err := PlanSync("config", []byte(tt.data), "", nil, key, syncProfiles("a"), "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := PlanSync("config", nil, "", nil, "a\nb", nil, ""); err == nil {
		t.Error("a key of two lines was accepted")
	}
}
