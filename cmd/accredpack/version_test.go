package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	vcs := func(kv ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Path: "accredpack", Version: "(devel)"}}
		for i := 0; i < len(kv); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return info
	}
	tagged := vcs("vcs.revision", "3aaee63abcdef0123456789")
	tagged.Main.Version = "v0.23.0"
	pseudo := vcs("vcs.revision", "3aaee63abcdef0123456789")
	pseudo.Main.Version = "v0.0.0-20261203084300-3aaee63abcde"
	for _, tc := range []struct {
		name, set string
		info      *debug.BuildInfo
		want      string
	}{
		{"set at build time wins", "0.23.1", tagged, "0.23.1"},
		{"a tagged module", "", tagged, "0.23.0"},
		{"a clean tree", "", vcs("vcs.revision", "3aaee63abcdef0123456789", "vcs.modified", "false"), "devel+3aaee63abcde"},
		{"a changed tree", "", vcs("vcs.revision", "3aaee63abcdef0123456789", "vcs.modified", "true"), "devel+3aaee63abcde-dirty"},
		{"a pseudo-version: the revision", "", pseudo, "devel+3aaee63abcde"},
		{"no VCS (go run, -buildvcs=false)", "", vcs(), "devel"},
		{"no build information", "", nil, "devel"},
	} {
		if got := versionOf(tc.set, tc.info); got != tc.want {
			t.Errorf("%s: %q; want %q", tc.name, got, tc.want)
		}
	}
}

// setVersion sets the version as -ldflags "-X main.version=…" would.
func setVersion(t *testing.T, v string) {
	before := version
	version = v
	t.Cleanup(func() { version = before })
}

func TestVersionCommand(t *testing.T) {
	setVersion(t, "0.23.0-test")
	for _, arg := range []string{"version", "--version"} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), []string{arg}, &out, &errs, func(string) string { return "" }); code != 0 || out.String() != "accredpack 0.23.0-test\n" {
			t.Errorf("accredpack %s: exit %d, %q (stderr %q)", arg, code, out.String(), errs.String())
		}
	}
	var out bytes.Buffer
	run(context.Background(), []string{"help"}, &out, &out, func(string) string { return "" })
	if !bytes.Contains(out.Bytes(), []byte("accredpack version")) {
		t.Errorf("the usage does not name the version command:\n%s", out.String())
	}
}

// TestHealthzVersion: /healthz says which version runs.
func TestHealthzVersion(t *testing.T) {
	setVersion(t, "0.23.0-healthz")
	c := startService(t, testConfig(t))
	r := c.do("GET", "/healthz", nil, "", 0, false)
	if got := r.json(t); r.status != 200 || got["status"] != "ok" || got["version"] != "0.23.0-healthz" {
		t.Errorf("/healthz: %d %s; want 200 with status ok and version 0.23.0-healthz", r.status, r.body)
	}
}
