package config

import (
	"strings"
	"testing"
	"time"
)

func lookup(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreValid(t *testing.T) {
	c, err := Parse("serve", nil, lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.MaxFileBytes != 26214400 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	env := map[string]string{"ACCREDPACK_ADDR": "127.0.0.1:9000", "ACCREDPACK_MAX_FILE_BYTES": "10485760",
		"ACCREDPACK_BOOTSTRAP_TOKEN": "tok", "ACCREDPACK_PARSE_TIMEOUT": "5s"}
	c, err := Parse("serve", []string{"--addr", "127.0.0.1:9001"}, lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9001" {
		t.Errorf("the flag must win over the environment: %s", c.Addr)
	}
	if c.MaxFileBytes != 10485760 || c.BootstrapToken != "tok" || c.ParseTimeout != 5*time.Second {
		t.Errorf("environment not read: %+v", c)
	}
}

func TestEveryProblemReported(t *testing.T) {
	env := map[string]string{"ACCREDPACK_ADDR": "nonsense", "ACCREDPACK_S3_ENDPOINT": "http://127.0.0.1:9000", "ACCREDPACK_S3_SSE_C_KEY": "c2hvcnQ="}
	_, err := Parse("serve", []string{"--max-file-bytes", "10", "--log-format", "xml", "--presign-ttl", "720h"}, lookup(env))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"addr", "max-file-bytes", "log-format", "s3-endpoint", "ACCREDPACK_S3_ACCESS_KEY", "s3-sse-c-key", "presign-ttl"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	if _, err := Parse("serve", nil, lookup(map[string]string{"ACCREDPACK_MAX_FILE_BYTES": "lots"})); err == nil || !strings.Contains(err.Error(), "ACCREDPACK_MAX_FILE_BYTES") {
		t.Errorf("a bad variable must be named: %v", err)
	}
}

func TestS3AndPostgres(t *testing.T) {
	env := map[string]string{"ACCREDPACK_S3_ENDPOINT": "127.0.0.1:9000", "ACCREDPACK_S3_ACCESS_KEY": "a", "ACCREDPACK_S3_SECRET_KEY": "b",
		"ACCREDPACK_S3_USE_SSL": "true", "ACCREDPACK_DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "ACCREDPACK_PRESIGN_TTL": "5m",
		"ACCREDPACK_S3_SSE": "c", "ACCREDPACK_S3_SSE_C_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	if _, err := Parse("serve", nil, lookup(env)); err == nil || !strings.Contains(err.Error(), "ACCREDPACK_ENCRYPTION=off") {
		t.Fatalf("S3 and PostgreSQL without a master key: %v; want refused", err)
	}
	env["ACCREDPACK_KEY_FILE"] = "/etc/accredpack/master.key"
	c, err := Parse("serve", nil, lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.Embedded() || c.KeyFilePath() != env["ACCREDPACK_KEY_FILE"] || !c.Encryption.Enabled() {
		t.Errorf("encryption = %+v, embedded %v", c.Encryption, c.Embedded())
	}
	delete(env, "ACCREDPACK_KEY_FILE")
	env["ACCREDPACK_ENCRYPTION"] = "off"
	if c, err := Parse("serve", nil, lookup(env)); err != nil || c.Encryption.Enabled() {
		t.Fatalf("encryption off: %v, %+v", err, c.Encryption)
	}
	if c, err := Parse("serve", nil, lookup(nil)); err != nil || !c.Embedded() || !c.Encryption.Enabled() || c.KeyFilePath() != "data/master.key" {
		t.Errorf("embedded default: %v, %+v, key file %s", err, c.Encryption, c.KeyFilePath())
	}
	if !c.S3.UseSSL || c.S3.Bucket != "accredpack" || len(c.S3.SSECKey) != 32 || c.PresignTTL != 5*time.Minute || c.DatabasePath() != env["ACCREDPACK_DATABASE_URL"] {
		t.Errorf("config = %+v", c)
	}
}

func TestWebhookSecretGrace(t *testing.T) {
	if c, _ := Parse("serve", nil, lookup(nil)); c.WebhookSecretGrace != 24*time.Hour {
		t.Errorf("default grace %s; want 24h", c.WebhookSecretGrace)
	}
	for _, tc := range []struct {
		value string
		want  time.Duration // -1: refused
	}{{"0s", 0}, {"2s", 2 * time.Second}, {"168h", 168 * time.Hour}, {"169h", -1}, {"-1s", -1}} {
		c, err := Parse("serve", nil, lookup(map[string]string{"ACCREDPACK_WEBHOOK_SECRET_GRACE": tc.value}))
		if tc.want >= 0 && (err != nil || c.WebhookSecretGrace != tc.want) {
			t.Errorf("%s: %s %v", tc.value, c.WebhookSecretGrace, err)
		}
		if tc.want < 0 && (err == nil || !strings.Contains(err.Error(), "webhook-secret-grace")) {
			t.Errorf("%s: %v; want refused", tc.value, err)
		}
	}
}

func TestMetricsListenAndToken(t *testing.T) {
	c, err := Parse("serve", nil, lookup(map[string]string{"ACCREDPACK_METRICS_LISTEN": "127.0.0.1:9100", "ACCREDPACK_METRICS_TOKEN": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsListen != "127.0.0.1:9100" || c.MetricsToken != "s3cret" {
		t.Errorf("metrics from the environment: listen %q, token set %v", c.MetricsListen, c.MetricsToken != "")
	}
	if c, err := Parse("serve", []string{"-metrics-listen", "0.0.0.0:9101"}, lookup(nil)); err != nil || c.MetricsListen != "0.0.0.0:9101" || c.MetricsToken != "" {
		t.Errorf("metrics-listen flag: %q, %v", c.MetricsListen, err)
	}
	// The token is a secret: never a flag (it would show in ps).
	if _, err := Parse("serve", []string{"-metrics-token", "x"}, lookup(nil)); err == nil {
		t.Error("a -metrics-token flag was accepted")
	}
	for _, bad := range []string{"9100", "127.0.0.1:http-alt", "127.0.0.1:70000", "127.0.0.1:8080"} {
		if _, err := Parse("serve", []string{"-metrics-listen", bad}, lookup(nil)); err == nil || !strings.Contains(err.Error(), "metrics-listen") {
			t.Errorf("metrics-listen %q: %v; want an error naming it", bad, err)
		}
	}
}

// TestDebugListen: the pprof address is off by default, read from the
// flag and the environment, and checked like the metrics address.
func TestDebugListen(t *testing.T) {
	if c, err := Parse("serve", nil, lookup(nil)); err != nil || c.DebugListen != "" {
		t.Errorf("default debug-listen: %q, %v; want off", c.DebugListen, err)
	}
	if c, err := Parse("serve", nil, lookup(map[string]string{"ACCREDPACK_DEBUG_LISTEN": "127.0.0.1:6060"})); err != nil || c.DebugListen != "127.0.0.1:6060" {
		t.Errorf("ACCREDPACK_DEBUG_LISTEN: %q, %v", c.DebugListen, err)
	}
	if c, err := Parse("serve", []string{"-debug-listen", "127.0.0.1:6061"}, lookup(nil)); err != nil || c.DebugListen != "127.0.0.1:6061" {
		t.Errorf("-debug-listen: %q, %v", c.DebugListen, err)
	}
	for _, args := range [][]string{{"-debug-listen", "6060"}, {"-debug-listen", "127.0.0.1:70000"}, {"-debug-listen", "127.0.0.1:8080"},
		{"-debug-listen", "127.0.0.1:9100", "-metrics-listen", "127.0.0.1:9100"}} {
		if _, err := Parse("serve", args, lookup(nil)); err == nil || !strings.Contains(err.Error(), "debug-listen") {
			t.Errorf("%q: %v; want an error naming debug-listen", args, err)
		}
	}
}

// TestReadinessRecheckVariable: the variable the flag's help and the docs
// name is read (it was missing from the list of variables).
func TestReadinessRecheckVariable(t *testing.T) {
	c, err := Parse("serve", nil, lookup(map[string]string{"ACCREDPACK_READINESS_RECHECK": "3m"}))
	if err != nil || c.ReadinessRecheck != 3*time.Minute {
		t.Errorf("ACCREDPACK_READINESS_RECHECK=3m: %s, %v", c.ReadinessRecheck, err)
	}
}

func TestSandboxChildVariable(t *testing.T) {
	c, err := Parse("serve", nil, lookup(map[string]string{"ACCREDPACK_SANDBOX_CHILD": "/opt/accredpack-child"}))
	if err != nil || c.SandboxChild != "/opt/accredpack-child" {
		t.Errorf("ACCREDPACK_SANDBOX_CHILD: %q, %v", c.SandboxChild, err)
	}
	c, err = Parse("serve", []string{"--sandbox-child", "self"}, lookup(map[string]string{"ACCREDPACK_SANDBOX_CHILD": "/opt/accredpack-child"}))
	if err != nil || c.SandboxChild != "self" {
		t.Errorf("--sandbox-child over the variable: %q, %v", c.SandboxChild, err)
	}
}

func TestInFlightBounds(t *testing.T) {
	c, err := Parse("serve", []string{"--parse-parallel", "3"}, lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxRequests < 64 || c.MaxRequests > 1024 {
		t.Errorf("derived max-requests %d: want 64 .. 1024", c.MaxRequests)
	}
	if got := c.UploadsInFlight(); got != 22 {
		t.Errorf("derived uploads in flight with 3 parses: %d; want 22", got)
	}
	c, err = Parse("serve", []string{"--max-uploads", "5"}, lookup(map[string]string{"ACCREDPACK_MAX_REQUESTS": "40", "ACCREDPACK_MAX_UPLOADS": "7"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxRequests != 40 || c.UploadsInFlight() != 5 {
		t.Errorf("max-requests %d, uploads %d; want 40 (environment), 5 (flag)", c.MaxRequests, c.UploadsInFlight())
	}
	_, err = Parse("serve", nil, lookup(map[string]string{"ACCREDPACK_MAX_REQUESTS": "0", "ACCREDPACK_MAX_UPLOADS": "-1"}))
	if err == nil || !strings.Contains(err.Error(), "max-requests 0") || !strings.Contains(err.Error(), "max-uploads -1") {
		t.Errorf("zero requests and negative uploads: %v; want both refused", err)
	}
}
