// Package api is the registry's HTTP interface: routes, request and response
// types, authentication (who is calling) and the mapping of domain errors to
// JSON error bodies. Authorisation (may this caller do this?) is the permits
// package's job; handlers bind, call the domain and render.
package api
