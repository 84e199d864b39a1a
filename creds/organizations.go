package creds

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// OrgAccount is one account of an AWS Organization.
type OrgAccount struct {
	ID, Name, Email string
	// State is ACTIVE, SUSPENDED or PENDING_CLOSURE (Organizations' State,
	// else its older Status).
	State string
}

// DefaultOrganizationsEndpoint is Organizations' endpoint (the service is
// global, signed for us-east-1).
const DefaultOrganizationsEndpoint = "https://organizations.us-east-1.amazonaws.com"

// maxOrgPages bounds the paging of ListAccounts (20 accounts a page at
// most: 100,000 accounts), so an endpoint that always answers with a next
// token cannot keep sync forever.
const maxOrgPages = 5000

// OrgAccounts lists every account of the organization that c's account
// belongs to (Organizations ListAccounts, all pages), signed by c.
func OrgAccounts(ctx context.Context, c Credentials, endpoint string, httpClient *http.Client, now func() time.Time) ([]OrgAccount, error) {
	if endpoint == "" {
		endpoint = DefaultOrganizationsEndpoint
	}
	cl := newSignedClient(c, endpoint, "organizations", "us-east-1", httpClient, now, orgError)
	var out []OrgAccount
	token := ""
	for range maxOrgPages {
		req := map[string]any{}
		if token != "" {
			req["NextToken"] = token
		}
		body, err := json.Marshal(req)
		if err != nil {
			return nil, err
		}
		data, err := cl.post(ctx, body, "application/x-amz-json-1.1", "AWSOrganizationsV20161128.ListAccounts")
		if err != nil {
			return nil, err
		}
		var page struct {
			Accounts []struct {
				ID     string `json:"Id"`
				Name   string `json:"Name"`
				Email  string `json:"Email"`
				Status string `json:"Status"`
				State  string `json:"State"`
			} `json:"Accounts"`
			NextToken string `json:"NextToken"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return nil, fmt.Errorf("the answer of organizations:ListAccounts: %w", err)
		}
		for _, a := range page.Accounts {
			st := a.State
			if st == "" {
				st = a.Status
			}
			out = append(out, OrgAccount{ID: a.ID, Name: a.Name, Email: a.Email, State: st})
		}
		if page.NextToken == "" {
			return out, nil
		}
		token = page.NextToken
	}
	return nil, fmt.Errorf("organizations:ListAccounts: still more pages after %d", maxOrgPages)
}

// orgError reads a JSON 1.1 error: {"__type": "...#Code", "message": "..."}.
func orgError(status int, data []byte) error {
	var er struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	e := newAPIError(status)
	if json.Unmarshal(data, &er) == nil && er.Type != "" {
		e.Code = er.Type[strings.LastIndexByte(er.Type, '#')+1:]
		e.Message = er.Message
		if e.Message == "" {
			e.Message = er.MessageU
		}
	}
	return e
}
