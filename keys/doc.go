// Package keys holds a node's signing keys and trust anchor. Permit
// signing keys (ES256) are stored as public halves in the database, so
// that every replica sees a rotation, and as private halves only in the
// data directory of the nodes that sign. The anchor never signs permits:
// it signs the trust list (which keys speak for which authority, and their
// status) and the status lists, which verifier apps pin and check offline.
package keys
