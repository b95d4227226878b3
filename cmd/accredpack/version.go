package main

import (
	"runtime/debug"
	"strings"
)

// version is the release this binary is, set at build time:
//
//	go build -ldflags "-X main.version=0.14.0" ./cmd/accredpack
//
// Empty: versionString derives one from what Go recorded in the binary.
var version string

// versionString is the version this binary reports (`accredpack version`,
// GET /healthz, the start-up log line): the one set at build time; else
// the module's version when built from a tagged module; else "devel" with
// the VCS revision Go recorded (12 characters, "-dirty" when the tree had
// changes), or "devel" alone when there is none (go run, go test).
func versionString() string {
	info, _ := debug.ReadBuildInfo()
	return versionOf(version, info)
}

func versionOf(set string, info *debug.BuildInfo) string {
	if set != "" {
		return set
	}
	if info == nil {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" && !strings.HasPrefix(v, "v0.0.0-") {
		return strings.TrimPrefix(v, "v")
	}
	var revision, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			revision = s.Value[:min(12, len(s.Value))]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if revision == "" {
		return "devel"
	}
	return "devel+" + revision + dirty
}
