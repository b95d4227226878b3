package intake

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"accredpack/contents"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/readiness"
	"accredpack/readings"
)

// ReadingQueue queues the OCR reading of a stored document in the
// transaction that stores it (readings.Service).
type ReadingQueue interface {
	QueueTx(ctx context.Context, tx *sql.Tx, d readings.Document) error
}

// Reading states beyond the database's: "off" when the document was never
// queued (stored before readings existed, or with OCR off).
const ReadingOff = "off"

// DocumentReading is what the service says about a document's contents:
// the state of its reading and the warnings it gave.
type DocumentReading struct {
	Status   string // pending, done, failed or off
	Findings []contents.Finding
	// Confirmed is when the person said the document is the right one
	// («документ верный»): its findings no longer count as warnings.
	Confirmed time.Time
}

// readingsOf judges the reading of every current document against the
// form and the ledger.
func (s *Service) readingsOf(a *dossier.Application, docs []dossier.Document, l ledger) map[string]DocumentReading {
	out := make(map[string]DocumentReading, len(docs))
	who := contents.Person{Last: a.Form.Specialist.LastName, First: a.Form.Specialist.FirstName, Middle: a.Form.Specialist.MiddleName,
		NameChanged: a.Form.NameChanged, SNILS: a.Form.Specialist.SNILS}
	for _, d := range docs {
		r, ok := l.readings[d.ObjectKey]
		if !ok {
			out[d.Ref.String()] = DocumentReading{Status: ReadingOff}
			continue
		}
		dr := DocumentReading{Status: r.Status, Confirmed: r.ConfirmedAt}
		switch r.Status {
		case database.ReadingFailed:
			dr.Findings = []contents.Finding{{Code: "content_unread", Message: unreadMessage(r.Error)}}
		case database.ReadingDone:
			var rd contents.Reading
			if err := json.Unmarshal([]byte(r.Result), &rd); err != nil {
				dr.Findings = []contents.Finding{{Code: "content_unread", Message: unreadMessage("")}}
				break
			}
			dr.Findings = s.contents.Check(d.Ref.Slot, rd, who, courseOf(d.Ref, l.courses))
		}
		out[d.Ref.String()] = dr
	}
	return out
}

func unreadMessage(why string) string {
	switch why {
	case "timeout":
		return "Скан не удалось прочитать автоматически: чтение заняло слишком много времени. Проверьте сами, что документ тот и читается."
	case "fetch":
		return "Скан не удалось прочитать автоматически: файл не был получен из хранилища. Проверьте сами, что документ тот и читается."
	}
	return "Скан не удалось прочитать автоматически. Проверьте сами, что документ тот и читается."
}

// courseOf is the ledger's course whose certificate is the slot row.
func courseOf(ref dossier.SlotRef, courses []dossier.Course) *contents.Course {
	i := slices.IndexFunc(courses, func(c dossier.Course) bool { return c.CertificateSlot == ref.String() })
	if i < 0 {
		return nil
	}
	c := courses[i]
	return &contents.Course{Title: c.Title, Hours: c.Hours, Start: c.StartDate, End: c.EndDate, Registration: c.FRDONumber}
}

// contentNotes are the readings' findings as warnings of the readiness
// report, on their slot rows; a confirmed document's are left out.
func contentNotes(rs map[string]DocumentReading) []readiness.Finding {
	var out []readiness.Finding
	refs := make([]string, 0, len(rs))
	for ref := range rs {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	for _, ref := range refs {
		r := rs[ref]
		if !r.Confirmed.IsZero() {
			continue
		}
		for _, f := range r.Findings {
			out = append(out, readiness.Finding{Severity: readiness.Warning, Code: f.Code, Slot: ref, Message: f.Message})
		}
	}
	return out
}

// UprightBy is who a file turned upright is uploaded by.
const UprightBy = "ocr"

// ReplaceUpright makes the file at path, the slot's file with pages the
// reading found lying on their side turned upright through their page
// rotation, the new file of the slot that holds objectKey: checked like an
// upload, the original kept in the slot's history, read again. Nothing is
// done when the slot holds another file by now, or when its file was
// already turned once (a second opinion of OSD is not followed).
func (s *Service) ReplaceUpright(ctx context.Context, appID, objectKey, path string) error {
	docs, err := s.db.Documents(ctx, appID)
	if err != nil {
		return backend(err)
	}
	i := slices.IndexFunc(docs, func(d dossier.Document) bool { return d.ObjectKey == objectKey })
	if i < 0 || docs[i].UploadedBy == UprightBy {
		return nil
	}
	d := docs[i]
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("intake: open the file turned upright: %w", err)
	}
	defer f.Close()
	st, err := s.Stage(ctx, appID, d.Ref.String(), f, d.FileName, false)
	if err != nil {
		return err
	}
	st.replaces = objectKey
	if _, err := s.Commit(ctx, st, UprightBy); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "pages turned upright", "application", appID, "slot", d.Ref.String())
	return nil
}

// ConfirmDocument records that the document of a slot row is the right
// one («документ верный»): its content warnings are dismissed until the
// file is replaced. The caller audits it.
func (s *Service) ConfirmDocument(ctx context.Context, appID, slotRef, by string) (dossier.Document, error) {
	_, _, doc, err := s.current(ctx, appID, slotRef)
	if err != nil {
		return doc, err
	}
	err = s.db.ConfirmReading(ctx, appID, doc.ObjectKey, by, s.now())
	if errors.Is(err, database.ErrNotFound) {
		return doc, conflict("Этот документ не проверялся по содержимому: подтверждать нечего.")
	}
	if err != nil {
		return doc, backend(err)
	}
	s.log.InfoContext(ctx, "document confirmed", "application", appID, "slot", doc.Ref.String())
	s.changed(ctx, appID)
	return doc, nil
}
