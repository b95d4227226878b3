package database

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"accredpack/dossier"
)

// testImportedCourses: an imported FRDO number is unique within an
// application, also when two imports race; courses entered by hand and
// other applications are not constrained; the organization is kept.
// Applications are found by SNILS.
func testImportedCourses(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Now()
	db.CreateApplication(ctx, newApp("a1", now))
	db.CreateApplication(ctx, newApp("a2", now.Add(time.Second)))
	other := newApp("a3", now)
	other.Form.Specialist.SNILS = "02600238900"
	db.CreateApplication(ctx, other)

	course := func(id, frdo, by string) dossier.Course {
		return dossier.Course{ID: id, Title: "Терапия", Organization: "УЦ", Hours: 36, StartDate: "2024-01-10", EndDate: "2024-01-20",
			InSpecialty: true, FRDONumber: frdo, ImportedBy: by}
	}
	// By hand, the same number twice is allowed (as before imports existed).
	for _, id := range []string{"m1", "m2"} {
		if err := db.PutCourse(ctx, "a1", course(id, "77-1", ""), now); err != nil {
			t.Fatalf("course by hand: %v", err)
		}
	}
	if err := db.PutCourse(ctx, "a1", course("i1", "77-1", "org1"), now); err != nil {
		t.Errorf("an import beside hand-entered courses with its number: %v", err)
	}
	if err := db.PutCourse(ctx, "a1", course("i2", "77-1", "org2"), now); !errors.Is(err, ErrDuplicate) {
		t.Errorf("a second import of a number: %v; want ErrDuplicate", err)
	}
	if err := db.PutCourse(ctx, "a2", course("i3", "77-1", "org1"), now); err != nil {
		t.Errorf("the same number imported into another application: %v", err)
	}
	list, _ := db.Courses(ctx, "a1")
	imported := 0
	for _, c := range list {
		if c.ImportedBy == "org1" && c.ID == "i1" {
			imported++
		} else if c.ImportedBy != "" {
			imported += 10
		}
	}
	if len(list) != 3 || imported != 1 {
		t.Errorf("courses = %+v", list)
	}

	// Eight imports of one number at once: one lands.
	var wg sync.WaitGroup
	var mu sync.Mutex
	landed, dup := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := db.PutCourse(ctx, "a3", course("r"+string(rune('a'+i)), "88-1", "org1"), now)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				landed++
			case errors.Is(err, ErrDuplicate):
				dup++
			default:
				t.Errorf("racing import: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if landed != 1 || dup != 7 {
		t.Errorf("racing imports: %d landed, %d duplicates; want 1 and 7", landed, dup)
	}

	apps, err := db.ApplicationsBySNILS(ctx, "11223344595")
	if err != nil || len(apps) != 2 || apps[0].ID != "a1" || apps[1].ID != "a2" {
		t.Errorf("applications by SNILS: %v, %v", apps, err)
	}
	if apps, err := db.ApplicationsBySNILS(ctx, "12610307301"); err != nil || len(apps) != 0 {
		t.Errorf("nobody's SNILS: %v, %v", apps, err)
	}
}
