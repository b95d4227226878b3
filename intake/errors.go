package intake

import "errors"

// Kinds of refusal; the API maps each to a status and code.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrUnavailable = errors.New("a backend is unavailable")
)

// Refusal is a refusal with a message for the user (Russian).
type Refusal struct {
	Kind    error
	Message string
}

func (r *Refusal) Error() string { return r.Kind.Error() + ": " + r.Message }
func (r *Refusal) Unwrap() error { return r.Kind }

func notFound(msg string) error { return &Refusal{Kind: ErrNotFound, Message: msg} }
func conflict(msg string) error { return &Refusal{Kind: ErrConflict, Message: msg} }
