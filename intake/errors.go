package intake

import "accredpack/fault"

// Kinds of refusal (see package fault); the API maps each to a status and
// code.
var (
	ErrNotFound    = fault.ErrNotFound
	ErrConflict    = fault.ErrConflict
	ErrUnavailable = fault.ErrUnavailable
)

// Refusal is a refusal with a message for the user (Russian).
type Refusal = fault.Refusal

func notFound(msg string) error { return fault.NotFound(msg) }
func conflict(msg string) error { return fault.Conflict(msg) }
