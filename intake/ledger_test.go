package intake

import (
	"context"
	"errors"
	"testing"

	"accredpack/dossier"
)

func TestEditedImportedCourseStaysImported(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	v, err := svc.Create(ctx, "tester", form())
	if err != nil {
		t.Fatal(err)
	}
	imported := dossier.Course{Title: "Терапия", Organization: "Центр", Hours: 36, StartDate: "2025-02-01", EndDate: "2025-02-20",
		InSpecialty: true, FRDONumber: "ФРДО-1", ImportedBy: "org-center"}
	c, err := svc.PutCourse(ctx, v.App.ID, imported)
	if err != nil {
		t.Fatal(err)
	}
	// The specialist corrects the title through the API (which never
	// carries ImportedBy).
	edit := c
	edit.Title, edit.ImportedBy = "Терапия (уточнено)", ""
	if _, err := svc.PutCourse(ctx, v.App.ID, edit); err != nil {
		t.Fatal(err)
	}
	list, _ := svc.db.Courses(ctx, v.App.ID)
	if len(list) != 1 || list[0].Title != "Терапия (уточнено)" || list[0].ImportedBy != "org-center" {
		t.Fatalf("courses after the edit: %+v; want the corrected title, still imported by org-center", list)
	}
	// The same batch again finds it: a duplicate, not a second course.
	var r *Refusal
	if _, err := svc.PutCourse(ctx, v.App.ID, imported); !errors.As(err, &r) || r.Kind != ErrConflict {
		t.Errorf("importing the edited course again: %v; want a conflict (duplicate)", err)
	}
	if list, _ := svc.db.Courses(ctx, v.App.ID); len(list) != 1 {
		t.Errorf("the import added the edited course again: %d courses", len(list))
	}
}
