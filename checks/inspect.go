package checks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/sandbox"
)

// TaskInspectPDF is the sandbox task that parses a PDF with pdfcpu.
const TaskInspectPDF = "inspect-pdf"

// SandboxTasks are the tasks of this package that run in a child process;
// the binary passes them to sandbox.ServeChild.
func SandboxTasks() map[string]sandbox.Task {
	return map[string]sandbox.Task{TaskInspectPDF: inspectTask}
}

type inspectInput struct {
	Path string `json:"path"`
}

// PDFFacts is what parsing learned about a PDF.
type PDFFacts struct {
	Pages     int    `json:"pages"`
	Version   string `json:"version"`
	Encrypted bool   `json:"encrypted"`
	Objects   int    `json:"objects"` // the trailer's /Size
}

// inspectTask runs in the child: parse and validate in relaxed mode, as
// ordinary scanner output needs.
func inspectTask(_ context.Context, raw json.RawMessage) (any, error) {
	var in inspectInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	api.DisableConfigDir()
	f, err := os.Open(in.Path)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Optimize = false
	ctx, err := api.ReadAndValidate(f, conf)
	switch {
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		return nil, &sandbox.TaskError{Code: CodePDFEncrypted, Message: err.Error()}
	case err != nil:
		return nil, &sandbox.TaskError{Code: CodePDFInvalid, Message: err.Error()}
	}
	facts := PDFFacts{Pages: ctx.PageCount, Version: ctx.HeaderVersion.String(), Encrypted: ctx.Encrypt != nil}
	if ctx.XRefTable.Size != nil {
		facts.Objects = *ctx.XRefTable.Size
	}
	return facts, nil
}

// maxObjectsPerByte bounds the trailer's declared object count by what the
// file can hold. Even packed into compressed object streams an object takes
// more than a tenth of a byte; a 37 KB file declaring billions of objects
// is an attack on whatever allocates for them (merge does).
const maxObjectsPerByte = 10

// judgePDF turns parse facts or a sandbox failure into a verdict.
func judgePDF(facts PDFFacts, size int64, err error) *Problem {
	var te *sandbox.TaskError
	switch {
	case errors.As(err, &te) && te.Code == CodePDFEncrypted:
		return encrypted(te.Message)
	case errors.As(err, &te):
		return &Problem{Code: CodePDFInvalid, Message: "Файл PDF повреждён и не читается. Сохраните или отсканируйте документ заново.", Detail: te.Code + ": " + te.Message}
	case errors.Is(err, sandbox.ErrTimeout):
		return &Problem{Code: CodePDFInvalid, Message: "Файл PDF не удалось проверить за отведённое время: он повреждён или устроен необычно. Сохраните документ заново.", Detail: err.Error()}
	case errors.Is(err, sandbox.ErrCrashed):
		return &Problem{Code: CodePDFInvalid, Message: "Файл PDF повреждён: программа проверки не смогла его разобрать. Сохраните или отсканируйте документ заново.", Detail: err.Error()}
	case err != nil:
		return nil // not a verdict on the file: the caller reports err itself
	case facts.Encrypted:
		return encrypted("owner password or restrictions set")
	case facts.Pages < 1:
		return &Problem{Code: CodePDFInvalid, Message: "В файле PDF нет ни одной страницы.", Detail: "page count 0"}
	case int64(facts.Objects) > maxObjectsPerByte*size+1000:
		return &Problem{Code: CodePDFInvalid, Message: "Файл PDF повреждён: его внутренняя структура не соответствует размеру.", Detail: fmt.Sprintf("trailer /Size %d for %d bytes", facts.Objects, size)}
	}
	return nil
}

func encrypted(detail string) *Problem {
	return &Problem{Code: CodePDFEncrypted, Message: "Файл PDF защищён паролем или ограничениями. Портал ФРМР не примет такой файл: сохраните документ без пароля и загрузите снова.", Detail: detail}
}
