package applications

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"runtime/debug"
	"runtime/metrics"
	"strings"
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
// Errors: unsupported_document, damaged_document, image_too_large,
// document_too_complex, or an error wrapping scan.ErrBusy.
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

// checkPDF validates a PDF's structure with pdfcpu (see pdfCheckChild)
// in a child process: pdfcpu inflates object and cross-reference streams
// without a limit (a 300 KB file made it allocate 1.3 GB) and reports some
// malformed input by panicking, so it runs where a decompression bomb or a
// crash costs the child, not the server. The child is this program again
// (os.Executable), bounded to pdfCheckMemory of heap and pdfCheckTime; the
// server reserves that memory in scan.DefaultPool while it runs.
//
// Errors: damaged_document, document_too_complex (reading it takes more
// than pdfCheckMemory), or an error wrapping scan.ErrBusy.
func checkPDF(ctx context.Context, data []byte) error {
	release, err := scan.DefaultPool.Reserve(ctx, min(pdfCheckMemory+int64(len(data)), scan.DefaultPool.Memory()))
	if err != nil {
		return fmt.Errorf("applications: document: %w", err)
	}
	defer release()
	exe, err := os.Executable()
	if err != nil {
		return opencites.Internal("pdf check", err)
	}
	ctx, cancel := context.WithTimeout(ctx, pdfCheckTime)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, pdfCheckArg)
	cmd.Env = append(os.Environ(), pdfCheckEnv+"=1")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == pdfCheckTooLarge:
		return opencites.Invalid("document_too_complex", "the PDF expands to more than 160 MB when read: it is too large or complex to check")
	case errors.As(err, &exit):
		// Invalid, killed at pdfCheckTime, or pdfcpu crashed on it: the
		// file is at fault.
		return opencites.Invalid("damaged_document", "the file is damaged or incomplete: it does not read as a PDF")
	}
	return opencites.Internal("pdf check: "+stderr.String(), err)
}

// The child's side of checkPDF.
const (
	pdfCheckEnv      = "CITES_INTERNAL_PDF_CHECK"
	pdfCheckArg      = "-cites-internal-pdf-check"
	pdfCheckMemory   = 160 << 20 // the child's heap, beyond which it gives up
	pdfCheckTime     = 20 * time.Second
	pdfCheckInvalid  = 1
	pdfCheckTooLarge = 3
)

// init turns this process into the PDF checker when checkPDF started it:
// it must happen before the program's main (or a test binary's flags)
// sees the unknown argument. Any program that imports this package can
// check PDFs this way, tests included.
func init() {
	if os.Getenv(pdfCheckEnv) != "1" || len(os.Args) != 2 || os.Args[1] != pdfCheckArg {
		return
	}
	os.Exit(pdfCheckChild(os.Stdin))
}

// pdfCheckChild validates the PDF on r with pdfcpu (relaxed mode: header,
// cross-reference table or streams, trailer, and every object reachable
// from the catalogue against the specification) and returns the exit
// code: 0 valid, pdfCheckInvalid, or pdfCheckTooLarge when its heap passes
// pdfCheckMemory.
func pdfCheckChild(r io.Reader) int {
	debug.SetMemoryLimit(pdfCheckMemory / 2)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			if sample[0].Value.Uint64() > pdfCheckMemory {
				os.Exit(pdfCheckTooLarge)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	data, err := io.ReadAll(io.LimitReader(r, MaxAttachmentSize+1))
	if err != nil || len(data) > MaxAttachmentSize {
		return pdfCheckInvalid
	}
	// Without this pdfcpu writes a configuration directory in the home
	// directory at first use (and exits if it cannot).
	pdfapi.DisableConfigDir()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	if pdfapi.Validate(bytes.NewReader(data), conf) != nil {
		return pdfCheckInvalid
	}
	return 0
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
