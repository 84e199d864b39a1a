package stssim

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// OrgAccount is an account of the simulated AWS Organization.
type OrgAccount struct {
	ID, Name, Email string
	State           string // ACTIVE (""), SUSPENDED, PENDING_CLOSURE
}

type orgState struct {
	accounts []OrgAccount
	pageSize int
}

// orgTarget is the X-Amz-Target prefix of Organizations' JSON 1.1 API.
const orgTarget = "AWSOrganizationsV20161128."

// SetOrganization puts the simulator's accounts in an organization with
// these accounts; ListAccounts answers pageSize accounts a page (0: 20).
func (s *Sim) SetOrganization(accounts []OrgAccount, pageSize int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pageSize <= 0 {
		pageSize = 20
	}
	s.org = &orgState{accounts: append([]OrgAccount(nil), accounts...), pageSize: pageSize}
}

// serveOrganizations answers Organizations ListAccounts (signed SigV4 for
// "organizations"); false when r is not an Organizations call.
func (s *Sim) serveOrganizations(w http.ResponseWriter, r *http.Request) bool {
	target := r.Header.Get("X-Amz-Target")
	if !strings.HasPrefix(target, orgTarget) {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		orgError(w, http.StatusBadRequest, "InvalidInputException", "unreadable body")
		return true
	}
	if _, aerr := s.authenticateFor(r, body, "organizations"); aerr != nil {
		orgError(w, aerr.Status, aerr.Code, aerr.Message)
		return true
	}
	s.mu.Lock()
	s.calls[strings.TrimPrefix(target, orgTarget)]++
	org := s.org
	s.mu.Unlock()
	if target != orgTarget+"ListAccounts" {
		orgError(w, http.StatusBadRequest, "UnknownOperationException", "not simulated: "+target)
		return true
	}
	if org == nil {
		orgError(w, http.StatusBadRequest, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
		return true
	}
	var in struct {
		NextToken string `json:"NextToken"`
	}
	if len(body) > 0 && json.Unmarshal(body, &in) != nil {
		orgError(w, http.StatusBadRequest, "InvalidInputException", "malformed JSON")
		return true
	}
	from, _ := strconv.Atoi(in.NextToken)
	from = max(0, min(from, len(org.accounts)))
	to := min(len(org.accounts), from+org.pageSize)
	list := make([]map[string]string, 0, to-from)
	for _, a := range org.accounts[from:to] {
		st := a.State
		if st == "" {
			st = "ACTIVE"
		}
		list = append(list, map[string]string{
			"Id": a.ID, "Name": a.Name, "Email": a.Email, "State": st,
			"Arn": "arn:aws:organizations::" + s.account + ":account/o-sim/" + a.ID,
		})
	}
	out := map[string]any{"Accounts": list}
	if to < len(org.accounts) {
		out["NextToken"] = strconv.Itoa(to)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
	return true
}

func orgError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}
