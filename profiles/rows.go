package profiles

import (
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"sync"
)

// Row is one profile as `switcher list` and the picker show it: what the
// files say of its role and region, and what Summarize says of its chain
// and MFA, or why it cannot be assumed.
type Row struct {
	Name          string   `json:"name"`
	RoleARN       string   `json:"role_arn"`
	Account       string   `json:"account"`
	Role          string   `json:"role"`
	SourceProfile string   `json:"source_profile"`
	Chain         []string `json:"chain"`
	Region        string   `json:"region"`
	MFASerial     string   `json:"mfa_serial"`
	MFA           string   `json:"mfa"`
	Source        string   `json:"source"`
	Pos           string   `json:"pos"`
	// CachedLeftSeconds is the time left on a cached session; 0 when none.
	// Rows leaves it 0: the caller asks the session cache.
	CachedLeftSeconds int    `json:"cached_left_seconds"`
	Error             string `json:"error,omitempty"`
	// Short is Error without position and fix, for a table cell (doctor
	// and plan give those).
	Short string `json:"-"`
}

// SourceNone is Row.Source for a profile with no credential settings.
const SourceNone = "none"

// ShortError is the problem alone, for a table cell.
func ShortError(err error) string {
	var (
		ce  *ConfigError
		cyc *CycleError
	)
	switch {
	case errors.As(err, &ce):
		return ce.Msg
	case errors.As(err, &cyc):
		return "source_profile cycle: " + strings.Join(cyc.Names, " -> ")
	}
	return err.Error()
}

// Rows describes every profile: role profiles first, then the others,
// each group in file order. A large config is split between the CPUs (a
// Config is safe for concurrent reads).
func (c *Config) Rows() []Row {
	return c.rowsSplit(min(runtime.GOMAXPROCS(0), 4))
}

// rowsSplit is Rows with at most maxWorkers goroutines, each given at
// least 2,000 rows.
func (c *Config) rowsSplit(maxWorkers int) []Row {
	order := make([]*Profile, 0, len(c.profiles))
	for _, roles := range []bool{true, false} {
		for _, p := range c.profiles {
			if p.IsRole() == roles {
				order = append(order, p)
			}
		}
	}
	rows := make([]Row, len(order))
	fill := func(from, to int) {
		for i := from; i < to; i++ {
			rows[i] = c.RowFor(order[i])
		}
	}
	const perWorker = 2000
	workers := min(maxWorkers, len(rows)/perWorker)
	if workers < 2 {
		fill(0, len(rows))
		return rows
	}
	var wg sync.WaitGroup
	chunk := (len(rows) + workers - 1) / workers
	for from := chunk; from < len(rows); from += chunk {
		wg.Go(func() { fill(from, min(from+chunk, len(rows))) })
	}
	fill(0, chunk)
	wg.Wait()
	return rows
}

// RowFor describes one profile.
func (c *Config) RowFor(p *Profile) Row {
	r := Row{
		Name:          p.Name,
		RoleARN:       p.Value(KeyRoleARN),
		SourceProfile: p.Value(KeySourceProfile),
		Region:        p.Value(KeyRegion),
		MFASerial:     p.Value(KeyMFASerial),
		Chain:         []string{p.Name},
		MFA:           MFANone.String(),
		Pos:           p.Pos.String(),
	}
	if r.RoleARN != "" {
		r.Account = AccountFromARN(r.RoleARN)
		r.Role = RoleNameFromARN(r.RoleARN)
	} else if id := p.Value(KeySSOAccountID); id != "" {
		r.Account, r.Role = id, p.Value(KeySSORoleName)
	}
	if !p.HasCredentialSettings() {
		r.Source = SourceNone
		return r
	}
	sum, err := c.Summarize(p.Name) // what Plan says of the chain and MFA, without the steps
	if err != nil {
		r.Error = err.Error()
		r.Short = ShortError(err)
		return r
	}
	r.Chain = sum.Names
	r.Source = sum.Source.String()
	if sum.Region != "" {
		r.Region = sum.Region
	}
	r.MFA = sum.MFA.String()
	if r.MFASerial == "" {
		r.MFASerial = sum.MFASerial
	}
	return r
}

// EncodeRows and DecodeRows are the payload of the list rows index that
// the cache keeps (creds.Store.PutIndex): the rows without
// CachedLeftSeconds. The layout is the number of rows, then each row's
// strings in field order and its chain (uvarint length+1, 0 for nil, then
// the names). A string is a uvarint: 0 for the same value as the reference
// (this field of the row before; for a chain's first name, the row's own
// name), else its length+1 and its bytes. Neighbouring rows share most of
// their region, role, MFA and source, so encoding needs no map and decoding
// slices one string. TestRowFields keeps them in step with Row.
func EncodeRows(rows []Row) []byte {
	body := make([]byte, 0, 160*len(rows)+16)
	body = binary.AppendUvarint(body, uint64(len(rows)))
	str := func(s, ref string) {
		if s == ref {
			body = append(body, 0)
			return
		}
		body = binary.AppendUvarint(body, uint64(len(s))+1)
		body = append(body, s...)
	}
	var prev Row
	for i := range rows {
		r := &rows[i]
		pf := prev.fields()
		for j, f := range r.fields() {
			str(*f, *pf[j])
		}
		if r.Chain == nil {
			body = append(body, 0)
		} else {
			body = binary.AppendUvarint(body, uint64(len(r.Chain))+1)
		}
		for j, c := range r.Chain {
			str(c, chainRef(r, &prev, j))
		}
		prev = *r
	}
	return body
}

// fields are a row's strings in the index's order.
func (r *Row) fields() [12]*string {
	return [12]*string{&r.Name, &r.RoleARN, &r.Account, &r.Role, &r.SourceProfile, &r.Region,
		&r.MFASerial, &r.MFA, &r.Source, &r.Pos, &r.Error, &r.Short}
}

// chainRef is what a chain's j-th name is encoded against.
func chainRef(r, prev *Row, j int) string {
	switch {
	case j == 0:
		return r.Name
	case j < len(prev.Chain):
		return prev.Chain[j]
	}
	return ""
}

// ErrBadRows: the bytes are not rows EncodeRows wrote.
var ErrBadRows = errors.New("list rows index is corrupt")

// rowDecoder reads what EncodeRows wrote.
type rowDecoder struct {
	data []byte
	all  string // one copy of data: every string is a slice of it
	off  int
	bad  bool
}

func (d *rowDecoder) next() uint64 {
	v, n := binary.Uvarint(d.data[d.off:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.off += n
	return v
}

func (d *rowDecoder) str(ref string) string {
	n := d.next()
	switch {
	case d.bad:
		return ""
	case n == 0:
		return ref
	}
	rest := d.data[d.off:]
	if n-1 > uint64(len(rest)) {
		d.bad = true
		return ""
	}
	size := len(rest[:n-1]) // n-1 as an int
	s := d.all[d.off : d.off+size]
	d.off += size
	return s
}

// DecodeRows reads rows EncodeRows wrote.
func DecodeRows(data []byte) ([]Row, error) {
	d := &rowDecoder{data: data, all: string(data)}
	n := d.next()
	if d.bad || n > uint64(len(data)) {
		return nil, ErrBadRows
	}
	rows := make([]Row, n)
	const perRow = 4
	pool := make([]string, 0, perRow*len(rows)) // the chains, sliced out of one array
	var prev Row
	for i := range rows {
		r := &rows[i]
		pf := prev.fields()
		for j, f := range r.fields() {
			*f = d.str(*pf[j])
		}
		nc := d.next()
		if d.bad || nc > uint64(len(data[d.off:]))+1 {
			return nil, ErrBadRows
		}
		if nc > 0 {
			chain := len(data[d.off:][:nc-1]) // nc-1 as an int
			if len(pool)+chain > cap(pool) {
				pool = make([]string, 0, max(perRow*len(rows), chain))
			}
			start := len(pool)
			for j := range chain {
				pool = append(pool, d.str(chainRef(r, &prev, j)))
			}
			r.Chain = pool[start:len(pool):len(pool)]
		}
		if d.bad {
			return nil, ErrBadRows
		}
		prev = *r
	}
	if d.off != len(data) {
		return nil, ErrBadRows
	}
	return rows, nil
}
