// Package listings keeps the CITES listing in force: the versions of the
// species reference an authority imported (each kept, with the date it
// takes effect), the one every replica uses now, and the questions asked
// of it by name: search, a taxon's listing, and which documents a shipment
// needs under the Convention (the same function the issuing rules use).
package listings
