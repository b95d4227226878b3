package checks

import (
	"bytes"
	"fmt"
)

// pdfHeader must start within the first 1024 bytes, as readers accept it.
var pdfHeader = []byte("%PDF-")

// sniff judges by content whether head starts a PDF, and for other content
// names what it is, so the user learns why the portal will refuse it.
func sniff(head []byte, size int64) *Problem {
	if size == 0 {
		return &Problem{Code: CodeNotPDF, Message: "Файл пуст. Загрузите документ в формате PDF."}
	}
	what := describe(head)
	// A PDF header may follow some leading bytes, as readers allow, but
	// not a file that is recognizably something else: a polyglot (a ZIP or
	// an HTML page that also carries a PDF) is refused as what it starts as.
	if bytes.Contains(head, pdfHeader) && (what == unknownFormat || bytes.HasPrefix(head, pdfHeader)) {
		return nil
	}
	return &Problem{
		Code:    CodeNotPDF,
		Message: fmt.Sprintf("Файл не PDF (%s). Портал ФРМР принимает только PDF: сохраните или отсканируйте документ в PDF и загрузите снова.", what),
		Detail:  "no %PDF- header in the first 1024 bytes: " + what,
	}
}

// SniffProblem judges by content whether head starts a PDF; nil if it
// does, else the problem that names what it is instead.
func SniffProblem(head []byte, size int64) *Problem { return sniff(head, size) }

// describe names common non-PDF content by its magic bytes.
func describe(head []byte) string {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	lower := bytes.ToLower(trimmed[:min(len(trimmed), 64)])
	switch {
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return "это изображение JPEG"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "это изображение PNG"
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "это изображение GIF"
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "это изображение TIFF"
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return "это изображение WebP"
	case len(head) >= 12 && bytes.Equal(head[4:8], []byte("ftyp")) && (bytes.HasPrefix(head[8:], []byte("hei")) || bytes.HasPrefix(head[8:], []byte("mif1"))):
		return "это фотография HEIC с телефона"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		switch {
		case bytes.Contains(head, []byte("word/")):
			return "это документ Word (DOCX)"
		case bytes.Contains(head, []byte("xl/")):
			return "это таблица Excel (XLSX)"
		}
		return "это ZIP-архив или документ Office"
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return "это документ Word или Excel старого формата"
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		return "это документ RTF"
	case bytes.HasPrefix(lower, []byte("<!doctype html")), bytes.HasPrefix(lower, []byte("<html")):
		return "это веб-страница HTML"
	case bytes.HasPrefix(head, []byte("Rar!")):
		return "это архив RAR"
	case bytes.HasPrefix(head, []byte("7z\xbc\xaf\x27\x1c")):
		return "это архив 7z"
	}
	return unknownFormat
}

const unknownFormat = "формат не распознан"

// eofMarker ends every complete PDF; readers look for it in the last 1024
// bytes. Its absence means the file was cut short, even where a relaxed
// parser could rebuild the cross-reference table.
var eofMarker = []byte("%%EOF")

func checkTrailer(tail []byte) *Problem {
	if bytes.Contains(tail, eofMarker) {
		return nil
	}
	return &Problem{
		Code:    CodePDFInvalid,
		Message: "Файл PDF обрезан или повреждён: нет признака конца файла. Сохраните документ заново и загрузите ещё раз.",
		Detail:  "no %%EOF in the last 1024 bytes",
	}
}
