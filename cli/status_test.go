package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStatus(t *testing.T) {
	// Expiries half a minute past a whole minute, so that the test's own
	// run time does not change the minutes shown.
	now := time.Now().UTC().Truncate(time.Second)
	in42m := now.Add(42*time.Minute + 30*time.Second).Format(time.RFC3339)
	in2h := now.Add(2*time.Hour + 5*time.Minute + 30*time.Second).Format(time.RFC3339)
	ago := now.Add(-10*time.Minute + 30*time.Second).Format(time.RFC3339)
	session := map[string]string{
		"AWS_ACCESS_KEY_ID": "ASIAEXAMPLEKEYWXYZ", "AWS_SECRET_ACCESS_KEY": "fake", "AWS_SESSION_TOKEN": "fake-token",
		"AWS_CREDENTIAL_EXPIRATION": in42m, "SWITCHER_PROFILE": "prod",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	tests := []struct {
		name      string
		env       map[string]string
		wantShort string
		wantText  string
	}{
		{
			name: "switcher session", env: session, wantShort: "prod 42m\n",
			wantText: "profile     prod (from SWITCHER_PROFILE)\naccess key  …WXYZ (temporary)\nexpires     " + in42m + " (in 42m)\n",
		},
		{
			name: "hours left", env: with(session, "AWS_CREDENTIAL_EXPIRATION", in2h), wantShort: "prod 2h05m\n",
			wantText: "profile     prod (from SWITCHER_PROFILE)\naccess key  …WXYZ (temporary)\nexpires     " + in2h + " (in 2h05m)\n",
		},
		{
			name: "expired", env: with(session, "AWS_CREDENTIAL_EXPIRATION", ago), wantShort: "prod expired\n",
			wantText: "profile     prod (from SWITCHER_PROFILE)\naccess key  …WXYZ (temporary)\nexpires     " + ago + " (expired 9m ago)\n",
		},
		{
			name: "keys of unknown origin", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYABCD", "AWS_SECRET_ACCESS_KEY": "fake"},
			wantShort: "…ABCD\n",
			wantText:  "access key  …ABCD (long-term)\nexpires     unknown (AWS_CREDENTIAL_EXPIRATION is not set)\n",
		},
		{
			name: "AWS_PROFILE only", env: map[string]string{"AWS_PROFILE": "dev"}, wantShort: "dev\n",
			wantText: "profile     dev (from AWS_PROFILE)\naccess key  none in the environment; AWS tools read the profile's settings\n",
		},
		{
			name: "stale SWITCHER_PROFILE without keys", env: map[string]string{"SWITCHER_PROFILE": "prod"}, wantShort: "",
			wantText: "no AWS credentials and no AWS_PROFILE in this environment\n",
		},
		{name: "nothing", env: map[string]string{}, wantShort: "", wantText: "no AWS credentials and no AWS_PROFILE in this environment\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			short := runSwitcher(t, tt.env, "status", "--short")
			short.wantCode(t, exitOK)
			if diff := cmp.Diff(tt.wantShort, short.stdout); diff != "" {
				t.Errorf("status --short (-want +got):\n%s", diff)
			}
			text := runSwitcher(t, tt.env, "status")
			text.wantCode(t, exitOK)
			if diff := cmp.Diff(tt.wantText, text.stdout); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			for _, r := range []cmdResult{short, text} {
				if r.stderr != "" || strings.Contains(r.stdout, "fake") {
					t.Errorf("stderr %q / stdout %q: want no stderr and no secret", r.stderr, r.stdout)
				}
			}
		})
	}
}

func TestStatusJSON(t *testing.T) {
	exp := time.Now().UTC().Add(30*time.Minute + 30*time.Second).Truncate(time.Second)
	env := map[string]string{"AWS_ACCESS_KEY_ID": "ASIAEXAMPLEKEYWXYZ", "AWS_SESSION_TOKEN": "t",
		"AWS_CREDENTIAL_EXPIRATION": exp.Format(time.RFC3339), "SWITCHER_PROFILE": "prod"}
	r := runSwitcher(t, env, "status", "--json")
	r.wantCode(t, exitOK)
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	secs, _ := got["seconds_left"].(float64)
	if secs < 29*60 || secs > 31*60 {
		t.Errorf("seconds_left = %v, want about 1830", got["seconds_left"])
	}
	delete(got, "seconds_left")
	want := map[string]any{"profile": "prod", "from": "SWITCHER_PROFILE", "access_key_id": "…WXYZ",
		"temporary": true, "expiration": exp.Format(time.RFC3339), "expired": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status --json (-want +got):\n%s", diff)
	}
}

func TestStatusIdentity(t *testing.T) {
	f := newSTSFixture(t)
	env := f.with("AWS_ACCESS_KEY_ID", testKeyID, "AWS_SECRET_ACCESS_KEY", testSecret)
	r := runSwitcher(t, env, "status", "--identity")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "identity    arn:aws:iam::123456789012:user/dev\n") {
		t.Errorf("stdout = %q, want the identity", r.stdout)
	}
	// Without --identity, no network.
	runSwitcher(t, env, "status").wantCode(t, exitOK)
	if diff := cmp.Diff(1, f.sim.Calls("")); diff != "" {
		t.Errorf("STS requests (-want +got):\n%s", diff)
	}
}

func TestStatusBadExpiration(t *testing.T) {
	r := runSwitcher(t, map[string]string{"AWS_ACCESS_KEY_ID": "ASIAEXAMPLEKEYWXYZ", "AWS_CREDENTIAL_EXPIRATION": "tomorrow"}, "status", "--short")
	r.wantCode(t, exitOK)
	if diff := cmp.Diff("…WXYZ\n", r.stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.stderr, `"tomorrow" is not an RFC 3339 time`) {
		t.Errorf("stderr = %q, want the bad value explained", r.stderr)
	}
}

func TestFormatLeft(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{d: 0, want: "0s"},
		{d: -time.Minute, want: "0s"},
		{d: 59 * time.Second, want: "59s"},
		{d: time.Minute, want: "1m"},
		{d: 59*time.Minute + 59*time.Second, want: "59m"},
		{d: time.Hour, want: "1h00m"},
		{d: 12*time.Hour + 5*time.Minute, want: "12h05m"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatLeft(tt.d); got != tt.want {
				t.Errorf("formatLeft(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}
