// Package scanbench scores package scan's reader on a folder of labelled
// photos, beside zbarimg when it is installed: the measure behind
// `citesd scan-bench DIR` and the figures in docs/benchmarks.md. It runs
// external programs and prints tables, so it lives with the command rather
// than in the library.
package scanbench
