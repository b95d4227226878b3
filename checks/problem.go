// Package checks holds the FRMR rules: what makes an uploaded file
// acceptable to the portal (PDF by content, size, not encrypted, parseable)
// and what makes the application form valid (required fields, SNILS, phone,
// e-mail, consent, specialty). It works without HTTP: the API and the
// `accredpack check` command both call it.
package checks

import "fmt"

// Codes of file problems, as the API reports them.
const (
	CodeTooLarge     = "file_too_large"
	CodeNotPDF       = "not_pdf"
	CodePDFInvalid   = "pdf_invalid"
	CodePDFEncrypted = "pdf_encrypted"
	// Composition and optimization (several parts, photos, oversize scans).
	CodeImageInvalid = "image_invalid"       // an image part cannot be read or is too large in pixels
	CodeUnreadable   = "optimize_unreadable" // fitting the limit would blur the text below the floor
)

// Problem is a rule a file breaks. Message is Russian, for the user; Detail
// is technical, for logs, and never holds the file's content.
type Problem struct {
	Code    string
	Message string
	Detail  string
}

func (p *Problem) Error() string {
	if p.Detail == "" {
		return p.Code + ": " + p.Message
	}
	return fmt.Sprintf("%s: %s (%s)", p.Code, p.Message, p.Detail)
}

// TooLarge is the problem of a file over limit bytes.
func TooLarge(limit int64) *Problem {
	return &Problem{Code: CodeTooLarge, Message: fmt.Sprintf("Файл больше допустимого размера %s: портал ФРМР не примет его. Уменьшите файл (например, сканируйте в 150-200 dpi) и загрузите снова.", HumanSize(limit))}
}

// HumanSize writes a byte count the way a Russian user reads it.
func HumanSize(n int64) string {
	const mib = 1 << 20
	switch {
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d МБ", n/mib)
	case n >= mib:
		return fmt.Sprintf("%.1f МБ", float64(n)/mib)
	case n >= 1<<10:
		return fmt.Sprintf("%d КБ", n>>10)
	}
	return fmt.Sprintf("%d байт", n)
}
