package mqtttest

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// TestWebSocketRecordedLikeTCP connects over WebSocket and checks the
// packets are recorded exactly as over TCP.
func TestWebSocketRecordedLikeTCP(t *testing.T) {
	b := NewBroker(t, WithWebSocket())
	if b.WSURL() == "" || b.WSURL() == b.URL() {
		t.Fatalf("WSURL() = %q, want a ws:// URL of its own", b.WSURL())
	}
	c := connect3(t, b.WSURL(), "ws-client")
	c.subscribe(t, "w/#", 1)
	c.publish(t, "w/1", 1, false, "over ws")
	if m := receive(t, c.got); m.payload != "over ws" {
		t.Errorf("got %+v over WebSocket, want \"over ws\"", m)
	}
	r := wait(t, b.Recorder(), ClientID("ws-client"), Publish("w/1"), Dir(ToBroker))
	if r.Listener != "ws" || string(r.Payload) != "over ws" || r.QoS != 1 {
		t.Errorf("record %s on listener %q, want the PUBLISH on ws", r.Line(), r.Listener)
	}
	wait(t, b.Recorder(), ClientID("ws-client"), Type(TypePuback), Dir(ToBroker))
}

// TestTLSRecordedLikeTCP connects over TLS with TLSConfig, and checks the
// CA PEM works for clients that read a CA file.
func TestTLSRecordedLikeTCP(t *testing.T) {
	b := NewBroker(t, WithTLS())
	c := connect3(t, b.TLSURL(), "tls-client", func(o *paho3.ClientOptions) { o.SetTLSConfig(b.TLSConfig()) })
	c.publish(t, "s/1", 1, false, "secret")
	r := wait(t, b.Recorder(), ClientID("tls-client"), Publish("s/1"))
	if r.Listener != "tls" || string(r.Payload) != "secret" {
		t.Errorf("record %s on listener %q, want the decrypted PUBLISH on tls", r.Line(), r.Listener)
	}

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b.CAPEM()) {
		t.Fatal("CAPEM() holds no certificate")
	}
	conn, err := tls.Dial("tcp", b.TLSAddr(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("TLS handshake with the CA from CAPEM and name localhost: %v", err)
	}
	conn.Close()

	if _, err := tls.Dial("tcp", b.TLSAddr(), &tls.Config{ServerName: "127.0.0.1"}); err == nil {
		t.Error("a client that does not trust the CA completed the handshake")
	}
}

// TestNoTLSOrWebSocketByDefault checks the URLs of listeners not asked for are empty.
func TestNoTLSOrWebSocketByDefault(t *testing.T) {
	b := NewBroker(t)
	if b.WSURL() != "" || b.TLSURL() != "" || b.TLSAddr() != "" || b.TLSConfig() != nil || b.CAPEM() != nil {
		t.Errorf("a plain broker reports WSURL %q TLSURL %q TLSConfig %v", b.WSURL(), b.TLSURL(), b.TLSConfig())
	}
}
