// Package applications takes an exporter's application for a permit to
// the Management Authority's decision: drafts, supporting documents,
// submission (the issuing rules run in full and missing documents are
// listed), requests for changes, rejection, and approval, which issues the
// permit through the registry in the same transaction.
//
// A supporting document is checked whole before it is stored: an image
// must decode completely (package scan, within the server's shared decode
// memory), a PDF must pass pdfcpu's structural validation, which runs in a
// child process of the program (bounded in memory and time: pdfcpu
// inflates streams without a limit); its filename is stored without path,
// control or bidirectional formatting characters.
package applications
