// Package require has the assertions of package assert, each stopping the
// test (FailNow) when it fails, for checks the rest of a test depends on:
//
//	require.SessionPresent(t, b.Recorder(), "sensor-1")
//	require.Received(t, b.Recorder(), "sub-1", "home/#", assert.AnyPayload, time.Second)
//
// A failure reads as assert's does (testify's layout, the report under
// "Error:"), reported at the test's own line: each function calls t.Helper.
// TestingT is testify's require.TestingT.
package require
