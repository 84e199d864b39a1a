package creds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	smithy "github.com/aws/smithy-go"
)

// IAMEndpoint is where IAM calls go: AWS_ENDPOINT_URL_IAM, else
// AWS_ENDPOINT_URL (as the SDKs read them), else "" for the SDK's default.
func IAMEndpoint(getenv func(string) string) string {
	for _, k := range []string{"AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// Rotation replaces a profile's long-term access key: IAM CreateAccessKey,
// the new key checked with GetCallerIdentity until IAM has propagated it
// (bounded), stored, then DeleteAccessKey of the old one. On any failure
// the error says which key is live, and the keyring holds a working key:
// the old one until the new one is stored, the new one after.
type Rotation struct {
	Profile string
	Old     Credentials // the keys in the keyring now
	// Signer signs the IAM calls: Old, or an MFA session of them when the
	// profile has mfa_serial (IAM refuses a session without MFA).
	Signer Credentials
	IAM    IAMClient
	// Verify asks STS who c is (Engine.CallerIdentity).
	Verify func(ctx context.Context, c Credentials) (Identity, error)
	// Store puts the new keys in the keyring (and the key index).
	Store func(ctx context.Context, c Credentials) error
	// Propagation bounds the wait for IAM to accept the new key; 0: a
	// minute. Poll is the pause between tries; 0: two seconds.
	Propagation time.Duration
	Poll        time.Duration
	Debugf      func(format string, args ...any)
}

// RotateError is a rotation that stopped, and the state it left.
type RotateError struct {
	Profile string
	Stage   string // create, verify, store, delete
	Live    string // which key works now, in words
	Err     error
	Fix     string
}

func (e *RotateError) Error() string {
	s := fmt.Sprintf("profile %s: rotating the access key: %s failed: %v; %s", e.Profile, e.Stage, e.Err, e.Live)
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

func (e *RotateError) Unwrap() error { return e.Err }

func (r Rotation) debugf(format string, args ...any) {
	if r.Debugf != nil {
		r.Debugf(format, args...)
	}
}

// Run rotates and returns the new keys' identity.
func (r Rotation) Run(ctx context.Context) (Credentials, Identity, error) {
	oldKey := "the old key …" + KeyIDSuffix(r.Old.AccessKeyID)
	out, err := r.IAM.CreateAccessKey(ctx)
	if err != nil {
		return Credentials{}, Identity{}, &RotateError{Profile: r.Profile, Stage: "CreateAccessKey", Err: explainIAM(err),
			Live: oldKey + " is unchanged, in the keyring and in IAM", Fix: iamFix(err)}
	}
	nk := Credentials{AccessKeyID: out.AccessKeyID, SecretAccessKey: out.SecretAccessKey}
	newKey := "the new key …" + KeyIDSuffix(nk.AccessKeyID)
	r.debugf("rotate %s: created %s", r.Profile, newKey)
	id, err := r.verify(ctx, nk)
	if err != nil {
		return Credentials{}, Identity{}, r.undo(ctx, nk, "GetCallerIdentity with the new key", err, oldKey)
	}
	if err := r.Store(ctx, nk); err != nil {
		return Credentials{}, Identity{}, r.undo(ctx, nk, "storing the new key", err, oldKey)
	}
	r.debugf("rotate %s: stored %s; deleting %s", r.Profile, newKey, oldKey)
	if err := r.IAM.DeleteAccessKey(ctx, r.Old.AccessKeyID); err != nil {
		return nk, id, &RotateError{Profile: r.Profile, Stage: "DeleteAccessKey of the old key", Err: explainIAM(err),
			Live: newKey + " is in the keyring and works, but " + oldKey + " is still active in IAM",
			Fix:  "delete it: aws iam delete-access-key --access-key-id <the key ending " + KeyIDSuffix(r.Old.AccessKeyID) + "> (aws iam list-access-keys lists them)"}
	}
	return nk, id, nil
}

// verify asks STS about the new key until it answers, within Propagation:
// a new key is refused (InvalidClientTokenId) for a few seconds.
func (r Rotation) verify(ctx context.Context, c Credentials) (Identity, error) {
	limit, poll := r.Propagation, r.Poll
	if limit <= 0 {
		limit = time.Minute
	}
	if poll <= 0 {
		poll = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		id, err := r.Verify(ctx, c)
		var se *STSError
		if err == nil || !errors.As(err, &se) || se.Kind != KindInvalidKey {
			return id, err
		}
		r.debugf("rotate %s: the new key is not valid yet: %v", r.Profile, err)
		select {
		case <-ctx.Done():
			return Identity{}, fmt.Errorf("IAM did not accept the new key within %s: %w", limit, err)
		case <-time.After(poll):
		}
	}
}

// undo deletes the new key after a failure before it was stored, so the
// old one, still in the keyring, is the one key.
func (r Rotation) undo(ctx context.Context, nk Credentials, stage string, cause error, oldKey string) error {
	e := &RotateError{Profile: r.Profile, Stage: stage, Err: cause, Live: oldKey + " is still in the keyring and active"}
	if err := r.IAM.DeleteAccessKey(context.WithoutCancel(ctx), nk.AccessKeyID); err != nil {
		e.Live += ", and the new key …" + KeyIDSuffix(nk.AccessKeyID) + " could not be deleted (" + explainIAM(err).Error() + ")"
		e.Fix = "delete it: aws iam delete-access-key --access-key-id <the key ending " + KeyIDSuffix(nk.AccessKeyID) + ">"
		return e
	}
	e.Live += "; the new key was deleted"
	return e
}

// explainIAM keeps IAM's code and message, with key ids redacted.
func explainIAM(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		return fmt.Errorf("%s: %s", api.ErrorCode(), redactMessage(api.ErrorMessage()))
	}
	return errors.New(redactMessage(err.Error()))
}

func iamFix(err error) string {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return ""
	}
	switch {
	case api.ErrorCode() == "LimitExceeded":
		return "the IAM user already has two access keys: delete the unused one (aws iam list-access-keys, aws iam delete-access-key) and rotate again"
	case strings.HasPrefix(api.ErrorCode(), "AccessDenied"):
		return "the user's policy must allow iam:CreateAccessKey and iam:DeleteAccessKey on its own user (arn:aws:iam::ACCOUNT:user/${aws:username}); if it requires MFA, set mfa_serial on the profile"
	}
	return ""
}
