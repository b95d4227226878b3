package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"accredpack/accounts"
	"accredpack/checks"
	"accredpack/fault"
	"accredpack/intake"
)

// Errors of the HTTP layer itself.
var (
	errUnauthorized     = fault.ErrUnauthorized
	errBadRequest       = fault.ErrBadRequest
	errExtraFilePart    = errors.New("more than one file part")
	errMethodNotAllowed = errors.New("method not allowed")
	// An Idempotency-Key sent again with a different request.
	errIdempotencyKeyReused = errors.New("idempotency key reused for another request")
)

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the contract's error object.
type ErrorDetail struct {
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Fields  []checks.FieldError `json:"fields,omitempty"`
	// Findings are what keeps an application from being ready, when that
	// is why an action was refused (submission, a package that is not a
	// draft).
	Findings []fault.Reason `json:"findings,omitempty"`
}

// errorTable maps internal errors to public answers: the one place that
// decides statuses, codes and default messages. First match wins.
var errorTable = []struct {
	err     error
	status  int
	code    string
	message string
}{
	{accounts.ErrKeyExpired, http.StatusUnauthorized, "key_expired", "Срок действия этого API-ключа истёк: создайте новый ключ."},
	{accounts.ErrKeyScope, http.StatusForbidden, "key_scope", "Этот API-ключ не даёт права на это действие."},
	{errUnauthorized, http.StatusUnauthorized, "unauthorized", "Нужен действующий токен доступа: заголовок Authorization: Bearer <токен>."},
	{errExtraFilePart, http.StatusBadRequest, "one_file_per_slot", "В один слот загружается ровно один файл. Если у документа несколько страниц или частей, объедините их в один PDF."},
	{errBadRequest, http.StatusBadRequest, "bad_request", "Запрос составлен неверно."},
	{errIdempotencyKeyReused, http.StatusUnprocessableEntity, "idempotency_key_reused", "Этот Idempotency-Key уже использован для другого запроса: для нового запроса нужен новый ключ."},
	{errMethodNotAllowed, http.StatusMethodNotAllowed, "method_not_allowed", "Этот метод не поддерживается для данного адреса."},
	{fault.ErrForbidden, http.StatusForbidden, "forbidden", "Это действие недоступно вашей роли."},
	{intake.ErrNotFound, http.StatusNotFound, "not_found", "Не найдено."},
	{intake.ErrConflict, http.StatusConflict, "conflict", "Действие невозможно в текущем состоянии заявления."},
	{errOverloaded, http.StatusServiceUnavailable, "overloaded", "Сервис перегружен: слишком много запросов одновременно. Ничего не сделано: повторите запрос через несколько секунд (см. заголовок Retry-After)."},
	{intake.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "База данных или хранилище файлов временно недоступны. Ничего не записано: повторите попытку позже."},
}

// fileProblemStatus is the status of each file rule.
var fileProblemStatus = map[string]int{
	checks.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	checks.CodeNotPDF:       http.StatusUnsupportedMediaType,
	checks.CodePDFInvalid:   http.StatusUnprocessableEntity,
	checks.CodePDFEncrypted: http.StatusUnprocessableEntity,
	checks.CodeImageInvalid: http.StatusUnprocessableEntity,
	checks.CodeUnreadable:   http.StatusUnprocessableEntity,
}

// publicError turns any error into a status and the contract's body.
func publicError(err error) (int, ErrorDetail) {
	var rl *errRateLimited
	if errors.As(err, &rl) {
		return http.StatusTooManyRequests, ErrorDetail{Code: "rate_limited", Message: "Слишком много попыток подряд: подождите и повторите (см. заголовок Retry-After)."}
	}
	var ve *checks.ValidationError
	if errors.As(err, &ve) {
		return http.StatusUnprocessableEntity, ErrorDetail{Code: "validation_failed", Message: "Некоторые поля заполнены неверно: см. fields.", Fields: ve.Fields}
	}
	if p, ok := checks.AsProblem(err); ok {
		if status, known := fileProblemStatus[p.Code]; known {
			return status, ErrorDetail{Code: p.Code, Message: p.Message}
		}
	}
	for _, row := range errorTable {
		if errors.Is(err, row.err) {
			d := ErrorDetail{Code: row.code, Message: row.message}
			var r *intake.Refusal
			var m *messageError
			if errors.As(err, &r) {
				d.Message, d.Findings = r.Message, r.Reasons
			} else if errors.As(err, &m) {
				d.Message = m.message
			}
			return row.status, d
		}
	}
	return http.StatusInternalServerError, ErrorDetail{Code: "internal", Message: "Внутренняя ошибка сервиса. Повторите попытку; если ошибка повторяется, сообщите в поддержку номер запроса."}
}

// explain is an error's public code and message, for reports that carry
// them per item (a certificate import's rows).
func explain(err error) (code, message string) {
	_, d := publicError(err)
	return d.Code, d.Message
}

// messageError gives a table error a more precise message.
type messageError struct {
	kind    error
	message string
	cause   error
}

func (m *messageError) Error() string {
	if m.cause != nil {
		return m.kind.Error() + ": " + m.cause.Error()
	}
	return m.kind.Error() + ": " + m.message
}
func (m *messageError) Unwrap() []error { return []error{m.kind, m.cause} }

func badRequest(message string, cause error) error {
	return &messageError{kind: errBadRequest, message: message, cause: cause}
}

// errorHandler is Echo's error handler: every error answer goes through
// publicError, and server faults are logged with the request id.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		var he *echo.HTTPError
		if errors.As(err, &he) {
			switch he.Code {
			case http.StatusNotFound:
				err = &intake.Refusal{Kind: intake.ErrNotFound, Message: "Такого адреса нет в API."}
			case http.StatusMethodNotAllowed:
				err = errMethodNotAllowed
			case http.StatusUnauthorized:
				err = errUnauthorized
			default:
				if he.Code < 500 {
					err = badRequest("Запрос составлен неверно.", he)
				}
			}
		}
		status, detail := publicError(err)
		if status >= 500 {
			log.ErrorContext(c.Request().Context(), "request failed", "request_id", requestID(c), "status", status, "error", err)
		}
		var rl *errRateLimited
		if errors.As(err, &rl) {
			retryAfter(c, rl)
		}
		if errors.Is(err, errOverloaded) {
			c.Response().Header().Set("Retry-After", overloadRetryAfter)
		}
		if status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="accredpack"`)
		}
		if c.Request().Method == http.MethodHead {
			c.NoContent(status)
			return
		}
		c.JSON(status, ErrorBody{Error: detail})
	}
}
