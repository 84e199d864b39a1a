package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// PlanOptions are plan's arguments and effects.
type PlanOptions struct {
	IO       IOStreams
	Profile  string
	JSON     bool
	Duration string // --duration
	// Policy and PolicyARNs are --session-policy and --session-policy-arns.
	Policy, PolicyARNs string
	Config             func() (*profiles.Config, error)
}

// NewCmdPlan is `switcher plan PROFILE`.
func NewCmdPlan(f *Factory, runF func(*PlanOptions) error) *cobra.Command {
	opts := &PlanOptions{IO: f.IO, Config: f.LoadConfig}
	cmd := &cobra.Command{
		Use:   "plan PROFILE",
		Short: "Show the chain, its settings with file:line, and the STS calls a profile needs (no call made)",
		Long: `Show, without calling AWS, how switcher would get credentials for PROFILE:
the chain of profiles down to its credentials, every setting with the file
and line it came from, each STS call with the credentials that sign it, the
duration asked and the duration STS will grant (AssumeRole signed by temporary
credentials is capped at 1 hour), how MFA is used, and warnings.`,
		Example:           "  switcher plan prod\n  switcher plan prod --duration 2h\n  switcher plan prod --json",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Profile, opts.Duration = args[0], f.Flags.Duration
			opts.Policy, opts.PolicyARNs = f.Flags.SessionPolicy, f.Flags.SessionPolicyARNs
			if runF != nil {
				return runF(opts)
			}
			return planRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the plan as JSON")
	return cmd
}

func planRun(opts *PlanOptions) error {
	po := profiles.PlanOptions{SessionPolicy: opts.Policy, SessionPolicyARNs: opts.PolicyARNs}
	if opts.Duration != "" {
		n, err := profiles.ParseDuration(opts.Duration)
		if err != nil {
			return globalUsagef("--duration: %w", err)
		}
		po.DurationSeconds = n
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	pl, err := cfg.Plan(opts.Profile, po)
	if err != nil {
		return err
	}
	out := newPlanOutput(cfg, pl)
	write := func() error { return writePlanText(opts.IO.Out, out) }
	if opts.JSON {
		write = func() error { return writeDataJSON(opts.IO.Out, out) }
	}
	if err := write(); err != nil {
		return err
	}
	if n := countErrors(pl.Findings); n > 0 {
		// The plan is printed in full; the exit code says it cannot run.
		fmt.Fprintf(opts.IO.ErrOut, "switcher: %s cannot be assumed as configured: %d error(s) in the plan above\n", opts.Profile, n)
		return &exitError{code: exitFailure}
	}
	return nil
}

// planOutput is the plan as `plan --json` prints it.
type planOutput struct {
	Profile     string          `json:"profile"`
	Chain       []string        `json:"chain"`
	Source      planSource      `json:"source"`
	Region      *posValue       `json:"region"`
	EndpointURL *posValue       `json:"endpoint_url"`
	MFAProcess  *posValue       `json:"mfa_process"`
	MFA         planMFA         `json:"mfa"`
	Settings    []planSetting   `json:"settings"`
	Steps       []planStep      `json:"steps"`
	Findings    []findingOutput `json:"findings"`
}

type posValue struct {
	Value string `json:"value"`
	Pos   string `json:"pos"`
}

type planSource struct {
	Kind      string `json:"kind"`
	Profile   string `json:"profile"`
	Setting   string `json:"setting"` // redacted for static keys
	Pos       string `json:"pos"`
	Temporary bool   `json:"temporary"`
}

type planMFA struct {
	Mode        string `json:"mode"`
	Serial      string `json:"serial,omitempty"`
	Pos         string `json:"pos,omitempty"`
	Explanation string `json:"explanation"`
}

type planSetting struct {
	Profile string `json:"profile"`
	Key     string `json:"key"`
	Value   string `json:"value"`
	Pos     string `json:"pos"`
}

type planStep struct {
	Call             string `json:"call"`
	Hop              int    `json:"hop"`
	Profile          string `json:"profile"`
	RoleARN          string `json:"role_arn,omitempty"`
	SignedBy         string `json:"signed_by"`
	Chained          bool   `json:"chained"`
	MFASerial        string `json:"mfa_serial,omitempty"`
	RequestedSeconds int    `json:"requested_seconds"`
	GrantedSeconds   int    `json:"granted_seconds"`
	Capped           bool   `json:"capped"`
	DurationPos      string `json:"duration_pos,omitempty"`
	// SessionPolicy and PolicyARNs scope the session down.
	SessionPolicy *posValue `json:"session_policy,omitempty"`
	PolicyARNs    *posValue `json:"session_policy_arns,omitempty"`
}

type findingOutput struct {
	Severity string `json:"severity"`
	Pos      string `json:"pos"`
	Profile  string `json:"profile,omitempty"`
	Key      string `json:"key,omitempty"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
}

func newPosValue(v profiles.Value) *posValue {
	if v.Value == "" {
		return nil
	}
	return &posValue{Value: v.Value, Pos: v.Pos.String()}
}

// settingOrder lists the keys a plan shows first, in this order; others
// follow alphabetically.
func settingOrder() []string {
	return []string{
		profiles.KeyRoleARN, profiles.KeySourceProfile, profiles.KeyCredentialSource, profiles.KeyWebIdentityTokenFile,
		profiles.KeyMFASerial, profiles.KeyMFAProcess, profiles.KeyMFASessionDuration, profiles.KeyDurationSeconds,
		profiles.KeyExternalID, profiles.KeyRoleSessionName, profiles.KeySourceIdentity, profiles.KeySessionTags,
		profiles.KeyTransitiveSessionTags, profiles.KeySessionPolicy, profiles.KeySessionPolicyARNs, profiles.KeyRegion, profiles.KeyEndpointURL, profiles.KeyServices,
		profiles.KeyAccessKeyID, profiles.KeySecretAccessKey, profiles.KeySessionToken, profiles.KeyCredentialProcess,
		profiles.KeySSOSession, profiles.KeySSOStartURL, profiles.KeySSORegion, profiles.KeySSOAccountID, profiles.KeySSORoleName,
	}
}

// shownValue hides secrets: key ids show their last four characters.
func shownValue(key, v string) string {
	switch key {
	case profiles.KeyAccessKeyID:
		return creds.RedactKeyID(v)
	case profiles.KeySecretAccessKey, profiles.KeySessionToken:
		return "(set, hidden)"
	}
	return v
}

func newPlanOutput(cfg *profiles.Config, pl *profiles.Plan) planOutput {
	ch := pl.Chain
	out := planOutput{
		Profile:     ch.Target,
		Chain:       ch.Names,
		Region:      newPosValue(ch.Region),
		EndpointURL: newPosValue(ch.EndpointURL),
		MFAProcess:  newPosValue(ch.MFAProcess),
		Source: planSource{
			Kind:      sourceKindWords(ch.Source),
			Profile:   ch.Source.Profile,
			Setting:   shownValue(sourceKey(ch.Source.Kind), ch.Source.Setting.Value),
			Pos:       ch.Source.Setting.Pos.String(),
			Temporary: ch.Source.Temporary,
		},
		MFA: planMFA{Mode: pl.MFA.String(), Serial: pl.MFASerial.Value, Pos: pl.MFASerial.Pos.String(),
			Explanation: mfaExplanation(pl)},
		Settings: []planSetting{},
		Steps:    []planStep{},
		Findings: findingsOutput(pl.Findings),
	}
	order := settingOrder()
	for _, name := range ch.Names {
		p, _ := cfg.Profile(name)
		keys := make([]string, 0, len(p.Keys))
		for k, v := range p.Keys {
			if v.Value != "" {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(x, y string) int {
			ix, iy := slices.Index(order, x), slices.Index(order, y)
			switch {
			case ix >= 0 && iy >= 0:
				return ix - iy
			case ix >= 0:
				return -1
			case iy >= 0:
				return 1
			}
			return strings.Compare(x, y)
		})
		for _, k := range keys {
			v := p.Keys[k]
			out.Settings = append(out.Settings, planSetting{Profile: name, Key: k, Value: shownValue(k, v.Value), Pos: v.Pos.String()})
		}
	}
	for _, s := range pl.Steps {
		out.Steps = append(out.Steps, planStep{
			Call: s.Kind.String(), Hop: s.Hop, Profile: s.Profile, RoleARN: s.RoleARN, SignedBy: s.SignedBy,
			Chained: s.Chained, MFASerial: s.MFASerial, RequestedSeconds: s.RequestedSeconds,
			GrantedSeconds: s.GrantedSeconds, Capped: s.Capped, DurationPos: s.DurationPos.String(),
			SessionPolicy: newPosValue(s.Policy), PolicyARNs: newPosValue(s.PolicyARNs),
		})
	}
	return out
}

// sourceKindWords is the source's kind, with the backend for a keyring.
func sourceKindWords(src profiles.Source) string {
	if src.Kind == profiles.SourceKeyring {
		return src.Kind.String() + " (" + src.Setting.Value + ")"
	}
	return src.Kind.String()
}

func sourceKey(k profiles.SourceKind) string {
	if k == profiles.SourceStatic {
		return profiles.KeyAccessKeyID
	}
	return ""
}

func findingsOutput(fs []profiles.Finding) []findingOutput {
	out := make([]findingOutput, 0, len(fs))
	for _, f := range fs {
		out = append(out, findingOutput{Severity: f.Severity.String(), Pos: f.Pos.String(), Profile: f.Profile,
			Key: f.Key, Message: f.Message, Fix: f.Fix})
	}
	return out
}

// mfaExplanation says in a sentence how the plan uses MFA.
func mfaExplanation(pl *profiles.Plan) string {
	ch := pl.Chain
	switch pl.MFA {
	case profiles.MFASession:
		if len(ch.Hops) == 0 {
			return fmt.Sprintf("one code for %s: GetSessionToken on the keys of %s gives an MFA session, cached and reused until it expires",
				pl.MFASerial.Value, ch.Source.Profile)
		}
		return fmt.Sprintf("one code for %s: GetSessionToken on the keys of %s gives an MFA session, cached and reused; every AssumeRole is signed by temporary credentials, so each role session lasts at most 1h and refreshes without a new code",
			pl.MFASerial.Value, ch.Source.Profile)
	case profiles.MFADirect:
		why := "the source credentials are not long-term keys, so there is no MFA session to reuse"
		if ch.Source.Kind == profiles.SourceStatic && !ch.Source.Temporary {
			why = "the only role asks for more than 1h, and a role session signed by an MFA session is capped at 1h"
		}
		return fmt.Sprintf("the code for %s goes on AssumeRole itself: %s; a new code is needed each time the role session is renewed",
			pl.MFASerial.Value, why)
	}
	return "no mfa_serial along the chain: no code needed"
}

func writePlanText(w io.Writer, o planOutput) error {
	var b strings.Builder
	fmt.Fprintf(&b, "profile %s\n", o.Profile)
	fmt.Fprintf(&b, "chain:   %s\n", strings.Join(o.Chain, " <- "))
	src := o.Source.Kind + " of " + o.Source.Profile
	if o.Source.Temporary {
		src += ", temporary"
	}
	fmt.Fprintf(&b, "source:  %s (%s)\n", src, o.Source.Pos)
	for _, kv := range []struct {
		name string
		v    *posValue
	}{{"region", o.Region}, {"sts endpoint", o.EndpointURL}, {"mfa_process", o.MFAProcess}} {
		if kv.v != nil {
			fmt.Fprintf(&b, "%-8s %s (%s)\n", kv.name+":", kv.v.Value, kv.v.Pos)
		}
	}
	fmt.Fprintf(&b, "mfa:     %s: %s\n", o.MFA.Mode, o.MFA.Explanation)

	b.WriteString("\nsettings:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, s := range o.Settings {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.Profile, s.Key, s.Value, s.Pos)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	writePlanSteps(&b, o.Steps)
	if len(o.Findings) > 0 {
		b.WriteString("\nwarnings:\n")
		for _, f := range o.Findings {
			fmt.Fprintf(&b, "  %s: %s: %s\n", f.Pos, f.Severity, f.Message)
			if f.Fix != "" {
				fmt.Fprintf(&b, "    fix: %s\n", f.Fix)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePlanSteps writes each STS call of a plan: what it calls, who signs
// it, the MFA code it carries and the durations.
func writePlanSteps(b *strings.Builder, steps []planStep) {
	b.WriteString("\nsteps:\n")
	if len(steps) == 0 {
		b.WriteString("  none: the credentials of the source are used as they are\n")
	}
	for i, s := range steps {
		target := s.Profile
		if s.RoleARN != "" {
			target = s.RoleARN + " (" + s.Profile + ")"
		}
		fmt.Fprintf(b, "  %d. %s %s\n", i+1, s.Call, target)
		fmt.Fprintf(b, "     signed by %s\n", s.SignedBy)
		if s.MFASerial != "" {
			fmt.Fprintf(b, "     with an MFA code for %s\n", s.MFASerial)
		}
		asked := profiles.Seconds(s.RequestedSeconds)
		if s.DurationPos != "" {
			asked += " (" + s.DurationPos + ")"
		}
		var notes []string
		if s.Chained {
			notes = append(notes, "chained")
		}
		if s.Capped {
			notes = append(notes, "capped")
		}
		note := ""
		if len(notes) > 0 {
			note = " [" + strings.Join(notes, ", ") + "]"
		}
		fmt.Fprintf(b, "     asks %s, gets %s%s\n", asked, profiles.Seconds(s.GrantedSeconds), note)
		if p := s.SessionPolicy; p != nil {
			fmt.Fprintf(b, "     scoped down by the session policy %s (%s)\n", policyWords(p.Value), p.Pos)
		}
		if p := s.PolicyARNs; p != nil {
			fmt.Fprintf(b, "     scoped down by the managed policies %s (%s)\n", p.Value, p.Pos)
		}
	}
}

// policyWords says what a session policy is without printing a page of
// JSON: its file, or its size.
func policyWords(v string) string {
	if strings.HasPrefix(v, profiles.PolicyFile) {
		return "in " + strings.TrimPrefix(v, profiles.PolicyFile)
	}
	if c, err := profiles.CompactPolicy(profiles.KeySessionPolicy, v); err == nil {
		return fmt.Sprintf("given inline (%d of %d characters)", len(c), profiles.MaxPolicySize)
	}
	return "given inline"
}

// countErrors counts the findings that stop a plan from running.
func countErrors(fs []profiles.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Severity == profiles.SeverityError {
			n++
		}
	}
	return n
}
