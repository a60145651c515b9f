package models

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the two databases the registry runs on.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DialectOf tells which database a DSN names: postgres:// and
// postgresql:// URLs (or key=value strings with host=) are PostgreSQL,
// anything else is an SQLite file path.
func DialectOf(dsn string) Dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") ||
		strings.Contains(dsn, "host=") {
		return Postgres
	}
	return SQLite
}

// cancelQueries makes a PostgreSQL connection end the query of a context
// that is cancelled (a client that hung up) by asking the server to cancel
// it, instead of pgx's default of closing the connection. database/sql
// cannot tell a connection pgx closed from a live one until it hands it
// out again (pgx's driver has no IsValid), and a transaction that draws a
// closed connection three times fails with "driver: bad connection": when
// many clients left at once, as at the end of every load run, requests of
// clients still connected were answered database_unavailable. The
// connection is closed only if the server has not answered the cancel
// request within cancelGrace.
func cancelQueries(_ context.Context, c *pgx.ConnConfig) error {
	c.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: cancelGrace}
	}
	return nil
}

// cancelGrace is how long a cancelled query's connection waits for the
// server to cancel it before it is closed.
const cancelGrace = 500 * time.Millisecond

// Open connects to the database named by dsn. It does not migrate.
func Open(dsn string) (*gorm.DB, error) {
	cfg := &gorm.Config{
		TranslateError:         true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		SkipDefaultTransaction: true,
	}
	var (
		db  *gorm.DB
		err error
	)
	switch DialectOf(dsn) {
	case Postgres:
		db, err = gorm.Open(postgres.New(postgres.Config{
			DSN:          dsn,
			OptionOpenDB: []stdlib.OptionOpenDB{stdlib.OptionBeforeConnect(cancelQueries)},
		}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	default:
		path := strings.TrimPrefix(dsn, "sqlite://")
		// An empty name would give every pooled connection a private
		// temporary database: tables migrated on one are missing on the next.
		if path == "" {
			return nil, errors.New("open sqlite: no database file given")
		}
		// The registry's file is readable by its owner only; SQLite gives
		// its -wal and -shm files the same mode.
		if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
			f.Close()
		}
		q := url.Values{}
		// WAL lets readers run beside the writer; IMMEDIATE transactions take
		// the write lock up front so two writers queue on busy_timeout
		// instead of failing on a lock upgrade.
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		// Leave _time_format unset: the driver's default is the same
		// format, and setting it makes the driver skip _txlock.
		db, err = gorm.Open(sqlite.Open("file:"+filepath.ToSlash(path)+"?"+q.Encode()), cfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(4)
	}
	return db, nil
}

// DialectOfDB tells which database an open handle talks to.
func DialectOfDB(db *gorm.DB) Dialect {
	if db.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}

func provider(db *gorm.DB) (*goose.Provider, error) {
	d := DialectOfDB(db)
	sub, err := fs.Sub(migrations, "migrations/"+string(d))
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	if d == Postgres {
		gd = goose.DialectPostgres
	}
	// Out-of-order migrations are applied rather than refused: features
	// developed side by side number their migrations independently.
	return goose.NewProvider(gd, sqlDB, sub, goose.WithAllowOutofOrder(true))
}

// Migrate applies every pending migration and returns the schema version.
func Migrate(ctx context.Context, db *gorm.DB) (int64, error) {
	p, err := provider(db)
	if err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// RedactDSN returns a database URL or connection string with every
// credential removed, for logs: the password in a URL's user part, a
// password (or sslpassword, sslkey) query parameter, and password=... in a
// keyword string (host=... password=...), quoted or not.
func RedactDSN(dsn string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "(unreadable database URL)"
		}
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
		}
		q := u.Query()
		for k := range q {
			if secretParam(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	return keywordSecret.ReplaceAllStringFunc(dsn, func(kv string) string {
		k := strings.TrimSpace(kv[:strings.Index(kv, "=")])
		return k + "=xxxxx"
	})
}

func secretParam(k string) bool {
	switch strings.ToLower(k) {
	case "password", "sslpassword", "pass", "pwd":
		return true
	}
	return false
}

// keywordSecret matches password=value in a keyword connection string,
// the value bare or single-quoted (with \' escapes).
var keywordSecret = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)`)

// BackupSQLite writes a consistent copy of an SQLite registry to path while
// it serves (VACUUM INTO reads one snapshot; writers go on). PostgreSQL is
// backed up with its own tools (pg_dump, or base backups with WAL
// archiving; README "Backup and restore").
func BackupSQLite(ctx context.Context, db *gorm.DB, path string) error {
	if DialectOfDB(db) != SQLite {
		return errors.New("the database is PostgreSQL: back it up with pg_dump (README \"Backup and restore\")")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: back up into a new file", path)
	}
	return db.WithContext(ctx).Exec("VACUUM INTO ?", path).Error
}
