package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"accredpack/internal/testdocs"
	"accredpack/keyring"
)

// TestEncryptAndRotateKeys walks an operator's path on the embedded
// default: data written with encryption off is encrypted in place by
// `accredpack encrypt` (a second run finds nothing to do), a process
// with encryption off then refuses the sealed data, the service reads
// everything back with the key file, `keys rotate` re-wraps the database's
// keys and every file's key, `keys retire` drops the old key, and the
// service still reads everything with the new key alone.
func TestEncryptAndRotateKeys(t *testing.T) {
	cfg := testConfig(t)
	cfg.Encryption.Mode = "off"
	pdf := testdocs.PDF(t, 2, "Иванова Анна Сергеевна, паспорт")
	var id string
	t.Run("clear", func(t *testing.T) {
		c := startService(t, cfg)
		id = c.create()
		if r := c.putRaw(id, "identity_document", pdf); r.status != 201 {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
	})
	objects := func() []string {
		var paths []string
		filepath.WalkDir(filepath.Join(cfg.StoreDir(), "objects"), func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				paths = append(paths, p)
			}
			return nil
		})
		return paths
	}
	rawLastName := func() string {
		db, err := sql.Open("sqlite", cfg.DatabasePath())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v string
		if err := db.QueryRow(`SELECT last_name FROM applications WHERE id = ?`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if files := objects(); len(files) != 1 {
		t.Fatalf("objects %v; want one", files)
	} else if b, _ := os.ReadFile(files[0]); !bytes.Equal(b, pdf) {
		t.Fatal("with encryption off the object is not the file as uploaded")
	}
	if v := rawLastName(); v != "Иванова" {
		t.Fatalf("with encryption off last_name is %q", v)
	}

	env := map[string]string{"ACCREDPACK_DATA_DIR": cfg.DataDir, "ACCREDPACK_ADDR": "127.0.0.1:0"}
	cmd := func(want int, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] }); code != want {
			t.Fatalf("accredpack %s: exit %d (want %d): %s %s", strings.Join(args, " "), code, want, out.String(), errOut.String())
		}
		return out.String() + errOut.String()
	}
	out := cmd(0, "encrypt")
	if !strings.Contains(out, "files: 1 encrypted") || strings.Contains(out, "database: 0 rows") {
		t.Errorf("encrypt said: %s", out)
	}
	b, _ := os.ReadFile(objects()[0])
	if bytes.HasPrefix(b, []byte("%PDF")) || bytes.Contains(b, pdf[len(pdf)/2:len(pdf)/2+64]) {
		t.Error("after encrypt the object still holds the PDF in clear")
	}
	if v := rawLastName(); !strings.HasPrefix(v, "enc1:") {
		t.Errorf("after encrypt last_name is %q", v)
	}
	if info, err := os.Stat(filepath.Join(cfg.DataDir, "master.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", info, err)
	}
	if out := cmd(0, "encrypt"); !strings.Contains(out, "files: 0 encrypted") || !strings.Contains(out, "database: 0 rows") {
		t.Errorf("a second encrypt found work: %s", out)
	}
	env["ACCREDPACK_ENCRYPTION"] = "off"
	if out := cmd(1, "serve"); !strings.Contains(out, "encrypted") {
		t.Errorf("serve with encryption off on sealed data: %s", out)
	}
	delete(env, "ACCREDPACK_ENCRYPTION")

	cfg.Encryption.Mode = "on"
	readBack := func(t *testing.T) {
		c := startService(t, cfg)
		got := c.do("GET", "/api/v1/applications/"+id+"/slots/identity_document/file", nil, "", 0, true)
		if got.status != 200 || !bytes.Equal(got.body, pdf) {
			t.Errorf("download: %d, %d bytes; want the uploaded file", got.status, len(got.body))
		}
		app := c.do("GET", "/api/v1/applications/"+id, nil, "", 0, true)
		if app.status != 200 || !strings.Contains(string(app.body), "Иванова") {
			t.Errorf("application: %d %.200s", app.status, app.body)
		}
	}
	t.Run("sealed", readBack)

	before, err := keyring.Load(filepath.Join(cfg.DataDir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	out = cmd(0, "keys", "rotate")
	if !strings.Contains(out, "database keys re-wrapped: 2") || !strings.Contains(out, "files re-wrapped: 1") {
		t.Errorf("keys rotate said: %s", out)
	}
	after, err := keyring.Load(filepath.Join(cfg.DataDir, "master.key"))
	if err != nil || after.CurrentID() == before.CurrentID() {
		t.Fatalf("after rotate: %v, %v", after.IDs(), err)
	}
	if out := cmd(0, "keys", "status"); !strings.Contains(out, "wrapped by "+after.CurrentID()+", "+after.CurrentID()) {
		t.Errorf("keys status said: %s", out)
	}
	if out := cmd(1, "keys", "retire", after.CurrentID()); !strings.Contains(out, "current key") {
		t.Errorf("retiring the current key: %s", out)
	}
	if out := cmd(0, "keys", "retire", before.CurrentID()); !strings.Contains(out, "retired "+before.CurrentID()) {
		t.Errorf("keys retire said: %s", out)
	}
	if only, err := keyring.Load(filepath.Join(cfg.DataDir, "master.key")); err != nil || len(only.IDs()) != 1 {
		t.Fatalf("after retire the key file holds %v, %v", only.IDs(), err)
	}
	t.Run("rotated", readBack)
}

// TestEncryptLeavesDamagedFilesInClear: a file whose bytes no longer hash
// to what its row recorded is not sealed (sealed, its reads would be
// trusted from then on): encrypt names it and fails; the others are sealed.
func TestEncryptLeavesDamagedFilesInClear(t *testing.T) {
	cfg := testConfig(t)
	cfg.Encryption.Mode = "off"
	t.Run("clear", func(t *testing.T) {
		c := startService(t, cfg)
		id := c.create()
		for _, slot := range []string{"identity_document", "snils"} {
			if r := c.putRaw(id, slot, testdocs.PDF(t, 1, slot)); r.status != 201 {
				t.Fatalf("upload %s: %d %s", slot, r.status, r.body)
			}
		}
	})
	var files []string
	filepath.WalkDir(filepath.Join(cfg.StoreDir(), "objects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 2 {
		t.Fatalf("objects %v; want two", files)
	}
	damaged, _ := os.ReadFile(files[0])
	damaged[len(damaged)/2] ^= 1
	os.WriteFile(files[0], damaged, 0o600)
	var out, errOut bytes.Buffer
	env := map[string]string{"ACCREDPACK_DATA_DIR": cfg.DataDir}
	code := run(context.Background(), []string{"encrypt"}, &out, &errOut, func(k string) string { return env[k] })
	if code != 1 || !strings.Contains(errOut.String(), "1 file(s) left in clear") || !strings.Contains(out.String(), "files: 1 encrypted") {
		t.Errorf("encrypt with a damaged file: exit %d: %s %s", code, out.String(), errOut.String())
	}
	if b, _ := os.ReadFile(files[0]); !bytes.Equal(b, damaged) {
		t.Error("the damaged file was changed")
	}
	if b, _ := os.ReadFile(files[1]); bytes.HasPrefix(b, []byte("%PDF")) {
		t.Error("the sound file was not sealed")
	}
}
