package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
)

//go:embed templates
var templates embed.FS

// Data is what a template may show. Links are built by the Composer from
// the tokens; a template never sees a token alone.
type Data struct {
	Name        string // the recipient's name, may be empty
	Email       string // the address the message is about
	Token       string // the one-time token of the message's link
	Application string // what the application is (the specialty), for reminders and invitations
	Org         string // the organization that invites
	Date        string // the date a reminder concerns, ДД.ММ.ГГГГ
	Stage       string // the stage's title (stage reminders)
	Days        int    // days left (expiry reminders)
	// AppID is the application a reminder concerns (its page is linked).
	AppID string
	// UnsubscribeToken, when set, adds the one-click unsubscription.
	UnsubscribeToken string
}

// view is what the templates receive: Data and the links.
type view struct {
	Data
	Link, UnsubscribeLink, AppLink, LoginLink string
}

// Composer turns a kind and its data into a Message.
type Composer struct {
	base string // public base URL, without a trailing slash
	text *texttemplate.Template
	html *htmltemplate.Template
}

// NewComposer parses the templates; links start with base (the public
// address of the service, e.g. https://accredpack.example.ru).
func NewComposer(base string) (*Composer, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mail: public URL %q: want http(s)://host[:port]", base)
	}
	t, err := texttemplate.ParseFS(templates, "templates/*.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: text templates: %w", err)
	}
	h, err := htmltemplate.New("mail").Funcs(htmltemplate.FuncMap{"dict": dict}).ParseFS(templates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("mail: HTML templates: %w", err)
	}
	c := &Composer{base: strings.TrimRight(base, "/"), text: t, html: h}
	for _, k := range Kinds {
		if t.Lookup(string(k)+".txt") == nil || h.Lookup(string(k)+".html") == nil || t.Lookup(string(k)+".subject") == nil {
			return nil, fmt.Errorf("mail: kind %s has no subject, text or HTML template", k)
		}
	}
	return c, nil
}

// Link is the address of a page of the web interface with a token in its
// fragment: the fragment never reaches a server log or a Referer.
func (c *Composer) Link(page, token string) string {
	return c.base + "/app/" + page + "#" + url.QueryEscape(token)
}

// pages the links open.
const (
	PageConfirm     = "confirm-email"
	PageReset       = "reset-password"
	PageInvitation  = "invitation"
	PageUnsubscribe = "unsubscribe"
)

func (c *Composer) linkOf(k Kind) string {
	switch k {
	case KindConfirm:
		return PageConfirm
	case KindPasswordReset:
		return PageReset
	case KindInvitation:
		return PageInvitation
	}
	return ""
}

// Compose renders a message of kind k to the address to.
func (c *Composer) Compose(k Kind, to string, d Data) (Message, error) {
	v := view{Data: d, LoginLink: c.base + "/app/login"}
	if page := c.linkOf(k); page != "" && d.Token != "" {
		v.Link = c.Link(page, d.Token)
	}
	if d.AppID != "" {
		v.AppLink = c.base + "/app/a/" + url.PathEscape(d.AppID)
	}
	m := Message{Kind: k, To: to}
	if d.UnsubscribeToken != "" {
		v.UnsubscribeLink = c.Link(PageUnsubscribe, d.UnsubscribeToken)
		// The one-click POST goes to the API itself (RFC 8058): the
		// token is in the query, as mail programs send no other data.
		m.Unsubscribe = c.base + "/api/v1/unsubscribe?token=" + url.QueryEscape(d.UnsubscribeToken)
	}
	var subj, text, html bytes.Buffer
	if err := c.text.ExecuteTemplate(&subj, string(k)+".subject", v); err != nil {
		return m, fmt.Errorf("mail: subject of %s: %w", k, err)
	}
	if err := c.text.ExecuteTemplate(&text, string(k)+".txt", v); err != nil {
		return m, fmt.Errorf("mail: text of %s: %w", k, err)
	}
	if err := c.html.ExecuteTemplate(&html, string(k)+".html", v); err != nil {
		return m, fmt.Errorf("mail: HTML of %s: %w", k, err)
	}
	m.Subject = strings.TrimSpace(subj.String())
	m.Text, m.HTML = text.String(), html.String()
	return m, nil
}

// dict makes a map of key, value pairs: the arguments of a shared template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// DaysText is Days with the word in its Russian form: 1 день, 2 дня, 5 дней.
func (v view) DaysText() string {
	n := v.Days
	word := "дней"
	switch m10, m100 := n%10, n%100; {
	case m100 >= 11 && m100 <= 14:
	case m10 == 1:
		word = "день"
	case m10 >= 2 && m10 <= 4:
		word = "дня"
	}
	return fmt.Sprintf("%d %s", n, word)
}
