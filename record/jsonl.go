package record

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"time"
	"unicode/utf8"
)

// jsonRecord is the JSON Lines form of a Record. Field names are part of
// the command-line interface: keep them stable.
type jsonRecord struct {
	Seq             uint64         `json:"seq"`
	Time            string         `json:"time"`
	Conn            uint64         `json:"conn"`
	ClientID        string         `json:"client_id,omitempty"`
	Listener        string         `json:"listener,omitempty"`
	Remote          string         `json:"remote,omitempty"`
	Event           string         `json:"event"`
	Dir             string         `json:"dir,omitempty"`
	Type            string         `json:"type,omitempty"`
	Version         byte           `json:"version,omitempty"`
	PacketID        uint16         `json:"packet_id,omitempty"`
	Topic           string         `json:"topic,omitempty"`
	Payload         *string        `json:"payload,omitempty"`
	PayloadEncoding string         `json:"payload_encoding,omitempty"` // "utf8" or "base64"
	QoS             byte           `json:"qos"`
	Retain          bool           `json:"retain,omitempty"`
	Dup             bool           `json:"dup,omitempty"`
	ReasonCode      *byte          `json:"reason_code,omitempty"`
	ReasonCodes     []int          `json:"reason_codes,omitempty"`
	SessionPresent  bool           `json:"session_present,omitempty"`
	Subscriptions   []Subscription `json:"subscriptions,omitempty"`
	Connect         *ConnectInfo   `json:"connect,omitempty"`
	Properties      *Properties    `json:"properties,omitempty"`
	Raw             []byte         `json:"raw,omitempty"` // base64, as encoding/json writes []byte
	Malformed       bool           `json:"malformed,omitempty"`
	Error           string         `json:"error,omitempty"`
	Fault           string         `json:"fault,omitempty"`
	Withheld        bool           `json:"withheld,omitempty"`
	Duplicated      bool           `json:"duplicated,omitempty"`
	ClosedBy        ClosedBy       `json:"closed_by,omitempty"`
	Reason          string         `json:"reason,omitempty"`
}

// WriteJSONL writes every record kept to w, one JSON object per line
// (Record.MarshalJSON), oldest first.
func (rc *Recorder) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, r := range rc.Records() {
		b, err := r.MarshalJSON()
		if err != nil {
			return err
		}
		bw.Write(append(b, '\n'))
	}
	return bw.Flush()
}

// MarshalJSON encodes the record as one JSON object with snake_case field
// names, the format of WriteJSONL and of the command's --record file. A
// payload is written as text when it is valid UTF-8 and in base64 otherwise;
// the field payload_encoding says which. Raw bytes are base64, but for a
// CONNECT's password, which is written as '*' of the same length: a
// recording is kept as an artefact, and no password may reach it (the
// record in memory keeps the bytes as they crossed the wire).
func (r Record) MarshalJSON() ([]byte, error) {
	j := jsonRecord{
		Seq: r.Seq, Time: r.Time.UTC().Format(time.RFC3339Nano), Conn: r.Conn, ClientID: r.ClientID,
		Listener: r.Listener, Remote: r.Remote, Event: r.Event.String(),
		Raw: r.Raw, Malformed: r.Malformed, Error: r.Err, Fault: r.Fault, Withheld: r.Withheld, Duplicated: r.Duplicated, ClosedBy: r.ClosedBy, Reason: r.Reason,
	}
	if r.Event == EventClose {
		j.Version = r.Version
	}
	if r.Event == EventPacket && r.Type == TypeConnect {
		j.Raw = redactPassword(r.Raw)
	}
	if r.Event == EventDrop {
		j.Dir, j.Type, j.QoS, j.Retain, j.Topic, j.PacketID = r.Dir.String(), TypePublish.String(), r.QoS, r.Retain, r.Topic, r.PacketID
		j.Payload, j.PayloadEncoding = jsonPayload(r.Payload)
	}
	if r.Event == EventPacket {
		j.Dir = r.Dir.String()
		j.Type = r.Type.String()
		j.Version, j.PacketID, j.Topic, j.QoS, j.Retain, j.Dup = r.Version, r.PacketID, r.Topic, r.QoS, r.Retain, r.Dup
		j.SessionPresent, j.Subscriptions, j.Connect = r.SessionPresent, r.Subscriptions, r.Connect
		switch r.Type {
		case TypeConnack, TypePuback, TypePubrec, TypePubrel, TypePubcomp, TypeDisconnect, TypeAuth:
			rcode := r.ReasonCode
			j.ReasonCode = &rcode
		}
		for _, c := range r.ReasonCodes {
			j.ReasonCodes = append(j.ReasonCodes, int(c))
		}
		if r.Type == TypePublish {
			j.Payload, j.PayloadEncoding = jsonPayload(r.Payload)
		}
		if p := r.Properties; p.MessageExpiry != 0 || p.SessionExpiry != 0 || p.ContentType != "" ||
			p.ResponseTopic != "" || len(p.CorrelationData) > 0 || p.ReasonString != "" ||
			p.AssignedClientID != "" || p.TopicAlias != 0 || len(p.SubscriptionIDs) > 0 || len(p.UserProperties) > 0 {
			j.Properties = &p
		}
	}
	return json.Marshal(j)
}

// jsonPayload returns a payload as JSON text: the text itself when it is
// valid UTF-8, base64 otherwise, and which of the two it is.
func jsonPayload(p []byte) (*string, string) {
	s, enc := string(p), "utf8"
	if !utf8.Valid(p) {
		s, enc = base64.StdEncoding.EncodeToString(p), "base64"
	}
	return &s, enc
}
