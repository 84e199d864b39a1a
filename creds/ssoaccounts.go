package creds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sso/types"
)

// SSOAccountRole is one role of one account an SSO login can reach.
type SSOAccountRole struct {
	AccountID, AccountName, Email, Role string
}

// ssoListWorkers bounds the ListAccountRoles calls in flight: the portal
// throttles, and 300 accounts at 8 at a time take a few seconds.
const ssoListWorkers = 8

// SSOAccountRoles lists every account the token reaches (sso ListAccounts)
// and each account's roles (ListAccountRoles), all pages, through the
// SDK's SSO portal client in region (endpoint "" for the real one). The
// result is sorted by account id, then role.
func SSOAccountRoles(ctx context.Context, region, endpoint, accessToken string, httpClient *http.Client) ([]SSOAccountRole, error) {
	opts := sso.Options{Region: region}
	if httpClient != nil {
		opts.HTTPClient = httpClient
	}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	client := sso.New(opts)
	var accounts []types.AccountInfo
	pages := sso.NewListAccountsPaginator(client, &sso.ListAccountsInput{AccessToken: aws.String(accessToken)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the accounts of the SSO login: %w", explainPortal(err))
		}
		accounts = append(accounts, page.AccountList...)
	}

	roles := make([][]SSOAccountRole, len(accounts))
	errs := make([]error, len(accounts))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(ssoListWorkers, len(accounts)) {
		wg.Go(func() {
			for i := range work {
				roles[i], errs[i] = accountRoles(ctx, client, accessToken, accounts[i])
			}
		})
	}
	for i := range accounts {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := slices.Concat(roles...)
	slices.SortFunc(out, func(a, b SSOAccountRole) int {
		if a.AccountID != b.AccountID {
			return cmp.Compare(a.AccountID, b.AccountID)
		}
		return cmp.Compare(a.Role, b.Role)
	})
	return out, nil
}

func accountRoles(ctx context.Context, client *sso.Client, token string, a types.AccountInfo) ([]SSOAccountRole, error) {
	id := aws.ToString(a.AccountId)
	var out []SSOAccountRole
	pages := sso.NewListAccountRolesPaginator(client, &sso.ListAccountRolesInput{AccessToken: aws.String(token), AccountId: a.AccountId})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the roles of account %s: %w", id, explainPortal(err))
		}
		for _, r := range page.RoleList {
			out = append(out, SSOAccountRole{AccountID: id, AccountName: aws.ToString(a.AccountName), Email: aws.ToString(a.EmailAddress), Role: aws.ToString(r.RoleName)})
		}
	}
	return out, nil
}

// explainPortal says what an expired or revoked token means.
func explainPortal(err error) error {
	var unauth *types.UnauthorizedException
	if errors.As(err, &unauth) {
		return fmt.Errorf("the SSO token was refused (expired or revoked): run `switcher login --force` and try again: %w", err)
	}
	return err
}
