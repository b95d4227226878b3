package testenv

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// MinIO is a private MinIO server with a static KMS key, so that SSE-S3
// works as on a production server with a KMS.
type MinIO struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	proc      *process
}

// StartMinIO starts a MinIO server for this test.
func StartMinIO(t testing.TB) *MinIO {
	t.Helper()
	bin := need(t, "ACCREDPACK_TEST_MINIO", "a MinIO server binary")
	dir := scratchDir(t, "minio-")
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o700)
	var key [32]byte
	rand.Read(key[:])
	m := &MinIO{
		Endpoint:  fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		AccessKey: "accredpack-test",
		SecretKey: "accredpack-test-secret",
	}
	console := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	env := append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey,
		"MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_KMS_SECRET_KEY=accredpack-test-key:"+base64.StdEncoding.EncodeToString(key[:]),
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"HOME="+dir,
	)
	m.proc = &process{t: t, name: "minio", log: logFile(t, dir, "minio.log"), newCmd: func() *exec.Cmd {
		cmd := exec.Command(bin, "server", data, "--address", m.Endpoint, "--console-address", console, "--quiet")
		cmd.Env = env
		return cmd
	}}
	m.Start()
	t.Cleanup(func() { m.proc.stop(syscall.SIGTERM) })
	return m
}

// Start (re)starts the server on the same address and data and waits
// until it serves.
func (m *MinIO) Start() {
	m.proc.t.Helper()
	m.proc.start()
	m.proc.waitFor("health", func() error {
		res, err := http.Get("http://" + m.Endpoint + "/minio/health/ready")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	})
}

// Stop kills the server, as a crash or a network cut would.
func (m *MinIO) Stop() { m.proc.stop(syscall.SIGKILL) }

// Bucket returns a fresh bucket name for a test (not created).
func (m *MinIO) Bucket(t testing.TB) string {
	return strings.ReplaceAll(uniqueName(t, "b"), "_", "-")
}
