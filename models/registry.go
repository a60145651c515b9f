package models

import (
	"context"
	"database/sql"
	"fmt"
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
// path. PostgreSQL gets one statement for every batch size (an array),
// which pgx prepares once per connection; one number uses the unique
// index's point lookup.
func PermitStatuses(ctx context.Context, db *gorm.DB, authority string, numbers []string) ([]PermitStatus, error) {
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
	const cols = `SELECT id, number, status, revocation_reason FROM permits `
	if len(numbers) == 1 {
		if d == Postgres {
			return cols + `WHERE authority = $1 AND number = $2`, []any{authority, numbers[0]}
		}
		return cols + `WHERE authority = ? AND number = ?`, []any{authority, numbers[0]}
	}
	if d == Postgres {
		return cols + `WHERE authority = $1 AND number = ANY($2::text[])`, []any{authority, numbers}
	}
	q := cols + `WHERE authority = ? AND number IN (?` + strings.Repeat(",?", len(numbers)-1) + `)`
	args := make([]any, 0, 1+len(numbers))
	args = append(args, authority)
	for _, n := range numbers {
		args = append(args, n)
	}
	return q, args
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

// PermitContents reads the permits with the given ids and their lines in
// two queries through database/sql (no reflection: the verify path reads
// the contents of every permit new to memory), lines in order.
func PermitContents(ctx context.Context, db *gorm.DB, ids []int64) ([]Permit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	d := DialectOfDB(db)
	in, args := idList(d, ids)
	rows, err := sqlDB.QueryContext(ctx, `SELECT id, authority, number, type, purpose, status, exporter_name, exporter_address,
		exporter_country, importer_name, importer_address, importer_country, exporter_account, conditions, security_stamp,
		valid_from, valid_until, issued_at, issued_by, issued_place, key_id, code, revoked_at, revoked_by, revocation_reason,
		listing_version, status_index FROM permits WHERE id `+in, args...)
	if err != nil {
		return nil, err
	}
	var ps []Permit
	byID := map[int64]int{}
	for rows.Next() {
		var p Permit
		if err := rows.Scan(&p.ID, &p.Authority, &p.Number, &p.Type, &p.Purpose, &p.Status, &p.ExporterName, &p.ExporterAddress,
			&p.ExporterCountry, &p.ImporterName, &p.ImporterAddress, &p.ImporterCountry, &p.ExporterAccount, &p.Conditions, &p.SecurityStamp,
			&p.ValidFrom, &p.ValidUntil, &p.IssuedAt, &p.IssuedBy, &p.IssuedPlace, &p.KeyID, &p.Code, &p.RevokedAt, &p.RevokedBy,
			&p.RevocationReason, &p.ListingVersion, &p.StatusIndex); err != nil {
			rows.Close()
			return nil, err
		}
		byID[p.ID] = len(ps)
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lrows, err := sqlDB.QueryContext(ctx, `SELECT id, permit_id, line, taxon, listed_as, appendix, description, term, source, quantity,
		unit, marks, origin_country, requested_as, out_of_range, quota_id, quota_used, quota_total, quota_year
		FROM permit_lines WHERE permit_id `+in+` ORDER BY permit_id, line`, args...)
	if err != nil {
		return nil, err
	}
	defer lrows.Close()
	for lrows.Next() {
		var l PermitLine
		if err := lrows.Scan(&l.ID, &l.PermitID, &l.Line, &l.Taxon, &l.ListedAs, &l.Appendix, &l.Description, &l.Term, &l.Source,
			&l.Quantity, &l.Unit, &l.Marks, &l.OriginCountry, &l.RequestedAs, &l.OutOfRange, &l.QuotaID, &l.QuotaUsed, &l.QuotaTotal,
			&l.QuotaYear); err != nil {
			return nil, err
		}
		if i, ok := byID[l.PermitID]; ok {
			ps[i].Lines = append(ps[i].Lines, l)
		}
	}
	return ps, lrows.Err()
}

// idList is "IN (...)" or "= ANY($1)" for ids, with its arguments.
func idList(d Dialect, ids []int64) (string, []any) {
	if d == Postgres {
		return "= ANY($1::bigint[])", []any{ids}
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "IN (?" + strings.Repeat(",?", len(ids)-1) + ")", args
}
