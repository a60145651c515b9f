// Package cases owns enforcement intelligence: seizure cases recorded by
// officers (with their photos), the suspicious-conduct rules that watch the
// registry's events and raise alerts, and the summaries analysts chart and
// share. It builds on the permit registry (package permits), whose events it
// observes and whose species reference and roles it uses; it reads the
// registry's records through permits.Service, never its tables. It knows no
// HTTP.
//
// Personal data stays out of what is shared: parties are organisations or
// roles, and the summaries and the CSV export carry no officer names and no
// free text (TWIX shares no nominal data).
package cases
