package stssim_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds/stssim"
)

func TestFaults(t *testing.T) {
	tests := []struct {
		name          string
		fault         stssim.Fault
		want          apiErr
		wantThrottle  bool
		wantRetryable bool
	}{
		{
			name:          "throttling",
			fault:         stssim.Throttling(),
			want:          apiErr{Code: "Throttling", Status: 400, Message: "Rate exceeded"},
			wantThrottle:  true,
			wantRetryable: true,
		},
		{
			name:          "internal failure",
			fault:         stssim.InternalFailure(),
			want:          apiErr{Code: "InternalFailure", Status: 500, Message: stssim.MsgInternalFailure},
			wantRetryable: true,
		},
		{
			name:  "any fault shape",
			fault: stssim.Fault{Status: 403, Code: "AccessDenied", Message: "injected"},
			want:  apiErr{Code: "AccessDenied", Status: 403, Message: "injected"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.sim.FailNext("GetCallerIdentity", 1, tt.fault)
			c := f.client(t, devCreds)
			ctx := context.Background()

			// Another action is not affected.
			if _, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); err != nil {
				t.Fatalf("GetSessionToken: %v", err)
			}
			_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if diff := cmp.Diff(tt.want, asAPIErr(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got := retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary; got != tt.wantRetryable {
				t.Errorf("SDK retryable = %v, want %v", got, tt.wantRetryable)
			}
			if got := retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary; got != tt.wantThrottle {
				t.Errorf("SDK throttle = %v, want %v", got, tt.wantThrottle)
			}
			// Only n requests fail.
			if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				t.Errorf("after the fault: %v", err)
			}
		})
	}
}

// retryingClient retries like production but without waiting between tries.
func (f *fixture) retryingClient(t *testing.T, c aws.Credentials, attempts int) *sts.Client {
	t.Helper()
	return sts.New(sts.Options{
		BaseEndpoint: aws.String(f.srv.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
}

func TestRetriesRecover(t *testing.T) {
	tests := []struct {
		name      string
		faults    []stssim.Fault
		attempts  int
		wantCalls int
		wantErr   bool
	}{
		{name: "two 500s then success", faults: []stssim.Fault{stssim.InternalFailure(), stssim.InternalFailure()}, attempts: 3, wantCalls: 3},
		{name: "throttled then success", faults: []stssim.Fault{stssim.Throttling()}, attempts: 3, wantCalls: 2},
		{name: "more faults than attempts", faults: []stssim.Fault{stssim.Throttling(), stssim.Throttling(), stssim.InternalFailure()}, attempts: 3, wantCalls: 3, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for _, fault := range tt.faults {
				f.sim.FailNext("", 1, fault)
			}
			_, err := f.retryingClient(t, devCreds, tt.attempts).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("retry")})
			if (err != nil) != tt.wantErr {
				t.Fatalf("AssumeRole error = %v, want error %v", err, tt.wantErr)
			}
			if got := f.sim.Calls("AssumeRole"); got != tt.wantCalls {
				t.Errorf("Calls(AssumeRole) = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestSlowResponse(t *testing.T) {
	t.Run("the client gives up, the Sim lets go", func(t *testing.T) {
		f := newFixture(t)
		f.sim.FailNext("GetCallerIdentity", 1, stssim.Slow(time.Minute))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := f.client(t, devCreds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want context.DeadlineExceeded", err)
		}
		// Close waits for running handlers: the slow one must return on the
		// cancelled request instead of sleeping out its minute.
		closed := make(chan struct{})
		go func() { f.srv.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow handler ignored the cancelled request")
		}
	})

	t.Run("a short delay then a normal answer", func(t *testing.T) {
		f := newFixture(t)
		f.sim.FailNext("GetCallerIdentity", 1, stssim.Slow(10*time.Millisecond))
		out, err := f.client(t, devCreds).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(out.Arn) != devARN {
			t.Errorf("GetCallerIdentity = %v, %v; want %s", out, err, devARN)
		}
	})

	t.Run("a delay before a fault", func(t *testing.T) {
		f := newFixture(t)
		fault := stssim.Throttling()
		fault.Delay = 10 * time.Millisecond
		f.sim.FailNext("GetCallerIdentity", 1, fault)
		_, err := f.client(t, devCreds).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if got := asAPIErr(t, err).Code; got != "Throttling" {
			t.Errorf("code = %s, want Throttling", got)
		}
	})
}

func TestCallsConcurrent(t *testing.T) {
	f := newFixture(t)
	const n = 20
	var wg sync.WaitGroup
	keys := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			c := f.client(t, devCreds)
			out, err := c.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("parallel")})
			if err != nil {
				errs[i] = err
				return
			}
			keys[i] = aws.ToString(out.Credentials.AccessKeyId)
			_, errs[i] = f.client(t, toCreds(out.Credentials)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("parallel calls: %v", err)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct keys issued, want %d", len(seen), n)
	}

	counts := map[string]int{
		"AssumeRole":        f.sim.Calls("AssumeRole"),
		"GetCallerIdentity": f.sim.Calls("GetCallerIdentity"),
		"GetSessionToken":   f.sim.Calls("GetSessionToken"),
		"":                  f.sim.Calls(""),
	}
	want := map[string]int{"AssumeRole": n, "GetCallerIdentity": n, "GetSessionToken": 0, "": 2 * n}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
	f.sim.ResetCalls()
	if got := f.sim.Calls(""); got != 0 {
		t.Errorf("Calls after ResetCalls = %d", got)
	}
}
