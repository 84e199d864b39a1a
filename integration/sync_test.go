package integration

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestSyncOrgMoto: sync --org lists moto's Organizations accounts, signed
// by orgadmin's keys, skips the closed one, and each generated profile
// assumes OrganizationAccountAccessRole in its own account.
func TestSyncOrgMoto(t *testing.T) {
	s := need(t)
	h := newHome(t, s).with("AWS_ENDPOINT_URL_ORGANIZATIONS=" + s.moto.Endpoint)
	admin := s.moto.Keys["orgadmin"]
	config := "# hand-written\n[profile orgadmin]\nregion = us-east-1\n"
	writeFile(t, h.config, config)
	writeFile(t, h.credentials, "[orgadmin]\naws_access_key_id = "+admin.AccessKeyID+"\naws_secret_access_key = "+admin.SecretAccessKey+"\n")

	// orgadmin has no mfa_serial: its keys sign the listing as they are
	// (moto's GetSessionToken hands out keys that its auth refuses).
	dry := h.switcher("--no-session", "sync", "--org", "--source", "orgadmin", "--role", "OrganizationAccountAccessRole", "--name", "org-{account_name}", "--dry-run").mustSucceed(t, "sync --dry-run")
	if !strings.Contains(dry.stdout, "+[profile org-dev-team]") || !strings.Contains(dry.stdout, "+[profile org-master]") {
		t.Errorf("dry run diff:\n%s", dry.stdout)
	}
	if got, _ := os.ReadFile(h.config); string(got) != config {
		t.Fatal("--dry-run wrote the config")
	}
	r := h.switcher("--no-session", "sync", "--org", "--source", "orgadmin", "--role", "OrganizationAccountAccessRole", "--name", "org-{account_name}").mustSucceed(t, "sync --org")
	if !strings.Contains(r.stderr, "skipped 1 accounts that are not ACTIVE") || !strings.Contains(r.stderr, "3 profiles for 3 accounts") {
		t.Errorf("sync said: %s", r.stderr)
	}
	got, _ := os.ReadFile(h.config)
	if !strings.HasPrefix(string(got), config) || strings.Contains(string(got), "old") {
		t.Errorf("config after sync:\n%s", got)
	}
	for name, profile := range map[string]string{"dev team": "org-dev-team", "Prod": "org-Prod"} {
		id := s.moto.Accounts[name]
		out := h.switcher("export", profile, "--format", "json").mustSucceed(t, "export "+profile)
		var env map[string]string
		if err := json.Unmarshal([]byte(out.stdout), &env); err != nil {
			t.Fatalf("export %s: %v\n%s", profile, err, out.stdout)
		}
		client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.moto.Endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"])})
		who, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("%s: GetCallerIdentity: %v", profile, err)
		}
		if aws.ToString(who.Account) != id || !strings.Contains(aws.ToString(who.Arn), ":assumed-role/OrganizationAccountAccessRole/") {
			t.Errorf("%s is %s in %s, want account %s", profile, aws.ToString(who.Arn), aws.ToString(who.Account), id)
		}
	}

	// dev may not list the organization: said so, config untouched.
	dev := s.moto.Keys["dev"]
	writeFile(t, h.credentials, "[orgadmin]\naws_access_key_id = "+dev.AccessKeyID+"\naws_secret_access_key = "+dev.SecretAccessKey+"\n")
	before, _ := os.ReadFile(h.config)
	r = h.switcher("--no-session", "sync", "--org", "--source", "orgadmin", "--role", "OrganizationAccountAccessRole", "--name", "other-{account_name}")
	if r.code != 1 || !strings.Contains(r.stderr, "organizations:ListAccounts") {
		t.Errorf("sync as dev: exit %d: %s", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(h.config); string(after) != string(before) {
		t.Error("a refused sync changed the config")
	}
}
