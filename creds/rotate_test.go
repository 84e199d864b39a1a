package creds

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// fakeIAM is one IAM user's access keys.
type fakeIAM struct {
	mu        sync.Mutex
	keys      []string // active key ids
	createErr error
	deleteErr map[string]error
	n         int
}

func (f *fakeIAM) CreateAccessKey(context.Context) (AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return AccessKey{}, f.createErr
	}
	f.n++
	id := "AKIAFAKENEWKEY0000" + string(rune('0'+f.n)) + "9"
	f.keys = append(f.keys, id)
	return AccessKey{AccessKeyID: id, SecretAccessKey: "new-secret"}, nil
}

func (f *fakeIAM) DeleteAccessKey(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.deleteErr[id]; err != nil {
		return err
	}
	for i, k := range f.keys {
		if k == id {
			f.keys = append(f.keys[:i], f.keys[i+1:]...)
			return nil
		}
	}
	return &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "The Access Key with id " + id + " cannot be found."}
}

func TestRotation(t *testing.T) {
	old := Credentials{AccessKeyID: "AKIAFAKEOLDKEY000001", SecretAccessKey: "old-secret"}
	invalid := &STSError{Kind: KindInvalidKey, Code: "InvalidClientTokenId"}
	tests := []struct {
		name        string
		iam         *fakeIAM
		verifyFails int   // InvalidClientTokenId this many times first
		verifyErr   error // then this
		storeErr    error
		wantKeys    func(f *fakeIAM) []string // active keys in IAM afterwards
		wantStored  bool
		wantErr     []string
	}{
		{name: "rotated", iam: &fakeIAM{}, verifyFails: 2, wantStored: true,
			wantKeys: func(f *fakeIAM) []string { return []string{"AKIAFAKENEWKEY000019"} }},
		{name: "two keys already", iam: &fakeIAM{createErr: &smithy.GenericAPIError{Code: "LimitExceeded", Message: "Cannot exceed quota for AccessKeysPerUser: 2"}},
			wantKeys: func(*fakeIAM) []string { return []string{old.AccessKeyID} },
			wantErr:  []string{"CreateAccessKey failed", "the old key …0001 is unchanged", "already has two access keys"}},
		{name: "never propagates", iam: &fakeIAM{}, verifyFails: 1000,
			wantKeys: func(*fakeIAM) []string { return []string{old.AccessKeyID} },
			wantErr:  []string{"did not accept the new key within", "the old key …0001 is still in the keyring and active", "the new key was deleted"}},
		{name: "verify refused otherwise", iam: &fakeIAM{}, verifyErr: errors.New("sts down"),
			wantKeys: func(*fakeIAM) []string { return []string{old.AccessKeyID} },
			wantErr:  []string{"sts down", "new key was deleted"}},
		{name: "store fails", iam: &fakeIAM{}, storeErr: errors.New("keyring locked"),
			wantKeys: func(*fakeIAM) []string { return []string{old.AccessKeyID} },
			wantErr:  []string{"storing the new key failed: keyring locked", "the old key …0001 is still in the keyring"}},
		{name: "old key cannot be deleted", iam: &fakeIAM{deleteErr: map[string]error{old.AccessKeyID: &smithy.GenericAPIError{Code: "AccessDenied", Message: "no"}}},
			wantStored: true,
			wantKeys:   func(*fakeIAM) []string { return []string{old.AccessKeyID, "AKIAFAKENEWKEY000019"} },
			wantErr:    []string{"the new key …0019 is in the keyring and works, but the old key …0001 is still active in IAM", "aws iam delete-access-key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.iam.keys = append([]string{old.AccessKeyID}, tt.iam.keys...)
			calls := 0
			var stored *Credentials
			r := Rotation{
				Profile: "alice", Old: old, Signer: old, IAM: tt.iam,
				Propagation: 200 * time.Millisecond, Poll: time.Millisecond,
				Verify: func(_ context.Context, c Credentials) (Identity, error) {
					calls++
					if calls <= tt.verifyFails {
						return Identity{}, invalid
					}
					if tt.verifyErr != nil {
						return Identity{}, tt.verifyErr
					}
					return Identity{ARN: "arn:aws:iam::111111111111:user/alice"}, nil
				},
				Store: func(_ context.Context, c Credentials) error {
					if tt.storeErr != nil {
						return tt.storeErr
					}
					stored = &c
					return nil
				},
			}
			nk, _, err := r.Run(context.Background())
			if diff := cmp.Diff(tt.wantKeys(tt.iam), tt.iam.keys); diff != "" {
				t.Errorf("keys in IAM afterwards (-want +got):\n%s", diff)
			}
			if (stored != nil) != tt.wantStored {
				t.Errorf("stored %v, want stored %t", stored, tt.wantStored)
			}
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if nk.AccessKeyID != "AKIAFAKENEWKEY000019" {
					t.Errorf("new key %v", nk)
				}
				return
			}
			var re *RotateError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RotateError", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "old-secret") || strings.Contains(err.Error(), "new-secret") || strings.Contains(err.Error(), old.AccessKeyID) {
				t.Errorf("the error shows a secret or a whole key id: %v", err)
			}
		})
	}
}
