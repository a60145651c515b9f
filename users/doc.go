// Package users keeps the registry's accounts: creating them (admins and
// the command line only), signing in with a password, and the small reads
// other packages need about accounts (an exporter's organisation, the
// authorities that issue on this node, whom to notify). The api package
// turns a sign-in into a session; the domain packages take the resulting
// opencites.Actor and decide what it may do.
package users
