package creds

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{
		AccessKeyID:     "ASIAFAKEFAKEFAKE1234",
		SecretAccessKey: "fakeSecretFakeSecretFakeSecret",
		SessionToken:    "fakeTokenFakeToken",
		Expiration:      time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		t.Run(verb, func(t *testing.T) {
			got := fmt.Sprintf(verb, c)
			for _, secret := range []string{c.SecretAccessKey, c.SessionToken, c.AccessKeyID} {
				if strings.Contains(got, secret) {
					t.Errorf("Sprintf(%s) = %q leaks %q", verb, got, secret)
				}
			}
			if !strings.Contains(got, "1234") {
				t.Errorf("Sprintf(%s) = %q, want the last 4 characters of the key id", verb, got)
			}
		})
	}
	wrapped := fmt.Sprintf("%v", struct{ C Credentials }{c})
	if strings.Contains(wrapped, c.SecretAccessKey) {
		t.Errorf("nested %%v leaks the secret: %q", wrapped)
	}
}
