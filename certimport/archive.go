package certimport

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"accredpack/checks"
	"accredpack/fault"
)

// Archive is the ZIP of PDFs sent with a batch, spooled to a temporary
// file and read in place: nothing is extracted, an entry is only ever
// streamed into the file checks of an upload.
type Archive struct {
	file      *os.File
	zr        *zip.Reader
	byName    map[string][]*zip.File // by the path inside the archive
	byBase    map[string][]*zip.File // by the file name alone
	fileBytes int64
}

// CodeZIPEntry is a row's code for a file the archive cannot give back as
// it describes it (size or checksum differ from its header, encrypted,
// unknown compression).
const CodeZIPEntry = "zip_entry_invalid"

// OpenArchive spools r (at most lim.ArchiveBytes) into a temporary file in
// dir and reads its directory. Close removes the file.
func OpenArchive(ctx context.Context, r io.Reader, dir string, lim Limits) (*Archive, error) {
	f, err := os.CreateTemp(dir, "import-*.zip")
	if err != nil {
		return nil, fmt.Errorf("certimport: spool archive: %w", err)
	}
	a := &Archive{file: f, fileBytes: lim.FileBytes, byName: map[string][]*zip.File{}, byBase: map[string][]*zip.File{}}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	src := &ctxReader{ctx: ctx, r: r}
	n, err := io.Copy(f, io.LimitReader(src, lim.ArchiveBytes+1))
	if err != nil && src.err != nil {
		return nil, fmt.Errorf("%w: %w", fault.BadRequest("Архив с файлами не прочитан: тело запроса оборвалось или повреждено."), err)
	}
	if err != nil {
		return nil, fmt.Errorf("certimport: spool archive: %w", err)
	}
	if n > lim.ArchiveBytes {
		return nil, &checks.Problem{Code: checks.CodeTooLarge, Message: fmt.Sprintf("Архив с файлами больше %s: разделите пакет на несколько.", checks.HumanSize(lim.ArchiveBytes))}
	}
	if a.zr, err = zip.NewReader(f, n); err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fault.BadRequest("Часть files — не ZIP-архив, или архив повреждён.")
	}
	if len(a.zr.File) > lim.Entries {
		return nil, &checks.Problem{Code: checks.CodeTooLarge, Message: fmt.Sprintf("В архиве больше %d файлов: разделите пакет на несколько.", lim.Entries)}
	}
	for i, zf := range a.zr.File {
		name, safe := entryName(zf.Name)
		if !safe {
			return nil, fault.BadRequest(fmt.Sprintf("Файл № %d в архиве назван путём вне архива (абсолютный путь или «..»): такой архив не принимается.", i+1))
		}
		if strings.HasSuffix(zf.Name, "/") {
			continue // a folder
		}
		a.byName[name] = append(a.byName[name], zf)
		a.byBase[path.Base(name)] = append(a.byBase[path.Base(name)], zf)
	}
	ok = true
	return a, nil
}

// Close removes the spooled archive; safe on nil.
func (a *Archive) Close() error {
	if a == nil || a.file == nil {
		return nil
	}
	a.file.Close()
	return os.Remove(a.file.Name())
}

// entryName is a path inside the archive as written with '/', and whether
// it stays inside: not absolute, no "..", no drive, no NUL.
func entryName(raw string) (string, bool) {
	name := strings.ReplaceAll(raw, "\\", "/")
	name = strings.TrimSuffix(name, "/")
	if name == "" || strings.ContainsRune(name, 0) || strings.HasPrefix(name, "/") || (len(name) >= 2 && name[1] == ':') {
		return "", false
	}
	if !filepath.IsLocal(name) {
		return "", false
	}
	return path.Clean(name), true
}

// Lookup finds the entry a row names: its path inside the archive, or its
// file name alone when one entry has it. A name the archive does not
// answer gives the field error of the row's file column.
func (a *Archive) Lookup(name string) (*zip.File, *checks.FieldError) {
	clean, safe := entryName(name)
	if !safe {
		fe := fieldError(colFile, "path")
		return nil, &fe
	}
	found := a.byName[clean]
	if len(found) == 0 && !strings.Contains(clean, "/") {
		found = a.byBase[clean]
	}
	switch len(found) {
	case 0:
		fe := fieldError(colFile, "not_in_zip")
		return nil, &fe
	case 1:
		return found[0], nil
	}
	fe := fieldError(colFile, "ambiguous")
	return nil, &fe
}

// Entry is one file of the archive being read into an upload. Its reader
// gives at most the service's file limit plus one byte, whatever the
// archive's header claims, and remembers why the archive failed to give
// more.
type Entry struct {
	rc  io.ReadCloser
	lim io.Reader
	err error // a read error of the archive itself
}

// Open starts reading an entry. An entry that declares more than the file
// limit is refused from its header, unread; an encrypted one or one in an
// unknown compression is a *checks.Problem of CodeZIPEntry.
func (a *Archive) Open(zf *zip.File) (*Entry, error) {
	if zf.UncompressedSize64 > uint64(a.fileBytes) {
		return nil, checks.TooLarge(a.fileBytes)
	}
	if zf.Flags&0x1 != 0 {
		return nil, &checks.Problem{Code: CodeZIPEntry, Message: "Файл в архиве зашифрован паролем архива: упакуйте файлы без пароля."}
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, &checks.Problem{Code: CodeZIPEntry, Message: "Файл в архиве не читается (неизвестный способ сжатия): упакуйте архив заново обычным ZIP.", Detail: err.Error()}
	}
	e := &Entry{rc: rc}
	e.lim = io.LimitReader(rc, a.fileBytes+1)
	return e, nil
}

// Read implements io.Reader.
func (e *Entry) Read(p []byte) (int, error) {
	n, err := e.lim.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

// Close ends the reading.
func (e *Entry) Close() error { return e.rc.Close() }

// Problem is what went wrong in the archive while the entry was read, as
// the row's problem; nil when the archive gave what it described.
func (e *Entry) Problem() *checks.Problem {
	if e.err == nil {
		return nil
	}
	return &checks.Problem{Code: CodeZIPEntry, Message: "Файл в архиве повреждён: его размер или контрольная сумма не совпадают с заголовком архива. Упакуйте архив заново.",
		Detail: e.err.Error()}
}

// ctxReader stops a long copy when the request is cancelled, and keeps
// the error of reading (as opposed to writing).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}
