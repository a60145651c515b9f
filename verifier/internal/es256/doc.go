// Package es256 verifies ES256 signatures (ECDSA on P-256 with SHA-256,
// RFC 7518) in plain Go, with no import of crypto/ecdsa or math/big.
//
// It exists for the phone's WebAssembly verifier only: Go's crypto/ecdsa
// brings the whole FIPS 140 module with it, which made the module that a
// border post downloads over 2G twice its size. The server verifies with
// crypto/ecdsa; this package is tested against it on random keys,
// messages and signatures, valid and altered. It verifies public data
// (signatures and public keys), so it need not run in constant time, and
// it never signs.
package es256
