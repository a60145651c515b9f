// Package permits is the CITES permit registry's domain: the rules for
// issuing a permit or certificate (CITES standard form, boxes 1-15), its
// states (issued, endorsed for export, cancelled on import, revoked), the
// signed token its QR code carries, the verification of a scanned code, and
// who may do what.
//
// It knows no HTTP: the api package authenticates the caller and hands an
// Actor to the Service, which authorises and acts. Every state change is one
// database transaction written together with its audit entry.
package permits
