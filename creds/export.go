package creds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Format is an export syntax: the statements that put a session into a
// shell's environment (or a file or program that reads one).
type Format string

// The export formats. FormatSh fits bash, zsh, dash and every POSIX sh.
const (
	FormatSh         Format = "sh"
	FormatFish       Format = "fish"
	FormatPowerShell Format = "powershell"
	FormatCmd        Format = "cmd"
	FormatDotenv     Format = "dotenv"
	FormatJSON       Format = "json"
)

// Formats lists every export format, in the order help text shows them.
func Formats() []Format {
	return []Format{FormatSh, FormatFish, FormatPowerShell, FormatCmd, FormatDotenv, FormatJSON}
}

// ErrUnknownFormat is returned (wrapped) by ParseFormat.
var ErrUnknownFormat = errors.New("unknown export format")

// ErrUnrepresentable is returned (wrapped) when a value cannot be written
// safely in a format: a NUL byte anywhere, or a character cmd.exe cannot
// hold. Nothing is written then.
var ErrUnrepresentable = errors.New("value cannot be represented safely")

// ErrCannotUnset is returned (wrapped) by WriteUnset for formats that have
// no way to remove a variable (dotenv).
var ErrCannotUnset = errors.New("format cannot unset variables")

// Environment variables written by WriteExports and removed by WriteUnset.
//
//nolint:gosec // names of variables, not credentials
const (
	EnvAccessKeyID          = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey      = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken         = "AWS_SESSION_TOKEN"
	EnvSecurityToken        = "AWS_SECURITY_TOKEN" // legacy name some tools still read
	EnvCredentialExpiration = "AWS_CREDENTIAL_EXPIRATION"
	EnvRegion               = "AWS_REGION"
	EnvDefaultRegion        = "AWS_DEFAULT_REGION"
	EnvProfile              = "AWS_PROFILE"
	EnvDefaultProfile       = "AWS_DEFAULT_PROFILE"
	EnvSwitcherProfile      = "SWITCHER_PROFILE"

	// What `switcher serve` and `exec --server` set: the container
	// credentials provider of every SDK reads them. The relative URI and
	// the token file take precedence in some SDKs, so they are removed.
	EnvContainerFullURI     = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvContainerRelativeURI = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
	EnvContainerToken       = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
	EnvContainerTokenFile   = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
)

// ParseFormat accepts a format name, case-insensitively, and the aliases
// bash, zsh (sh), pwsh (powershell) and env (dotenv).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "sh", "bash", "zsh":
		return FormatSh, nil
	case "fish":
		return FormatFish, nil
	case "powershell", "pwsh":
		return FormatPowerShell, nil
	case "cmd":
		return FormatCmd, nil
	case "dotenv", "env":
		return FormatDotenv, nil
	case "json":
		return FormatJSON, nil
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("%w %q: want one of %s", ErrUnknownFormat, s, strings.Join(names, ", "))
}

// FormatForShell picks the export format for a shell path such as $SHELL
// or $COMSPEC: fish, pwsh/powershell and cmd by their base name, sh for
// anything else (including "").
func FormatForShell(shellPath string) Format {
	base := shellPath
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.ToLower(base)
	base = strings.TrimSuffix(base, ".exe")
	switch {
	case base == "fish":
		return FormatFish
	case base == "pwsh" || base == "powershell" || strings.HasPrefix(base, "pwsh-"):
		return FormatPowerShell
	case base == "cmd":
		return FormatCmd
	}
	return FormatSh
}

// envOp is one statement: set Name to Value, or remove Name.
type envOp struct {
	Name  string
	Value string
	Unset bool
}

// exportOps lists the statements for a session, in output order: first
// the removals that let the keys win, then the keys, then the rest.
func exportOps(s *Session) []envOp {
	ops := []envOp{
		{Name: EnvProfile, Unset: true},
		{Name: EnvDefaultProfile, Unset: true},
		{Name: EnvSecurityToken, Unset: true},
		{Name: EnvAccessKeyID, Value: s.AccessKeyID},
		{Name: EnvSecretAccessKey, Value: s.SecretAccessKey},
	}
	if s.SessionToken != "" {
		ops = append(ops, envOp{Name: EnvSessionToken, Value: s.SessionToken})
	} else {
		ops = append(ops, envOp{Name: EnvSessionToken, Unset: true})
	}
	if s.Expires() {
		ops = append(ops, envOp{Name: EnvCredentialExpiration, Value: s.Expiration.UTC().Format(time.RFC3339)})
	} else {
		ops = append(ops, envOp{Name: EnvCredentialExpiration, Unset: true})
	}
	if s.Region != "" {
		ops = append(ops,
			envOp{Name: EnvRegion, Value: s.Region},
			envOp{Name: EnvDefaultRegion, Value: s.Region})
	}
	if s.Profile != "" {
		ops = append(ops, envOp{Name: EnvSwitcherProfile, Value: s.Profile})
	} else {
		ops = append(ops, envOp{Name: EnvSwitcherProfile, Unset: true})
	}
	return ops
}

// ServerEnv is what a client of a credential server needs: its URI and
// token, and the session's region and profile.
type ServerEnv struct {
	URI, Token, Region, Profile string
}

// serverOps are the statements that point an environment at a credential
// server: the keys and profile variables removed (an SDK would take them
// first), the server's URI and token set.
func serverOps(e ServerEnv) []envOp {
	var ops []envOp
	for _, n := range []string{EnvProfile, EnvDefaultProfile, EnvAccessKeyID, EnvSecretAccessKey, EnvSessionToken,
		EnvSecurityToken, EnvCredentialExpiration, EnvContainerRelativeURI, EnvContainerTokenFile} {
		ops = append(ops, envOp{Name: n, Unset: true})
	}
	ops = append(ops, envOp{Name: EnvContainerFullURI, Value: e.URI}, envOp{Name: EnvContainerToken, Value: e.Token})
	if e.Region != "" {
		ops = append(ops, envOp{Name: EnvRegion, Value: e.Region}, envOp{Name: EnvDefaultRegion, Value: e.Region})
	}
	return append(ops, envOp{Name: EnvSwitcherProfile, Value: e.Profile})
}

// WriteServerExports writes the statements that point a shell at a
// credential server, in format f.
func WriteServerExports(w io.Writer, f Format, e ServerEnv) error {
	if e.URI == "" || e.Token == "" {
		return errors.New("export: no server URI or token")
	}
	return writeOps(w, f, serverOps(e))
}

// ExportVars is the environment WriteExports describes: name → value, nil
// for a variable it removes (what exec gives its child).
func ExportVars(s *Session) map[string]*string { return opsVars(exportOps(s)) }

// ServerVars is the environment WriteServerExports describes.
func ServerVars(e ServerEnv) map[string]*string { return opsVars(serverOps(e)) }

func opsVars(ops []envOp) map[string]*string {
	m := make(map[string]*string, len(ops))
	for _, op := range ops {
		if op.Unset {
			m[op.Name] = nil
			continue
		}
		v := op.Value
		m[op.Name] = &v
	}
	return m
}

// unsetOps removes every variable WriteExports and WriteServerExports may
// set.
func unsetOps() []envOp {
	names := []string{
		EnvAccessKeyID, EnvSecretAccessKey, EnvSessionToken, EnvSecurityToken,
		EnvCredentialExpiration, EnvRegion, EnvDefaultRegion, EnvProfile,
		EnvDefaultProfile, EnvSwitcherProfile, EnvContainerFullURI, EnvContainerToken,
	}
	ops := make([]envOp, len(names))
	for i, n := range names {
		ops[i] = envOp{Name: n, Unset: true}
	}
	return ops
}

// WriteExports writes the statements that put s into an environment in
// format f. Every value is quoted for its target so that nothing in a
// profile name, a region or a key can run as a command. The output is
// built completely before the single write, so on error nothing is written.
func WriteExports(w io.Writer, f Format, s *Session) error {
	if s == nil {
		return errors.New("export: no session")
	}
	if s.AccessKeyID == "" || s.SecretAccessKey == "" {
		return fmt.Errorf("export profile %q: session has no access key", s.Profile)
	}
	return writeOps(w, f, exportOps(s))
}

// WriteUnset writes the statements that remove every variable WriteExports
// sets (and AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN). JSON
// gives each name a null; dotenv cannot unset and returns ErrCannotUnset.
func WriteUnset(w io.Writer, f Format) error {
	if f == FormatDotenv {
		return fmt.Errorf("%w: %s (use sh, fish, powershell, cmd or json)", ErrCannotUnset, f)
	}
	return writeOps(w, f, unsetOps())
}

func writeOps(w io.Writer, f Format, ops []envOp) error {
	for _, op := range ops {
		if strings.IndexByte(op.Value, 0) >= 0 {
			return fmt.Errorf("export %s: %w: NUL byte in %s", f, ErrUnrepresentable, op.Name)
		}
	}
	var b bytes.Buffer
	var err error
	switch f {
	case FormatSh:
		writeSh(&b, ops)
	case FormatFish:
		writeFish(&b, ops)
	case FormatPowerShell:
		writePowerShell(&b, ops)
	case FormatCmd:
		err = writeCmd(&b, ops)
	case FormatDotenv:
		writeDotenv(&b, ops)
	case FormatJSON:
		err = writeJSON(&b, ops)
	default:
		_, err = ParseFormat(string(f))
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// shQuote single-quotes s for POSIX sh, bash and zsh: inside single quotes
// nothing is special, and a quote is written as '\” (close, escaped
// quote, reopen).
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeSh(b *bytes.Buffer, ops []envOp) {
	for _, op := range ops {
		if op.Unset {
			fmt.Fprintf(b, "unset %s\n", op.Name)
			continue
		}
		fmt.Fprintf(b, "export %s=%s\n", op.Name, shQuote(op.Value))
	}
}

// fishQuote single-quotes s for fish, where \\ and \' are the only escapes
// inside single quotes.
func fishQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

func writeFish(b *bytes.Buffer, ops []envOp) {
	for _, op := range ops {
		if op.Unset {
			// set -e of a variable that is not set returns 4; "or true"
			// keeps `switcher export p | source; and ...` working.
			fmt.Fprintf(b, "set -e %s; or true\n", op.Name)
			continue
		}
		fmt.Fprintf(b, "set -gx %s %s\n", op.Name, fishQuote(op.Value))
	}
}

// psQuote single-quotes s for PowerShell, where a single-quoted string
// expands nothing and a quote is doubled. PowerShell also treats the
// typographic quotes U+2018..U+201B as single quotes, so they are doubled
// too.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

func writePowerShell(b *bytes.Buffer, ops []envOp) {
	for _, op := range ops {
		if op.Unset {
			fmt.Fprintf(b, "Remove-Item -Path Env:%s -ErrorAction SilentlyContinue\n", op.Name)
			continue
		}
		fmt.Fprintf(b, "$Env:%s = %s\n", op.Name, psQuote(op.Value))
	}
}

// cmdUnsafe are the characters cmd.exe cannot be trusted to keep literal in
// `set "NAME=value"`: % and ! expand (percent always, ! under delayed
// expansion), " ends the quoting, ^ & | < > are special once quoting is
// lost (for /f re-parses a line), and CR/LF end the statement.
const cmdUnsafe = "%!\"^&|<>\r\n"

func writeCmd(b *bytes.Buffer, ops []envOp) error {
	for _, op := range ops {
		if op.Unset {
			fmt.Fprintf(b, "set \"%s=\"\r\n", op.Name)
			continue
		}
		if i := strings.IndexAny(op.Value, cmdUnsafe); i >= 0 {
			return fmt.Errorf("export cmd: %w: %s holds %q, which cmd.exe cannot quote (use --format powershell)",
				ErrUnrepresentable, op.Name, op.Value[i])
		}
		fmt.Fprintf(b, "set \"%s=%s\"\r\n", op.Name, op.Value)
	}
	return nil
}

// dotenvQuote double-quotes s the way python-dotenv, godotenv and docker
// compose read it: backslash escapes for \ " and newline, CR and tab; $ and
// ` are escaped too, so a file that is `source`d by sh cannot expand or run
// anything.
func dotenvQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, `$`, `\$`, "`", "\\`")
	return `"` + r.Replace(s) + `"`
}

func writeDotenv(b *bytes.Buffer, ops []envOp) {
	for _, op := range ops {
		if op.Unset {
			continue // a dotenv file describes a fresh environment: nothing to remove
		}
		fmt.Fprintf(b, "%s=%s\n", op.Name, dotenvQuote(op.Value))
	}
}

// writeJSON writes one object, names sorted, a removed variable as null.
func writeJSON(b *bytes.Buffer, ops []envOp) error {
	m := make(map[string]*string, len(ops))
	for _, op := range ops {
		if op.Unset {
			m[op.Name] = nil
			continue
		}
		v := op.Value
		m[op.Name] = &v
	}
	enc := json.NewEncoder(b) // encoding/json writes map keys sorted
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// WriteCredentialProcess writes the credential_process JSON the AWS CLI and
// SDKs read: Version 1, the keys, SessionToken and an RFC 3339 UTC
// Expiration when present, one line, newline-terminated.
func WriteCredentialProcess(w io.Writer, c Credentials) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return fmt.Errorf("credential-process: %s has no access key or secret", c)
	}
	out := struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string `json:",omitempty"`
		Expiration      string `json:",omitempty"`
	}{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if c.Expires() {
		out.Expiration = c.Expiration.UTC().Format(time.RFC3339)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil { //nolint:gosec // printing the secret is this function's job
		return fmt.Errorf("credential-process: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
