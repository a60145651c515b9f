// Package notify keeps in-app notifications: a permit was issued,
// revoked, endorsed or accepted at import, an application changed state.
// They are written in the transaction of the change itself (Write, Tell),
// so no news is told of a change that rolled back, and read by their
// owner through the Service.
package notify
