package assert

// TestingT is what an assertion needs of a test: *testing.T, *testing.B and
// testing.TB satisfy it. When the value also has a Helper method, as those
// do, the assertions call it, so failures point at the caller's line.
type TestingT interface {
	Errorf(format string, args ...any)
}

// helper calls t.Helper when t has one.
func helper(t TestingT) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
}
