package profiles

import (
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"sync"
	"unsafe"
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

// ShortError is the problem and where it is, without the fix, for a
// table cell or the picker.
func ShortError(err error) string {
	var (
		ce  *ConfigError
		cyc *CycleError
	)
	switch {
	case errors.As(err, &ce):
		if p := ce.Pos.String(); ce.Pos.Line > 0 {
			return ce.Msg + " (" + p + ")"
		}
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
	if e := c.broken[p.Name]; e != nil { // a line of it cannot be read
		r.Error, r.Short = e.Error(), ShortError(e)
		return r
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
	if sum.Problem != nil { // a value STS would reject: Plan's error, doctor's too
		r.Error = sum.Problem.Error()
		r.Short = ShortError(sum.Problem)
	}
	r.Chain = sum.Names
	r.Source = sum.Source.String()
	if sum.Source == SourceKeyring {
		r.Source += " (" + c.byName[sum.Names[len(sum.Names)-1]].Keyring + ")"
	}
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
		str(r.Name, prev.Name)
		str(r.RoleARN, prev.RoleARN)
		str(r.Account, prev.Account)
		str(r.Role, prev.Role)
		str(r.SourceProfile, prev.SourceProfile)
		str(r.Region, prev.Region)
		str(r.MFASerial, prev.MFASerial)
		str(r.MFA, prev.MFA)
		str(r.Source, prev.Source)
		str(r.Pos, prev.Pos)
		str(r.Error, prev.Error)
		str(r.Short, prev.Short)
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

// rowDecoder reads what EncodeRows wrote: decoding is most of a warm
// `list`, so its steps are small enough for the compiler to inline.
type rowDecoder struct {
	data []byte
	all  string // one copy of data: every string is a slice of it
	off  int
	bad  bool
}

// next reads a uvarint; lengths under 128 take one byte.
func (d *rowDecoder) next() uint64 {
	if d.off < len(d.data) && d.data[d.off] < 0x80 {
		d.off++
		return uint64(d.data[d.off-1])
	}
	v, n := binary.Uvarint(d.data[d.off:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.off += n
	return v
}

// str reads a string: ref when it is the same, else its bytes.
func (d *rowDecoder) str(ref string) string {
	n := d.next()
	if n == 0 || d.bad {
		return ref
	}
	rest := d.data[d.off:]
	if n-1 > uint64(len(rest)) {
		d.bad = true
		return ""
	}
	end := d.off + len(rest[:n-1]) // n-1 as an int
	s := d.all[d.off:end]
	d.off = end
	return s
}

// row reads one row, given the one before it; chains are sliced out of pool.
func (d *rowDecoder) row(r, prev *Row, pool *[]string, perRow int) {
	r.Name = d.str(prev.Name)
	r.RoleARN = d.str(prev.RoleARN)
	r.Account = d.str(prev.Account)
	r.Role = d.str(prev.Role)
	r.SourceProfile = d.str(prev.SourceProfile)
	r.Region = d.str(prev.Region)
	r.MFASerial = d.str(prev.MFASerial)
	r.MFA = d.str(prev.MFA)
	r.Source = d.str(prev.Source)
	r.Pos = d.str(prev.Pos)
	r.Error = d.str(prev.Error)
	r.Short = d.str(prev.Short)
	nc := d.next()
	rest := d.data[d.off:]
	if d.bad || nc > uint64(len(rest))+1 {
		d.bad = true
		return
	}
	if nc == 0 {
		return
	}
	chain := len(rest[:nc-1]) // nc-1 as an int
	if len(*pool)+chain > cap(*pool) {
		*pool = make([]string, 0, max(perRow, chain))
	}
	start := len(*pool)
	for j := range chain {
		*pool = append(*pool, d.str(chainRef(r, prev, j)))
	}
	r.Chain = (*pool)[start:len(*pool):len(*pool)]
}

// DecodeRows reads rows EncodeRows wrote. It takes data over: the rows'
// strings are slices of it, so data must not change afterwards.
func DecodeRows(data []byte) ([]Row, error) {
	d, err := NewRowsDecoder(data)
	if err != nil {
		return nil, err
	}
	return d.Decode(d.Len())
}

// RowsDecoder reads rows EncodeRows wrote a few at a time, so that the
// first screen of a long list costs only its own rows: the picker's first
// frame at 100,000 profiles decodes a screenful, then the rest.
type RowsDecoder struct {
	d      rowDecoder
	rows   []Row // decoded so far; capacity n, touched only as filled
	pool   []string
	perRow int
}

// NewRowsDecoder starts reading data (which it takes over, as DecodeRows).
func NewRowsDecoder(data []byte) (*RowsDecoder, error) {
	d := rowDecoder{data: data}
	if len(data) > 0 {
		d.all = unsafe.String(&data[0], len(data)) // data is ours and never changes: no copy
	}
	n := d.next()
	if d.bad || n > uint64(len(data)) {
		return nil, ErrBadRows
	}
	rd := &RowsDecoder{d: d, rows: make([]Row, 0, n)}
	rd.perRow = 4 * int(min(n, 4096))
	return rd, nil
}

// Len is the number of rows in all.
func (rd *RowsDecoder) Len() int { return cap(rd.rows) }

// Decode reads up to k more rows and returns every row read so far. Once
// all are read it checks that nothing follows them.
func (rd *RowsDecoder) Decode(k int) ([]Row, error) {
	var prev Row
	if len(rd.rows) > 0 {
		prev = rd.rows[len(rd.rows)-1]
	}
	for range min(k, cap(rd.rows)-len(rd.rows)) {
		rd.rows = rd.rows[:len(rd.rows)+1]
		r := &rd.rows[len(rd.rows)-1]
		rd.d.row(r, &prev, &rd.pool, rd.perRow)
		if rd.d.bad {
			return nil, ErrBadRows
		}
		prev = *r
	}
	if len(rd.rows) == cap(rd.rows) && rd.d.off != len(rd.d.data) {
		return nil, ErrBadRows
	}
	return rd.rows, nil
}
