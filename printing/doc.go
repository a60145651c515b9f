// Package printing renders a permit as the printable CITES document: an A4
// PDF laid out like the Convention's standard form (Res. Conf. 12.3), with
// the numbered boxes 1-15 labelled in English and Russian, one block per
// specimen line (A, B, C...) and the signed QR code the border officer
// scans.
//
// It owns the page only: what a permit says comes from package permits,
// and who serves the file is the api's business. The QR code is drawn as
// vector squares of a whole number of 300 dpi printer dots, at least 50 mm
// wide with its quiet zone, in a framed "do not stamp" box (DOMAIN.md
// 8.6-8.8). Fonts are the Go fonts, embedded in the binary and in every PDF,
// because they cover Cyrillic and need no files at run time.
//
// The standard form has room for four specimen blocks (A-D); further lines
// go on annex pages that repeat the permit number.
package printing
