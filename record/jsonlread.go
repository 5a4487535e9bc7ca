package record

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ReadJSONL reads records as WriteJSONL (and the command's --record) wrote
// them, one JSON object a line, and calls fn with each in turn as it is
// read, so a recording of any length is read in the memory of its longest
// line. Blank lines are skipped. It returns fn's first error, or an error
// that names the line that is not a record.
func ReadJSONL(r io.Reader, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var rec Record
			if uerr := rec.UnmarshalJSON(b); uerr != nil {
				return fmt.Errorf("record: line %d: %w", line, uerr)
			}
			if ferr := fn(rec); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("record: line %d: %w", line, err)
		}
	}
}

// UnmarshalJSON decodes a record MarshalJSON encoded. A packet that was
// not malformed is decoded again from its raw bytes, with the version and
// direction of its record, so it has every field the tap recorded; the
// rest (sequence, time, connection, client ID, listener, what a fault did)
// comes from the JSON fields.
func (r *Record) UnmarshalJSON(b []byte) error {
	var j jsonRecord
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, j.Time)
	if err != nil {
		return fmt.Errorf("time %q: %w", j.Time, err)
	}
	ev, ok := parseEvent(j.Event)
	if !ok {
		return fmt.Errorf("unknown event %q (want packet, open, close, drop or restart)", j.Event)
	}
	var out Record
	switch ev {
	case EventPacket:
		if out, err = j.packet(); err != nil {
			return err
		}
	case EventDrop:
		dir, ok := parseDirection(j.Dir)
		if !ok {
			return fmt.Errorf("drop with direction %q (want to-broker or to-client)", j.Dir)
		}
		payload, err := j.payload()
		if err != nil {
			return err
		}
		out = Record{Type: TypePublish, Dir: dir, Topic: j.Topic, Payload: payload, QoS: j.QoS, Retain: j.Retain, PacketID: j.PacketID}
	case EventClose:
		out = Record{Version: j.Version, ClosedBy: j.ClosedBy}
	}
	out.Event, out.Seq, out.Time, out.Conn, out.ClientID, out.Listener, out.Remote = ev, j.Seq, t, j.Conn, j.ClientID, j.Listener, j.Remote
	out.Fault, out.Withheld, out.Duplicated, out.Reason = j.Fault, j.Withheld, j.Duplicated, j.Reason
	*r = out
	return nil
}

// packet is the packet record j describes.
func (j *jsonRecord) packet() (Record, error) {
	dir, ok := parseDirection(j.Dir)
	if !ok {
		return Record{}, fmt.Errorf("packet with direction %q (want to-broker or to-client)", j.Dir)
	}
	if len(j.Raw) == 0 {
		return Record{}, errors.New("packet without its raw bytes")
	}
	if !j.Malformed {
		r, n, err := DecodePacket(j.Raw, j.Version, dir)
		if err != nil || n != len(j.Raw) || r.Malformed {
			return Record{}, fmt.Errorf("packet not marked malformed whose raw bytes do not decode as one packet (%d of %d bytes: %v %s)", n, len(j.Raw), err, r.Err)
		}
		return r, nil
	}
	typ, ok := ParsePacketType(j.Type)
	if !ok {
		return Record{}, fmt.Errorf("malformed packet of type %q", j.Type)
	}
	payload, err := j.payload()
	if err != nil {
		return Record{}, err
	}
	r := Record{Dir: dir, Type: typ, Version: j.Version, PacketID: j.PacketID, Topic: j.Topic, Payload: payload,
		QoS: j.QoS, Retain: j.Retain, Dup: j.Dup, SessionPresent: j.SessionPresent, Subscriptions: j.Subscriptions,
		Connect: j.Connect, Raw: j.Raw, Malformed: true, Err: j.Error}
	if j.ReasonCode != nil {
		r.ReasonCode = *j.ReasonCode
	}
	for _, c := range j.ReasonCodes {
		r.ReasonCodes = append(r.ReasonCodes, byte(c))
	}
	if j.Properties != nil {
		r.Properties = *j.Properties
	}
	return r, nil
}

// payload decodes the payload as payload_encoding says.
func (j *jsonRecord) payload() ([]byte, error) {
	if j.Payload == nil {
		return nil, nil
	}
	switch j.PayloadEncoding {
	case "utf8", "":
		return []byte(*j.Payload), nil
	case "base64":
		p, err := base64.StdEncoding.DecodeString(*j.Payload)
		if err != nil {
			return nil, fmt.Errorf("payload: %w", err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("payload_encoding %q (want utf8 or base64)", j.PayloadEncoding)
}

// ParsePacketType returns the packet type with this name, as String spells
// it ("PUBACK"), in any case.
func ParsePacketType(name string) (PacketType, bool) {
	for t, n := range packetTypeNames {
		if strings.EqualFold(n, name) {
			return PacketType(t), true
		}
	}
	return 0, false
}

func parseEvent(s string) (Event, bool) {
	for _, e := range []Event{EventPacket, EventOpen, EventClose, EventRestart, EventDrop} {
		if e.String() == s {
			return e, true
		}
	}
	return 0, false
}

func parseDirection(s string) (Direction, bool) {
	switch s {
	case ToBroker.String():
		return ToBroker, true
	case ToClient.String():
		return ToClient, true
	}
	return 0, false
}
