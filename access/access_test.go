package access

import (
	"errors"
	"testing"
)

func TestDecide(t *testing.T) {
	pol := Policy{TrainingSlot: func(kind, slot string) bool { return kind == "periodic" && slot == "qualification_certificates" }}
	owned := Facts{Kind: "periodic", Owner: "spec", Orgs: map[string]OrgKind{"cons": Consultancy, "tc": TrainingProvider}}
	unowned := Facts{Kind: "periodic", Orgs: map[string]OrgKind{"cons": Consultancy}}
	var (
		admin    = Principal{Role: Admin}
		spec     = Principal{UserID: "spec", Role: Specialist}
		other    = Principal{UserID: "other", Role: Specialist}
		staff    = Principal{UserID: "s1", Role: Consultant, OrgID: "cons"}
		stranger = Principal{UserID: "s2", Role: Consultant, OrgID: "cons2"}
		tc       = Principal{UserID: "t1", Role: TrainingCenter, OrgID: "tc"}
		// A consultant whose organization id happens to be a training
		// center's grant: the kinds must match, not just the id.
		crossed = Principal{UserID: "x", Role: Consultant, OrgID: "tc"}
	)
	const (
		allow = iota
		forbid
		hide
	)
	cases := []struct {
		who  Principal
		act  Action
		f    Facts
		slot string
		want int
		add  bool
	}{
		{spec, ReadDocument, owned, "", allow, false},
		{spec, DeleteApplication, owned, "", allow, false},
		{spec, ReadAudit, owned, "", allow, false},
		{spec, ManageSharing, owned, "", allow, false},
		{other, ReadApplication, owned, "", hide, false},
		{other, ReadApplication, unowned, "", hide, false},
		{Principal{Role: Specialist}, ReadApplication, unowned, "", hide, false}, // no user id never matches an empty owner
		{admin, ReadAudit, owned, "", allow, false},
		{admin, DeleteApplication, owned, "", allow, false},
		{staff, ReadDocument, owned, "", allow, false},
		{staff, WriteDocument, owned, "", allow, false},
		{staff, BuildBundle, owned, "", allow, false},
		{staff, ReadAudit, owned, "", forbid, false},
		{staff, DeleteApplication, owned, "", forbid, false},
		{staff, ManageSharing, owned, "", forbid, false},
		{staff, DeleteApplication, unowned, "", allow, false},
		{staff, ManageSharing, unowned, "", allow, false},
		{stranger, ReadApplication, owned, "", hide, false},
		{crossed, ReadApplication, owned, "", hide, false},
		{tc, AddLedger, owned, "", allow, true},
		{tc, WriteDocument, owned, "qualification_certificates", allow, true},
		{tc, WriteDocument, owned, "identity_document", forbid, false},
		{tc, WriteDocument, Facts{Kind: "primary_specialized", Owner: "spec", Orgs: owned.Orgs}, "qualification_certificates", forbid, false},
		{tc, ReadDocument, owned, "qualification_certificates", forbid, false},
		{tc, ReadApplication, owned, "", forbid, false},
		{tc, ReadLedger, owned, "", forbid, false},
		{tc, WriteLedger, owned, "", forbid, false},
		{tc, ReadApplication, unowned, "", hide, false},
		{Principal{}, ReadApplication, owned, "", hide, false},
	}
	for _, c := range cases {
		d, err := pol.Decide(c.who, c.act, c.f, Target{Slot: c.slot})
		got := allow
		switch {
		case errors.Is(err, ErrNoRelation):
			got = hide
		case errors.Is(err, ErrForbidden):
			got = forbid
		case err != nil:
			t.Fatalf("unexpected error %v", err)
		}
		if got != c.want || d.AddOnly != c.add {
			t.Errorf("%s %s (%s) on %+v: got %d add-only %v; want %d add-only %v", c.who.Role, c.act, c.slot, c.f, got, d.AddOnly, c.want, c.add)
		}
	}
}

func TestAllow(t *testing.T) {
	roles := map[Role]Principal{
		Admin:          {Role: Admin},
		Specialist:     {UserID: "u", Role: Specialist},
		Consultant:     {UserID: "u", Role: Consultant, OrgID: "o"},
		TrainingCenter: {UserID: "u", Role: TrainingCenter, OrgID: "o"},
	}
	want := map[Action][]Role{
		CreateApplication: {Admin, Specialist, Consultant},
		ListApplications:  {Admin, Specialist, Consultant},
		ManageAccounts:    {Admin},
		ReadAllAudit:      {Admin},
		ManageAllKeys:     {Admin},                                         // the bootstrap token too
		RevokeKey:         {Admin, Specialist, Consultant, TrainingCenter}, // people their own, administrators any
		ReadOwnAudit:      {Specialist},
		RedeemShareCode:   {Consultant, TrainingCenter},
		ManageOwnKeys:     {Specialist, Consultant, TrainingCenter}, // the bootstrap admin has no user
		ManageWebhooks:    {Specialist, Consultant, TrainingCenter},
		ChangeOwnPassword: {Specialist, Consultant, TrainingCenter}, // the bootstrap token has no password
		ReadCatalog:       {Admin, Specialist, Consultant, TrainingCenter},
	}
	for act, allowed := range want {
		for role, p := range roles {
			ok := false
			for _, r := range allowed {
				ok = ok || r == role
			}
			if err := (Policy{}).Allow(p, act); (err == nil) != ok {
				t.Errorf("%s %s: allowed=%v, want %v", role, act, err == nil, ok)
			}
		}
	}
	for _, act := range []Action{ManageOwnKeys, ChangeOwnPassword} {
		if err := (Policy{}).Allow(Principal{UserID: "a", Role: Admin}, act); err != nil {
			t.Errorf("an administrator with an account: %s refused: %v", act, err)
		}
	}
	// Imports: training centers with an organization only.
	for role, p := range roles {
		if err := (Policy{}).Allow(p, ImportCertificates); (err == nil) != (role == TrainingCenter) {
			t.Errorf("%s importing certificates: allowed=%v", role, err == nil)
		}
	}
	if err := (Policy{}).Allow(Principal{UserID: "u", Role: TrainingCenter}, ImportCertificates); err == nil {
		t.Error("a training center account without an organization may import")
	}
	// Report templates: consultancy staff with an organization only.
	for role, p := range roles {
		if err := (Policy{}).Allow(p, ManageReportTemplates); (err == nil) != (role == Consultant) {
			t.Errorf("%s keeping report templates: allowed=%v", role, err == nil)
		}
	}
	if err := (Policy{}).Allow(Principal{UserID: "u", Role: Consultant}, ManageReportTemplates); err == nil {
		t.Error("a consultant without an organization may keep report templates")
	}
}

func TestHearEvent(t *testing.T) {
	f := Facts{Kind: "periodic", Owner: "spec", Orgs: map[string]OrgKind{"cons": Consultancy, "tc": TrainingProvider}}
	cases := []struct {
		who       Principal
		own, want bool
	}{
		{Principal{UserID: "spec", Role: Specialist}, false, true},
		{Principal{UserID: "other", Role: Specialist}, false, false},
		{Principal{UserID: "a", Role: Admin}, false, true},
		{Principal{UserID: "s", Role: Consultant, OrgID: "cons"}, false, true},
		{Principal{UserID: "s", Role: Consultant, OrgID: "cons2"}, false, false},
		{Principal{UserID: "t", Role: TrainingCenter, OrgID: "tc"}, false, false}, // reads nothing
		{Principal{UserID: "t", Role: TrainingCenter, OrgID: "tc"}, true, true},   // but hears of its own upload
		{Principal{UserID: "t", Role: TrainingCenter, OrgID: "tc2"}, true, false}, // not shared (any more)
		{Principal{UserID: "x", Role: Consultant, OrgID: "tc"}, true, false},      // a consultant with a training center's id
	}
	for _, c := range cases {
		if got := (Policy{}).HearEvent(c.who, f, c.own); got != c.want {
			t.Errorf("%+v own=%v: %v, want %v", c.who, c.own, got, c.want)
		}
	}
}

func TestListScope(t *testing.T) {
	if s := ListScope(Principal{Role: TrainingCenter, OrgID: "o"}); s != (Scope{}) {
		t.Errorf("training center scope = %+v; want nothing", s)
	}
	if s := ListScope(Principal{Role: Consultant, OrgID: "o"}); s.Org != "o" || s.All {
		t.Errorf("consultant scope = %+v", s)
	}
}
