// Package database keeps the metadata: applications, the current document of
// each slot, and the history of replaced documents. It speaks SQL through
// database/sql; the schema is migrated by goose from migrations embedded in
// the binary. SQLite (modernc.org/sqlite, no cgo) is the embedded default.
package database

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// ErrNotFound reports a row that does not exist.
var ErrNotFound = errors.New("database: not found")

// DB is the metadata database.
type DB struct {
	sql     *sql.DB
	dialect goose.Dialect
	url     string
	// walkFrom overrides largeScopeRows (tests); nil: the constant.
	walkFrom *int
	// keys seal personal columns and key lookup hashes (sealed.go).
	keys *keys
	// names keeps opened names for the name order (clients.go).
	names *nameCache
	// writer queues the transactions of SQLite (writer.go); nil on
	// PostgreSQL, whose writers lock rows, not the database.
	writer writer
}

// IsPostgres tells whether url selects PostgreSQL.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open connects to url: a postgres:// URL, or a path to an SQLite file
// (optionally "sqlite:PATH"). It does not migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	if IsPostgres(url) {
		return openPostgres(ctx, url)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:")
	if path == "" {
		return nil, errors.New("database: empty SQLite path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("database: create folder for %s: %w", path, err)
	}
	// Created for its owner only (SQLite gives its -wal and -shm files the
	// database file's mode): the metadata is nobody else's to read.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("database: create %s: %w", path, err)
	}
	f.Close()
	// WAL lets readers run beside the one writer; immediate transactions
	// take the write lock up front, so two writers queue (busy_timeout)
	// instead of failing; synchronous=FULL makes a commit durable.
	// The path is part of a URI: a '#' or '?' in a folder's name would
	// end it there (and open another file), so they are escaped.
	dsn := "file:" + uriPath.Replace(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("database: open %s: %w", path, err)
	}
	keepConnections(db)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: connect to %s: %w", path, err)
	}
	return &DB{sql: db, dialect: goose.DialectSQLite3, url: path, keys: &keys{}, names: &nameCache{}, writer: newWriter()}, nil
}

// maxConnections bounds each backend's pool.
const maxConnections = 20

// keepConnections sizes the pool: up to maxConnections open, and as many
// kept idle between requests. database/sql keeps only 2 idle by default, so
// beyond two concurrent requests every connection was closed on return and
// opened again by the next: for SQLite that is opening the file and parsing
// the schema again (a GET took about 8 ms instead of 2 at 200 req/s), for
// PostgreSQL a new session. An idle connection is closed after a minute.
func keepConnections(db *sql.DB) {
	db.SetMaxOpenConns(maxConnections)
	db.SetMaxIdleConns(maxConnections)
	db.SetConnMaxIdleTime(time.Minute)
}

// uriPath escapes what would end a path in an SQLite URI filename.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

func openPostgres(ctx context.Context, url string) (*DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("database: open PostgreSQL: %w", err)
	}
	keepConnections(db)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: connect to PostgreSQL: %w", err)
	}
	return &DB{sql: db, dialect: goose.DialectPostgres, url: url, keys: &keys{}, names: &nameCache{}}, nil
}

// Pool returns the connection pool, for the job queue that keeps its tables
// in this database.
func (db *DB) Pool() *sql.DB { return db.sql }

// URL is the address the database was opened with.
func (db *DB) URL() string { return db.url }

// Dialect names the database in use: "sqlite3" or "postgres".
func (db *DB) Dialect() string { return string(db.dialect) }

// Close closes the connections.
func (db *DB) Close() error { return db.sql.Close() }

// Ping tells whether the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.conn().queryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("database: ping: %w", err)
	}
	return nil
}

// Migrate applies the embedded migrations that have not run yet and returns
// how many ran.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	dir, err := fs.Sub(migrations, "migrations/"+db.folder())
	if err != nil {
		return 0, fmt.Errorf("database: migrations: %w", err)
	}
	p, err := goose.NewProvider(db.dialect, db.sql, dir)
	if err != nil {
		return 0, fmt.Errorf("database: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("database: migrate: %w", err)
	}
	// A database in clear works at once; a sealed one waits for UseKeys.
	if err := db.ready(ctx); err != nil && !errors.Is(err, ErrSealed) {
		return len(res), err
	}
	return len(res), nil
}

func (db *DB) folder() string {
	if db.dialect == goose.DialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// timeLayout is fixed-width UTC, so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTS(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func optBool(p *bool) any {
	if p == nil {
		return nil
	}
	return boolInt(*p)
}

func scanOptBool(v sql.NullInt64) *bool {
	if !v.Valid {
		return nil
	}
	b := v.Int64 != 0
	return &b
}

// conn runs queries written with ? placeholders on either dialect.
type conn struct {
	q  querier
	pg bool
	k  *keys
	tx *sql.Tx // the transaction q is, inside inTx; nil otherwise
}

// TxHook is work that commits or rolls back with a change, run inside the
// change's transaction after it: the event the change causes (an outbox).
// An error rolls the change back.
type TxHook func(ctx context.Context, tx *sql.Tx) error

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) conn() conn {
	return conn{q: db.sql, pg: db.dialect == goose.DialectPostgres, k: db.keys}
}

// rebind turns ? placeholders into $1, $2, ... for PostgreSQL. The queries
// of this package have no ? inside string literals.
func (c conn) rebind(query string) string {
	if !c.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, c.rebind(query), args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, c.rebind(query), args...)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.rebind(query), args...)
}

// forUpdate locks the rows read in a transaction on PostgreSQL. SQLite needs
// nothing: its immediate transactions already hold the only write lock.
func (c conn) forUpdate() string {
	if c.pg {
		return " FOR UPDATE"
	}
	return ""
}

// inTx runs fn in a transaction and commits it, or rolls back on error.
// On SQLite the transactions of this process take their turn (writer).
func (db *DB) inTx(ctx context.Context, fn func(tx conn) error) error {
	if db.writer != nil {
		if err := db.writer.acquire(ctx); err != nil {
			return fmt.Errorf("database: begin: %w", err)
		}
		defer db.writer.release()
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: begin: %w", err)
	}
	if err := fn(conn{q: tx, pg: db.dialect == goose.DialectPostgres, k: db.keys, tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("database: commit: %w", err)
	}
	return nil
}
