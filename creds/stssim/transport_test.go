package stssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/switcher-cli/switcher/creds/stssim"
)

// TestInProcessClient runs the SDK against the Sim with no socket, as
// `switcher demo` does.
func TestInProcessClient(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := func(c aws.Credentials) *sts.Client {
		return sts.New(sts.Options{
			BaseEndpoint:     aws.String("https://sts.demo.invalid"),
			Region:           "eu-central-1",
			Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
			HTTPClient:       f.sim.Client(),
			RetryMaxAttempts: 1,
		})
	}

	out, err := client(devCreds).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("demo")})
	if err != nil {
		t.Fatalf("AssumeRole in process: %v", err)
	}
	role := toCreds(out.Credentials)
	who, err := client(role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::123456789012:assumed-role/A/demo" {
		t.Errorf("GetCallerIdentity = %v, %v", who, err)
	}
	_, err = client(aws.Credentials{AccessKeyID: devKey, SecretAccessKey: opsSecret}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if got := asAPIErr(t, err); got.Code != "SignatureDoesNotMatch" || got.Status != 403 {
		t.Errorf("wrong secret in process = %+v", got)
	}

	t.Run("a cancelled call returns the context error", func(t *testing.T) {
		f.sim.FailNext("GetCallerIdentity", 1, stssim.Slow(time.Minute))
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := client(devCreds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want context.DeadlineExceeded", err)
		}
	})

	t.Run("console sign-in", func(t *testing.T) {
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		hc := f.sim.Client()
		hc.Jar = jar
		const base = "https://signin.demo.invalid"
		session, _ := json.Marshal(map[string]string{"sessionId": role.AccessKeyID, "sessionKey": role.SecretAccessKey, "sessionToken": role.SessionToken})
		resp := get(t, hc, base+stssim.FederationPath+"?"+url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}.Encode())
		var tok struct{ SigninToken string }
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil || tok.SigninToken == "" {
			t.Fatalf("getSigninToken: %d %v", resp.StatusCode, err)
		}
		login := url.Values{"Action": {"login"}, "Destination": {base + stssim.ConsolePath}, "SigninToken": {tok.SigninToken}}
		resp = get(t, hc, base+stssim.FederationPath+"?"+login.Encode())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "assumed-role/A/demo") {
			t.Errorf("console = %d %q", resp.StatusCode, body)
		}
	})
}
