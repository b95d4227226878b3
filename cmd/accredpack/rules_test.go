package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsNameEveryRuleFile: the table "Where the rules come from" of
// docs/rules.md names every data file the rules are read from, so a new
// file of rules cannot arrive without its line there.
func TestDocsNameEveryRuleFile(t *testing.T) {
	readme, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Where the rules come from")
	if !ok {
		t.Fatal("docs/rules.md has no section «Where the rules come from»")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var files []string
	for _, dir := range []string{"catalog/data", "readiness/data", "calendar/data"} {
		found, _ := filepath.Glob(filepath.Join("../..", dir, "*.json"))
		for _, f := range found {
			files = append(files, filepath.ToSlash(strings.TrimPrefix(f, "../../")))
		}
	}
	if len(files) < 4 {
		t.Fatalf("rule files found: %v", files)
	}
	for _, f := range files {
		if !strings.Contains(section, "`"+f+"`") {
			t.Errorf("%s is not in the table of rule sources of docs/rules.md", f)
		}
	}
}
