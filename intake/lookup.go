package intake

import (
	"context"

	"accredpack/dossier"
)

// ApplicationsBySNILS lists the applications of the specialist with a
// SNILS (11 digits). It asks nobody's permission: the caller must ask the
// access policy about each application before using it.
func (s *Service) ApplicationsBySNILS(ctx context.Context, snils string) ([]*dossier.Application, error) {
	apps, err := s.db.ApplicationsBySNILS(ctx, snils)
	return apps, backend(err)
}

// SpoolDir is the folder of temporary files of uploads in progress.
func (s *Service) SpoolDir() string { return s.spoolDir }

// CheckCourse trims and validates a course as PutCourse would, storing
// nothing.
func (s *Service) CheckCourse(c *dossier.Course) error { return s.forms.CheckCourse(c) }
