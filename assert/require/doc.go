// Package require has the assertions of package assert, each stopping the
// test (FailNow) when it fails, for checks the rest of a test depends on:
//
//	require.SessionPresent(t, b.Recorder(), "sensor-1")
//	require.Received(t, b.Recorder(), "sub-1", "home/#", assert.AnyPayload, time.Second)
package require
