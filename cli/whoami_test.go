package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestWhoami(t *testing.T) {
	f := newSTSFixture(t)
	prod := exportedVars(t, f.run(t, "export", "prod", "--format", "json"))
	devARN := "arn:aws:iam::123456789012:user/dev"
	prodARN := "arn:aws:sts::123456789012:assumed-role/prod/" + testSession
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want identity
	}{
		{name: "profile", env: f.env, args: []string{"whoami", "prod", "--json"},
			want: identity{Account: testAccount, ARN: prodARN}},
		{name: "environment keys", env: f.with("AWS_ACCESS_KEY_ID", testKeyID, "AWS_SECRET_ACCESS_KEY", testSecret),
			args: []string{"whoami", "--json"}, want: identity{Account: testAccount, ARN: devARN}},
		{name: "exported session", env: f.with("AWS_ACCESS_KEY_ID", *prod["AWS_ACCESS_KEY_ID"],
			"AWS_SECRET_ACCESS_KEY", *prod["AWS_SECRET_ACCESS_KEY"], "AWS_SESSION_TOKEN", *prod["AWS_SESSION_TOKEN"]),
			args: []string{"whoami", "--json"}, want: identity{Account: testAccount, ARN: prodARN}},
		{name: "AWS_PROFILE", env: f.with("AWS_PROFILE", "dev"), args: []string{"whoami", "--json"},
			want: identity{Account: testAccount, ARN: devARN}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runSwitcher(t, tt.env, tt.args...)
			r.wantCode(t, exitOK)
			var got identity
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("stdout %q: %v", r.stdout, err)
			}
			if got.UserID == "" {
				t.Errorf("no user id in %q", r.stdout)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(identity{}, "UserID")); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWhoamiText(t *testing.T) {
	f := newSTSFixture(t)
	r := f.run(t, "whoami", "prod")
	r.wantCode(t, exitOK)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("stdout = %q, want three lines", r.stdout)
	}
	want := []string{"account     123456789012", "arn         arn:aws:sts::123456789012:assumed-role/prod/" + testSession}
	if diff := cmp.Diff(want, lines[:2]); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(lines[2], "user id     ") {
		t.Errorf("third line = %q, want the user id", lines[2])
	}
}

func TestWhoamiFailures(t *testing.T) {
	f := newSTSFixture(t)
	tests := []struct {
		name       string
		env        map[string]string
		wantStderr string
	}{
		{name: "nothing in the environment", env: f.env, wantStderr: "no AWS credentials in the environment"},
		{name: "key without secret", env: f.with("AWS_ACCESS_KEY_ID", testKeyID), wantStderr: "AWS_SECRET_ACCESS_KEY is not"},
		{name: "wrong secret", env: f.with("AWS_ACCESS_KEY_ID", testKeyID, "AWS_SECRET_ACCESS_KEY", "wrong"), wantStderr: "SignatureDoesNotMatch"},
		{name: "unknown key", env: f.with("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEUNKNOWN01", "AWS_SECRET_ACCESS_KEY", "x"), wantStderr: "InvalidClientTokenId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runSwitcher(t, tt.env, "whoami")
			r.wantCode(t, exitFailure)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if strings.Contains(r.stderr, testSecret) {
				t.Errorf("stderr shows the secret: %q", r.stderr)
			}
		})
	}
}
