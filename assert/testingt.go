package assert

// TestingT is what an assertion needs of a test: *testing.T, *testing.B and
// testing.TB satisfy it. It has the method set of testify's
// assert.TestingT, so a value of either type converts to the other.
//
// When the value also has a Helper method, as those do, each assertion calls
// it (and so does every function between the assertion and Errorf), so Go's
// testing reports a failure at the caller's line. Failures are reported
// through testify's assert.Fail, which adds the "Error Trace:" of the
// caller's line and the "Test:" name around the assertion's own message.
type TestingT interface {
	Errorf(format string, args ...any)
}

// tHelper is a TestingT that can mark the function calling Helper as a test
// helper. Helper marks its caller, so each function on the way to Errorf
// calls it itself:
//
//	if h, ok := t.(tHelper); ok {
//		h.Helper()
//	}
type tHelper interface {
	Helper()
}
