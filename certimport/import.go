package certimport

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"accredpack/access"
	"accredpack/audit"
	"accredpack/checks"
	"accredpack/dossier"
	"accredpack/fault"
	"accredpack/identifiers"
	"accredpack/intake"
)

// Import applies a batch for the caller of req (a training center's staff
// or API key) and reports on every row. files may be nil. Rows are applied
// in order, each on its own: a row that fails leaves the rows before it
// added, and sending the batch again adds only what is missing. An error
// is returned only when the import cannot start (or the request ends).
func (im *Importer) Import(ctx context.Context, req audit.Request, rows []Row, files *Archive) (*Report, error) {
	p := req.Principal
	if err := im.d.Policy.Allow(p, access.ImportCertificates); err != nil {
		return nil, fault.Forbidden("Импорт удостоверений доступен только учебным центрам.")
	}
	org, err := im.d.Accounts.Organization(ctx, p.OrgID)
	if err != nil {
		return nil, fmt.Errorf("certimport: organization of the caller: %w", err)
	}
	start := time.Now()
	b := &batch{im: im, req: req, orgID: org.ID, orgName: org.Name, files: files, seen: map[string]int{}}
	rep := &Report{Rows: make([]RowReport, 0, len(rows))}
	for i := range rows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep.add(b.row(ctx, &rows[i]))
	}
	s := rep.Summary
	im.d.Log.InfoContext(ctx, "certificates imported", "request_id", req.RequestID, "organization", org.ID, "rows", s.Rows,
		"added", s.Added, "duplicate", s.Duplicate, "refused", s.Refused, "invalid", s.Invalid, "failed", s.Failed,
		"with_files", files != nil, "duration", time.Since(start))
	return rep, nil
}

// batch is one import in progress.
type batch struct {
	im      *Importer
	req     audit.Request
	orgID   string
	orgName string
	files   *Archive
	seen    map[string]int // FRDO number (compared loosely) -> the row that had it first
}

// row checks and applies one row.
func (b *batch) row(ctx context.Context, r *Row) RowReport {
	out := RowReport{Row: r.N, SNILS: identifiers.MaskSNILS(r.SNILS), FRDONumber: r.Course.FRDONumber}
	c := r.Course
	c.Organization = b.orgName
	entry, fields := b.check(r, &c)
	if len(fields) > 0 {
		out.Status, out.Code, out.Message, out.Fields = Invalid, "validation_failed", "Некоторые поля заполнены неверно: см. fields.", fields
		return out
	}
	targets, refusal, err := b.match(ctx, r)
	if err != nil {
		return b.failed(ctx, out, r, err)
	}
	if refusal != nil {
		out.Status, out.Code, out.Message = Refused, refusal.Code, refusal.Message
		return out
	}
	for _, t := range targets {
		a, problem := b.apply(ctx, t, r, c, entry)
		if problem != nil && len(out.Applications) == 0 {
			// The file breaks a rule: the same for every application.
			out.Status, out.Code, out.Message = Invalid, problem.Code, problem.Message
			return out
		}
		out.Applications = append(out.Applications, a)
	}
	out.settle()
	return out
}

// check reads the row as a course of the caller's organization and finds
// its file: the field errors of reading, the course rules, a FRDO number
// seen earlier in the batch, a file the archive does not have.
func (b *batch) check(r *Row, c *dossier.Course) (*zip.File, []checks.FieldError) {
	fields := r.Fields
	var ve *checks.ValidationError
	if err := b.im.d.Intake.CheckCourse(c); errors.As(err, &ve) {
		for _, f := range ve.Fields {
			if f.Code == "past_date" {
				f.Message = fieldMessages["past_date"]
			}
			fields = mergeFields(fields, []checks.FieldError{f})
		}
	} else if err != nil {
		fields = append(fields, checks.FieldError{Field: "", Code: "internal", Message: "Строка не проверена."})
	}
	if key := frdoKey(c.FRDONumber); key != "" {
		if first, ok := b.seen[key]; ok {
			fe := fieldError(colFRDO, "duplicate")
			fe.Message = fmt.Sprintf("Этот номер ФРДО уже есть в строке %d этого пакета.", first)
			fields = mergeFields(fields, []checks.FieldError{fe})
		} else {
			b.seen[key] = r.N
		}
	}
	if r.File == "" {
		return nil, fields
	}
	if b.files == nil {
		return nil, mergeFields(fields, []checks.FieldError{fieldError(colFile, "no_archive")})
	}
	zf, fe := b.files.Lookup(r.File)
	if fe != nil {
		return nil, mergeFields(fields, []checks.FieldError{*fe})
	}
	return zf, fields
}

// frdoKey is a FRDO number compared loosely: case and spaces aside.
func frdoKey(n string) string {
	return strings.ToUpper(strings.Join(strings.Fields(n), ""))
}

// target is an application a row goes to.
type target struct {
	app   *dossier.Application
	facts access.Facts
}

// refusal is why a row goes nowhere.
type refusal struct{ Code, Message string }

var (
	noAccess = &refusal{CodeNoAccess, "Нет доступа к заявлению специалиста с этим СНИЛС: специалист должен передать его вашей организации " +
		"(код доступа из личного кабинета, POST /api/v1/share-codes/redeem). Если код уже получен, проверьте СНИЛС и application_id."}
	allSubmitted = &refusal{CodeSubmitted, "Заявление специалиста отправлено на портал и закрыто для изменений: " +
		"добавить удостоверение можно, когда специалист вернёт его в работу."}
)

// match finds the applications of the row's SNILS open to the caller:
// shared with its organization (the policy lets it add to their ledger),
// not submitted, and the chosen one if the row names one. When there are
// none, the unshared ones get a denied line in the audit log, and the
// answer is the same whether or not the SNILS is known to the service.
// The shared ones get their line before anything of theirs is read.
func (b *batch) match(ctx context.Context, r *Row) ([]target, *refusal, error) {
	apps, err := b.im.d.Intake.ApplicationsBySNILS(ctx, r.SNILS)
	if err != nil {
		return nil, nil, err
	}
	var open []target
	var denied []audit.Event
	submitted := false
	for _, a := range apps {
		f, err := b.im.d.Accounts.Facts(ctx, a.ID)
		if errors.Is(err, fault.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, nil, err
		}
		if _, err := b.im.d.Policy.Decide(b.req.Principal, access.AddLedger, f, access.Target{}); err != nil {
			denied = append(denied, audit.Event{Action: access.ImportCertificates, ApplicationID: a.ID, OwnerID: f.Owner, Outcome: audit.Denied})
			continue
		}
		if r.ApplicationID != "" && a.ID != r.ApplicationID {
			continue
		}
		if a.Status == dossier.StatusSubmitted {
			submitted = true
			continue
		}
		open = append(open, target{app: a, facts: f})
	}
	switch {
	case len(open) == 0 && submitted:
		return nil, allSubmitted, nil
	case len(open) == 0:
		if len(denied) > 0 {
			if err := b.im.d.Audit.Record(ctx, b.req, denied...); err != nil {
				return nil, nil, err
			}
		}
		return nil, noAccess, nil
	}
	granted := make([]audit.Event, len(open))
	for i, t := range open {
		granted[i] = audit.Event{Action: access.ImportCertificates, ApplicationID: t.app.ID, OwnerID: t.facts.Owner, Outcome: audit.Granted}
		if r.File != "" {
			granted[i].Target = CertificateSlot
		}
	}
	if err := b.im.d.Audit.Record(ctx, b.req, granted...); err != nil {
		return nil, nil, err
	}
	return open, nil, nil
}

// apply adds the row to one application: nothing if it has the FRDO
// number already; else the file is checked (staged) first, then the
// course is added, then the file committed into the row the course
// names. The course goes first because its insert is what makes the
// import idempotent under races (one imported FRDO number per
// application, by a database constraint), and because removing a course
// leaves no trace while an emptied slot row keeps its file in the
// history. If the file cannot be committed, the course is removed again.
// A *checks.Problem is the file's: the row is invalid.
func (b *batch) apply(ctx context.Context, t target, r *Row, c dossier.Course, zf *zip.File) (Applied, *checks.Problem) {
	in := b.im.d.Intake
	appID := t.app.ID
	res := Applied{ApplicationID: appID}
	courses, err := in.Courses(ctx, appID)
	if err != nil {
		return b.appFailed(ctx, res, r, err), nil
	}
	if dup, ok := findFRDO(courses, c.FRDONumber); ok {
		return duplicate(res, dup), nil
	}
	if zf != nil {
		if _, err := b.im.d.Policy.Decide(b.req.Principal, access.WriteDocument, t.facts, access.Target{Slot: CertificateSlot}); err != nil {
			res.Status, res.Code = Refused, CodeNoSlot
			res.Message = "В заявлении этого вида нет строк для удостоверений о повышении квалификации: курс с файлом не добавлен."
			return res, nil
		}
		ref, err := b.freeRow(ctx, appID)
		if err != nil {
			return b.appFailed(ctx, res, r, err), nil
		}
		staged, problem, err := b.stage(ctx, appID, ref, zf)
		if problem != nil {
			res.Status, res.Code, res.Message = Invalid, problem.Code, problem.Message
			return res, problem
		}
		if err != nil {
			return b.appFailed(ctx, res, r, err), nil
		}
		defer staged.Discard()
		c.CertificateSlot = ref
		saved, err := b.addCourse(ctx, appID, c)
		if err != nil {
			return b.courseNotAdded(ctx, res, r, appID, c, err), nil
		}
		res.CourseID, res.CertificateSlot = saved.ID, saved.CertificateSlot
		if _, err := in.Commit(ctx, staged, b.actor()); err != nil {
			return b.undoCourse(ctx, res, r, err), nil
		}
		res.Status = Added
		return res, nil
	}
	saved, err := b.addCourse(ctx, appID, c)
	if err != nil {
		return b.courseNotAdded(ctx, res, r, appID, c, err), nil
	}
	res.Status, res.CourseID = Added, saved.ID
	return res, nil
}

func (b *batch) addCourse(ctx context.Context, appID string, c dossier.Course) (dossier.Course, error) {
	c.ID, c.ImportedBy = "", b.orgID
	return b.im.d.Intake.PutCourse(ctx, appID, c)
}

// courseNotAdded reports a course intake refused: a conflict is most
// often the same FRDO number imported at this moment by another request
// (a duplicate then), or the application locked meanwhile.
func (b *batch) courseNotAdded(ctx context.Context, res Applied, r *Row, appID string, c dossier.Course, err error) Applied {
	if errors.Is(err, fault.ErrConflict) {
		if courses, lerr := b.im.d.Intake.Courses(ctx, appID); lerr == nil {
			if dup, ok := findFRDO(courses, c.FRDONumber); ok {
				return duplicate(res, dup)
			}
		}
	}
	return b.appFailed(ctx, res, r, err)
}

// undoCourse removes a course whose file could not be committed. If even
// that fails, the course stays without its file, and the report says so.
func (b *batch) undoCourse(ctx context.Context, res Applied, r *Row, cause error) Applied {
	courseID, slot := res.CourseID, res.CertificateSlot
	res = b.appFailed(ctx, res, r, cause)
	if err := b.im.d.Intake.DeleteCourse(context.WithoutCancel(ctx), res.ApplicationID, courseID); err != nil {
		b.im.d.Log.ErrorContext(ctx, "imported course left without its file", "request_id", b.req.RequestID,
			"application", res.ApplicationID, "course", courseID, "slot", slot, "error", err)
		res.Message += fmt.Sprintf(" Курс добавлен без файла и не удалён (строка %s пуста): удалите курс или загрузите файл в эту строку.", slot)
		return res
	}
	res.CourseID, res.CertificateSlot = "", ""
	return res
}

func duplicate(res Applied, existing dossier.Course) Applied {
	res.Status, res.CourseID, res.CertificateSlot = Duplicate, existing.ID, existing.CertificateSlot
	res.Code, res.Message = Duplicate, "Курс с этим номером ФРДО уже есть в заявлении: ничего не добавлено."
	return res
}

func findFRDO(courses []dossier.Course, number string) (dossier.Course, bool) {
	key := frdoKey(number)
	for _, c := range courses {
		if frdoKey(c.FRDONumber) == key {
			return c, true
		}
	}
	return dossier.Course{}, false
}

// freeRow is the first row of the certificate slot without a file (the
// one after the last when all are filled).
func (b *batch) freeRow(ctx context.Context, appID string) (string, error) {
	v, err := b.im.d.Intake.Get(ctx, appID)
	if err != nil {
		return "", err
	}
	last := 0
	for _, s := range v.Layout.Slots {
		if s.Ref.Slot != CertificateSlot {
			continue
		}
		if s.Document == nil {
			return s.Ref.String(), nil
		}
		last = max(last, s.Ref.Row)
	}
	return dossier.SlotRef{Slot: CertificateSlot, Row: last + 1}.String(), nil
}

// stage reads an archive entry into an upload of a row, through the same
// file checks as any upload (add-only: the row must be empty).
func (b *batch) stage(ctx context.Context, appID, ref string, zf *zip.File) (staged *intake.Staged, problem *checks.Problem, err error) {
	e, err := b.files.Open(zf)
	if err != nil {
		if p, ok := checks.AsProblem(err); ok {
			return nil, p, nil
		}
		return nil, nil, err
	}
	defer e.Close()
	st, err := b.im.d.Intake.Stage(ctx, appID, ref, e, path.Base(zf.Name), true)
	if err != nil {
		if p := e.Problem(); p != nil {
			return nil, p, nil
		}
		if p, ok := checks.AsProblem(err); ok {
			return nil, p, nil
		}
		return nil, nil, err
	}
	return st, nil, nil
}

func (b *batch) actor() string {
	if b.req.Principal.UserID == "" {
		return "bootstrap"
	}
	return b.req.Principal.UserID
}

// appFailed reports a failure of the service in one application.
func (b *batch) appFailed(ctx context.Context, res Applied, r *Row, err error) Applied {
	res.Status = Failed
	res.Code, res.Message = b.explain(ctx, r, res.ApplicationID, err)
	return res
}

// failed reports a row that failed before any application was touched.
func (b *batch) failed(ctx context.Context, out RowReport, r *Row, err error) RowReport {
	out.Status = Failed
	out.Code, out.Message = b.explain(ctx, r, "", err)
	return out
}

// explain gives an error's public code and message, and logs the
// service's own failures (never the SNILS: rows go by number).
func (b *batch) explain(ctx context.Context, r *Row, appID string, err error) (string, string) {
	code, msg := b.im.d.Explain(err)
	var ref *fault.Refusal
	if !errors.As(err, &ref) {
		b.im.d.Log.WarnContext(ctx, "import row failed", "request_id", b.req.RequestID, "row", r.N, "application", appID, "code", code, "error", err)
	}
	return code, msg
}
