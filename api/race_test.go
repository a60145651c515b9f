//go:build race

package api_test

// raceEnabled: the race detector multiplies the memory a test uses, so
// TestPhotoMemory cannot measure the server's.
const raceEnabled = true
