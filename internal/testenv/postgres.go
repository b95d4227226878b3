package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Postgres is a private PostgreSQL cluster.
type Postgres struct {
	Port int
	proc *process
}

// asPostgres runs cmd as the postgres user when this process is root:
// PostgreSQL refuses to run as root.
func asPostgres(t testing.TB, cmd *exec.Cmd) *exec.Cmd {
	if os.Geteuid() != 0 {
		return cmd
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root needs a postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	return cmd
}

func chownToPostgres(t testing.TB, dir string) {
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// StartPostgres creates a cluster with initdb and starts it.
func StartPostgres(t testing.TB) *Postgres { return startPostgres(t, false) }

// StartPostgresDurable starts a private server that syncs its WAL as in
// production (fsync on): for benchmarks whose figures depend on commits.
func StartPostgresDurable(t testing.TB) *Postgres { return startPostgres(t, true) }

func startPostgres(t testing.TB, durable bool) *Postgres {
	t.Helper()
	bin := need(t, "ACCREDPACK_TEST_PG_BIN", "PostgreSQL server binaries")
	dir := scratchDir(t, "pg-")
	chownToPostgres(t, dir)
	data := filepath.Join(dir, "data")
	initdb := asPostgres(t, exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"))
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p := &Postgres{Port: freePort(t)}
	logf := logFile(t, os.TempDir(), filepath.Base(dir)+".log")
	t.Cleanup(func() { os.Remove(logf.Name()) })
	fsync := "fsync=off" // tests need no durability across a machine crash
	if durable {
		fsync = "fsync=on"
	}
	p.proc = &process{t: t, name: "postgres", log: logf, newCmd: func() *exec.Cmd {
		return asPostgres(t, exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(p.Port),
			"-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", fsync, "-c", "max_connections=200"))
	}}
	p.Start()
	t.Cleanup(func() { p.proc.stop(syscall.SIGINT) })
	return p
}

func (p *Postgres) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// Start (re)starts the server and waits until it accepts connections.
func (p *Postgres) Start() {
	p.proc.t.Helper()
	p.proc.start()
	p.proc.waitFor("connections", func() error {
		db, err := sql.Open("pgx", p.url("postgres"))
		if err != nil {
			return err
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return db.PingContext(ctx)
	})
}

// Stop kills the server at once (immediate shutdown, as a crash).
func (p *Postgres) Stop() { p.proc.stop(syscall.SIGQUIT) }

// NewDatabase creates an empty database and returns its URL.
func (p *Postgres) NewDatabase(t testing.TB) string {
	t.Helper()
	name := uniqueName(t, "db")
	db, err := sql.Open("pgx", p.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return p.url(name)
}
