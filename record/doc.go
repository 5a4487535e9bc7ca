// Package record is the vocabulary of a recording of MQTT traffic: what
// crossed the wire, one Record per packet or connection event, kept in
// order by a Recorder; Matchers that select records; the transcript, one
// readable line per record; JSON Lines; and the decoder that turns MQTT
// frames (3.1, 3.1.1 and 5) into records.
//
// A Recorder is made, and written to, by a broker or proxy of package
// mqtttest, which gives the names a test needs under its own as well, so a test
// that starts a broker needs one import:
//
//	b := mqtttest.NewBroker(t)
//	r, err := b.Recorder().WaitFor(ctx, record.Publish("home/+/temp"), record.ClientID("sensor-1"))
//
// Code that only reads recordings (package assert, package fake, the
// command's tools) imports this package alone, without the broker.
// WaitFor and WaitForN wait on new records and never poll; a matcher made
// from bad input (an invalid topic filter) matches nothing and says why in
// Matcher.Err; once the recording's owner is closed, waits return at once
// with an error that wraps ErrClosed.
//
// Recorder.WriteJSONL writes a recording as JSON Lines, the format of the
// command's --record file; ReadJSONL reads one back a record at a time, so
// a recording of any length is read in bounded memory.
//
// DecodePacket, DecodeFrame and FrameLength are for code that reads MQTT
// from a socket of its own (package fake does) and wants records and
// matchers for what it read. Decoding never panics: bytes that do not
// decode make a record with Malformed set and Err saying why.
package record
