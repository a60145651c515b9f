package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// The queries of the registry's hot paths, written for each dialect: the
// status read every scan makes, the batched verification log, and the
// permit number counter.

// PermitStatus is the mutable part of a permit: all a verification reads
// from the database on every scan.
type PermitStatus struct {
	ID               int64
	Number           string
	Status           string
	RevocationReason string
}

// PermitStatuses reads the status of an authority's permits with the given
// numbers (those the registry has; unknown numbers are left out). It goes
// through database/sql, not GORM: this is the one query of the verify
// path for permits whose contents are in memory (inList says how the
// numbers are passed).
func PermitStatuses(ctx context.Context, db *gorm.DB, authority string, numbers []string) ([]PermitStatus, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	q, args := statusQuery(DialectOfDB(db), authority, numbers)
	rows, err := sqlDB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanStatuses(rows)
}

func statusQuery(d Dialect, authority string, numbers []string) (string, []any) {
	in, args := inList(d, []any{authority}, numbers)
	return `SELECT id, number, status, revocation_reason FROM permits WHERE authority = ` + placeholder(d, 1) + ` AND number ` + in, args
}

// inList is "IN (...)" for values following the arguments before, with
// all the arguments. On PostgreSQL the list is padded to a power of two
// by repeating its last value, which the query's index scan reads once:
// a prepared statement with an array argument ("= ANY($2)") is planned
// for an array of unknown length, its one generic plan looks dearer than
// a plan for the batch at hand, and PostgreSQL planned the verify path's
// joined query anew on every execution, which cost it more than running
// the query (75 against 44 µs of its CPU a cold scan,
// docs/benchmarks.md). With one placeholder a value and seven lengths (1
// to 64, the status reader's largest batch), each statement's generic
// plan costs what its custom plans do, and PostgreSQL keeps it after five
// executions.
func inList[T any](d Dialect, before []any, values []T) (string, []any) {
	n := len(values)
	if d == Postgres {
		for n&(n-1) != 0 {
			n++
		}
	}
	args := make([]any, len(before), len(before)+n)
	copy(args, before)
	var b strings.Builder
	b.WriteString("IN (")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(placeholder(d, len(before)+i+1))
		args = append(args, values[min(i, len(values)-1)])
	}
	b.WriteByte(')')
	return b.String(), args
}

// placeholder is the i-th (from 1) query argument's placeholder.
func placeholder(d Dialect, i int) string {
	if d == Postgres {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}

func scanStatuses(rows *sql.Rows) ([]PermitStatus, error) {
	defer rows.Close()
	var out []PermitStatus
	for rows.Next() {
		var st PermitStatus
		if err := rows.Scan(&st.ID, &st.Number, &st.Status, &st.RevocationReason); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// InsertVerifications stores a batch of verification records. On
// PostgreSQL it uses COPY: under a full border post's load it costs the
// database a fraction of what a multi-row INSERT does, and the database
// shares the machine with the verifications it records.
func InsertVerifications(ctx context.Context, db *gorm.DB, vs []Verification) error {
	if DialectOfDB(db) != Postgres {
		return db.WithContext(ctx).Create(&vs).Error
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("models: unexpected PostgreSQL driver %T", dc)
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{"verifications"}, verificationColumns,
			pgx.CopyFromSlice(len(vs), func(i int) ([]any, error) {
				v := &vs[i]
				return []any{v.ID, v.CheckedAt, v.UserID, v.Username, v.Verdict, v.Reason, v.Authority, v.Number,
					v.KeyID, v.CodeSHA256, v.Port, v.Direction, v.Mode, v.Source}, nil
			}))
		return err
	})
}

var verificationColumns = []string{"id", "checked_at", "user_id", "username", "verdict", "reason", "authority", "number",
	"key_id", "code_sha256", "port", "direction", "mode", "source"}

// NextSerial takes the next permit serial of an authority and year inside
// tx. The upsert is atomic on both databases, so concurrent issues never
// share a number.
func NextSerial(tx *gorm.DB, authority string, year int) (int64, error) {
	var last int64
	err := tx.Raw(`INSERT INTO permit_serials (authority, year, last) VALUES (?, ?, 1)
		ON CONFLICT (authority, year) DO UPDATE SET last = permit_serials.last + 1
		RETURNING last`, authority, year).Scan(&last).Error
	if err != nil {
		return 0, fmt.Errorf("next serial: %w", err)
	}
	return last, nil
}

// CommitWithoutFlush lets tx's commit return before its log reaches disk
// (PostgreSQL's synchronous_commit off, for this transaction only; SQLite
// has nothing to change). Use it only for a transaction whose loss in a
// crash is undone by the loss of a later one that is flushed, such as the
// permit number a permit's own issue then commits.
func CommitWithoutFlush(tx *gorm.DB) error {
	if DialectOfDB(tx) != Postgres {
		return nil
	}
	return tx.Exec("SET LOCAL synchronous_commit = off").Error
}

// CountAttempt counts one sign-in attempt under key in a fixed window and
// returns the count so far and when the window started. One statement, so
// concurrent attempts (from one client or from several replicas) each get
// their own count: the check and the count cannot be raced apart.
func CountAttempt(ctx context.Context, db *gorm.DB, key string, now time.Time, window time.Duration) (int, time.Time, error) {
	var out struct {
		Count       int
		WindowStart time.Time
	}
	cutoff := now.Add(-window)
	err := db.WithContext(ctx).Raw(`INSERT INTO login_attempts (key, count, window_start) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN login_attempts.window_start <= ? THEN 1 ELSE login_attempts.count + 1 END,
			window_start = CASE WHEN login_attempts.window_start <= ? THEN excluded.window_start ELSE login_attempts.window_start END
		RETURNING count, window_start`, key, now, cutoff, cutoff).Scan(&out).Error
	return out.Count, out.WindowStart.UTC(), err
}

// ForgiveAttempt takes one attempt back under key (a sign-in that
// succeeded from a client address), and ClearAttempts forgets a key.
func ForgiveAttempt(ctx context.Context, db *gorm.DB, key string) error {
	return db.WithContext(ctx).Exec(`UPDATE login_attempts SET count = count - 1 WHERE key = ? AND count > 0`, key).Error
}

// ClearAttempts forgets the attempts counted under key.
func ClearAttempts(ctx context.Context, db *gorm.DB, key string) error {
	return db.WithContext(ctx).Exec(`DELETE FROM login_attempts WHERE key = ?`, key).Error
}

// PermitContents reads the permits with the given ids and their lines,
// lines in order, in one query without GORM (no reflection: the
// verify path reads the contents of every permit new to memory), without
// the code (see permitRecords).
func PermitContents(ctx context.Context, db *gorm.DB, ids []int64) ([]Permit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList(DialectOfDB(db), nil, ids)
	return permitRecords(ctx, db, len(ids), `p.id `+in, args)
}

// PermitsByNumber reads an authority's permits with the given numbers,
// with their status and lines, in one query: a scan of a permit not in
// memory needs both, and one round trip instead of a status query and a
// contents query is what a scan new to the server costs the database.
// Unknown numbers are left out; like PermitContents, it leaves out the
// code (see permitRecords).
func PermitsByNumber(ctx context.Context, db *gorm.DB, authority string, numbers []string) ([]Permit, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	d := DialectOfDB(db)
	in, args := inList(d, []any{authority}, numbers)
	return permitRecords(ctx, db, len(numbers), `p.authority = `+placeholder(d, 1)+` AND p.number `+in, args)
}

// permitRecords reads the (at most n) permits matching where (over "p")
// joined with their lines; a permit without lines (none is issued so)
// still comes back. It is the verify path's read and leaves out the
// permit's code (Code is empty): a verdict does not repeat the code the
// officer holds, and at about 700 bytes the code was most of each row
// and of each permit the contents cache keeps.
func permitRecords(ctx context.Context, db *gorm.DB, n int, where string, args []any) ([]Permit, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// A permit without lines gets zero values for the line's columns, so
	// that every column scans into a plain field.
	q := `SELECT p.id, p.authority, p.number, p.type, p.purpose, p.status, p.exporter_name,
		p.exporter_address, p.exporter_country, p.importer_name, p.importer_address, p.importer_country, p.exporter_account,
		p.conditions, p.security_stamp, p.valid_from, p.valid_until, p.issued_at, p.issued_by, p.issued_place, p.key_id,
		p.revoked_at, p.revoked_by, p.revocation_reason, p.listing_version, p.status_index,
		COALESCE(l.id, 0), COALESCE(l.line, ''), COALESCE(l.taxon, ''), COALESCE(l.listed_as, ''), COALESCE(l.appendix, ''),
		COALESCE(l.description, ''), COALESCE(l.term, ''), COALESCE(l.source, ''), COALESCE(l.quantity, 0), COALESCE(l.unit, ''),
		COALESCE(l.marks, ''), COALESCE(l.origin_country, ''), COALESCE(l.requested_as, ''), COALESCE(l.out_of_range, false),
		l.quota_id, l.quota_used, l.quota_total, l.quota_year
		FROM permits p LEFT JOIN permit_lines l ON l.permit_id = p.id
		WHERE ` + where + ` ORDER BY p.id, l.line`
	if DialectOfDB(db) != Postgres {
		rows, err := sqlDB.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return readPermits(rows, n)
	}
	// On PostgreSQL through pgx itself: database/sql boxed every column
	// of every row in an interface and converted it again.
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var ps []Permit
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("models: unexpected PostgreSQL driver %T", dc)
		}
		rows, err := pc.Conn().Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		ps, err = readPermits(rows, n)
		return err
	})
	return ps, err
}

// permitRows is what readPermits needs of database/sql's and pgx's rows.
type permitRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// readPermits reads permitRecords' rows, ordered by permit.
func readPermits(rows permitRows, n int) ([]Permit, error) {
	ps := make([]Permit, 0, n)
	var (
		p Permit
		l PermitLine
	)
	for rows.Next() {
		p, l = Permit{}, PermitLine{}
		if err := rows.Scan(&p.ID, &p.Authority, &p.Number, &p.Type, &p.Purpose, &p.Status, &p.ExporterName,
			&p.ExporterAddress, &p.ExporterCountry, &p.ImporterName, &p.ImporterAddress, &p.ImporterCountry, &p.ExporterAccount,
			&p.Conditions, &p.SecurityStamp, &p.ValidFrom, &p.ValidUntil, &p.IssuedAt, &p.IssuedBy, &p.IssuedPlace, &p.KeyID,
			&p.RevokedAt, &p.RevokedBy, &p.RevocationReason, &p.ListingVersion, &p.StatusIndex,
			&l.ID, &l.Line, &l.Taxon, &l.ListedAs, &l.Appendix, &l.Description, &l.Term, &l.Source, &l.Quantity, &l.Unit,
			&l.Marks, &l.OriginCountry, &l.RequestedAs, &l.OutOfRange, &l.QuotaID, &l.QuotaUsed, &l.QuotaTotal, &l.QuotaYear); err != nil {
			return nil, err
		}
		if n := len(ps); n == 0 || ps[n-1].ID != p.ID {
			ps = append(ps, p)
		}
		if l.ID != 0 {
			l.PermitID = p.ID
			ps[len(ps)-1].Lines = append(ps[len(ps)-1].Lines, l)
		}
	}
	return ps, rows.Err()
}
