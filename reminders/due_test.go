package reminders

import (
	"reflect"
	"testing"
	"time"

	"accredpack/dossier"
	"accredpack/intake"
	"accredpack/readiness"
)

func TestDue(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(dateLayout, s); return d }
	view := func(status dossier.Status) *intake.View {
		return &intake.View{App: &dossier.Application{ID: "a", Status: status}, Readiness: readiness.Report{Deadlines: &readiness.Deadlines{
			Expiry: "2027-06-15", SubmitFrom: "2027-03-01", SubmitBy: "2027-03-31",
			Stages: []readiness.StageDate{{Stage: readiness.Stage{ID: "s1"}, Ends: "2027-04-10"}, {Stage: readiness.Stage{ID: "s2"}, Ends: "2027-05-20"}}}}}
	}
	kinds := func(as []args) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Type+"@"+a.On+a.Detail)
		}
		return out
	}
	for _, tc := range []struct {
		status dossier.Status
		today  string
		want   []string
	}{
		{dossier.StatusDraft, "2027-02-28", nil},
		{dossier.StatusDraft, "2027-03-01", []string{"reminder_window@2027-03-01"}},
		{dossier.StatusDraft, "2027-04-16", []string{"reminder_window@2027-03-01", "reminder_expiry_60@2027-06-15"}},
		{dossier.StatusDraft, "2027-05-16", []string{"reminder_window@2027-03-01", "reminder_expiry_30@2027-06-15"}},
		{dossier.StatusDraft, "2027-06-15", nil},
		{dossier.StatusSubmitted, "2027-04-10", nil},
		{dossier.StatusSubmitted, "2027-04-11", []string{"reminder_stage_overdue@2027-04-10s1"}},
		{dossier.StatusSubmitted, "2027-05-21", []string{"reminder_stage_overdue@2027-05-20s2"}},
	} {
		if got := kinds(due(view(tc.status), day(tc.today))); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s on %s: %v, want %v", tc.status, tc.today, got, tc.want)
		}
	}
	if got := due(&intake.View{App: &dossier.Application{}}, day("2027-01-01")); got != nil {
		t.Errorf("no deadlines: %v", got)
	}
}
