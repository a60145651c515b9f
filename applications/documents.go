package applications

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/scan"
	pdfapi "github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// DocumentWait bounds the time a document waits for its turn to be checked
// (the server's decode memory, scan.DefaultPool, is shared with photos)
// before AddAttachment gives up with an error wrapping scan.ErrBusy.
const DocumentWait = 30 * time.Second

// checkDocument checks a whole supporting document, not only its first
// bytes: an image must decode completely within the size limits, a PDF
// must parse and pass pdfcpu's structural validation (relaxed mode, which
// real scanners' and word processors' files pass). It returns the content
// type.
//
// Errors: unsupported_document, damaged_document, image_too_large, or an
// error wrapping scan.ErrBusy.
func checkDocument(ctx context.Context, data []byte) (string, error) {
	ct, ok := sniffDocument(data)
	if !ok {
		return "", opencites.Invalid("unsupported_document", "send a PDF, JPEG or PNG file")
	}
	ctx, cancel := context.WithTimeout(ctx, DocumentWait)
	defer cancel()
	if ct == "application/pdf" {
		return ct, checkPDF(ctx, data)
	}
	_, err := scan.Check(ctx, data, scan.Options{})
	var se *scan.Error
	switch {
	case errors.Is(err, scan.ErrBusy):
		return "", fmt.Errorf("applications: document: %w", err)
	case errors.As(err, &se) && se.Code == scan.ImageTooLarge:
		return "", opencites.Errorf(opencites.KindInvalid, "image_too_large", "the image is too large: at most 50 megapixels and %d pixels a side", scan.MaxSide)
	case err != nil:
		return "", opencites.Invalid("damaged_document", "the file is damaged or incomplete: it does not read as the image it claims to be")
	}
	return ct, nil
}

// pdfMemory is what checking a PDF is taken to hold, in bytes of the file:
// pdfcpu keeps the file, its parsed objects and its decoded object and
// cross-reference streams. It is an estimate for sharing the pool, not a
// bound (see the package documentation).
const pdfMemory = 8

var pdfConfig = sync.OnceValue(func() *model.Configuration {
	// Without this pdfcpu writes a configuration directory in the user's
	// home at first use (and exits the process if it cannot).
	pdfapi.DisableConfigDir()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	return conf
})

// checkPDF validates a PDF's structure with pdfcpu: header, cross-reference
// table or streams, trailer, and every object reachable from the catalogue
// against the PDF specification. It takes its memory from scan.DefaultPool,
// so that checks and decodes share the server's bound.
func checkPDF(ctx context.Context, data []byte) (err error) {
	release, err := scan.DefaultPool.Reserve(ctx, max(int64(len(data))*pdfMemory, 1<<20))
	if err != nil {
		var se *scan.Error
		if errors.As(err, &se) {
			return opencites.Invalid("document_too_large", "the PDF is too large to check")
		}
		return fmt.Errorf("applications: document: %w", err)
	}
	defer release()
	defer func() {
		if recover() != nil {
			err = opencites.Invalid("damaged_document", "the file is damaged or incomplete: it does not read as a PDF")
		}
	}()
	conf := *pdfConfig()
	if pdfapi.Validate(bytes.NewReader(data), &conf) != nil {
		return opencites.Invalid("damaged_document", "the file is damaged or incomplete: it does not read as a PDF")
	}
	return nil
}

// maxFilename is the longest filename kept, in characters.
const maxFilename = 120

// cleanFilename makes a client's filename safe to store and to show:
// only its last path element, no control characters, no Unicode
// bidirectional formatting characters (a right-to-left override makes
// "invoice_fdp.exe" show as "invoice_exe.pdf"), no invalid UTF-8, spaces
// trimmed, at most maxFilename characters with the extension kept. An
// empty result becomes "document" with the extension of contentType.
func cleanFilename(name, contentType string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if strings.Trim(name, ".") == "" {
		name = "document" + map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[contentType]
	}
	if r := []rune(name); len(r) > maxFilename {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = strings.TrimSpace(string(r[:maxFilename-len(ext)])) + string(ext)
	}
	return name
}

// isBidiControl reports the Unicode bidirectional formatting characters:
// the marks (LRM, RLM, ALM), the embeddings and overrides (LRE, RLE, PDF,
// LRO, RLO) and the isolates (LRI, RLI, FSI, PDI).
func isBidiControl(r rune) bool {
	return r == 0x200E || r == 0x200F || r == 0x061C || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
