// Command stsserver serves the in-repo STS simulator (creds/stssim) on
// 127.0.0.1 for bench/run, seeded with the users and roles bench/gen wrote.
// It prints its base URL on the first line of stdout, then serves until
// killed. Besides STS it answers, for the benchmark only:
//
//	GET /_bench/calls          {"AssumeRole": 2, ...} calls so far
//	POST /_bench/reset         zero the counts
//	GET /_bench/code?serial=S  an MFA code the device accepts now
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/switcher-cli/switcher/creds/stssim"
)

type seed struct {
	Users []struct {
		Name      string `json:"name"`
		KeyID     string `json:"key_id"`
		Secret    string `json:"secret"`
		MFASerial string `json:"mfa_serial"`
	} `json:"users"`
	Roles []string `json:"roles"`
}

func main() {
	seedFile := flag.String("seed", "", "seed.json written by bench/gen")
	flag.Parse()
	if err := run(*seedFile); err != nil {
		fmt.Fprintln(os.Stderr, "stsserver:", err)
		os.Exit(1)
	}
}

func run(seedFile string) error {
	sim := stssim.New()
	if seedFile != "" {
		data, err := os.ReadFile(seedFile)
		if err != nil {
			return err
		}
		var s seed
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("%s: %w", seedFile, err)
		}
		for _, u := range s.Users {
			if err := sim.AddUser(stssim.User{Name: u.Name, AccessKeyID: u.KeyID, SecretAccessKey: u.Secret, MFASerial: u.MFASerial}); err != nil {
				return err
			}
		}
		for _, arn := range s.Roles {
			if err := sim.AddRole(stssim.Role{ARN: arn, Trust: []string{"*"}}); err != nil {
				return err
			}
		}
	}
	actions := []string{"AssumeRole", "GetSessionToken", "AssumeRoleWithWebIdentity", "GetCallerIdentity"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_bench/calls", func(w http.ResponseWriter, _ *http.Request) {
		counts := map[string]int{}
		for _, a := range actions {
			counts[a] = sim.Calls(a)
		}
		_ = json.NewEncoder(w).Encode(counts)
	})
	mux.HandleFunc("POST /_bench/reset", func(w http.ResponseWriter, _ *http.Request) {
		sim.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_bench/code", func(w http.ResponseWriter, r *http.Request) {
		code, ok := sim.CurrentCode(r.URL.Query().Get("serial"))
		if !ok {
			http.Error(w, "unknown MFA device", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fmt.Fprintln(w, code) //nolint:gosec // six digits from the simulator, served as text/plain
	})
	mux.Handle("/", sim)
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
