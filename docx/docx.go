// Package docx writes the report on professional activity as a DOCX
// (Office Open XML, ECMA-376) that Word and LibreOffice open and a head's
// office can edit: the few parts the format needs (content types,
// relationships, the document, styles and a footer with the page number),
// written with archive/zip and encoding/xml. No Go library for OOXML was
// at hand on 2026-12-03 (baliance.com/gooxml is not served by the module
// proxy, github.com/ubavic/godocx lists no version, unidoc/unioffice needs
// a paid licence), and this is all the report needs.
package docx

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"accredpack/report"
)

// Page geometry in twentieths of a point: A4, margins 30/15/20/20 mm as
// the PDF's (templates.DrawReport).
const (
	pageW       = 11906
	pageH       = 16838
	marginLeft  = 1701
	marginRight = 850
	marginTB    = 1134
	bodyWidth   = pageW - marginLeft - marginRight
)

// Write writes doc as a DOCX to w.
func Write(w io.Writer, doc report.Document) error {
	z := zip.NewWriter(w)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", styles},
		{"word/footer1.xml", footer},
		{"docProps/core.xml", core(doc.Title)},
		{"word/document.xml", document(doc)},
	}
	for _, p := range parts {
		f, err := z.Create(p.name)
		if err != nil {
			return fmt.Errorf("docx: %s: %w", p.name, err)
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return fmt.Errorf("docx: %s: %w", p.name, err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("docx: %w", err)
	}
	return nil
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const contentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>`

const rootRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>`

const documentRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>
</Relationships>`

const wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// Times New Roman 12 pt, 1.15 lines: what a head's office expects of a
// paper; a reader without it substitutes a metric twin.
const styles = xmlHeader + `<w:styles ` + wNS + `>
<w:docDefaults>
<w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="ru-RU"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault>
</w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:after="120"/></w:pPr><w:rPr><w:b/><w:sz w:val="30"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="26"/></w:rPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders>
<w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/>
<w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/>
<w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>
</w:tblBorders><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>`

// The footer: «стр. N из M» with PAGE and NUMPAGES fields.
const footer = xmlHeader + `<w:ftr ` + wNS + `><w:p><w:pPr><w:jc w:val="center"/></w:pPr>
<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve">стр. </w:t></w:r>
<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t>1</w:t></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r>
<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve"> из </w:t></w:r>
<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:instrText xml:space="preserve"> NUMPAGES </w:instrText></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t>1</w:t></w:r><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r>
</w:p></w:ftr>`

func core(title string) string {
	return xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
		`<dc:title>` + esc(title) + `</dc:title><dc:creator>accredpack</dc:creator><dc:language>ru-RU</dc:language></cp:coreProperties>`
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a strings.Builder does not fail
	return b.String()
}

// run is a run of text; bold when asked.
func run(text string, bold bool) string {
	rpr := ""
	if bold {
		rpr = `<w:rPr><w:b/></w:rPr>`
	}
	return `<w:r>` + rpr + `<w:t xml:space="preserve">` + esc(text) + `</w:t></w:r>`
}

// para is a paragraph with properties ppr (may be empty).
func para(ppr, runs string) string {
	if ppr != "" {
		ppr = `<w:pPr>` + ppr + `</w:pPr>`
	}
	return `<w:p>` + ppr + runs + `</w:p>`
}

func document(doc report.Document) string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<w:document ` + wNS + `><w:body>`)
	for i, l := range doc.Agreement.Lines {
		b.WriteString(para(fmt.Sprintf(`<w:ind w:left="%d"/><w:spacing w:after="0"/>`, bodyWidth/2), run(l, i == 0 && doc.Agreement.Agreed)))
	}
	if len(doc.Agreement.Lines) > 0 {
		b.WriteString(para("", ""))
	}
	b.WriteString(para(`<w:pStyle w:val="Title"/>`, run(doc.Title, false)))
	if doc.Subtitle != "" {
		b.WriteString(para(`<w:jc w:val="center"/><w:spacing w:after="240"/>`, run(doc.Subtitle, false)))
	}
	for _, bl := range doc.Blocks {
		switch bl.Kind {
		case report.Heading:
			b.WriteString(para(`<w:pStyle w:val="Heading1"/>`, run(bl.Text, false)))
		case report.Paragraph:
			b.WriteString(para(`<w:ind w:firstLine="709"/><w:jc w:val="both"/>`, run(bl.Text, false)))
		case report.Bullet:
			b.WriteString(para(`<w:ind w:left="567" w:hanging="283"/>`, run("•\t"+bl.Text, false)))
		case report.Table:
			b.WriteString(table(bl))
			b.WriteString(para("", ""))
		}
	}
	for i, l := range doc.Signature {
		ppr := ""
		if i == 0 {
			ppr = `<w:spacing w:before="480"/>`
		}
		b.WriteString(para(ppr, run(l, false)))
	}
	fmt.Fprintf(&b, `<w:sectPr><w:footerReference w:type="default" r:id="rId2"/><w:pgSz w:w="%d" w:h="%d"/>`+
		`<w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>`,
		pageW, pageH, marginTB, marginRight, marginTB, marginLeft)
	b.WriteString(`</w:body></w:document>`)
	return b.String()
}

func table(bl report.Block) string {
	n := len(bl.Rows[0])
	widths := make([]int, n)
	total := 0.0
	for _, w := range bl.Widths {
		total += w
	}
	for i := range widths {
		if len(bl.Widths) == n && total > 0 {
			widths[i] = int(float64(bodyWidth) * bl.Widths[i] / total)
		} else {
			widths[i] = bodyWidth / n
		}
	}
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="` + fmt.Sprint(bodyWidth) + `" w:type="dxa"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(&b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
	for r, row := range bl.Rows {
		trpr := ""
		if r == 0 {
			trpr = `<w:trPr><w:tblHeader/></w:trPr>`
		}
		b.WriteString(`<w:tr>` + trpr)
		for i, c := range row {
			fmt.Fprintf(&b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>`, widths[i])
			ppr := `<w:spacing w:after="0"/>`
			if r > 0 && i > 0 && report.Numeric(c) {
				ppr += `<w:jc w:val="right"/>`
			}
			b.WriteString(para(ppr, `<w:r><w:rPr>`+map[bool]string{true: `<w:b/>`}[r == 0]+`<w:sz w:val="20"/></w:rPr><w:t xml:space="preserve">`+esc(c)+`</w:t></w:r>`))
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	b.WriteString(`</w:tbl>`)
	return b.String()
}
