package integration

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// TestMotoSpeaksSTS pins what the other tests rely on: the launcher's
// fixtures, auth being on, and auth errors in real STS's shape (moto's own
// shape makes the SDK report UnknownError).
func TestMotoSpeaksSTS(t *testing.T) {
	s := need(t)
	dev := s.moto.Keys["dev"]
	tests := []struct {
		name     string
		key      accessKey
		role     string
		wantCode string // "" for success
	}{
		{name: "trusted role", key: dev, role: "deploy"},
		{name: "trust policy denies", key: dev, role: "untrusted", wantCode: "AccessDenied"},
		{name: "unknown key", key: accessKey{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "fake"}, role: "deploy", wantCode: "InvalidClientTokenId"},
		{name: "wrong secret", key: accessKey{AccessKeyID: dev.AccessKeyID, SecretAccessKey: "wrong"}, role: "deploy", wantCode: "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := sts.New(sts.Options{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(s.moto.Endpoint),
				Credentials:  credentials.NewStaticCredentialsProvider(tt.key.AccessKeyID, tt.key.SecretAccessKey, ""),
			})
			out, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
				RoleArn:         aws.String(roleARN(tt.role)),
				RoleSessionName: aws.String(sessionName),
			})
			var gotCode string
			var apiErr smithy.APIError
			switch {
			case errors.As(err, &apiErr):
				gotCode = apiErr.ErrorCode()
			case err != nil:
				t.Fatalf("AssumeRole: %v", err)
			}
			if diff := cmp.Diff(tt.wantCode, gotCode); diff != "" {
				t.Fatalf("error code (-want +got):\n%s\nerr: %v", diff, err)
			}
			if err == nil {
				if diff := cmp.Diff(assumedARN(tt.role, sessionName), aws.ToString(out.AssumedRoleUser.Arn)); diff != "" {
					t.Errorf("assumed role ARN (-want +got):\n%s", diff)
				}
			}
		})
	}
}
