package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// SMTP is the mail server; no host: e-mail is off, and the log says what
// would have been sent. The password comes from the environment
// (ACCREDPACK_SMTP_PASSWORD) or a file (-smtp-password-file), never from a
// flag, and String and LogValue leave it out.
type SMTP struct {
	Host     string
	Port     int
	TLS      string // none, starttls, tls
	User     string
	Password string
	From     string
}

// Enabled tells whether e-mail goes out through SMTP.
func (s SMTP) Enabled() bool { return s.Host != "" }

// String shows the configuration without the password.
func (s SMTP) String() string {
	if !s.Enabled() {
		return "off"
	}
	pw := ""
	if s.Password != "" {
		pw = " password=(set)"
	}
	return fmt.Sprintf("%s:%d tls=%s user=%q from=%q%s", s.Host, s.Port, s.TLS, s.User, s.From, pw)
}

// mailFlags registers the flags of e-mail; the returned func reads the
// password from its file, if one is named, once the flags are parsed (the
// file wins over ACCREDPACK_SMTP_PASSWORD, read with the other secrets).
func mailFlags(fs *flag.FlagSet, c *Config) func() error {
	fs.StringVar(&c.PublicURL, "public-url", "", "address of the service in e-mail links, e.g. https://accredpack.example.ru; default http://localhost:PORT")
	fs.StringVar(&c.SMTP.Host, "smtp-host", "", "SMTP server; empty: e-mail is off and the log says what would have been sent")
	fs.IntVar(&c.SMTP.Port, "smtp-port", 587, "SMTP port")
	fs.StringVar(&c.SMTP.TLS, "smtp-tls", "starttls", "SMTP encryption: starttls, tls (port 465) or none (a relay on the same host)")
	fs.StringVar(&c.SMTP.User, "smtp-user", "", "SMTP user; empty: no authentication; the password is ACCREDPACK_SMTP_PASSWORD or -smtp-password-file")
	fs.StringVar(&c.SMTP.From, "smtp-from", "", "sender of e-mails, e.g. \"accredpack <noreply@example.ru>\"")
	file := fs.String("smtp-password-file", "", "file holding the SMTP password")
	return func() error {
		if *file != "" {
			b, err := os.ReadFile(*file)
			if err != nil {
				return fmt.Errorf("smtp-password-file: %w", err)
			}
			c.SMTP.Password = strings.TrimRight(string(b), "\r\n")
		}
		return nil
	}
}

// validateMail reports the problems of the e-mail configuration.
func (c Config) validateMail() []error {
	var errs []error
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("public-url %q: want http(s)://host[:port]", c.PublicURL))
		}
	}
	if !c.SMTP.Enabled() {
		return errs
	}
	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		errs = append(errs, fmt.Errorf("smtp-port %d: want 1 .. 65535", c.SMTP.Port))
	}
	switch c.SMTP.TLS {
	case "none", "starttls", "tls":
	default:
		errs = append(errs, fmt.Errorf("smtp-tls %q: want none, starttls or tls", c.SMTP.TLS))
	}
	if c.SMTP.From == "" {
		errs = append(errs, errors.New("SMTP needs a sender: ACCREDPACK_SMTP_FROM"))
	}
	if c.SMTP.User != "" && c.SMTP.Password == "" {
		errs = append(errs, errors.New("smtp-user needs a password: ACCREDPACK_SMTP_PASSWORD or -smtp-password-file"))
	}
	return errs
}

// PublicBase is the address links in e-mails start with: PublicURL, or
// http://localhost:PORT with the port the service listens on (bound, when
// the configured port is 0).
func (c Config) PublicBase(bound string) string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	addr := c.Addr
	if bound != "" {
		addr = bound
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	if _, err := strconv.Atoi(port); err != nil {
		return "http://" + host
	}
	return "http://" + net.JoinHostPort(host, port)
}

// GoString keeps the password out of %#v too.
func (s SMTP) GoString() string { return "config.SMTP{" + s.String() + "}" }
