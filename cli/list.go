package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/profiles"
)

// ListOptions are list's flags and effects.
type ListOptions struct {
	IO   IOStreams
	JSON bool
	// Rows are the profiles with the time left on cached sessions.
	Rows func() ([]profiles.Row, error)
	// Sizes are the sizes of the files read, for the memory limit.
	Sizes func() int64
}

// NewCmdList is `switcher list [--json]`.
func NewCmdList(f *Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO, Rows: f.listRows, Sizes: f.fileSizes}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List profiles: account, role, region, MFA and source chain (role profiles first)",
		Long: `List every profile of the config and credentials files: role profiles first,
then the others, each group in file order. Columns: name, account, role,
region, MFA mode (session: one code on the source then every role; direct: the
code goes on AssumeRole), and the chain from the profile to its credentials.`,
		Example: "  switcher list\n  switcher list --json | jq -r '.[].name'",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

func listRun(opts *ListOptions) error {
	defer listGC(opts.Sizes())()
	rows, err := opts.Rows()
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeListJSON(opts.IO.Out, rows)
	}
	return writeListTable(opts.IO.Out, rows)
}

// fileSizes is the size of the two files, 0 for a missing one.
func (f *Factory) fileSizes() int64 {
	var n int64
	for _, path := range []func() (string, error){f.ConfigPath, f.CredentialsPath} {
		if p, err := path(); err == nil {
			if fi, err := os.Stat(p); err == nil {
				n += fi.Size()
			}
		}
	}
	return n
}

// listGC pauses the garbage collector for a list command and returns what
// restores it. A list keeps nearly everything it allocates until it prints
// and exits a moment later, so collecting on the way frees little: at
// 10,000 profiles the collector cost a third of a cold run and lowered its
// peak RSS by nothing measurable (bench/PERFORMANCE.md). A memory limit
// proportional to the two files (a 10,000-profile config of 1.4 MB parses
// into about 10 MiB) still has a huge config collected rather than grown
// without bound.
func listGC(fileBytes int64) (restore func()) {
	limit := int64(32<<20) + 24*fileBytes
	percent := debug.SetGCPercent(-1)
	prev := debug.SetMemoryLimit(limit)
	return func() {
		debug.SetMemoryLimit(prev)
		debug.SetGCPercent(percent)
	}
}

// writeListTable prints the rows as tabwriter would (columns two blanks
// apart, widths in runes, the last column unpadded), but measures the
// columns first and then writes whole lines through one buffer: tabwriter
// wrote each cell with its own write(2), 140,000 of them at 10,000
// profiles, and kept a copy of every cell.
func writeListTable(w io.Writer, rows []profiles.Row) error {
	const gap = 2
	header := [6]string{"NAME", "ACCOUNT", "ROLE", "REGION", "MFA", "LEFT"}
	var width [6]int
	for i, h := range header {
		width[i] = utf8.RuneCountInString(h)
	}
	for i := range rows {
		for j, c := range listCells(&rows[i]) {
			width[j] = max(width[j], utf8.RuneCountInString(c))
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	pad := func(c string, j int) {
		_, _ = bw.WriteString(c)
		for range width[j] + gap - utf8.RuneCountInString(c) {
			_ = bw.WriteByte(' ')
		}
	}
	for j, h := range header {
		pad(h, j)
	}
	_, _ = bw.WriteString("CHAIN\n")
	for i := range rows {
		r := &rows[i]
		for j, c := range listCells(r) {
			pad(c, j)
		}
		writeListChain(bw, r)
		_ = bw.WriteByte('\n')
	}
	return bw.Flush()
}

// listCells are a row's cells before the chain.
func listCells(r *profiles.Row) [6]string {
	mfa := r.MFA
	if mfa == profiles.MFANone.String() {
		mfa = ""
	}
	return [6]string{r.Name, orDash(r.Account), orDash(r.Role), orDash(r.Region), orDash(mfa), listLeft(r.CachedLeftSeconds)}
}

// writeListChain writes the chain column: the profiles down to the
// credentials, or what is wrong.
func writeListChain(bw *bufio.Writer, r *profiles.Row) {
	if r.Error != "" {
		_, _ = bw.WriteString("error: " + r.Short + "; see switcher doctor")
		return
	}
	for i, n := range r.Chain {
		if i > 0 {
			_, _ = bw.WriteString(" <- ")
		}
		_, _ = bw.WriteString(n)
	}
	if r.Source == profiles.SourceNone {
		_, _ = bw.WriteString(" (no credentials)")
		return
	}
	_, _ = bw.WriteString(" (" + r.Source + ")")
}

// listLeft formats seconds left as 1h02m, 42m or 30s; "-" for none.
func listLeft(secs int) string {
	switch {
	case secs <= 0:
		return "-"
	case secs >= 3600:
		return fmt.Sprintf("%dh%02dm", secs/3600, secs%3600/60)
	case secs >= 60:
		return fmt.Sprintf("%dm", secs/60)
	}
	return fmt.Sprintf("%ds", secs)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeDataJSON prints v as indented JSON with a final newline.
func writeDataJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeListJSON writes rows exactly as writeDataJSON does (two-space
// indent, no HTML escaping, final newline), without reflection or a
// re-indenting pass. TestWriteListJSONMatches holds it to that.
func writeListJSON(w io.Writer, rows []profiles.Row) error {
	if rows == nil {
		_, err := io.WriteString(w, "null\n")
		return err
	}
	if len(rows) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	const flushAt = 192 << 10
	b := make([]byte, 0, flushAt+64<<10)
	b = append(b, "[\n"...)
	for i := range rows {
		b = appendListRow(b, &rows[i])
		if i < len(rows)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		if len(b) > flushAt {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	b = append(b, "]\n"...)
	_, err := w.Write(b)
	return err
}

func appendListRow(b []byte, r *profiles.Row) []byte {
	b = append(b, "  {\n"...)
	b = appendField(b, "name", r.Name)
	b = appendField(b, "role_arn", r.RoleARN)
	b = appendField(b, "account", r.Account)
	b = appendField(b, "role", r.Role)
	b = appendField(b, "source_profile", r.SourceProfile)
	b = append(b, `    "chain": `...)
	b = appendChain(b, r.Chain)
	b = append(b, ",\n"...)
	b = appendField(b, "region", r.Region)
	b = appendField(b, "mfa_serial", r.MFASerial)
	b = appendField(b, "mfa", r.MFA)
	b = appendField(b, "source", r.Source)
	b = appendField(b, "pos", r.Pos)
	b = append(b, `    "cached_left_seconds": `...)
	b = strconv.AppendInt(b, int64(r.CachedLeftSeconds), 10)
	if r.Error != "" {
		b = append(b, ",\n"...)
		b = append(b, `    "error": `...)
		b = appendJSONString(b, r.Error)
	}
	return append(b, "\n  }"...)
}

func appendChain(b []byte, chain []string) []byte {
	switch {
	case chain == nil:
		return append(b, "null"...)
	case len(chain) == 0:
		return append(b, "[]"...)
	}
	b = append(b, "[\n"...)
	for j, c := range chain {
		b = append(b, "      "...)
		b = appendJSONString(b, c)
		if j < len(chain)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	return append(b, "    ]"...)
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, `    "`...)
	b = append(b, name...)
	b = append(b, `": `...)
	b = appendJSONString(b, value)
	return append(b, ",\n"...)
}

// appendJSONString quotes s as encoding/json does with SetEscapeHTML(false):
// plain printable ASCII is copied; anything else goes through json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendJSONSlow(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONSlow(b []byte, s string) []byte {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil { // a string always encodes
		return append(b, `""`...)
	}
	return append(b, strings.TrimSuffix(sb.String(), "\n")...)
}
