package fake

// TB is what a Client and a Fleet need of a test: *testing.T, *testing.B and
// testing.TB satisfy it. Fatalf must stop the calling goroutine, as
// testing's does; Cleanup functions run when the test ends, last first.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}
