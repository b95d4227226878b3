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
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

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
	// Active is the active content found, if any: "JavaScript", "Launch",
	// "EmbeddedFile" (see activeContent).
	Active string `json:"active,omitempty"`
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
	facts.Active = activeContent(ctx.XRefTable)
	return facts, nil
}

// activeContent looks through every object the parse read for what a
// document scan never needs and a reader may run: JavaScript (a /JS entry,
// an action of type /JavaScript), /Launch actions (start a program) and
// embedded files; and for nesting deeper than maxNesting. Policy: such
// files are refused at upload, so no bundle ever carries them.
func activeContent(xt *model.XRefTable) string {
	for _, e := range xt.Table {
		if e == nil || e.Free {
			continue
		}
		if found := walkActive(e.Object, 0); found != "" {
			return found
		}
	}
	return ""
}

// maxNesting is deeper than any real document nests dictionaries and
// arrays; deeper nesting is an attack on recursive readers and writers
// (a merge would recurse through it).
const maxNesting = 64

func walkActive(o types.Object, depth int) string {
	if depth > maxNesting {
		return "Nesting"
	}
	var d types.Dict
	switch v := o.(type) {
	case types.Dict:
		d = v
	case types.StreamDict:
		d = v.Dict
	case *types.StreamDict:
		if v != nil {
			d = v.Dict
		}
	case types.Array:
		for _, x := range v {
			if found := walkActive(x, depth+1); found != "" {
				return found
			}
		}
		return ""
	default:
		return ""
	}
	if _, ok := d["JS"]; ok {
		return "JavaScript"
	}
	if s, ok := d["S"].(types.Name); ok && (s == "JavaScript" || s == "Launch") {
		return string(s)
	}
	if t, ok := d["Type"].(types.Name); ok && t == "EmbeddedFile" {
		return "EmbeddedFile"
	}
	if _, ok := d["EmbeddedFiles"]; ok {
		return "EmbeddedFile"
	}
	if _, ok := d["EF"]; ok {
		return "EmbeddedFile"
	}
	for _, v := range d {
		if found := walkActive(v, depth+1); found != "" {
			return found
		}
	}
	return ""
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
	case facts.Active != "":
		return &Problem{Code: CodePDFInvalid, Message: activeMessage[facts.Active], Detail: "active content: " + facts.Active}
	case facts.Pages < 1:
		return &Problem{Code: CodePDFInvalid, Message: "В файле PDF нет ни одной страницы.", Detail: "page count 0"}
	case int64(facts.Objects) > maxObjectsPerByte*size+1000:
		return &Problem{Code: CodePDFInvalid, Message: "Файл PDF повреждён: его внутренняя структура не соответствует размеру.", Detail: fmt.Sprintf("trailer /Size %d for %d bytes", facts.Objects, size)}
	}
	return nil
}

// activeMessage explains each kind of active content.
var activeMessage = map[string]string{
	"JavaScript":   "Файл PDF содержит JavaScript. Такие файлы не принимаются: сохраните документ через «Печать в PDF» или отсканируйте его заново.",
	"Launch":       "Файл PDF содержит команду запуска программы. Такие файлы не принимаются: сохраните документ через «Печать в PDF» или отсканируйте его заново.",
	"EmbeddedFile": "Файл PDF содержит вложенные файлы. Загрузите документ без вложений: каждый документ — отдельным PDF в своей строке.",
	"Nesting":      "Файл PDF устроен необычно (слишком глубокая вложенность данных) и может не открыться у проверяющих. Сохраните документ заново через «Печать в PDF».",
}

func encrypted(detail string) *Problem {
	return &Problem{Code: CodePDFEncrypted, Message: "Файл PDF защищён паролем или ограничениями. Портал ФРМР не примет такой файл: сохраните документ без пароля и загрузите снова.", Detail: detail}
}
