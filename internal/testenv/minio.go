package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// MinIO is a private MinIO server with a static KMS key, so that SSE-S3
// works as on a production server with a KMS.
type MinIO struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	// CAFile is the certificate to trust when the server runs with TLS.
	CAFile string
	client *http.Client
	scheme string
	proc   *process
}

// StartMinIO starts a MinIO server for this test, over plain HTTP.
func StartMinIO(t testing.TB) *MinIO { return startMinIO(t, false) }

// StartMinIOTLS starts a MinIO server that speaks HTTPS with a self-signed
// certificate for 127.0.0.1 (SSE-C needs TLS).
func StartMinIOTLS(t testing.TB) *MinIO { return startMinIO(t, true) }

func startMinIO(t testing.TB, withTLS bool) *MinIO {
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
	args := []string{"server", data, "--address", m.Endpoint, "--console-address", console, "--quiet"}
	m.client, m.scheme = http.DefaultClient, "http"
	if withTLS {
		certs := filepath.Join(dir, "certs")
		m.CAFile = selfSignedCert(t, certs)
		pool := x509.NewCertPool()
		pem, _ := os.ReadFile(m.CAFile)
		pool.AppendCertsFromPEM(pem)
		m.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		m.scheme = "https"
		args = append(args, "--certs-dir", certs)
	}
	env := append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey,
		"MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_KMS_SECRET_KEY=accredpack-test-key:"+base64.StdEncoding.EncodeToString(key[:]),
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"HOME="+dir,
	)
	m.proc = &process{t: t, name: "minio", log: logFile(t, dir, "minio.log"), newCmd: func() *exec.Cmd {
		cmd := exec.Command(bin, args...)
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
		res, err := m.client.Get(m.scheme + "://" + m.Endpoint + "/minio/health/ready")
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

// selfSignedCert writes public.crt and private.key for 127.0.0.1 into dir,
// as MinIO's --certs-dir expects, and returns the certificate's path.
func selfSignedCert(t testing.TB, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "accredpack test MinIO"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dir, 0o700)
	crt := filepath.Join(dir, "public.crt")
	os.WriteFile(crt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "private.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return crt
}
