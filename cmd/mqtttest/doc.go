// Command mqtttest runs the testkit's MQTT broker on its own, for CI
// pipelines and for clients written in any language. It is the broker of
// package mqtttest (mochi-mqtt behind a wire tap), so every packet that
// crosses its sockets is recorded exactly as a Go test would see it.
//
//	mqtttest serve                                   # tcp://127.0.0.1:1883 until SIGINT or SIGTERM
//	mqtttest serve --addr 127.0.0.1:0 --ready-file ready.json --record packets.jsonl
//	mqtttest serve --tls --ws --acl rules.acl --transcript
//	mqtttest show --topic 'home/#' packets.jsonl          # the recording, as a transcript
//
// Every listener but the one --addr chooses is on loopback. When a listener
// is bound beyond loopback (--addr 0.0.0.0:1883, say), other machines can
// connect to it, and serve warns so in one line on standard error.
//
// When standard output is a terminal, serve prints each packet on it as a
// transcript line as the packet passes (--quiet: not; --transcript: also
// when it is not a terminal). When every listener accepts connections,
// serve prints one line on standard output,
//
//	mqtttest: listening on tcp://127.0.0.1:1883
//
// and, with --ready-file, writes a JSON object with the addresses (url,
// addr, ws_url, tls_url, tls_addr, ca_file, record, pid), atomically, so a
// script waits for the file to appear instead of parsing logs or sleeping.
// The ready file, and the CA file that --tls writes next to it
// (ready.json gives ready-ca.pem), are removed when the command exits, each
// only if it still holds what this run wrote.
//
// serve never overwrites or removes a file it did not write. An existing
// ready file is replaced only if an earlier run left it: a JSON object with
// a "url" that starts with tcp://, an "addr" and a "pid" above 0. An
// existing CA file is replaced only if it is one PEM certificate of a
// self-signed CA named "mqtttest CA", as --tls generates. Anything else at
// either path (a directory, a symbolic link, another file) is a usage error.
//
// With --record, each record is appended to the file as one JSON line as it
// arrives, in the format of mqtttest.Recorder.WriteJSONL. On SIGINT or
// SIGTERM the broker closes every connection, the records that closing made
// are written too, the file is flushed and closed, and the command exits 0.
//
// With --control HOST:PORT, serve also answers an HTTP API with JSON
// (docs/control-api.json describes it): GET /clients, GET /retained,
// GET /records (JSON Lines from a sequence number on, filtered, waiting
// for a record with wait=5s), POST /publish, POST /faults, GET /faults,
// DELETE /faults[/{id}], POST /clients/{id}/disconnect, POST /partition,
// POST /heal and POST /restart. The ready file's "control" says where it
// listens; --control-token (or $MQTTTEST_CONTROL_TOKEN) makes every request
// carry "Authorization: Bearer TOKEN". Errors are {"error": "..."} with a
// 4xx status.
//
// proxy --upstream HOST:PORT relays each client connection to another
// broker through the same tap: the same recording, transcript, ready file
// (with "upstream") and control API, where the operations on the broker
// itself answer 501.
//
// serve's exit codes (proxy's are the same): 0 after a signal, 1 when the broker cannot start or fails
// while running (for example, another process is listening on the port), 2
// for a bad command line or an input file that cannot be read. A bad
// command line includes a --ready-file path that holds a file serve did not
// write, and an --addr that is not HOST:PORT, has a port outside 0-65535,
// or names a host that does not resolve or an IP address this machine does
// not have.
//
// show prints a recording, a --record file or standard input (-), as the
// transcript, one line a record, timed from its first record, filtered by
// client (--client), topic filter (--topic), packet types (--type),
// connection (--conn) and time window (--from, --to: an offset from the
// first record such as 1.5s, or an RFC 3339 time). It reads a record at a
// time, so a recording of any length is shown in bounded memory. It exits
// 0 when done, 2 for a bad command line or a file it cannot open, and 1
// at a line of the file that is not a record, which it names.
//
//	mqtttest show --client sensor-1 --type PUBLISH,PUBACK packets.jsonl
//
// diagram prints the records show would as a Mermaid sequence diagram: a
// lifeline for the broker and one per client, an arrow per packet (crossed
// when a fault withheld it), notes for closes, drops and restarts, and
// long runs folded into a note; --max N bounds what is drawn.
package main
