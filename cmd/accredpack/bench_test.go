package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"accredpack/internal/testdocs"
)

// BenchmarkUploadDownload25MB sends a 25 MB scan through the API (upload:
// spool, checks in a child, store, row; download: read, verify, send) on
// the embedded default with encryption at rest off and on:
//
//	go test ./cmd/accredpack -run '^$' -bench UploadDownload25MB -count 5
func BenchmarkUploadDownload25MB(b *testing.B) {
	pdf := testdocs.SizedPDF(b, 25_000_000)
	for _, mode := range []string{"off", "on"} {
		b.Run("encryption="+mode, func(b *testing.B) {
			cfg := testConfig(&testing.T{})
			cfg.DataDir = b.TempDir()
			cfg.MaxFileBytes = 26214400
			cfg.UploadsPerMinute = 0
			cfg.Encryption.Mode = mode
			ctx, cancel := context.WithCancel(context.Background())
			listening := make(chan string, 1)
			done := make(chan error, 1)
			go func() { done <- serve(ctx, cfg, newLogger(cfg, io.Discard), listening) }()
			var base string
			select {
			case addr := <-listening:
				base = "http://" + addr
			case err := <-done:
				b.Fatal(err)
			}
			defer func() { cancel(); <-done }()
			call := func(method, path string, body io.Reader, ctype string) (int, []byte) {
				req, _ := http.NewRequest(method, base+path, body)
				req.Header.Set("Authorization", "Bearer "+token)
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				defer res.Body.Close()
				out, _ := io.ReadAll(res.Body)
				return res.StatusCode, out
			}
			form, _ := json.Marshal(validForm())
			status, out := call("POST", "/api/v1/applications", bytes.NewReader(form), "application/json")
			var app struct{ ID string }
			if json.Unmarshal(out, &app); status != 201 || app.ID == "" {
				b.Fatalf("create: %d %s", status, out)
			}
			file := "/api/v1/applications/" + app.ID + "/slots/identity_document/file"
			b.Run("upload", func(b *testing.B) {
				b.SetBytes(int64(len(pdf)))
				for b.Loop() {
					if status, out := call("PUT", file, bytes.NewReader(pdf), "application/pdf"); status != 201 {
						b.Fatalf("upload: %d %s", status, out)
					}
				}
			})
			b.Run("download", func(b *testing.B) {
				b.SetBytes(int64(len(pdf)))
				for b.Loop() {
					if status, out := call("GET", file, nil, ""); status != 200 || len(out) != len(pdf) {
						b.Fatalf("download: %d, %d bytes", status, len(out))
					}
				}
			})
		})
	}
}
