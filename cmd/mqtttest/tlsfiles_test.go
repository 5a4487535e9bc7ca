package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestServeTLSFiles checks --tls-cert and --tls-key with a self-signed
// certificate made here: a client that trusts it connects over TLS, and the
// ready file names no CA file, as the caller has the certificate already.
func TestServeTLSFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	s := startServe(t, "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile, "--ready-file", "{dir}/ready.json")
	ri := readReady(t, s.path("ready.json"))
	if ri.TLSURL == "" || ri.CAFile != "" {
		t.Fatalf("ready file: got tls_url %q ca_file %q, want a TLS URL and no CA file", ri.TLSURL, ri.CAFile)
	}
	connectPaho(t, ri.TLSURL, "own-cert", &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	if r := s.wait(mqtttest.Type(mqtttest.TypeConnect), mqtttest.ClientID("own-cert")); r.Listener != "tls" {
		t.Errorf("CONNECT recorded on listener %q, want tls", r.Listener)
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files in dir, and returns their names and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mqtttest command test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return certFile, keyFile, pool
}
