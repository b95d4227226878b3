// Package client is a small Go client of the accredpack API for
// integrators (training centers, consultancies' systems): applications,
// slot files and compositions, the education ledger, share codes,
// certificate imports and bundles. It depends on nothing but the standard
// library; every call takes a context, and every refusal is an *Error with
// the API's code.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// Client calls one accredpack service with one bearer token (an API key
// ak_… or the administrator's token).
type Client struct {
	base  string
	token string
	http  *http.Client
}

// New returns a client of the service at baseURL (e.g.
// "https://accredpack.example.ru"). httpClient may be nil.
func New(baseURL, token string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 15 * time.Minute}
	}
	return &Client{base: strings.TrimRight(baseURL, "/") + "/api/v1", token: token, http: httpClient}
}

// Error is a refusal of the API.
type Error struct {
	Status  int          `json:"-"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
	// Findings are what keeps an application from being ready, when that is
	// why the call was refused (submission, a package that is not a draft).
	Findings []Finding `json:"findings,omitempty"`
}

// Finding is one thing between an application and its submission; Field or
// Slot name what to fix.
type Finding struct {
	Severity string `json:"severity,omitempty"` // blocking or warning; empty in a refusal's findings (all blocking)
	Code     string `json:"code"`
	Message  string `json:"message"`
	Field    string `json:"field,omitempty"`
	Slot     string `json:"slot,omitempty"`
}

// FieldError is a field rule a form broke.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("accredpack: %d %s: %s", e.Status, e.Code, e.Message)
}

// IsCode reports whether err is a refusal with the API error code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Application is an application as the API describes it (the form fields
// are kept as JSON: Form).
type Application struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// SubmittedOn is the day the portal took a submitted application
	// (YYYY-MM-DD); empty while it is a draft.
	SubmittedOn string   `json:"submitted_on"`
	Ready       bool     `json:"ready"`
	Missing     []string `json:"missing"`
	// Blocking is what keeps Ready false: the same evaluation as the
	// readiness report, the package gate and submission.
	Blocking []Finding       `json:"blocking"`
	Slots    []Slot          `json:"slots"`
	Raw      json.RawMessage `json:"-"`
}

// Slot is a row of an application's checklist.
type Slot struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Requirement string    `json:"requirement"`
	Status      string    `json:"status"`
	Document    *Document `json:"document"`
}

// Document is an accepted slot file.
type Document struct {
	Slot       string    `json:"slot"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Pages      int       `json:"pages"`
	FileName   string    `json:"file_name"`
	UploadedAt time.Time `json:"uploaded_at"`
	// Reading is what reading the scan (OCR) found; on an application's
	// slots only.
	Reading *Reading `json:"reading,omitempty"`
}

// Reading is the state of a document's reading: Status pending, done,
// failed or off, and the warnings it gave (a failed reading is one).
type Reading struct {
	Status    string    `json:"status"`
	Warnings  []Warning `json:"warnings"`
	Confirmed bool      `json:"confirmed"`
}

// Warning is one thing a scan seems to get wrong, in Russian.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Source is an original part a slot file was made from.
type Source struct {
	ID       string `json:"id"`
	Position int    `json:"position"`
	Kind     string `json:"kind"`
	FileName string `json:"file_name"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
}

// Composed is the answer to a composition.
type Composed struct {
	Document Document `json:"document"`
	Compose  struct {
		Parts     int `json:"parts"`
		Pages     int `json:"pages"`
		Optimized *struct {
			Before int64 `json:"before"`
			After  int64 `json:"after"`
			DPI    int   `json:"dpi"`
		} `json:"optimized"`
	} `json:"compose"`
	Sources []Source `json:"sources"`
}

// Course is a continuing-education course of the ledger.
type Course struct {
	ID              string `json:"id,omitempty"`
	Title           string `json:"title"`
	Organization    string `json:"organization"`
	Hours           int    `json:"hours"`
	StartDate       string `json:"start_date"`
	EndDate         string `json:"end_date"`
	InSpecialty     bool   `json:"in_specialty"`
	FRDONumber      string `json:"frdo_number"`
	CertificateSlot string `json:"certificate_slot,omitempty"`
}

// Bundle is a requested FRMR package or portfolio.
type Bundle struct {
	ID            string    `json:"id"`
	ApplicationID string    `json:"application_id"`
	Kind          string    `json:"kind"`
	Draft         bool      `json:"draft"`
	CreatedAt     time.Time `json:"created_at"`
	Status        string    `json:"status"` // queued, running, done, failed
	Error         string    `json:"error"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
	Progress      *struct {
		Done  int `json:"done"`
		Total int `json:"total"`
	} `json:"progress"`
}

// Part is one part of a composition: a PDF or a JPEG/PNG photo.
type Part struct {
	Name string
	Data io.Reader
}

// NewIdempotencyKey returns a random key for WithIdempotencyKey.
func NewIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CallOption changes one call.
type CallOption func(*http.Request)

// WithIdempotencyKey makes a POST safe to retry: sent again with the same
// key, the service answers with the first answer instead of doing it twice.
func WithIdempotencyKey(key string) CallOption {
	return func(r *http.Request) { r.Header.Set("Idempotency-Key", key) }
}

// send makes a request; an answer of 400 or more is returned as *Error
// (its body read and closed), any other for the caller to read and close.
func (c *Client) send(ctx context.Context, method, path string, body io.Reader, contentType string, opts ...CallOption) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("accredpack: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, o := range opts {
		o(req)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("accredpack: %s %s: %w", method, path, err)
	}
	if res.StatusCode >= 400 {
		defer res.Body.Close()
		var e struct {
			Error Error `json:"error"`
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		if json.Unmarshal(b, &e) != nil || e.Error.Code == "" {
			e.Error = Error{Code: "http_" + fmt.Sprint(res.StatusCode), Message: strings.TrimSpace(string(b))}
		}
		e.Error.Status = res.StatusCode
		return nil, &e.Error
	}
	return res, nil
}

func (c *Client) call(ctx context.Context, method, path string, body io.Reader, contentType string, out any, opts ...CallOption) error {
	res, err := c.send(ctx, method, path, body, contentType, opts...)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if out == nil || res.StatusCode == http.StatusNoContent {
		return nil
	}
	if w, ok := out.(io.Writer); ok {
		_, err = io.Copy(w, res.Body)
		return err
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("accredpack: read answer: %w", err)
	}
	if a, ok := out.(*Application); ok {
		a.Raw = append(json.RawMessage(nil), b...)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("accredpack: decode answer of %s %s: %w", method, path, err)
	}
	return nil
}

func (c *Client) callJSON(ctx context.Context, method, path string, in, out any, opts ...CallOption) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("accredpack: encode: %w", err)
		}
		body = bytes.NewReader(b)
	}
	return c.call(ctx, method, path, body, "application/json", out, opts...)
}

func app(id string) string { return "/applications/" + url.PathEscape(id) }

// CreateApplication creates an application from a form (any value that
// encodes to the API's form JSON).
func (c *Client) CreateApplication(ctx context.Context, form any, opts ...CallOption) (*Application, error) {
	var a Application
	return &a, c.callJSON(ctx, "POST", "/applications", form, &a, opts...)
}

// Application reads an application.
func (c *Client) Application(ctx context.Context, id string) (*Application, error) {
	var a Application
	return &a, c.call(ctx, "GET", app(id), nil, "", &a)
}

// Upload puts one PDF into a slot row (e.g. "identity_document",
// "qualification_certificates.2").
func (c *Client) Upload(ctx context.Context, appID, slot, fileName string, pdf io.Reader) (*Document, error) {
	var out struct {
		Document Document `json:"document"`
	}
	path := app(appID) + "/slots/" + url.PathEscape(slot) + "/file?filename=" + url.QueryEscape(fileName)
	return &out.Document, c.call(ctx, "PUT", path, pdf, "application/pdf", &out)
}

// Compose makes one slot file of parts in order (PDFs and JPEG/PNG
// photos); optimize fits an oversize result under the limit.
func (c *Client) Compose(ctx context.Context, appID, slot string, parts []Part, optimize bool, opts ...CallOption) (*Composed, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			w, err := mw.CreateFormFile("file", p.Name)
			if err == nil {
				_, err = io.Copy(w, p.Data)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	path := app(appID) + "/slots/" + url.PathEscape(slot) + "/compose"
	if optimize {
		path += "?optimize=true"
	}
	var out Composed
	err := c.call(ctx, "POST", path, pr, mw.FormDataContentType(), &out, opts...)
	pr.CloseWithError(io.ErrClosedPipe) // stops the writer if the call ended early
	return &out, err
}

// ConfirmDocument says the document of a slot row is the right one
// («документ верный»): its reading's warnings are dismissed until the file
// is replaced. It returns the row.
func (c *Client) ConfirmDocument(ctx context.Context, appID, slot string) (*Slot, error) {
	var out Slot
	return &out, c.call(ctx, "POST", app(appID)+"/slots/"+url.PathEscape(slot)+"/confirm", nil, "", &out)
}

// AddCourse adds a course to the application's education ledger.
func (c *Client) AddCourse(ctx context.Context, appID string, course Course, opts ...CallOption) (*Course, error) {
	var out Course
	return &out, c.callJSON(ctx, "POST", app(appID)+"/courses", course, &out, opts...)
}

// ShareCode makes a one-time code the specialist gives a training center.
func (c *Client) ShareCode(ctx context.Context, appID string) (string, error) {
	var out struct {
		Code string `json:"code"`
	}
	return out.Code, c.call(ctx, "POST", app(appID)+"/share-codes", nil, "", &out)
}

// RedeemShareCode gives the caller's organization access to the
// application the code was made for, and returns its id.
func (c *Client) RedeemShareCode(ctx context.Context, code string) (string, error) {
	var out struct {
		ApplicationID string `json:"application_id"`
	}
	return out.ApplicationID, c.callJSON(ctx, "POST", "/share-codes/redeem", map[string]string{"code": code}, &out)
}

// RequestBundle asks for a bundle: kind "frmr_package" or "portfolio_pdf".
func (c *Client) RequestBundle(ctx context.Context, appID, kind string, draft bool, opts ...CallOption) (*Bundle, error) {
	var b Bundle
	return &b, c.callJSON(ctx, "POST", app(appID)+"/bundles", map[string]any{"kind": kind, "draft": draft}, &b, opts...)
}

// Bundle reads a bundle's state.
func (c *Client) Bundle(ctx context.Context, id string) (*Bundle, error) {
	var b Bundle
	return &b, c.call(ctx, "GET", "/bundles/"+url.PathEscape(id), nil, "", &b)
}

// WaitBundle polls a bundle every interval until it is done or failed (a
// failed bundle is returned with its error text, not as an error).
func (c *Client) WaitBundle(ctx context.Context, id string, interval time.Duration) (*Bundle, error) {
	for {
		b, err := c.Bundle(ctx, id)
		if err != nil || b.Status == "done" || b.Status == "failed" {
			return b, err
		}
		select {
		case <-ctx.Done():
			return b, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// DownloadBundle writes a done bundle's file to w.
func (c *Client) DownloadBundle(ctx context.Context, id string, w io.Writer) error {
	_, err := c.DownloadBundleNamed(ctx, id, w)
	return err
}

// DownloadBundleNamed writes a done bundle's file to w and answers the name
// it downloads as, after the specialist: «Иванова А.С. - пакет для
// ФРМР.zip», «Иванова А.С. - портфолио.pdf», «… - черновик …» for a draft.
func (c *Client) DownloadBundleNamed(ctx context.Context, id string, w io.Writer) (string, error) {
	return c.download(ctx, "/bundles/"+url.PathEscape(id)+"/file", w)
}

// Bundles lists an application's bundles, newest first.
func (c *Client) Bundles(ctx context.Context, appID string) ([]Bundle, error) {
	var out struct {
		Bundles []Bundle `json:"bundles"`
	}
	return out.Bundles, c.call(ctx, "GET", app(appID)+"/bundles", nil, "", &out)
}

// DownloadFile writes the current file of a slot row to w and answers the
// name the FRMR package gives it («Иванова А.С. - Паспорт.pdf»).
func (c *Client) DownloadFile(ctx context.Context, appID, slot string, w io.Writer) (string, error) {
	return c.download(ctx, app(appID)+"/slots/"+url.PathEscape(slot)+"/file", w)
}

// download copies an answer's body to w and answers the file name of its
// Content-Disposition.
func (c *Client) download(ctx context.Context, path string, w io.Writer) (string, error) {
	res, err := c.send(ctx, "GET", path, nil, "")
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if _, err := io.Copy(w, res.Body); err != nil {
		return "", fmt.Errorf("accredpack: read %s: %w", path, err)
	}
	_, params, _ := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	return params["filename"], nil
}

// Submit marks a ready application submitted, on the day the FRMR portal
// took it (its calendar date in on's location); a zero on means today. A
// day in the future or before the application was created is refused
// (validation_failed on submitted_on); an application that is not ready is
// a conflict with the blocking Findings.
func (c *Client) Submit(ctx context.Context, appID string, on time.Time, opts ...CallOption) (*Application, error) {
	var body any
	if !on.IsZero() {
		body = map[string]string{"submitted_on": on.Format(time.DateOnly)}
	}
	var a Application
	return &a, c.callJSON(ctx, "POST", app(appID)+"/submit", body, &a, opts...)
}

// Session is who the client's token belongs to.
type Session struct {
	UserID         string `json:"user_id"`
	Role           string `json:"role"`
	OrganizationID string `json:"organization_id"`
	Name           string `json:"name"`  // empty for the administrator's bootstrap token
	Email          string `json:"email"` // likewise
}

// Me tells who the client's token belongs to.
func (c *Client) Me(ctx context.Context) (*Session, error) {
	var s Session
	return &s, c.call(ctx, "GET", "/auth/me", nil, "", &s)
}

// ChangePassword changes the password of the token's account (API keys
// stay valid, its sessions end). A wrong current password is a
// validation_failed refusal on current_password, a new one that breaks the
// rules (at least 10 characters) on new_password.
func (c *Client) ChangePassword(ctx context.Context, current, next string) error {
	return c.callJSON(ctx, "POST", "/auth/password", map[string]string{"current_password": current, "new_password": next}, nil)
}

// CertificateRow is one certificate of an import batch. Dates are
// YYYY-MM-DD or DD.MM.YYYY; InSpecialty nil means true; File names the PDF
// in the ZIP sent with the batch; ApplicationID picks one application when
// the specialist has several shared with the caller.
type CertificateRow struct {
	SNILS         string `json:"snils"`
	Title         string `json:"title"`
	Hours         int    `json:"hours"`
	StartDate     string `json:"start_date"`
	EndDate       string `json:"end_date"`
	FRDONumber    string `json:"frdo_number"`
	InSpecialty   *bool  `json:"in_specialty,omitempty"`
	File          string `json:"file,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
}

// ImportReport is the answer to an import: every row's fate, in order.
type ImportReport struct {
	Summary struct {
		Rows      int `json:"rows"`
		Added     int `json:"added"`
		Duplicate int `json:"duplicate"`
		Refused   int `json:"refused"`
		Invalid   int `json:"invalid"`
		Failed    int `json:"failed"`
	} `json:"summary"`
	Rows []ImportedRow `json:"rows"`
}

// ImportedRow is what became of one row: Status is added, duplicate,
// refused, invalid or failed (send the batch again: what was added is a
// duplicate then).
type ImportedRow struct {
	Row          int            `json:"row"`
	SNILS        string         `json:"snils"` // masked
	FRDONumber   string         `json:"frdo_number"`
	Status       string         `json:"status"`
	Applications []ImportTarget `json:"applications"`
	Code         string         `json:"code"`
	Message      string         `json:"message"`
	Fields       []FieldError   `json:"fields"`
}

// ImportTarget is what became of a row in one application.
type ImportTarget struct {
	ApplicationID   string `json:"application_id"`
	Status          string `json:"status"`
	CourseID        string `json:"course_id"`
	CertificateSlot string `json:"certificate_slot"`
	Code            string `json:"code"`
	Message         string `json:"message"`
}

// ImportCertificates sends a batch of certificates; files, when not nil,
// is a ZIP of the PDFs the rows name. Rows for specialists who have not
// shared an application with the caller's organization are refused in
// the report, not as an error; sending the same batch again adds nothing.
func (c *Client) ImportCertificates(ctx context.Context, rows []CertificateRow, files io.Reader, opts ...CallOption) (*ImportReport, error) {
	b, err := json.Marshal(map[string]any{"rows": rows})
	if err != nil {
		return nil, fmt.Errorf("accredpack: encode: %w", err)
	}
	return c.importBatch(ctx, bytes.NewReader(b), "batch.json", "application/json", files, opts...)
}

// ImportCertificatesCSV sends a CSV batch as it is (a header row of the
// column names, ';' or ',' between values, UTF-8); files as for
// ImportCertificates.
func (c *Client) ImportCertificatesCSV(ctx context.Context, csv, files io.Reader, opts ...CallOption) (*ImportReport, error) {
	return c.importBatch(ctx, csv, "batch.csv", "text/csv", files, opts...)
}

func (c *Client) importBatch(ctx context.Context, batch io.Reader, name, contentType string, files io.Reader, opts ...CallOption) (*ImportReport, error) {
	var out ImportReport
	if files == nil {
		return &out, c.call(ctx, "POST", "/imports/certificates", batch, contentType, &out, opts...)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="batch"; filename=%q`, name))
		h.Set("Content-Type", contentType)
		w, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(w, batch)
		}
		if err == nil {
			if w, err = mw.CreateFormFile("files", "files.zip"); err == nil {
				_, err = io.Copy(w, files)
			}
		}
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	err := c.call(ctx, "POST", "/imports/certificates", pr, mw.FormDataContentType(), &out, opts...)
	pr.CloseWithError(io.ErrClosedPipe) // stops the writer if the call ended early
	return &out, err
}
