package stssim_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/switcher-cli/switcher/creds/stssim"
)

// Obviously fake keys and names used across the tests.
const (
	acct      = "123456789012"
	devKey    = "AKIAFAKEDEV0000TEST"
	devSecret = "fake/dev/secret/for/stssim/tests/000000"
	devARN    = "arn:aws:iam::123456789012:user/dev"
	devMFA    = "arn:aws:iam::123456789012:mfa/dev"
	opsKey    = "AKIAFAKEOPS0000TEST"
	opsSecret = "fake/ops/secret/for/stssim/tests/000000"
	roleA     = "arn:aws:iam::123456789012:role/A"
	roleB     = "arn:aws:iam::123456789012:role/B"
	roleAdmin = "arn:aws:iam::123456789012:role/Admin"
	roleVend  = "arn:aws:iam::210987654321:role/vendors/Vendor"
	roleLock  = "arn:aws:iam::123456789012:role/Locked"
	roleShort = "arn:aws:iam::123456789012:role/Short"
	vendorExt = "vendor-ext-123"
)

// fakeClock is a settable clock shared by the Sim and the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	sim   *stssim.Sim
	srv   *httptest.Server
	clock *fakeClock
}

// newFixture serves a Sim seeded with two users and a handful of roles.
func newFixture(t *testing.T, opts ...stssim.Option) *fixture {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	sim := stssim.New(append([]stssim.Option{stssim.WithClock(clock.Now)}, opts...)...)
	seed := []error{
		sim.AddUser(stssim.User{Name: "dev", AccessKeyID: devKey, SecretAccessKey: devSecret, MFASerial: devMFA}),
		sim.AddUser(stssim.User{Name: "ops", AccessKeyID: opsKey, SecretAccessKey: opsSecret}),
		sim.AddMFADevice(devMFA, "111111", "222222", "333333"),
		sim.AddRole(stssim.Role{ARN: roleA, Trust: []string{devARN}, MaxSessionDuration: 12 * time.Hour}),
		sim.AddRole(stssim.Role{ARN: roleB, Trust: []string{roleA}, MaxSessionDuration: 12 * time.Hour}),
		sim.AddRole(stssim.Role{ARN: roleAdmin, Trust: []string{devARN}, RequireMFA: true, MaxSessionDuration: 4 * time.Hour}),
		sim.AddRole(stssim.Role{ARN: roleVend, Trust: []string{"arn:aws:iam::123456789012:root"}, ExternalID: vendorExt}),
		sim.AddRole(stssim.Role{ARN: roleLock, Trust: []string{"arn:aws:iam::123456789012:user/someone-else"}}),
		sim.AddRole(stssim.Role{ARN: roleShort, Trust: []string{"*"}}),
	}
	if err := errors.Join(seed...); err != nil {
		t.Fatalf("seeding: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv, clock: clock}
}

// client is the real SDK client signing with c, without retries.
func (f *fixture) client(t *testing.T, c aws.Credentials) *sts.Client {
	t.Helper()
	return sts.New(sts.Options{
		BaseEndpoint:     aws.String(f.srv.URL),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		RetryMaxAttempts: 1,
	})
}

var devCreds = aws.Credentials{AccessKeyID: devKey, SecretAccessKey: devSecret}

func toCreds(c *types.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

// assume calls AssumeRole and fails the test on error.
func (f *fixture) assume(t *testing.T, c aws.Credentials, in *sts.AssumeRoleInput) aws.Credentials {
	t.Helper()
	out, err := f.client(t, c).AssumeRole(context.Background(), in)
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", aws.ToString(in.RoleArn), err)
	}
	return toCreds(out.Credentials)
}

// apiErr is what a failed call looked like on the wire.
type apiErr struct {
	Code    string
	Message string
	Status  int
}

func asAPIErr(t *testing.T, err error) apiErr {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded, want an error")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	got := apiErr{Code: ae.ErrorCode(), Message: ae.ErrorMessage()}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		got.Status = re.HTTPStatusCode()
	}
	return got
}
