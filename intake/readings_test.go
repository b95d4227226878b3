package intake

import (
	"encoding/json"
	"testing"
	"time"

	"accredpack/contents"
	"accredpack/database"
	"accredpack/dossier"
)

// TestReadingFindings: a failed reading is a warning of its own; a done
// one is judged against the form; a document never read says so and warns
// of nothing; a confirmed document keeps its warnings on its row but gives
// none to the readiness report.
func TestReadingFindings(t *testing.T) {
	rules, err := contents.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{contents: rules}
	a := &dossier.Application{Form: dossier.Form{Kind: "periodic", Specialist: dossier.Specialist{LastName: "Иванова", FirstName: "Анна", MiddleName: "Сергеевна", SNILS: "11223344595"}}}
	passport, _ := json.Marshal(contents.Reading{PageCount: 2, Pages: []contents.Page{
		{Number: 1, Source: "image", DPI: 300, Confidence: 90, Words: 12, Text: "Паспорт выдан ГУ МВД Код подразделения 770-001 Фамилия СИДОРОВ Имя ПАВЕЛ Отчество ИГОРЕВИЧ"},
		{Number: 2, Source: "image", DPI: 300, Confidence: 90, Words: 4, Text: "МЕСТО ЖИТЕЛЬСТВА Зарегистрирован г. Москва"}}})
	docs := []dossier.Document{{Ref: dossier.SlotRef{Slot: "snils"}, ObjectKey: "k1"}, {Ref: dossier.SlotRef{Slot: "identity_document"}, ObjectKey: "k2"},
		{Ref: dossier.SlotRef{Slot: "education_diploma"}, ObjectKey: "k3"}, {Ref: dossier.SlotRef{Slot: "work_record"}, ObjectKey: "k4"}}
	l := ledger{readings: map[string]database.Reading{
		"k1": {Status: database.ReadingFailed, Error: "timeout"},
		"k2": {Status: database.ReadingDone, Result: string(passport), ConfirmedAt: time.Now()},
		"k4": {Status: database.ReadingPending},
	}}
	rs := s.readingsOf(a, docs, l)
	if f := rs["snils"].Findings; len(f) != 1 || f[0].Code != "content_unread" {
		t.Errorf("failed reading: %+v", rs["snils"])
	}
	if f := rs["identity_document"].Findings; len(f) != 1 || f[0].Code != "content_person" {
		t.Errorf("another person's passport: %+v", rs["identity_document"])
	}
	if r := rs["education_diploma"]; r.Status != ReadingOff || len(r.Findings) != 0 {
		t.Errorf("never read: %+v", r)
	}
	if r := rs["work_record"]; r.Status != database.ReadingPending || len(r.Findings) != 0 {
		t.Errorf("pending: %+v", r)
	}
	notes := contentNotes(rs)
	if len(notes) != 1 || notes[0].Slot != "snils" || notes[0].Severity != "warning" {
		t.Errorf("readiness notes: %+v", notes)
	}
}
