// Package fault names the kinds of refusal the service gives, shared by
// every package that refuses something; the API's error table maps each
// kind to an HTTP status and a public code.
package fault

import "errors"

// Kinds of refusal.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrUnavailable  = errors.New("a backend is unavailable")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("not authenticated")
	ErrBadRequest   = errors.New("malformed request")
)

// Refusal is a refusal with a message for the user (Russian), and the
// reasons behind it when there are several (the blocking findings of an
// application that is not ready).
type Refusal struct {
	Kind    error
	Message string
	Reasons []Reason
}

// Reason is one reason behind a refusal; Field or Slot name what to fix.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Slot    string `json:"slot,omitempty"`
}

func (r *Refusal) Error() string { return r.Kind.Error() + ": " + r.Message }
func (r *Refusal) Unwrap() error { return r.Kind }

// NotFound refuses with ErrNotFound.
func NotFound(msg string) error { return &Refusal{Kind: ErrNotFound, Message: msg} }

// Conflict refuses with ErrConflict.
func Conflict(msg string) error { return &Refusal{Kind: ErrConflict, Message: msg} }

// Forbidden refuses with ErrForbidden.
func Forbidden(msg string) error { return &Refusal{Kind: ErrForbidden, Message: msg} }

// Unauthorized refuses with ErrUnauthorized.
func Unauthorized(msg string) error { return &Refusal{Kind: ErrUnauthorized, Message: msg} }

// BadRequest refuses with ErrBadRequest: the request itself is malformed.
func BadRequest(msg string) error { return &Refusal{Kind: ErrBadRequest, Message: msg} }
