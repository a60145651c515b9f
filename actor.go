package opencites

// Roles a user can hold.
const (
	RoleAdmin    = "admin"    // manages users and keys
	RoleIssuer   = "issuer"   // Management Authority staff, bound to one authority
	RoleOfficer  = "officer"  // customs and border officers
	RoleExporter = "exporter" // a trader; sees only the permits issued to its account
	RoleAnalyst  = "analyst"  // enforcement analysts: cases, alerts and summaries of their authority
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	switch r {
	case RoleAdmin, RoleIssuer, RoleOfficer, RoleExporter, RoleAnalyst:
		return true
	}
	return false
}

// Actor is the authenticated caller, as the api package established it.
// Domain services take it on every call and decide what it may do.
type Actor struct {
	UserID    int64
	Username  string
	Role      string
	Authority string // ISO 3166 code of the Management Authority, "" if none
}

// System is the actor for changes made from the command line or at start-up.
var System = Actor{Username: "system", Role: RoleAdmin}

// RequireRole returns forbidden unless the actor holds one of roles.
func RequireRole(a Actor, roles ...string) error {
	for _, r := range roles {
		if a.Role == r {
			return nil
		}
	}
	return Forbidden(a)
}

// Forbidden is the refusal of an action the actor's role may not take.
func Forbidden(a Actor) *Error {
	return Errorf(KindForbidden, "forbidden", "the %s role may not do this", a.Role)
}
