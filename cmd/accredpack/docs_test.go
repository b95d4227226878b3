package main

import (
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestDocLinks: every relative link of README.md, CHANGELOG.md and
// docs/*.md (Markdown links and <img src>) names a file that exists, and
// a #fragment names a heading of its page, as GitHub makes anchors.
func TestDocLinks(t *testing.T) {
	pages, _ := filepath.Glob("../../docs/*.md")
	pages = append(pages, "../../README.md", "../../CHANGELOG.md")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)|<img src="([^"]+)"`)
	checked := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(withoutCode(string(text)), -1) {
			target := m[1] + m[2]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			file, fragment, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: link %s: %v", page, target, err)
				continue
			}
			if fragment != "" && !anchors(t, path)[fragment] {
				t.Errorf("%s: link %s: %s has no heading with the anchor #%s", page, target, path, fragment)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d relative links found: the pages or the pattern are broken", checked)
	}
}

// TestAnchors: the anchors are GitHub's.
func TestAnchors(t *testing.T) {
	for heading, want := range map[string]string{
		"Production backends: PostgreSQL and MinIO (S3)": "production-backends-postgresql-and-minio-s3",
		"One command: `make bench`":                      "one-command-make-bench",
		"Пять шагов заявления":                           "пять-шагов-заявления",
		"Will the portal take this file?":                "will-the-portal-take-this-file",
	} {
		if got := anchor(heading); got != want {
			t.Errorf("anchor(%q) = %q; want %q", heading, got, want)
		}
	}
}

// withoutCode blanks fenced code blocks and inline code, where brackets
// are not links.
func withoutCode(text string) string {
	var b strings.Builder
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		parts := strings.Split(line, "`")
		for i := 1; i < len(parts); i += 2 {
			parts[i] = ""
		}
		b.WriteString(strings.Join(parts, "``") + "\n")
	}
	return b.String()
}

// anchors are the anchors of a Markdown file's headings.
func anchors(t *testing.T, path string) map[string]bool {
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	seen := map[string]int{}
	fence := false
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(line, "#") {
			continue
		}
		a := anchor(strings.TrimLeft(line, "# "))
		if n := seen[a]; n > 0 {
			found[a+"-"+string(rune('0'+n))] = true
		} else {
			found[a] = true
		}
		seen[a]++
	}
	return found
}

// anchor is GitHub's anchor of a heading: lower case, spaces as dashes,
// punctuation other than - and _ dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestReadmeTwoCommands: the README's first screen sets up with exactly
// two commands, make run and make test, and stays short.
func TestReadmeTwoCommands(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(text), "## Two commands")
	_, block, _ := strings.Cut(rest, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	var commands []string
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		command, _, _ := strings.Cut(line, "#")
		commands = append(commands, strings.TrimSpace(command))
	}
	if strings.Join(commands, ", ") != "make run, make test" {
		t.Errorf("the README's set-up commands: %q; want make run and make test", commands)
	}
	if lines := strings.Count(string(text), "\n"); lines > 200 {
		t.Errorf("the README has %d lines; a newcomer's first read stays under 200 (the rest belongs in docs/)", lines)
	}
}

// TestPackageComments: every package of the module has one package
// comment, saying its job: "Package name …" or "Command name …".
func TestPackageComments(t *testing.T) {
	packages := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != "../.." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		pkgs, err := parser.ParseDir(gotoken.NewFileSet(), path, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") },
			parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		for name, pkg := range pkgs {
			packages++
			var docs []string
			for _, f := range pkg.Files {
				if f.Doc != nil {
					docs = append(docs, f.Doc.Text())
				}
			}
			want := "Package " + name + " "
			if name == "main" {
				want = "Command " + filepath.Base(path) + " "
			}
			if len(docs) != 1 || !strings.HasPrefix(docs[0], want) || len(strings.Fields(docs[0])) < 8 {
				t.Errorf("%s: package comments %q; want one, beginning %q and saying the package's job", path, docs, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if packages < 30 {
		t.Errorf("only %d packages found", packages)
	}
}
