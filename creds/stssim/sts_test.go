package stssim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds/stssim"
)

func denied(caller, role string) apiErr {
	return apiErr{Code: "AccessDenied", Status: 403, Message: "User: " + caller + " is not authorized to perform: sts:AssumeRole on resource: " + role}
}

func invalid(status int, msg string) apiErr {
	return apiErr{Code: "ValidationError", Status: status, Message: msg}
}

func TestAssumeRole(t *testing.T) {
	tests := []struct {
		name     string
		in       sts.AssumeRoleInput
		wantARN  string
		wantLife time.Duration
	}{
		{
			name:     "default duration is one hour",
			in:       sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("s1")},
			wantARN:  "arn:aws:sts::123456789012:assumed-role/A/s1",
			wantLife: time.Hour,
		},
		{
			name:     "long-term keys may ask up to the role maximum",
			in:       sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(43200)},
			wantARN:  "arn:aws:sts::123456789012:assumed-role/A/long",
			wantLife: 12 * time.Hour,
		},
		{
			name:     "cross-account role with path and external id, trusted through account root",
			in:       sts.AssumeRoleInput{RoleArn: aws.String(roleVend), RoleSessionName: aws.String("v@x.com"), ExternalId: aws.String(vendorExt), DurationSeconds: aws.Int32(900)},
			wantARN:  "arn:aws:sts::210987654321:assumed-role/Vendor/v@x.com",
			wantLife: 15 * time.Minute,
		},
		{
			name:     "MFA role with a code on the call",
			in:       sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("admin"), SerialNumber: aws.String(devMFA), TokenCode: aws.String("111111"), DurationSeconds: aws.Int32(4 * 3600)},
			wantARN:  "arn:aws:sts::123456789012:assumed-role/Admin/admin",
			wantLife: 4 * time.Hour,
		},
		{
			name:     "trust * admits anyone",
			in:       sts.AssumeRoleInput{RoleArn: aws.String(roleShort), RoleSessionName: aws.String("x=y,z.")},
			wantARN:  "arn:aws:sts::123456789012:assumed-role/Short/x=y,z.",
			wantLife: time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			out, err := f.client(t, devCreds).AssumeRole(context.Background(), &tt.in)
			if err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			u := out.AssumedRoleUser
			if diff := cmp.Diff(tt.wantARN, aws.ToString(u.Arn)); diff != "" {
				t.Errorf("Arn (-want +got):\n%s", diff)
			}
			id := aws.ToString(u.AssumedRoleId)
			if !strings.HasPrefix(id, "AROA") || !strings.HasSuffix(id, ":"+aws.ToString(tt.in.RoleSessionName)) {
				t.Errorf("AssumedRoleId = %q, want AROA…:%s", id, aws.ToString(tt.in.RoleSessionName))
			}
			c := out.Credentials
			if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" {
				t.Errorf("credentials incomplete: key %q", aws.ToString(c.AccessKeyId))
			}
			if diff := cmp.Diff(f.clock.Now().Add(tt.wantLife), aws.ToTime(c.Expiration)); diff != "" {
				t.Errorf("Expiration (-want +got):\n%s", diff)
			}
			if got, want := aws.ToInt32(out.SessionTokenSize), int32(len(aws.ToString(c.SessionToken))); got != want {
				t.Errorf("SessionTokenSize = %d, want the token's length %d", got, want)
			}
			// The new keys work and identify the session.
			who, err := f.client(t, toCreds(c)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("GetCallerIdentity with the new keys: %v", err)
			}
			if diff := cmp.Diff(tt.wantARN, aws.ToString(who.Arn)); diff != "" {
				t.Errorf("caller Arn (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	opsARN := "arn:aws:iam::123456789012:user/ops"
	tests := []struct {
		name  string
		creds aws.Credentials
		in    sts.AssumeRoleInput
		want  apiErr
	}{
		{
			name: "unknown role is denied like an untrusted one",
			in:   sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/Nope"), RoleSessionName: aws.String("s1")},
			want: denied(devARN, "arn:aws:iam::123456789012:role/Nope"),
		},
		{
			name: "trust list does not name the caller",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleLock), RoleSessionName: aws.String("s1")},
			want: denied(devARN, roleLock),
		},
		{
			name:  "a role trusting another role refuses a user",
			creds: aws.Credentials{AccessKeyID: opsKey, SecretAccessKey: opsSecret},
			in:    sts.AssumeRoleInput{RoleArn: aws.String(roleB), RoleSessionName: aws.String("s1")},
			want:  denied(opsARN, roleB),
		},
		{
			name: "MFA-required role without a code",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("s1")},
			want: denied(devARN, roleAdmin),
		},
		{
			name: "external id missing",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleVend), RoleSessionName: aws.String("s1")},
			want: denied(devARN, roleVend),
		},
		{
			name: "external id wrong",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleVend), RoleSessionName: aws.String("s1"), ExternalId: aws.String("vendor-ext-999")},
			want: denied(devARN, roleVend),
		},
		{
			name: "duration below 900",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)},
			want: invalid(400, "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"),
		},
		{
			name: "duration above 12 hours",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43201)},
			want: invalid(400, "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"),
		},
		{
			name: "duration above the role's MaxSessionDuration",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleShort), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(3601)},
			want: invalid(400, stssim.MsgMaxSession),
		},
		{
			name: "session name too short",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("s")},
			want: invalid(400, "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"),
		},
		{
			name: "session name too long",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String(strings.Repeat("n", 65))},
			want: invalid(400, "1 validation error detected: Value '"+strings.Repeat("n", 65)+"' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"),
		},
		{
			name: "session name with a space",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("my session")},
			want: invalid(400, `1 validation error detected: Value 'my session' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`),
		},
		{
			name: "two violations are reported together",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("my session"), DurationSeconds: aws.Int32(60)},
			want: invalid(400, `2 validation errors detected: Value 'my session' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*; `+
				`Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`),
		},
		{
			name: "external id syntax",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleVend), RoleSessionName: aws.String("s1"), ExternalId: aws.String("no spaces")},
			want: invalid(400, `1 validation error detected: Value 'no spaces' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@:/-]*`),
		},
		{
			name: "external id too short",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleVend), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x")},
			want: invalid(400, `1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2`),
		},
		{
			name: "token code shape, the code itself not echoed",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("s1"), SerialNumber: aws.String(devMFA), TokenCode: aws.String("12a45")},
			want: invalid(400, `2 validation errors detected: Value '*****' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6; `+
				`Value '*****' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\d]*`),
		},
		{
			name: "serial without a code",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("s1"), SerialNumber: aws.String(devMFA)},
			want: apiErr{Code: "AccessDenied", Status: 403, Message: stssim.MsgMFABothRequired},
		},
		{
			name: "wrong code",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("s1"), SerialNumber: aws.String(devMFA), TokenCode: aws.String("999999")},
			want: apiErr{Code: "AccessDenied", Status: 403, Message: stssim.MsgMFAInvalidCode},
		},
		{
			name: "unknown MFA device",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("s1"), SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/nobody"), TokenCode: aws.String("111111")},
			want: apiErr{Code: "AccessDenied", Status: 403, Message: stssim.MsgMFAUnknownDevice},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c := tt.creds
			if c.AccessKeyID == "" {
				c = devCreds
			}
			_, err := f.client(t, c).AssumeRole(context.Background(), &tt.in)
			if diff := cmp.Diff(tt.want, asAPIErr(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoleChaining(t *testing.T) {
	f := newFixture(t)
	a := f.assume(t, devCreds, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("hop1"), DurationSeconds: aws.Int32(7200)})

	tests := []struct {
		name     string
		duration *int32
		wantErr  *apiErr
	}{
		{name: "two hours is refused", duration: aws.Int32(7200), wantErr: &apiErr{Code: "ValidationError", Status: 400, Message: stssim.MsgChainingLimit}},
		{name: "one second over the hour is refused", duration: aws.Int32(3601), wantErr: &apiErr{Code: "ValidationError", Status: 400, Message: stssim.MsgChainingLimit}},
		{name: "one hour works", duration: aws.Int32(3600)},
		{name: "the default works", duration: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.client(t, a).AssumeRole(context.Background(), &sts.AssumeRoleInput{
				RoleArn: aws.String(roleB), RoleSessionName: aws.String("hop2"), DurationSeconds: tt.duration,
			})
			if tt.wantErr != nil {
				if diff := cmp.Diff(*tt.wantErr, asAPIErr(t, err)); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("AssumeRole B: %v", err)
			}
			if diff := cmp.Diff("arn:aws:sts::123456789012:assumed-role/B/hop2", aws.ToString(out.AssumedRoleUser.Arn)); diff != "" {
				t.Errorf("Arn (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("B's trust names role A, not the user", func(t *testing.T) {
		_, err := f.client(t, devCreds).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleB), RoleSessionName: aws.String("direct")})
		if diff := cmp.Diff(denied(devARN, roleB), asAPIErr(t, err)); diff != "" {
			t.Errorf("error (-want +got):\n%s", diff)
		}
	})
}

func TestMFASession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	gst, err := f.client(t, devCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber: aws.String(devMFA), TokenCode: aws.String("111111"),
	})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	mfaSession := toCreds(gst.Credentials)
	if diff := cmp.Diff(f.clock.Now().Add(12*time.Hour), aws.ToTime(gst.Credentials.Expiration)); diff != "" {
		t.Errorf("default GetSessionToken lifetime (-want +got):\n%s", diff)
	}

	// The MFA session assumes the MFA role without a code, any number of times.
	for _, name := range []string{"first", "second"} {
		admin := f.assume(t, mfaSession, &sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String(name)})
		info, ok := f.sim.Session(admin.AccessKeyID)
		if !ok || !info.MFAAuthenticated || info.RoleARN != roleAdmin {
			t.Errorf("session %s = %+v, want an MFA-authenticated Admin session", name, info)
		}
	}
	// It is temporary, so its AssumeRole calls are capped at an hour.
	_, err = f.client(t, mfaSession).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(7200)})
	if diff := cmp.Diff(apiErr{Code: "ValidationError", Status: 400, Message: stssim.MsgChainingLimit}, asAPIErr(t, err)); diff != "" {
		t.Errorf("chained 2h (-want +got):\n%s", diff)
	}
	// Its identity is the user's.
	who, err := f.client(t, mfaSession).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if diff := cmp.Diff(devARN, aws.ToString(who.Arn)); diff != "" {
		t.Errorf("Arn (-want +got):\n%s", diff)
	}
	// MFA context flows through a chained hop.
	a := f.assume(t, mfaSession, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("viaA")})
	if info, _ := f.sim.Session(a.AccessKeyID); !info.MFAAuthenticated {
		t.Errorf("role A session from an MFA session is not MFA-authenticated")
	}

	// A session without MFA does not open the MFA role.
	plain, err := f.client(t, devCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatalf("GetSessionToken without MFA: %v", err)
	}
	_, err = f.client(t, toCreds(plain.Credentials)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("nomfa")})
	if diff := cmp.Diff(denied(devARN, roleAdmin), asAPIErr(t, err)); diff != "" {
		t.Errorf("no-MFA session (-want +got):\n%s", diff)
	}
}

func TestMFACodes(t *testing.T) {
	reused := apiErr{Code: "AccessDenied", Status: 403, Message: stssim.MsgMFAInvalidCode}
	ctx := context.Background()

	t.Run("a code works once", func(t *testing.T) {
		f := newFixture(t)
		gst := &sts.GetSessionTokenInput{SerialNumber: aws.String(devMFA), TokenCode: aws.String("222222")}
		if _, err := f.client(t, devCreds).GetSessionToken(ctx, gst); err != nil {
			t.Fatalf("first use: %v", err)
		}
		_, err := f.client(t, devCreds).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleAdmin), RoleSessionName: aws.String("again"), SerialNumber: aws.String(devMFA), TokenCode: aws.String("222222")})
		if diff := cmp.Diff(reused, asAPIErr(t, err)); diff != "" {
			t.Errorf("reuse (-want +got):\n%s", diff)
		}
	})

	t.Run("CurrentCode is stable until used, then fresh", func(t *testing.T) {
		f := newFixture(t)
		first, ok := f.sim.CurrentCode(devMFA)
		again, _ := f.sim.CurrentCode(devMFA)
		if !ok || first != again || len(first) != 6 {
			t.Fatalf("CurrentCode = %q, %q, %v; want the same six digits twice", first, again, ok)
		}
		if _, err := f.client(t, devCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(devMFA), TokenCode: aws.String(first)}); err != nil {
			t.Fatalf("current code refused: %v", err)
		}
		_, err := f.client(t, devCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(devMFA), TokenCode: aws.String(first)})
		if diff := cmp.Diff(reused, asAPIErr(t, err)); diff != "" {
			t.Errorf("reuse (-want +got):\n%s", diff)
		}
		next, _ := f.sim.CurrentCode(devMFA)
		if next == first {
			t.Errorf("CurrentCode after use = the used code")
		}
	})

	t.Run("CurrentCode expires with the clock", func(t *testing.T) {
		f := newFixture(t)
		code, _ := f.sim.CurrentCode(devMFA)
		f.clock.Advance(2 * time.Minute)
		_, err := f.client(t, devCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(devMFA), TokenCode: aws.String(code)})
		if diff := cmp.Diff(reused, asAPIErr(t, err)); diff != "" {
			t.Errorf("stale code (-want +got):\n%s", diff)
		}
		if _, ok := f.sim.CurrentCode("arn:aws:iam::123456789012:mfa/nobody"); ok {
			t.Errorf("CurrentCode of an unknown device reported ok")
		}
	})

	t.Run("another user's device is refused", func(t *testing.T) {
		f := newFixture(t)
		if err := f.sim.AddMFADevice("arn:aws:iam::123456789012:mfa/ops", "444444"); err != nil {
			t.Fatal(err)
		}
		_, err := f.client(t, devCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/ops"), TokenCode: aws.String("444444")})
		if diff := cmp.Diff(apiErr{Code: "AccessDenied", Status: 403, Message: stssim.MsgMFAUnknownDevice}, asAPIErr(t, err)); diff != "" {
			t.Errorf("error (-want +got):\n%s", diff)
		}
	})
}

func TestGetSessionToken(t *testing.T) {
	tests := []struct {
		name     string
		duration *int32
		wantLife time.Duration
		wantErr  *apiErr
	}{
		{name: "default 12 hours", wantLife: 12 * time.Hour},
		{name: "minimum", duration: aws.Int32(900), wantLife: 15 * time.Minute},
		{name: "maximum 36 hours", duration: aws.Int32(129600), wantLife: 36 * time.Hour},
		{name: "below minimum", duration: aws.Int32(899), wantErr: &apiErr{Code: "ValidationError", Status: 400,
			Message: "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"}},
		{name: "above maximum", duration: aws.Int32(129601), wantErr: &apiErr{Code: "ValidationError", Status: 400,
			Message: "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			out, err := f.client(t, devCreds).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{DurationSeconds: tt.duration})
			if tt.wantErr != nil {
				if diff := cmp.Diff(*tt.wantErr, asAPIErr(t, err)); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetSessionToken: %v", err)
			}
			if diff := cmp.Diff(f.clock.Now().Add(tt.wantLife), aws.ToTime(out.Credentials.Expiration)); diff != "" {
				t.Errorf("Expiration (-want +got):\n%s", diff)
			}
			info, _ := f.sim.Session(aws.ToString(out.Credentials.AccessKeyId))
			if !info.Temporary || info.MFAAuthenticated || info.IssuedBy != "GetSessionToken" {
				t.Errorf("session = %+v", info)
			}
		})
	}

	t.Run("session credentials cannot call it", func(t *testing.T) {
		f := newFixture(t)
		for _, src := range []struct {
			name  string
			creds aws.Credentials
		}{
			{"role session", f.assume(t, devCreds, &sts.AssumeRoleInput{RoleArn: aws.String(roleA), RoleSessionName: aws.String("s1")})},
		} {
			_, err := f.client(t, src.creds).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
			if diff := cmp.Diff(apiErr{Code: "AccessDenied", Status: 403, Message: stssim.MsgGSTWithSession}, asAPIErr(t, err)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", src.name, diff)
			}
		}
	})
}

func TestGetCallerIdentity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	role := f.assume(t, devCreds, &sts.AssumeRoleInput{RoleArn: aws.String(roleVend), RoleSessionName: aws.String("who"), ExternalId: aws.String(vendorExt)})
	gst, err := f.client(t, devCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	fed, err := f.client(t, devCreds).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("Bob")})
	if err != nil {
		t.Fatal(err)
	}
	devID, _ := f.sim.Session(devKey)
	roleID, _ := f.sim.Session(role.AccessKeyID)

	type identity struct{ Account, Arn, UserID string }
	tests := []struct {
		name  string
		creds aws.Credentials
		want  identity
	}{
		{"user keys", devCreds, identity{acct, devARN, devID.UserID}},
		{"role session in another account", role, identity{"210987654321", "arn:aws:sts::210987654321:assumed-role/Vendor/who", roleID.UserID}},
		{"GetSessionToken session is the user", toCreds(gst.Credentials), identity{acct, devARN, devID.UserID}},
		{"federated user", toCreds(fed.Credentials), identity{acct, "arn:aws:sts::123456789012:federated-user/Bob", "123456789012:Bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.client(t, tt.creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("GetCallerIdentity: %v", err)
			}
			got := identity{aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId)}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
	if !strings.HasPrefix(devID.UserID, "AIDA") || !strings.HasPrefix(roleID.UserID, "AROA") || !strings.HasSuffix(roleID.UserID, ":who") {
		t.Errorf("unique ids %q, %q do not look like AWS's", devID.UserID, roleID.UserID)
	}
}

func TestGetFederationToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.client(t, devCreds).GetFederationToken(ctx, &sts.GetFederationTokenInput{
		Name: aws.String("Bob"), DurationSeconds: aws.Int32(3600), Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`),
	})
	if err != nil {
		t.Fatalf("GetFederationToken: %v", err)
	}
	want := types.FederatedUser{Arn: aws.String("arn:aws:sts::123456789012:federated-user/Bob"), FederatedUserId: aws.String("123456789012:Bob")}
	if diff := cmp.Diff(want, *out.FederatedUser, cmp.AllowUnexported(types.FederatedUser{})); diff != "" {
		t.Errorf("FederatedUser (-want +got):\n%s", diff)
	}
	if got, want := aws.ToInt32(out.SessionTokenSize), int32(len(aws.ToString(out.Credentials.SessionToken))); got != want {
		t.Errorf("SessionTokenSize = %d, want the token's length %d", got, want)
	}
	if diff := cmp.Diff(f.clock.Now().Add(time.Hour), aws.ToTime(out.Credentials.Expiration)); diff != "" {
		t.Errorf("Expiration (-want +got):\n%s", diff)
	}
	fed := toCreds(out.Credentials)

	tests := []struct {
		name  string
		creds aws.Credentials
		call  func(*sts.Client) error
		want  apiErr
	}{
		{
			name:  "name too short",
			creds: devCreds,
			call: func(c *sts.Client) error {
				_, err := c.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("B")})
				return err
			},
			want: invalid(400, "1 validation error detected: Value 'B' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2"),
		},
		{
			name:  "session credentials cannot call it",
			creds: fed,
			call: func(c *sts.Client) error {
				_, err := c.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("Eve")})
				return err
			},
			want: apiErr{Code: "AccessDenied", Status: 403, Message: stssim.MsgGFTWithSession},
		},
		{
			name:  "a federated user cannot assume roles",
			creds: fed,
			call: func(c *sts.Client) error {
				_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleShort), RoleSessionName: aws.String("fed")})
				return err
			},
			want: denied("arn:aws:sts::123456789012:federated-user/Bob", roleShort),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, asAPIErr(t, tt.call(f.client(t, tt.creds)))); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTagsAndSourceIdentity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.client(t, devCreds).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleA), RoleSessionName: aws.String("tagged"), SourceIdentity: aws.String("dev@example.com"),
		Tags:              []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}, {Key: aws.String("ticket"), Value: aws.String("OPS-1")}},
		TransitiveTagKeys: []string{"team"},
	})
	if err != nil {
		t.Fatalf("AssumeRole with tags: %v", err)
	}
	if got := aws.ToString(out.SourceIdentity); got != "dev@example.com" {
		t.Errorf("SourceIdentity = %q, want it echoed", got)
	}
	a := toCreds(out.Credentials)

	b := f.assume(t, a, &sts.AssumeRoleInput{RoleArn: aws.String(roleB), RoleSessionName: aws.String("hop2")})
	got, _ := f.sim.Session(b.AccessKeyID)
	want := stssim.SessionInfo{Tags: []stssim.Tag{{Key: "team", Value: "core"}}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "dev@example.com"}
	if diff := cmp.Diff(want, stssim.SessionInfo{Tags: got.Tags, TransitiveTagKeys: got.TransitiveTagKeys, SourceIdentity: got.SourceIdentity}); diff != "" {
		t.Errorf("chained session (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		in   sts.AssumeRoleInput
		want apiErr
	}{
		{
			name: "a transitive tag cannot be overridden",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleB), RoleSessionName: aws.String("hop2"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("other")}}},
			want: apiErr{Code: "AccessDenied", Status: 403, Message: `Cannot override transitive tag key "team" set by the calling session`},
		},
		{
			name: "source identity cannot change",
			in:   sts.AssumeRoleInput{RoleArn: aws.String(roleB), RoleSessionName: aws.String("hop2"), SourceIdentity: aws.String("someone-else")},
			want: apiErr{Code: "AccessDenied", Status: 403, Message: "Source identity cannot be changed once set: dev@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.client(t, a).AssumeRole(ctx, &tt.in)
			if diff := cmp.Diff(tt.want, asAPIErr(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMinimumSessionTokenSize(t *testing.T) {
	tests := []struct {
		name     string
		min      *int32
		wantSize int
		wantErr  *apiErr
	}{
		{name: "default", wantSize: 420},
		{name: "padded", min: aws.Int32(2000), wantSize: 2000},
		{name: "the maximum", min: aws.Int32(4096), wantSize: 4096},
		{name: "above the maximum", min: aws.Int32(4097), wantErr: &apiErr{Code: "ValidationError", Status: 400,
			Message: "1 validation error detected: Value '4097' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must have value less than or equal to 4096"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			out, err := f.client(t, devCreds).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{MinimumSessionTokenSize: tt.min})
			if tt.wantErr != nil {
				if diff := cmp.Diff(*tt.wantErr, asAPIErr(t, err)); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []int{len(aws.ToString(out.Credentials.SessionToken)), int(aws.ToInt32(out.SessionTokenSize)), int(aws.ToInt32(out.SessionTokenUtilization))}
			if diff := cmp.Diff([]int{tt.wantSize, tt.wantSize, tt.wantSize * 100 / 4096}, got); diff != "" {
				t.Errorf("token length, SessionTokenSize, SessionTokenUtilization (-want +got):\n%s", diff)
			}
			// A padded token still authenticates.
			if _, err := f.client(t, toCreds(out.Credentials)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
				t.Errorf("GetCallerIdentity with the token: %v", err)
			}
		})
	}
}

func TestSeedErrors(t *testing.T) {
	sim := stssim.New()
	tests := []struct {
		name string
		err  error
	}{
		{"role ARN", sim.AddRole(stssim.Role{ARN: "arn:aws:iam::123:role/x"})},
		{"role ARN of a user", sim.AddRole(stssim.Role{ARN: devARN})},
		{"MaxSessionDuration above 12h", sim.AddRole(stssim.Role{ARN: roleA, MaxSessionDuration: 13 * time.Hour})},
		{"MaxSessionDuration below 1h", sim.AddRole(stssim.Role{ARN: roleA, MaxSessionDuration: 30 * time.Minute})},
		{"external id syntax", sim.AddRole(stssim.Role{ARN: roleA, ExternalID: "has space"})},
		{"user name", sim.AddUser(stssim.User{Name: "a b", AccessKeyID: devKey, SecretAccessKey: devSecret})},
		{"user key", sim.AddUser(stssim.User{Name: "dev", AccessKeyID: "short", SecretAccessKey: devSecret})},
		{"user without secret", sim.AddUser(stssim.User{Name: "dev", AccessKeyID: devKey})},
		{"MFA code", sim.AddMFADevice(devMFA, "12345")},
		{"MFA serial", sim.AddMFADevice("short")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, stssim.ErrInvalidSeed) {
				t.Errorf("error = %v, want ErrInvalidSeed", tt.err)
			}
		})
	}
	t.Run("duplicate access key", func(t *testing.T) {
		sim := stssim.New()
		if err := sim.AddUser(stssim.User{Name: "dev", AccessKeyID: devKey, SecretAccessKey: devSecret}); err != nil {
			t.Fatal(err)
		}
		if err := sim.AddUser(stssim.User{Name: "dev2", AccessKeyID: devKey, SecretAccessKey: devSecret}); !errors.Is(err, stssim.ErrInvalidSeed) {
			t.Errorf("error = %v, want ErrInvalidSeed", err)
		}
	})
}
