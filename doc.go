// Package opencites holds the vocabulary every part of the registry
// shares: who is acting (Actor and its roles), how a refusal is told (Error
// and its kinds), what the audit trail records (Audit), and the CITES code
// tables of the standard form (document types, purposes, sources, terms,
// units, ISO 3166 countries). It imports
// nothing of ours and knows no database or transport, so every domain
// package (permits, cases, users, keys, applications, exchange) and the
// storage in models may import it, as Ben Johnson's wtf keeps its domain
// types at the root of the module.
package opencites
