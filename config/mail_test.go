package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMailConfig(t *testing.T) {
	env := map[string]string{"ACCREDPACK_SMTP_HOST": "smtp.example.ru", "ACCREDPACK_SMTP_PORT": "465", "ACCREDPACK_SMTP_TLS": "tls",
		"ACCREDPACK_SMTP_USER": "robot", "ACCREDPACK_SMTP_PASSWORD": "env-secret-pw", "ACCREDPACK_SMTP_FROM": "noreply@example.ru",
		"ACCREDPACK_PUBLIC_URL": "https://accredpack.example.ru/"}
	c, err := Parse("serve", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !c.SMTP.Enabled() || c.SMTP.Port != 465 || c.SMTP.TLS != "tls" || c.SMTP.Password != "env-secret-pw" {
		t.Fatalf("SMTP %+v", c.SMTP)
	}
	if c.PublicBase("") != "https://accredpack.example.ru" {
		t.Errorf("public base %q", c.PublicBase(""))
	}
	for _, dump := range []string{c.SMTP.String(), fmt.Sprintf("%v", c.SMTP), fmt.Sprintf("%s", c.SMTP), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c.SMTP)} {
		if strings.Contains(dump, "env-secret-pw") {
			t.Errorf("the password shows in %q", dump)
		}
	}
	file := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(file, []byte("file-secret\n"), 0o600)
	delete(env, "ACCREDPACK_SMTP_PASSWORD")
	c, err = Parse("serve", []string{"-smtp-password-file", file}, func(k string) string { return env[k] })
	if err != nil || c.SMTP.Password != "file-secret" {
		t.Fatalf("password from a file: %q, %v", c.SMTP.Password, err)
	}
	delete(env, "ACCREDPACK_SMTP_FROM")
	env["ACCREDPACK_SMTP_TLS"] = "ssl"
	if _, err := Parse("serve", nil, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "smtp-tls") || !strings.Contains(err.Error(), "SMTP_FROM") {
		t.Errorf("bad SMTP configuration taken: %v", err)
	}
	// Off by default; links to the port listened on.
	d, err := Parse("serve", nil, func(string) string { return "" })
	if err != nil || d.SMTP.Enabled() {
		t.Fatalf("default SMTP %+v, %v", d.SMTP, err)
	}
	if got := d.PublicBase("0.0.0.0:9090"); got != "http://localhost:9090" {
		t.Errorf("default public base %q", got)
	}
}
