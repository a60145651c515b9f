// Package permits is the CITES permit registry: the rules for issuing a
// permit or certificate (CITES standard form, boxes 1-15), its states
// (issued, endorsed for export, cancelled on import, revoked), the signed
// token its QR code carries, the registry's side of verifying a scanned
// code (its standing, which verifier.Judge turns into the verdict), the
// status lists offline verifiers read, and who may act on a permit.
//
// It knows no HTTP: the api package authenticates the caller and hands an
// opencites.Actor to the Service, which authorises and acts. Every state
// change is one database transaction written together with its audit
// entry. Accounts, keys, quotas, the listing in force, applications and
// notifications are packages of their own that the Service is given.
package permits
