package creds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/profiles"
)

func TestClassifyError(t *testing.T) {
	rolePos := profiles.Pos{File: "config", Line: 12}
	serialPos := profiles.Pos{File: "config", Line: 14}
	durPos := profiles.Pos{File: "config", Line: 13}
	keyPos := profiles.Pos{File: "credentials", Line: 2}
	secretPos := profiles.Pos{File: "credentials", Line: 3}
	tokenPos := profiles.Pos{File: "credentials", Line: 4}
	base := stepContext{
		Profile: "prod", Hop: 1, Hops: 2,
		Step:       profiles.Step{Kind: profiles.StepAssumeRole, Hop: 1, RoleARN: "arn:aws:iam::222222222222:role/admin"},
		RoleARNPos: rolePos, MFASerialPos: serialPos, DurationPos: durPos,
		KeyIDPos: keyPos, SecretPos: secretPos, SessionTokenPos: tokenPos, ChainSigned: true, SourceKind: profiles.SourceStatic, SourceProfile: "dev",
		Endpoint: "http://127.0.0.1:1", Duration: 7200,
	}
	first := base
	first.Hop = 0
	first.Step.Hop = 0
	first.ChainSigned = false
	mfaCall := base
	mfaCall.MFA = true
	mfaCall.Code = "123456"
	api := func(code, msg string) error {
		return fmt.Errorf("operation error STS: AssumeRole, %w", &smithy.GenericAPIError{Code: code, Message: msg})
	}
	type want struct {
		Kind     ErrKind
		Caller   string
		Key      string
		Pos      profiles.Pos
		Contains []string
	}
	tests := []struct {
		name string
		sc   stepContext
		err  error
		want want
	}{
		{"access denied names caller and trust policy", base,
			api("AccessDenied", "User: arn:aws:iam::111111111111:user/dev is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/admin"),
			want{KindAccessDenied, "arn:aws:iam::111111111111:user/dev", "role_arn", rolePos,
				[]string{"profile prod, hop 2 of 2", "identity policy", "trust policy", "mfa_serial", "external_id", "config:12"}}},
		{"mfa invalid code", mfaCall,
			api("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."),
			want{KindMFA, "", "mfa_serial", serialPos, []string{"next code", "config:14"}}},
		{"chaining limit", base,
			api("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."),
			want{KindChaining, "", "duration_seconds", durPos, []string{"3600", "MFA directly", "config:13"}}},
		{"max session duration", base,
			api("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
			want{KindMaxDuration, "", "duration_seconds", durPos, []string{"MaxSessionDuration", "7200", "config:13"}}},
		{"expired source token", first,
			api("ExpiredToken", "The security token included in the request is expired"),
			want{KindExpiredToken, "", "aws_session_token", tokenPos, []string{"profile dev have expired", "credentials:4"}}},
		{"expired chain session", base,
			api("ExpiredToken", "The security token included in the request is expired"),
			want{KindExpiredToken, "", "", profiles.Pos{}, []string{"session signing this call", "switcher clean"}}},
		{"unknown key", first,
			api("InvalidClientTokenId", "The security token included in the request is invalid."),
			want{KindInvalidKey, "", "aws_access_key_id", keyPos, []string{"profile dev", "deactivated", "credentials:2"}}},
		{"signature", first,
			api("SignatureDoesNotMatch", "The request signature we calculated does not match, key AKIAABCDEFGHIJKL1234"),
			want{KindSignature, "", "aws_secret_access_key", secretPos, []string{"secret", "clock", "credentials:3", "…1234"}}},
		{"throttled", base, api("Throttling", "Rate exceeded"),
			want{KindThrottled, "", "", profiles.Pos{}, []string{"throttling", "try again"}}},
		{"connection refused", base,
			fmt.Errorf("send request: %w", &net.OpError{Op: "dial", Net: "tcp", Err: &osSyscallError{syscall.ECONNREFUSED}}),
			want{KindNetwork, "", "", profiles.Pos{}, []string{"http://127.0.0.1:1", "endpoint URL", "proxy"}}},
		{"timeout", base, fmt.Errorf("send: %w", context.DeadlineExceeded),
			want{KindNetwork, "", "", profiles.Pos{}, []string{"did not answer in time"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classifyError(context.Background(), tt.sc, tt.err)
			var se *STSError
			if !errors.As(err, &se) {
				t.Fatalf("classifyError = %T %v, want *STSError", err, err)
			}
			got := want{se.Kind, se.Caller, se.Key, se.Pos, nil}
			if diff := cmp.Diff(want{tt.want.Kind, tt.want.Caller, tt.want.Key, tt.want.Pos, nil}, got); diff != "" {
				t.Errorf("classification (-want +got):\n%s", diff)
			}
			msg := err.Error()
			for _, s := range tt.want.Contains {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q lacks %q", msg, s)
				}
			}
			for _, secret := range []string{"123456", "AKIAABCDEFGHIJKL1234"} {
				if strings.Contains(msg, secret) {
					t.Errorf("message %q leaks %q", msg, secret)
				}
			}
			if msg != strings.ToLower(msg[:1])+msg[1:] {
				t.Errorf("message %q should start lower-case", msg)
			}
			if !errors.Is(err, tt.err) && errors.Unwrap(err) == nil {
				t.Errorf("error does not wrap the SDK error")
			}
		})
	}
}

// osSyscallError mimics os.SyscallError's Unwrap to a syscall.Errno.
type osSyscallError struct{ errno syscall.Errno }

func (e *osSyscallError) Error() string { return "connect: " + e.errno.Error() }
func (e *osSyscallError) Unwrap() error { return e.errno }

func TestClassifyErrorKeepsCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := classifyError(ctx, stepContext{}, fmt.Errorf("send: %w", context.Canceled))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var se *STSError
	if errors.As(err, &se) {
		t.Errorf("a cancelled call is not an STS error: %v", err)
	}
}
