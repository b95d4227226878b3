// Package certimport is the bulk import of certificates by training
// centers: it reads a batch (CSV or JSON) and its optional ZIP of PDFs,
// finds for each row the applications of that SNILS shared with the
// caller's organization, adds the course (and the certificate file into
// the first empty row of the certificate slot) through intake, and
// reports on every row. The import is idempotent: a course whose FRDO
// number an application already has is a duplicate there, and nothing is
// added.
package certimport

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"accredpack/access"
	"accredpack/audit"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/fault"
	"accredpack/intake"
)

// CertificateSlot is the repeatable slot certificates go into.
const CertificateSlot = "qualification_certificates"

// Limits bound a batch and its archive.
type Limits struct {
	BatchBytes   int64 // the CSV or JSON batch
	Rows         int   // rows of a batch
	ArchiveBytes int64 // the ZIP, as spooled to disk
	Entries      int   // entries of the ZIP, folders included
	FileBytes    int64 // one PDF: the service's file limit
}

// DefaultLimits are the limits of the service whose file limit is
// fileBytes: 5 MiB and 1000 rows of batch, 1 GiB and 1000 entries of ZIP.
func DefaultLimits(fileBytes int64) Limits {
	return Limits{BatchBytes: 5 << 20, Rows: 1000, ArchiveBytes: 1 << 30, Entries: 1000, FileBytes: fileBytes}
}

// Intake is what the import asks of the intake service: every write goes
// through it, so its checks (and whatever it tells others) apply.
type Intake interface {
	ApplicationsBySNILS(ctx context.Context, snils string) ([]*dossier.Application, error)
	Get(ctx context.Context, id string) (*intake.View, error)
	CheckCourse(c *dossier.Course) error
	Courses(ctx context.Context, appID string) ([]dossier.Course, error)
	PutCourse(ctx context.Context, appID string, c dossier.Course) (dossier.Course, error)
	DeleteCourse(ctx context.Context, appID, id string) error
	Stage(ctx context.Context, appID, slotRef string, body io.Reader, fileName string, addOnly bool) (*intake.Staged, error)
	Commit(ctx context.Context, st *intake.Staged, by string) (dossier.Document, error)
}

// Accounts gives the facts the policy judges and the caller's
// organization.
type Accounts interface {
	Facts(ctx context.Context, appID string) (access.Facts, error)
	Organization(ctx context.Context, id string) (database.Organization, error)
}

// Auditor records accesses to applications.
type Auditor interface {
	Record(ctx context.Context, r audit.Request, events ...audit.Event) error
}

// Deps are what an Importer works with.
type Deps struct {
	Intake   Intake
	Accounts Accounts
	Audit    Auditor
	Policy   access.Policy
	Log      *slog.Logger
	Limits   Limits
	SpoolDir string // where the ZIP is spooled
	// Explain gives an error's public code and Russian message (the API's
	// error table), for the rows that fail.
	Explain func(error) (code, message string)
}

// Importer runs imports.
type Importer struct{ d Deps }

// New returns an Importer.
func New(d Deps) *Importer {
	if d.Explain == nil {
		d.Explain = func(error) (string, string) { return "internal", "Внутренняя ошибка сервиса." }
	}
	return &Importer{d: d}
}

// Limits are the importer's bounds.
func (im *Importer) Limits() Limits { return im.d.Limits }

// OpenArchive spools a ZIP of PDFs within the limits.
func (im *Importer) OpenArchive(ctx context.Context, r io.Reader) (*Archive, error) {
	return OpenArchive(ctx, r, im.d.SpoolDir, im.d.Limits)
}

// ReadBatch reads a whole batch (at most the batch limit) and parses it.
func (im *Importer) ReadBatch(r io.Reader, f Format) ([]Row, error) {
	data, err := io.ReadAll(io.LimitReader(r, im.d.Limits.BatchBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", fault.BadRequest("Пакет не прочитан: тело запроса оборвалось."), err)
	}
	if int64(len(data)) > im.d.Limits.BatchBytes {
		return nil, batchTooLarge(im.d.Limits)
	}
	return Parse(data, f, im.d.Limits)
}
