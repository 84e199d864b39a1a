package stssim_test

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switcher-cli/switcher/creds/stssim"
)

// FuzzRequest feeds arbitrary Authorization headers, dates and bodies to
// the Sim: it must answer every one with a well-formed STS error document
// and never a success.
func FuzzRequest(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAFAKEDEV0000TEST/20261122/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20261122T120000Z", "Action=GetCallerIdentity&Version=2011-06-15")
	f.Add("AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=", "", "Action=AssumeRole&RoleArn=%ZZ")
	f.Add("", "x", "Action=GetSessionToken&DurationSeconds=99999999999999999999")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAFAKEDEV0000TEST/20261122/us-east-1/sts/aws4_request,SignedHeaders=content-length;host,Signature=ab", "20261122T120000Z", "Action=AssumeRole&Tags.member.1.Key=%00")
	sim := stssim.New()
	if err := sim.AddUser(stssim.User{Name: "dev", AccessKeyID: devKey, SecretAccessKey: devSecret}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, auth, date, body string) {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "http://sts.fuzz.invalid/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Amz-Date", date)
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			t.Fatalf("an unsigned request succeeded: %s", rec.Body)
		}
		var doc struct {
			XMLName xml.Name `xml:"ErrorResponse"`
			Code    string   `xml:"Error>Code"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Code == "" {
			t.Fatalf("status %d body %q is not an STS error: %v", rec.Code, rec.Body, err)
		}
	})
}
