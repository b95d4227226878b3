// Package access decides who may do what: the one policy every request
// passes through. It knows principals (who is asking), the facts of an
// application (whose it is, which organizations it was shared with) and
// actions; it does no I/O. The HTTP layer gathers the facts, asks Decide,
// and answers 404 (no relation: the object's existence is not revealed) or
// 403 (a relation, but not this action).
package access

import "errors"

// Role is what kind of principal is asking.
type Role string

// Roles.
const (
	Admin          Role = "admin"
	Specialist     Role = "specialist"
	Consultant     Role = "consultant"      // staff of a consultancy
	TrainingCenter Role = "training_center" // staff or integration of a training center
)

// Valid tells whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case Admin, Specialist, Consultant, TrainingCenter:
		return true
	}
	return false
}

// OrgKind is the kind of an organization.
type OrgKind string

// Organization kinds.
const (
	Consultancy      OrgKind = "consultancy"
	TrainingProvider OrgKind = "training_center"
)

// RoleOf is the role of staff of an organization kind.
func RoleOf(k OrgKind) (Role, bool) {
	switch k {
	case Consultancy:
		return Consultant, true
	case TrainingProvider:
		return TrainingCenter, true
	}
	return "", false
}

// Principal is an authenticated caller.
type Principal struct {
	UserID string // empty for the bootstrap administrator
	Role   Role
	OrgID  string // the organization of staff; empty otherwise
	Label  string // for the audit log: e-mail or key name, never a secret
	KeyID  string // the API key used, if any
	// KeyScope is the scope of that key ("full", "read", "import"); empty
	// without a key (full).
	KeyScope string
	// Name and Email are the person's, to greet them; empty for the
	// bootstrap token, which is nobody's.
	Name, Email string
}

// Action is something done to an application or to the service.
type Action string

// Actions on an application.
const (
	ReadApplication   Action = "application.read"
	UpdateApplication Action = "application.update"
	SubmitApplication Action = "application.submit"
	DeleteApplication Action = "application.delete"
	ReadDocument      Action = "document.read"
	WriteDocument     Action = "document.write"
	ReadLedger        Action = "ledger.read"
	AddLedger         Action = "ledger.add" // a new course or NMO activity
	WriteLedger       Action = "ledger.write"
	BuildBundle       Action = "bundle.build"
	ReadBundle        Action = "bundle.read"
	ManageSharing     Action = "sharing.manage"
	ReadAudit         Action = "audit.read"
	// AssignStaff: a consultancy names which of its staff looks after a
	// client; the consultancy's own business, nobody else's.
	AssignStaff Action = "application.assign"
	// ConfirmDocument: the person says a document is the right one
	// despite what reading its scan found («документ верный»).
	ConfirmDocument Action = "document.confirm"
)

// Actions on the service.
const (
	CreateApplication Action = "application.create"
	ListApplications  Action = "application.list"
	ManageAccounts    Action = "accounts.manage" // organizations and users
	ReadAllAudit      Action = "audit.read_all"
	RedeemShareCode   Action = "sharing.redeem"
	ManageOwnKeys     Action = "keys.manage"
	ReadOwnAudit      Action = "audit.read_own"
	ReadOrganizations Action = "organizations.read"
	ReadCatalog       Action = "catalog.read"
	ReadOwnPrincipal  Action = "session.read"
	ManageWebhooks    Action = "webhooks.manage" // one's own or one's organization's subscriptions
	// ChangeOwnPassword: a person changes the password of their own
	// account; the bootstrap token is no account and has none.
	ChangeOwnPassword Action = "password.change"
	// ReadColleagues: staff see who else works in their organization (to
	// assign clients).
	ReadColleagues Action = "staff.read"
)

// ImportCertificates is a service action: a training center's batch of
// certificates, each row added to the applications shared with it (see
// certimport).
const ImportCertificates Action = "certificates.import"

// Actions of administration (issue 18): every API key of every account,
// and the audit lines of what administrators do to accounts.
const (
	// ManageAllKeys: see every API key with its owner and revoke any
	// (administrators, the bootstrap token included).
	ManageAllKeys Action = "keys.manage_all"
	// RevokeKey: revoke an API key, one's own (people) or any
	// (ManageAllKeys); also the audit line of a revocation.
	RevokeKey Action = "keys.revoke"
	// DisableUser and EnableUser are the audit lines of an administrator
	// disabling or enabling an account (the route's action is
	// ManageAccounts).
	DisableUser Action = "user.disable"
	EnableUser  Action = "user.enable"
)

// ManageReportTemplates is a service action: consultancy staff keep their
// organization's templates of the report on professional activity, from
// which they start a client's report (issue 21).
const ManageReportTemplates Action = "report_templates.manage"

// RedeemInvitation is a service action: a specialist takes over the
// application an invitation by e-mail names.
const RedeemInvitation Action = "invitation.redeem"

// Facts are what the policy needs to know of one application.
type Facts struct {
	Kind  string             // the application's kind (catalog id)
	Owner string             // the specialist's user id; empty when staff or an administrator created it
	Orgs  map[string]OrgKind // organizations it is shared with
}

// Target is what an action is aimed at within an application.
type Target struct {
	Slot string // the slot id of a document action, without the row
}

// Errors of a refused decision.
var (
	// ErrNoRelation: the principal has nothing to do with the object; the
	// answer must not differ from "does not exist".
	ErrNoRelation = errors.New("access: no relation to the object")
	// ErrForbidden: the principal may see the object but not do this.
	ErrForbidden = errors.New("access: action not allowed")
)

// Decision is an allowed action with the constraints it carries.
type Decision struct {
	// AddOnly: the principal may only add (fill an empty slot row, add a
	// record), never replace or remove.
	AddOnly bool
}

// Policy is the rule book. TrainingSlot tells whether a slot of a kind
// holds documents issued by training centers (certificates), the only
// slots they may fill.
type Policy struct {
	TrainingSlot func(kind, slot string) bool
}

// relation is how a principal stands to an application.
type relation int

const (
	none relation = iota
	owner
	manager  // consultancy staff of a client, or an administrator
	provider // a training center the specialist shared with
)

func relate(p Principal, f Facts) relation {
	switch p.Role {
	case Admin:
		return manager
	case Specialist:
		if p.UserID != "" && f.Owner == p.UserID {
			return owner
		}
	case Consultant:
		if p.OrgID != "" && f.Orgs[p.OrgID] == Consultancy {
			return manager
		}
	case TrainingCenter:
		if p.OrgID != "" && f.Orgs[p.OrgID] == TrainingProvider {
			return provider
		}
	}
	return none
}

// Decide rules on an action on one application.
func (pol Policy) Decide(p Principal, act Action, f Facts, t Target) (Decision, error) {
	rel := relate(p, f)
	if act == AssignStaff && rel != none {
		if rel == manager && p.Role == Consultant {
			return Decision{}, nil
		}
		return Decision{}, ErrForbidden
	}
	switch rel {
	case none:
		return Decision{}, ErrNoRelation
	case owner:
		return Decision{}, nil
	case manager:
		switch act {
		case ReadAudit:
			// The audit of a person's data is theirs and the administrators'.
			if p.Role == Admin {
				return Decision{}, nil
			}
			return Decision{}, ErrForbidden
		case ManageSharing, DeleteApplication:
			// Sharing and deletion are the specialist's; staff have them
			// only for a client without an account (the application they
			// created), administrators always.
			if p.Role == Admin || f.Owner == "" {
				return Decision{}, nil
			}
			return Decision{}, ErrForbidden
		}
		return Decision{}, nil
	case provider:
		switch act {
		case AddLedger:
			return Decision{AddOnly: true}, nil
		case WriteDocument:
			if t.Slot != "" && pol.TrainingSlot != nil && pol.TrainingSlot(f.Kind, t.Slot) {
				return Decision{AddOnly: true}, nil
			}
		}
		return Decision{}, ErrForbidden
	}
	return Decision{}, ErrForbidden
}

// Allow rules on an action on the service as a whole.
func (pol Policy) Allow(p Principal, act Action) error {
	switch act {
	case ReadOwnPrincipal, ReadCatalog, ReadOrganizations:
		return nil
	case ManageOwnKeys, ManageWebhooks, ChangeOwnPassword:
		if p.UserID != "" {
			return nil
		}
	case CreateApplication, ListApplications:
		if p.Role != TrainingCenter {
			return nil
		}
	case ReadOwnAudit:
		if p.Role == Specialist {
			return nil
		}
	case RedeemShareCode:
		if p.Role == Consultant || p.Role == TrainingCenter {
			return nil
		}
	case RevokeKey:
		if p.UserID != "" || p.Role == Admin {
			return nil
		}
	case ManageAccounts, ReadAllAudit, ManageAllKeys:
		if p.Role == Admin {
			return nil
		}
	case ImportCertificates:
		if p.Role == TrainingCenter && p.OrgID != "" {
			return nil
		}
	case ReadColleagues:
		if (p.Role == Consultant || p.Role == TrainingCenter) && p.OrgID != "" {
			return nil
		}
	case RedeemInvitation:
		if p.Role == Specialist && p.UserID != "" {
			return nil
		}
	case ManageReportTemplates:
		if p.Role == Consultant && p.OrgID != "" {
			return nil
		}
	}
	return ErrForbidden
}

// HearEvent tells whether p may be told of an event on an application
// (webhooks): whoever may read the application hears of everything that
// happens to it; a training center, which reads nothing, hears only of
// what its own requests did (own) on applications still shared with it.
func (pol Policy) HearEvent(p Principal, f Facts, own bool) bool {
	switch relate(p, f) {
	case owner, manager:
		return true
	case provider:
		return own
	}
	return false
}

// Scope is the set of applications a principal may list.
type Scope struct {
	All   bool   // administrators
	Owner string // a specialist's own
	Org   string // shared with a consultancy
}

// ListScope is what p's application list holds.
func ListScope(p Principal) Scope {
	switch p.Role {
	case Admin:
		return Scope{All: true}
	case Specialist:
		return Scope{Owner: p.UserID}
	case Consultant:
		return Scope{Org: p.OrgID}
	}
	return Scope{}
}
