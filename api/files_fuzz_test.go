package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
)

func form(boundary string, parts ...string) []byte {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.SetBoundary(boundary)
	for i, p := range parts {
		h := textproto.MIMEHeader{}
		name, body, _ := strings.Cut(p, "=")
		if name == "file" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="f%d.pdf"`, i))
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, name))
		}
		pw, _ := w.CreatePart(h)
		pw.Write([]byte(body))
	}
	w.Close()
	return b.Bytes()
}

// readForm reads a multipart body the way an upload does: the one file
// part to its end, then the rest of the form.
func readForm(body []byte, boundary string) (file []byte, err error) {
	fp, err := firstFilePart(multipart.NewReader(bytes.NewReader(body), boundary))
	if err != nil {
		return nil, err
	}
	file, err = io.ReadAll(fp)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return file, err
}

// FuzzMultipart: any body is either one file (no longer than the body) or
// a refusal the API answers as bad_request or one_file_per_slot, never a
// panic or a server error.
func FuzzMultipart(f *testing.F) {
	const b = "XyZ"
	f.Add(form(b, "comment=скан", "file=%PDF-1.7 ..."), b)
	f.Add(form(b, "file=one", "file=two"), b)
	f.Add(form(b, "a=1", "b=2"), b)
	f.Add(form(b, "file=x", "after=y"), b)
	f.Add([]byte("--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end"), b)
	f.Add([]byte("garbage"), b)
	f.Add(form(b, strings.Repeat("f=1,", 40)), b)
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		if boundary == "" || len(boundary) > 70 {
			return
		}
		file, err := readForm(body, boundary)
		if err == nil {
			if len(file) > len(body) {
				t.Fatalf("file of %d bytes from a body of %d", len(file), len(body))
			}
			return
		}
		status, detail := publicError(err)
		if status != 400 || (detail.Code != "bad_request" && detail.Code != "one_file_per_slot") {
			t.Fatalf("refusal %d %s for %v", status, detail.Code, err)
		}
	})
}

func TestMultipartBounds(t *testing.T) {
	const b = "XyZ"
	fields := make([]string, 0, 40)
	for i := range 40 {
		fields = append(fields, fmt.Sprintf("f%d=x", i))
	}
	cases := []struct {
		name  string
		body  []byte
		code  string
		ok    bool
		bytes int
	}{
		{"one file after a field", form(b, "comment=скан", "file=%PDF-1.7"), "", true, 8},
		{"two files", form(b, "file=a", "file=b"), "one_file_per_slot", false, 0},
		{"thousands of parts", form(b, append(fields, "file=x")...), "bad_request", false, 0},
		{"fields too long together", form(b, "a="+strings.Repeat("x", 40<<10), "b="+strings.Repeat("x", 40<<10), "file=x"), "bad_request", false, 0},
		{"no file", form(b, "a=1"), "bad_request", false, 0},
	}
	for _, c := range cases {
		file, err := readForm(c.body, b)
		if c.ok {
			if err != nil || len(file) != c.bytes {
				t.Errorf("%s: %d bytes, %v", c.name, len(file), err)
			}
			continue
		}
		if _, d := publicError(err); d.Code != c.code {
			t.Errorf("%s: %v (%s); want %s", c.name, err, d.Code, c.code)
		}
	}
}
