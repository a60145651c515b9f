package scan

import "fmt"

// Codes of Error.Code. They are stable: the API maps them to responses and
// clients may switch on them. The first three are about the file, the
// others about the photo.
const (
	InvalidImage           = "invalid_image"
	UnsupportedImageFormat = "unsupported_image_format"
	ImageTooLarge          = "image_too_large"
	NoQRFound              = "no_qr_found"
	QRTooSmall             = "qr_too_small"
	QRBlurred              = "qr_blurred"
	QRGlare                = "qr_glare"
	QRTooDark              = "qr_too_dark"
	QRDamaged              = "qr_damaged"
)

// errorHints are what an officer at a border post should do next for each code.
var errorHints = map[string]string{
	InvalidImage:           "The file is not a readable image. Take the photo again.",
	UnsupportedImageFormat: "This image format is not supported. Send a JPEG.",
	ImageTooLarge:          "The image is too large. Send a photo of at most 50 megapixels.",
	NoQRFound:              "No QR code was found. Point the camera at the code and fill a third of the frame with it.",
	QRTooSmall:             "The code is too small. Move closer so the code fills a third of the frame.",
	QRBlurred:              "The code is blurred. Hold the phone steady and let it focus.",
	QRGlare:                "Light reflects on the code. Tilt the phone or move away from the light.",
	QRTooDark:              "The photo is too dark. Add light or turn on the torch.",
	QRDamaged:              "The code was found but is damaged. Flatten and clean it, or enter its reference by hand.",
}

// Error is a failure the caller can show to an officer. Code is a stable
// snake_case machine code (InvalidImage ... QRDamaged), Hint a short English
// sentence telling the officer what to do, and Err the internal cause, which
// is not meant for display.
type Error struct {
	Code string
	Hint string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("scan: %s: %v", e.Code, e.Err)
	}
	return "scan: " + e.Code
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// newError builds an *Error with the standard hint for code.
func newError(code string, err error) *Error {
	return &Error{Code: code, Hint: errorHints[code], Err: err}
}
