// Package applications takes an exporter's application for a permit to
// the Management Authority's decision: drafts, supporting documents,
// submission (the issuing rules run in full and missing documents are
// listed), requests for changes, rejection, and approval, which issues the
// permit through the registry in the same transaction.
package applications
