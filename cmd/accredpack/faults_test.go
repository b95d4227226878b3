package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"accredpack/config"
	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
	"accredpack/storage"
	"accredpack/storage/s3store"
)

// objectKeys lists the document objects in the configured bucket.
func objectKeys(t *testing.T, cfg config.Config) []string {
	t.Helper()
	s, err := s3store.Open(context.Background(), s3store.Config{Endpoint: cfg.S3.Endpoint, AccessKey: cfg.S3.AccessKey,
		SecretKey: cfg.S3.SecretKey, Bucket: cfg.S3.Bucket, Region: cfg.S3.Region, SSE: cfg.S3.SSE})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := s.List(context.Background(), "documents/", func(o storage.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}

// pausedUpload sends data to a slot in two halves over one request and
// runs between while the service waits for the second half. The result is
// the answer, or nil if the connection dropped.
func (c *client) pausedUpload(appID, slot string, data []byte, between func()) *response {
	c.t.Helper()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", c.base+"/api/v1/applications/"+appID+"/slots/"+slot+"/file", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/pdf")
	done := make(chan *response, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- nil
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		done <- &response{status: res.StatusCode, header: res.Header, body: b}
	}()
	half := len(data) / 2
	pw.Write(data[:half])
	time.Sleep(300 * time.Millisecond) // the service has read the target and started spooling
	between()
	pw.Write(data[half:])
	pw.Close()
	select {
	case r := <-done:
		return r
	case <-time.After(2 * time.Minute):
		c.t.Fatal("no answer to the upload")
	}
	return nil
}

// waitReady polls /readyz until it answers want.
func (c *client) waitReady(want int) {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(c.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == want {
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("/readyz did not become %d", want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// slotState is what the application says about a slot, and its history.
func (c *client) slotSHA(appID, slot string) string {
	c.t.Helper()
	r := c.jsonCall("GET", "/api/v1/applications/"+appID, nil)
	if r.status != 200 {
		c.t.Fatalf("get application: %d %s", r.status, r.body)
	}
	for _, s := range r.json(c.t)["slots"].([]any) {
		s := s.(map[string]any)
		if s["id"] == slot && s["document"] != nil {
			return s["document"].(map[string]any)["sha256"].(string)
		}
	}
	return ""
}

func (c *client) historyLen(appID, slot string) int {
	c.t.Helper()
	r := c.jsonCall("GET", "/api/v1/applications/"+appID+"/slots/"+slot+"/history", nil)
	if r.status != 200 {
		c.t.Fatalf("history: %d %s", r.status, r.body)
	}
	return len(r.json(c.t)["history"].([]any))
}

func unavailableOrDropped(t *testing.T, r *response) {
	t.Helper()
	if r == nil {
		t.Log("the connection dropped")
	} else {
		t.Logf("answer: %d %s", r.status, r.body)
	}
	if r != nil && (r.status != http.StatusServiceUnavailable || r.errorCode(t) != "unavailable") {
		t.Errorf("answer %d %s; want 503 unavailable or a dropped connection", r.status, r.body)
	}
}

// scene is a service on fresh real servers with one application whose
// snils slot holds a first file.
type scene struct {
	c     *client
	cfg   config.Config
	pg    *testenv.Postgres
	minio *testenv.MinIO
	id    string
	first []byte
}

func newScene(t *testing.T) scene {
	pg, m, real := realServers(t)
	cfg := testConfig(t)
	real(t, &cfg)
	sc := scene{c: startService(t, cfg), cfg: cfg, pg: pg, minio: m, first: testdocs.PDF(t, 1, "first")}
	sc.id = sc.c.create()
	if r := sc.c.putRaw(sc.id, "snils", sc.first); r.status != 201 {
		t.Fatalf("first upload: %d %s", r.status, r.body)
	}
	return sc
}

// assertFirstFileOnly checks that the slot still holds the first file, the
// failed upload left no history row, and only the first file's object is
// stored.
func (sc scene) assertFirstFileOnly(t *testing.T) {
	t.Helper()
	if got := sc.c.slotSHA(sc.id, "snils"); got != sum(sc.first) {
		t.Errorf("the slot shows %q; want the first file", got)
	}
	if n := sc.c.historyLen(sc.id, "snils"); n != 0 {
		t.Errorf("history has %d rows; a failed upload must write none", n)
	}
	got := sc.c.do("GET", "/api/v1/applications/"+sc.id+"/slots/snils/file", nil, "", 0, true)
	if got.status != 200 || !bytes.Equal(got.body, sc.first) {
		t.Errorf("download of the first file: %d", got.status)
	}
	if keys := objectKeys(t, sc.cfg); len(keys) != 1 {
		t.Errorf("objects = %v; want only the first file's", keys)
	}
}

func TestMinIOStoppedDuringUpload(t *testing.T) {
	sc := newScene(t)
	r := sc.c.pausedUpload(sc.id, "snils", testdocs.PDF(t, 2, "second"), sc.minio.Stop)
	unavailableOrDropped(t, r)
	sc.c.waitReady(http.StatusServiceUnavailable)
	if got := sc.c.slotSHA(sc.id, "snils"); got != sum(sc.first) {
		t.Errorf("while MinIO is down the slot shows %q; want the first file", got)
	}
	sc.minio.Start()
	sc.c.waitReady(http.StatusOK) // without restarting the service
	sc.assertFirstFileOnly(t)
}

func TestPostgresStoppedDuringUpload(t *testing.T) {
	sc := newScene(t)
	r := sc.c.pausedUpload(sc.id, "snils", testdocs.PDF(t, 2, "second"), sc.pg.Stop)
	unavailableOrDropped(t, r)
	sc.c.waitReady(http.StatusServiceUnavailable)
	if r := sc.c.jsonCall("GET", "/api/v1/applications/"+sc.id, nil); r.status != 503 || r.errorCode(t) != "unavailable" {
		t.Errorf("reading while PostgreSQL is down: %d %s", r.status, r.body)
	}
	sc.pg.Start()
	sc.c.waitReady(http.StatusOK)
	// The object written before the row failed was removed again.
	sc.assertFirstFileOnly(t)
}

// proc is a service process of a test.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has been waited for
	logs   *bytes.Buffer // what it wrote: read only once it exited
}

// kill kills the process with SIGKILL and waits until it is gone.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// startProcess runs this test binary as `accredpack <command>`, configured
// through the environment as in production; it is killed when the test ends.
func startProcess(t testing.TB, cfg config.Config, command string) (*proc, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, command)
	cmd.Env = append(os.Environ(),
		"ACCREDPACK_TEST_MAIN=1",
		"ACCREDPACK_ADDR="+cfg.Addr,
		"ACCREDPACK_DATA_DIR="+cfg.DataDir,
		"ACCREDPACK_DATABASE_URL="+cfg.DatabaseURL,
		"ACCREDPACK_S3_ENDPOINT="+cfg.S3.Endpoint,
		"ACCREDPACK_S3_ACCESS_KEY="+cfg.S3.AccessKey,
		"ACCREDPACK_S3_SECRET_KEY="+cfg.S3.SecretKey,
		"ACCREDPACK_S3_BUCKET="+cfg.S3.Bucket,
		"ACCREDPACK_S3_SSE="+cfg.S3.SSE,
		fmt.Sprintf("ACCREDPACK_S3_USE_SSL=%t", cfg.S3.UseSSL),
		"ACCREDPACK_S3_CA_FILE="+cfg.S3.CAFile,
		"ACCREDPACK_MASTER_KEY="+cfg.Encryption.MasterKey,
		"ACCREDPACK_ENCRYPTION="+cfg.Encryption.Mode,
		"ACCREDPACK_BOOTSTRAP_TOKEN="+token,
		fmt.Sprintf("ACCREDPACK_MAX_FILE_BYTES=%d", cfg.MaxFileBytes),
		"ACCREDPACK_HEARTBEAT="+cfg.Heartbeat.String(),
		fmt.Sprintf("ACCREDPACK_WORKERS=%d", cfg.Workers),
		fmt.Sprintf("ACCREDPACK_UPLOADS_PER_MINUTE=%d", cfg.UploadsPerMinute),
		fmt.Sprintf("ACCREDPACK_PARSE_MEMORY_MB=%d", cfg.ParseMemory>>20),
		"ACCREDPACK_SANDBOX_CHILD="+cfg.SandboxChild,
		fmt.Sprintf("ACCREDPACK_WEBHOOK_WORKERS=%d", cfg.WebhookWorkers),
		fmt.Sprintf("ACCREDPACK_WEBHOOK_ALLOW_PRIVATE=%t", cfg.WebhookAllowPrivate),
		"ACCREDPACK_WEBHOOK_BACKOFF="+cfg.WebhookBackoff.String(),
		fmt.Sprintf("ACCREDPACK_PARSE_PARALLEL=%d", cfg.ParseParallel),
		fmt.Sprintf("ACCREDPACK_MAX_REQUESTS=%d", cfg.MaxRequests),
		fmt.Sprintf("ACCREDPACK_MAX_UPLOADS=%d", cfg.MaxUploads),
		"ACCREDPACK_OCR="+cfg.OCR.Mode,
		fmt.Sprintf("ACCREDPACK_OCR_TEXT_LAYER=%t", cfg.OCR.TextLayer),
	)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{}), logs: &logs}
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.kill)
	return p, &logs
}

// serviceProcess runs the service as a separate process (this test binary
// as the accredpack binary), configured through the environment as in
// production. It is killed when the test ends.
func serviceProcess(t *testing.T, cfg config.Config) (*proc, *client) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg.Addr = addr
	p, logs := startProcess(t, cfg, "serve")
	c := &client{t: t, base: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(c.base + "/healthz")
		if err == nil {
			res.Body.Close()
			return p, c
		}
		select {
		case <-p.exited:
			t.Fatalf("service process exited:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("service process did not start:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestKilledBetweenObjectAndRow(t *testing.T) {
	_, _, real := realServers(t)
	cfg := testConfig(t)
	real(t, &cfg)
	proc, c := serviceProcess(t, cfg)
	id := c.create()
	first := testdocs.PDF(t, 1, "first")
	if r := c.putRaw(id, "snils", first); r.status != 201 {
		t.Fatalf("first upload: %d %s", r.status, r.body)
	}

	// Hold writes to the documents table: the service reads as usual, writes
	// the new object, then waits for its row.
	db, err := sql.Open("pgx", cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec("LOCK TABLE documents IN EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	answered := make(chan response, 1)
	go func() {
		req, _ := http.NewRequest("PUT", c.base+"/api/v1/applications/"+id+"/slots/snils/file", bytes.NewReader(testdocs.PDF(t, 2, "second")))
		req.Header.Set("Authorization", "Bearer "+token)
		if res, err := http.DefaultClient.Do(req); err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			answered <- response{status: res.StatusCode, body: b}
		}
		close(answered)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for len(objectKeys(t, cfg)) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the second object never appeared")
		}
		time.Sleep(50 * time.Millisecond)
	}
	proc.kill() // between the object write and the row write
	if r, ok := <-answered; ok {
		t.Errorf("the killed service answered %d %s", r.status, r.body)
	}
	lock.Rollback()

	// A new process finds the slot as it was and one orphan object.
	_, c2 := serviceProcess(t, cfg)
	if got := c2.slotSHA(id, "snils"); got != sum(first) {
		t.Errorf("after the kill the slot shows %q; want the first file", got)
	}
	if n := c2.historyLen(id, "snils"); n != 0 {
		t.Errorf("history has %d rows; the killed upload must leave none", n)
	}
	if keys := objectKeys(t, cfg); len(keys) != 2 {
		t.Fatalf("objects = %v; want the first file's and one orphan", keys)
	}

	env := map[string]string{
		"ACCREDPACK_DATA_DIR": cfg.DataDir, "ACCREDPACK_DATABASE_URL": cfg.DatabaseURL,
		"ACCREDPACK_S3_ENDPOINT": cfg.S3.Endpoint, "ACCREDPACK_S3_ACCESS_KEY": cfg.S3.AccessKey,
		"ACCREDPACK_S3_SECRET_KEY": cfg.S3.SecretKey, "ACCREDPACK_S3_BUCKET": cfg.S3.Bucket,
		"ACCREDPACK_MASTER_KEY": cfg.Encryption.MasterKey,
	}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	// With the default grace the orphan is too young to be touched.
	if code := run(context.Background(), []string{"gc"}, &out, &errOut, getenv); code != 0 || !strings.Contains(out.String(), "orphans 1 (1 younger") {
		t.Errorf("gc with grace: exit %d: %s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"gc", "--gc-grace", "0s"}, &out, &errOut, getenv); code != 0 || !strings.Contains(out.String(), "removed 1") {
		t.Errorf("gc: exit %d: %s %s", code, out.String(), errOut.String())
	}
	if keys := objectKeys(t, cfg); len(keys) != 1 {
		t.Errorf("after gc objects = %v; want only the first file's", keys)
	}
	got := c2.do("GET", "/api/v1/applications/"+id+"/slots/snils/file", nil, "", 0, true)
	if got.status != 200 || !bytes.Equal(got.body, first) {
		t.Errorf("the first file after gc: %d", got.status)
	}
}

func TestTwoProcessesServeTheSameApplications(t *testing.T) {
	_, _, real := realServers(t)
	cfgA := testConfig(t)
	real(t, &cfgA)
	cfgB := cfgA
	cfgB.DataDir = t.TempDir() // nothing shared on disk
	_, a := serviceProcess(t, cfgA)
	_, b := serviceProcess(t, cfgB)

	id := a.create()
	first, second := testdocs.PDF(t, 1, "via A"), testdocs.PDF(t, 2, "via B")
	if r := a.putRaw(id, "identity_document", first); r.status != 201 {
		t.Fatalf("upload via A: %d %s", r.status, r.body)
	}
	got := b.do("GET", "/api/v1/applications/"+id+"/slots/identity_document/file", nil, "", 0, true)
	if got.status != 200 || !bytes.Equal(got.body, first) {
		t.Fatalf("read via B: %d", got.status)
	}
	if r := b.putRaw(id, "identity_document", second); r.status != 201 {
		t.Fatalf("replace via B: %d %s", r.status, r.body)
	}
	if sha := a.slotSHA(id, "identity_document"); sha != sum(second) {
		t.Errorf("A sees %q after B replaced the file", sha)
	}
	if n := a.historyLen(id, "identity_document"); n != 1 {
		t.Errorf("A sees %d history rows; want 1", n)
	}
	list := b.jsonCall("GET", "/api/v1/applications", nil).json(t)["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != id {
		t.Errorf("B lists %v", list)
	}
}

func TestPresignedDownloadLink(t *testing.T) {
	_, _, real := realServers(t)
	cfg := testConfig(t)
	real(t, &cfg)
	cfg.PresignTTL = time.Minute
	c := startService(t, cfg)
	id := c.create()
	data := testdocs.PDF(t, 1, "linked")
	c.putRaw(id, "snils", data)
	r := c.jsonCall("POST", "/api/v1/applications/"+id+"/slots/snils/file/link", nil)
	if r.status != 200 {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	res, err := http.Get(r.json(t)["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Errorf("download by link: %d", res.StatusCode)
	}

	embeddedSvc := startService(t, testConfig(t))
	id = embeddedSvc.create()
	embeddedSvc.putRaw(id, "snils", data)
	if r := embeddedSvc.jsonCall("POST", "/api/v1/applications/"+id+"/slots/snils/file/link", nil); r.status != 409 || r.errorCode(t) != "conflict" {
		t.Errorf("link on the local store: %d %s", r.status, r.body)
	}
}
