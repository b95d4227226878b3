// Package dossier holds the data model of an accreditation dossier: the
// application form a specialist fills and the documents in its slots.
// It has no behaviour beyond naming things; rules live in checks and catalog.
package dossier

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Status is where an application is in its life.
type Status string

const (
	// StatusDraft is an application being filled; its slots can change.
	StatusDraft Status = "draft"
	// StatusSubmitted is an application sent to the FRMR portal; it is
	// locked so that the record of what was sent stays true.
	StatusSubmitted Status = "submitted"
)

// Specialist identifies the person; SNILS is the key.
type Specialist struct {
	LastName   string `json:"last_name"`
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	SNILS      string `json:"snils"`
	BirthDate  string `json:"birth_date"`
}

// Contact is where the portal sends its notifications.
type Contact struct {
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// Form is the FRMR application form ("заявление").
type Form struct {
	Kind           string     `json:"kind"`
	Specialist     Specialist `json:"specialist"`
	Contact        Contact    `json:"contact"`
	EducationLevel string     `json:"education_level"`
	Specialty      string     `json:"specialty"`
	// ReportAgreed is nil until answered: the question is required.
	ReportAgreed *bool `json:"report_agreed"`
	// ReportNotAgreedReason says why the report is not agreed (one of the
	// Reason* values); empty while not answered. Only when the head
	// refused is there a motivated refusal to attach.
	ReportNotAgreedReason string `json:"report_not_agreed_reason"`
	// PrimaryBasis is what gives the right to primary specialized
	// accreditation (one of the Basis* values); empty while not answered.
	PrimaryBasis string `json:"primary_basis"`
	NameChanged  bool   `json:"name_changed"`
	// Employed is nil when not stated, which counts as employed.
	Employed *bool  `json:"employed,omitempty"`
	Comment  string `json:"comment"`
	Consent  bool   `json:"consent"`
	// PreviousAccreditationDate (YYYY-MM-DD) starts the 5-year period and
	// sets the deadlines; EmploymentEnded (YYYY-MM-DD), when the specialist
	// does not work now, measures the work gap.
	PreviousAccreditationDate string `json:"previous_accreditation_date"`
	EmploymentEnded           string `json:"employment_ended"`
}

// Why a report on professional activity is not agreed (order 709н, p. 89).
const (
	ReasonHeadRefused        = "head_refused"         // the head of the organization refused: the motivated refusal is attached
	ReasonNotEmployed        = "not_employed"         // the specialist does not work: nobody to agree with
	ReasonHeadOfOrganization = "head_of_organization" // the specialist is the head of the organization
	ReasonSoleProprietor     = "sole_proprietor"      // the specialist is a sole proprietor
)

// ReportNotAgreedReasons lists the reasons in the form's order.
var ReportNotAgreedReasons = []string{ReasonHeadRefused, ReasonNotEmployed, ReasonHeadOfOrganization, ReasonSoleProprietor}

// Flag returns the value of a yes/no field by its JSON name, for rules kept
// as data (a slot required when name_changed is true). known is false for a
// name that is not a yes/no field or a question not yet answered.
func (f *Form) Flag(name string) (value, known bool) {
	switch name {
	case "name_changed":
		return f.NameChanged, true
	case "consent":
		return f.Consent, true
	case "report_agreed":
		if f.ReportAgreed == nil {
			return false, false
		}
		return *f.ReportAgreed, true
	case "employed":
		if f.Employed == nil {
			// Not stated counts as employed, unless the report is not
			// agreed because the specialist does not work.
			return f.ReportNotAgreedReason != ReasonNotEmployed, true
		}
		return *f.Employed, true
	}
	return false, false
}

// ChoiceFields are the JSON names of the fields Choice reads.
var ChoiceFields = []string{"report_not_agreed_reason", "primary_basis"}

// SetChoice sets a field Choice reads; other names change nothing.
func (f *Form) SetChoice(name, value string) {
	switch name {
	case "report_not_agreed_reason":
		f.ReportNotAgreedReason = value
	case "primary_basis":
		f.PrimaryBasis = value
	}
}

// Choice returns the value of a field with a closed set of answers by its
// JSON name, for rules kept as data (a slot required when
// report_not_agreed_reason is head_refused). known is false for a name that
// is not such a field or a question not yet answered.
func (f *Form) Choice(name string) (value string, known bool) {
	switch name {
	case "report_not_agreed_reason":
		return f.ReportNotAgreedReason, f.ReportNotAgreedReason != ""
	case "primary_basis":
		return f.PrimaryBasis, f.PrimaryBasis != ""
	}
	return "", false
}

// Application is a form with its identity and life-cycle.
type Application struct {
	ID          string
	Owner       string
	Status      Status
	Form        Form
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt *time.Time // when it was marked submitted
	// SubmittedOn is the day the FRMR portal took it (YYYY-MM-DD), as the
	// person says; empty while it is a draft.
	SubmittedOn string
}

// SlotRef addresses one slot of an application: a plain slot ("snils") or a
// row of a repeatable slot ("qualification_certificates.2", Row 2).
type SlotRef struct {
	Slot string
	Row  int // 0 for a plain slot, 1.. for rows of a repeatable slot
}

// String writes the reference as the API addresses it.
func (r SlotRef) String() string {
	if r.Row == 0 {
		return r.Slot
	}
	return r.Slot + "." + strconv.Itoa(r.Row)
}

// ParseSlotRef reads "slot" or "slot.N" (N >= 1).
func ParseSlotRef(s string) (SlotRef, error) {
	name, row, found := strings.Cut(s, ".")
	if name == "" {
		return SlotRef{}, fmt.Errorf("empty slot name in %q", s)
	}
	if !found {
		return SlotRef{Slot: name}, nil
	}
	n, err := strconv.Atoi(row)
	if err != nil || n < 1 || strconv.Itoa(n) != row {
		return SlotRef{}, fmt.Errorf("bad row number in %q", s)
	}
	return SlotRef{Slot: name, Row: n}, nil
}

// Document is the file accepted into one slot.
type Document struct {
	Ref        SlotRef
	ObjectKey  string // where the bytes are in storage; reveals nothing personal
	SHA256     string // hex
	Size       int64
	Pages      int
	FileName   string // as the user named it; may be empty
	UploadedAt time.Time
	UploadedBy string
	Rules      int // the file rules' version it passed at upload (checks.RulesVersion); 0: not recorded
}

// Source is an original part a document was made from: a photo, a scan,
// a PDF before its images were re-encoded. Kept so nothing is lost.
type Source struct {
	ID          string
	DocumentKey string // ObjectKey of the document made from it
	Position    int    // 1.. in the order given
	ObjectKey   string
	Kind        string // pdf, jpeg, png
	SHA256      string
	Size        int64
	FileName    string
	UploadedAt  time.Time
}

// Bundle kinds.
const (
	BundleFRMRPackage = "frmr_package"
	BundlePortfolio   = "portfolio_pdf"
)

// Bundle statuses.
const (
	BundleQueued  = "queued"
	BundleRunning = "running"
	BundleDone    = "done"
	BundleFailed  = "failed"
)

// Bundle is a package or portfolio built in the background.
type Bundle struct {
	ID            string
	ApplicationID string
	Kind          string
	Draft         bool
	Status        string
	Error         string // why it failed, Russian
	Done, Total   int    // documents processed of all, while running
	Attempts      int
	Run           int64 // the build run it belongs to: new each time a build is queued, carried by the job
	ObjectKey     string
	Size          int64
	SHA256        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Course is an advanced-training course (повышение квалификации) in the
// education ledger.
type Course struct {
	ID              string `json:"id"`
	Title           string `json:"title"`
	Organization    string `json:"organization"`
	Hours           int    `json:"hours"`
	StartDate       string `json:"start_date"`
	EndDate         string `json:"end_date"`
	InSpecialty     bool   `json:"in_specialty"`
	FRDONumber      string `json:"frdo_number"`      // registration in FIS FRDO; empty when not registered
	CertificateSlot string `json:"certificate_slot"` // the slot row holding its certificate, e.g. qualification_certificates.2
	// ImportedBy is the organization whose certificate import added the
	// course; empty for a course entered through the API. Not part of the
	// API's JSON: nobody sets it but the import.
	ImportedBy string `json:"-"`
}

// NMO activity kinds.
const (
	NMOEvent     = "event"
	NMOEModule   = "e_module"
	NMOProgramme = "programme"
)

// NMOActivity is a continuing-education activity with credits (ЗЕТ).
type NMOActivity struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Date    string `json:"date"`
	Credits int    `json:"credits"`
	Code    string `json:"code"` // individual confirmation code, XXXX-XXXXXXXX
	Kind    string `json:"kind"`
	Foreign bool   `json:"foreign"`
}
