package config

import (
	"flag"
	"fmt"
	"sort"
	"strings"
)

// Setting is one thing an operator can set: its flag (empty for a secret,
// which comes from the environment only), its environment variable, its
// default as the help shows it, and what it means.
type Setting struct {
	Flag    string
	Env     string
	Default string
	Meaning string
}

// Variable is the environment variable of a flag: ACCREDPACK_ and the
// flag's name in capitals, dashes as underscores (data-dir:
// ACCREDPACK_DATA_DIR). Every flag has one, so none can be forgotten.
func Variable(flagName string) string {
	return "ACCREDPACK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// secret is a setting read from the environment only: a flag would show
// it to anyone who lists the processes.
type secret struct {
	Setting
	value *string
}

// secrets lists the settings without a flag, with where each goes in c.
func secrets(c *Config) []secret {
	return []secret{
		{Setting{Env: "ACCREDPACK_BOOTSTRAP_TOKEN", Meaning: "administrator's bearer token; the first administrator is created with it (unset: none)"}, &c.BootstrapToken},
		{Setting{Env: "ACCREDPACK_METRICS_TOKEN", Meaning: "bearer token /metrics requires wherever it is served (unset: /metrics is open)"}, &c.MetricsToken},
		{Setting{Env: "ACCREDPACK_MASTER_KEY", Meaning: "one master key, 32 bytes in base64, instead of a key file (not with key-file)"}, &c.Encryption.MasterKey},
		{Setting{Env: "ACCREDPACK_SMTP_PASSWORD", Meaning: "SMTP password (or smtp-password-file, which wins); never logged or printed"}, &c.SMTP.Password},
	}
}

// derivedDefaults are the defaults that depend on the machine, said in
// words in Settings so that the operators' page reads the same everywhere.
var derivedDefaults = map[string]string{
	"parse-parallel": "the number of CPUs",
	"max-requests":   "memory / 16 MiB, 64 .. 1024 (256 on 4 GiB)",
}

// nameVariables ends every flag's help with its variable.
func nameVariables(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " (" + Variable(f.Name) + ")" })
}

// setFromEnvironment sets every flag whose variable is not empty, as if it
// were given on the command line.
func setFromEnvironment(fs *flag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		variable := Variable(f.Name)
		if v := getenv(variable); v != "" && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", variable, v, e)
			}
		}
	})
	return err
}

// Settings lists every setting the service reads, flags and secrets, in
// the order of their variables. It is built from the same flag set Parse
// uses, so it cannot leave one out.
func Settings() []Setting {
	c := Default()
	fs, _ := newFlagSet("settings", &c)
	var all []Setting
	fs.VisitAll(func(f *flag.Flag) {
		def := shortDuration(f.DefValue)
		if d, ok := derivedDefaults[f.Name]; ok {
			def = d
		}
		all = append(all, Setting{Flag: f.Name, Env: Variable(f.Name), Default: def,
			Meaning: strings.TrimSuffix(f.Usage, " ("+Variable(f.Name)+")")})
	})
	for _, s := range secrets(&c) {
		all = append(all, s.Setting)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Env < all[j].Env })
	return all
}

//go:generate go test -run TestOperatorsPageTable -update .

// Table is Settings as a Markdown table: the configuration section of
// docs/operators.md, written there by `go generate ./config`.
func Table() string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	code := func(s string) string {
		if s == "" {
			return "—"
		}
		return "`" + s + "`"
	}
	var b strings.Builder
	b.WriteString("| variable | flag | default | meaning |\n|---|---|---|---|\n")
	for _, s := range Settings() {
		flagName, def := "— (environment only)", s.Default
		if s.Flag != "" {
			flagName = "`--" + s.Flag + "`"
			def = code(def)
			if _, ok := derivedDefaults[s.Flag]; ok {
				def = s.Default
			}
		} else {
			def = "unset"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.Env, flagName, cell(def), cell(s.Meaning))
	}
	return b.String()
}

// shortDuration writes a duration's default as people do: 30m, not 30m0s.
func shortDuration(v string) string {
	if strings.HasSuffix(v, "m0s") {
		v = strings.TrimSuffix(v, "0s")
	}
	if strings.HasSuffix(v, "h0m") {
		v = strings.TrimSuffix(v, "0m")
	}
	return v
}
