package intake

import (
	"context"
	"errors"

	"accredpack/database"
	"accredpack/dossier"
	"accredpack/readiness"
)

// editable reads an application that may still change.
func (s *Service) editable(ctx context.Context, appID string) (*dossier.Application, error) {
	a, err := s.app(ctx, appID)
	if err != nil {
		return nil, err
	}
	if a.Status == dossier.StatusSubmitted {
		return nil, lockedErr()
	}
	return a, nil
}

// Courses lists the courses of an application.
func (s *Service) Courses(ctx context.Context, appID string) ([]dossier.Course, error) {
	if _, err := s.app(ctx, appID); err != nil {
		return nil, err
	}
	c, err := s.db.Courses(ctx, appID)
	return c, backend(err)
}

// PutCourse adds a course (empty id) or replaces an existing one.
func (s *Service) PutCourse(ctx context.Context, appID string, c dossier.Course) (dossier.Course, error) {
	if _, err := s.editable(ctx, appID); err != nil {
		return c, err
	}
	if c.ID == "" {
		c.ID = newID()
	} else {
		// An imported course edited by hand stays imported: the same
		// batch sent again must still find it by its FRDO number.
		var err error
		if c.ImportedBy, err = s.importedBy(ctx, appID, c.ID); err != nil {
			return c, err
		}
	}
	if err := s.forms.CheckCourse(&c); err != nil {
		return c, err
	}
	err := s.db.PutCourse(ctx, appID, c, s.now())
	if errors.Is(err, database.ErrDuplicate) {
		return c, conflict("Удостоверение с этим номером ФРДО уже внесено в заявление учебным центром.")
	}
	if err := s.ledgerErr(err); err != nil {
		return c, err
	}
	s.changed(ctx, appID)
	return c, nil
}

// importedBy is the organization whose import added a stored course (""
// if none); not found if the application has no such course.
func (s *Service) importedBy(ctx context.Context, appID, id string) (string, error) {
	list, err := s.db.Courses(ctx, appID)
	if err != nil {
		return "", backend(err)
	}
	for _, c := range list {
		if c.ID == id {
			return c.ImportedBy, nil
		}
	}
	return "", notFound("Запись не найдена.")
}

// activityExists checks that an NMO activity belongs to the application.
func (s *Service) activityExists(ctx context.Context, appID, id string) error {
	list, err := s.db.NMOActivities(ctx, appID)
	if err != nil {
		return backend(err)
	}
	for _, a := range list {
		if a.ID == id {
			return nil
		}
	}
	return notFound("Запись не найдена.")
}

func (s *Service) ledgerErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, database.ErrNotFound):
		return notFound("Заявление или запись не найдены.")
	case errors.Is(err, database.ErrDuplicate):
		return conflict("Этот индивидуальный код подтверждения уже использован в заявлениях этого специалиста: код активируется один раз.")
	}
	return backend(err)
}

// DeleteCourse removes a course.
func (s *Service) DeleteCourse(ctx context.Context, appID, id string) error {
	if _, err := s.editable(ctx, appID); err != nil {
		return err
	}
	if err := s.ledgerErr(s.db.DeleteCourse(ctx, appID, id)); err != nil {
		return err
	}
	s.changed(ctx, appID)
	return nil
}

// NMOActivities lists the NMO activities of an application.
func (s *Service) NMOActivities(ctx context.Context, appID string) ([]dossier.NMOActivity, error) {
	if _, err := s.app(ctx, appID); err != nil {
		return nil, err
	}
	a, err := s.db.NMOActivities(ctx, appID)
	return a, backend(err)
}

// PutNMOActivity adds (empty id) or replaces an NMO activity. A code the
// specialist already used is a conflict.
func (s *Service) PutNMOActivity(ctx context.Context, appID string, a dossier.NMOActivity) (dossier.NMOActivity, error) {
	if _, err := s.editable(ctx, appID); err != nil {
		return a, err
	}
	if a.ID == "" {
		a.ID = newID()
	} else if err := s.activityExists(ctx, appID, a.ID); err != nil {
		return a, err
	}
	if err := s.forms.CheckNMO(&a); err != nil {
		return a, err
	}
	if err := s.ledgerErr(s.db.PutNMOActivity(ctx, appID, a, s.now())); err != nil {
		return a, err
	}
	s.changed(ctx, appID)
	return a, nil
}

// DeleteNMOActivity removes an NMO activity.
func (s *Service) DeleteNMOActivity(ctx context.Context, appID, id string) error {
	if _, err := s.editable(ctx, appID); err != nil {
		return err
	}
	if err := s.ledgerErr(s.db.DeleteNMOActivity(ctx, appID, id)); err != nil {
		return err
	}
	s.changed(ctx, appID)
	return nil
}

// Readiness is the readiness of an application: the evaluation its view
// carries (see view).
func (s *Service) Readiness(ctx context.Context, appID string) (readiness.Report, error) {
	v, err := s.Get(ctx, appID)
	if err != nil {
		return readiness.Report{}, err
	}
	return v.Readiness, nil
}
