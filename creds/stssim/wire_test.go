package stssim_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds/stssim"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// recorder is an HTTP client that keeps the last response body.
type recorder struct {
	mu   sync.Mutex
	last []byte
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.last = body
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// normalize replaces what is random in a response with fixed placeholders.
var normalizers = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`<RequestId>[^<]*</RequestId>`), "<RequestId>REQUEST-ID</RequestId>"},
	{regexp.MustCompile(`<AccessKeyId>ASIA[A-Z2-7]{16}</AccessKeyId>`), "<AccessKeyId>ASIA-KEY-ID</AccessKeyId>"},
	{regexp.MustCompile(`<SecretAccessKey>[^<]+</SecretAccessKey>`), "<SecretAccessKey>SECRET</SecretAccessKey>"},
	{regexp.MustCompile(`<SessionToken>[^<]+</SessionToken>`), "<SessionToken>TOKEN</SessionToken>"},
	{regexp.MustCompile(`(AROA|AIDA)[A-Z2-7]{16,17}`), "${1}-UNIQUE-ID"},
}

func normalize(b []byte) []byte {
	for _, n := range normalizers {
		b = n.re.ReplaceAll(b, []byte(n.repl))
	}
	return b
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestWireFormat pins the XML the Sim writes, response by response.
func TestWireFormat(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		golden string
		call   func(c *sts.Client, f *fixture) error
	}{
		{"assume_role.xml", func(c *sts.Client, _ *fixture) error {
			_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("golden")})
			return err
		}},
		{"assume_role_tags.xml", func(c *sts.Client, _ *fixture) error {
			_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
				RoleArn: aws.String(roleA), RoleSessionName: aws.String("golden"), SourceIdentity: aws.String("dev"),
				Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
			})
			return err
		}},
		{"get_session_token.xml", func(c *sts.Client, _ *fixture) error {
			_, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(3600)})
			return err
		}},
		{"get_caller_identity.xml", func(c *sts.Client, _ *fixture) error {
			_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}},
		{"get_federation_token.xml", func(c *sts.Client, _ *fixture) error {
			_, err := c.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("Bob"), DurationSeconds: aws.Int32(3600)})
			return err
		}},
		{"error_access_denied.xml", func(c *sts.Client, _ *fixture) error {
			_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleLock), RoleSessionName: aws.String("golden")})
			return err
		}},
		{"error_validation.xml", func(c *sts.Client, _ *fixture) error {
			_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("golden"), DurationSeconds: aws.Int32(60)})
			return err
		}},
		{"error_internal.xml", func(c *sts.Client, f *fixture) error {
			f.sim.FailNext("", 1, stssim.InternalFailure())
			_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			f := newFixture(t)
			rec := &recorder{}
			c := sts.New(sts.Options{
				BaseEndpoint:     aws.String(f.srv.URL),
				Region:           "us-east-1",
				Credentials:      credentials.NewStaticCredentialsProvider(devKey, devSecret, ""),
				RetryMaxAttempts: 1,
				HTTPClient:       rec,
			})
			_ = tt.call(c, f) // success or failure, the body is what is pinned
			rec.mu.Lock()
			body := normalize(rec.last)
			rec.mu.Unlock()
			golden(t, tt.golden, body)
		})
	}
}
