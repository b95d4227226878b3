package certimport

import "accredpack/checks"

// Statuses of a row, and of a row in one application.
const (
	Added     = "added"     // the course (and its file) were added
	Duplicate = "duplicate" // the application already has a course with this FRDO number: nothing added
	Refused   = "refused"   // no application of this SNILS is open to the caller
	Invalid   = "invalid"   // the row (or its file) breaks a rule: nothing added
	Failed    = "failed"    // the service failed: send the batch again
)

// Codes of refused rows.
const (
	CodeNoAccess  = "no_access" // no application of this SNILS shared with the caller (or it does not exist: the same answer)
	CodeSubmitted = "submitted" // the applications shared are submitted and locked
	CodeNoSlot    = "no_certificate_slot"
)

// Report is the answer to an import: a summary and one entry per row, in
// the batch's order.
type Report struct {
	Summary Summary     `json:"summary"`
	Rows    []RowReport `json:"rows"`
}

// Summary counts rows by status.
type Summary struct {
	Rows      int `json:"rows"`
	Added     int `json:"added"`
	Duplicate int `json:"duplicate"`
	Refused   int `json:"refused"`
	Invalid   int `json:"invalid"`
	Failed    int `json:"failed"`
}

// RowReport is what became of one row.
type RowReport struct {
	Row          int                 `json:"row"`
	SNILS        string              `json:"snils"` // masked: ***-***-*** 95
	FRDONumber   string              `json:"frdo_number"`
	Status       string              `json:"status"`
	Applications []Applied           `json:"applications,omitempty"`
	Code         string              `json:"code,omitempty"`
	Message      string              `json:"message,omitempty"`
	Fields       []checks.FieldError `json:"fields,omitempty"`
}

// Applied is what became of a row in one application.
type Applied struct {
	ApplicationID   string `json:"application_id"`
	Status          string `json:"status"`
	CourseID        string `json:"course_id,omitempty"`
	CertificateSlot string `json:"certificate_slot,omitempty"`
	Code            string `json:"code,omitempty"`
	Message         string `json:"message,omitempty"`
}

func (r *Report) add(row RowReport) {
	r.Rows = append(r.Rows, row)
	r.Summary.Rows++
	switch row.Status {
	case Added:
		r.Summary.Added++
	case Duplicate:
		r.Summary.Duplicate++
	case Refused:
		r.Summary.Refused++
	case Invalid:
		r.Summary.Invalid++
	case Failed:
		r.Summary.Failed++
	}
}

// settle gives a row the status of its applications: failed if one
// failed (sending the batch again finishes it), else added if one got it,
// else invalid (a bad file), duplicate, refused, in that order.
func (row *RowReport) settle() {
	var first = map[string]*Applied{}
	for i := range row.Applications {
		a := &row.Applications[i]
		if first[a.Status] == nil {
			first[a.Status] = a
		}
	}
	for _, st := range []string{Failed, Added, Invalid, Duplicate, Refused} {
		if a := first[st]; a != nil {
			row.Status = st
			if st != Added {
				row.Code, row.Message = a.Code, a.Message
			}
			return
		}
	}
}
