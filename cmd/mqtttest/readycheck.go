package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// generatedCAName is the subject common name of the CA that mqtttest.WithTLS
// generates (mqtttest/tlscert.go); TestReadyFileStale checks that they agree.
const generatedCAName = "mqtttest CA"

// prepareReadyFile checks that serve may write the ready file name and, with
// tls (a generated CA), the CA file next to it, and removes a ready file an
// earlier run left, so that nobody reads it as this run's. Either may be
// absent or left by an earlier run (isReadyFile, isGeneratedCA); anything
// else there is refused, and left as it is. Its errors are usage errors.
func prepareReadyFile(name string, tls bool) error {
	dir := filepath.Dir(name)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("--ready-file %s: directory %s does not exist (create it first)", name, dir)
	}
	ready, kind, err := inspect(name, isReadyFile)
	switch {
	case err != nil:
		return fmt.Errorf("cannot check --ready-file: %v (give a path you can read and write)", err)
	case ready == directory:
		return fmt.Errorf("--ready-file %s is a directory; give the path of a file to create, e.g. %s", name, filepath.Join(name, "ready.json"))
	case ready == special:
		return fmt.Errorf("--ready-file %s is a %s, not a regular file; remove it or choose another path", name, kind)
	case ready == foreign:
		return fmt.Errorf("--ready-file %s exists and was not written by mqtttest; remove it or choose another path", name)
	}
	if tls {
		if err := checkCAPath(caFileFor(name), "(--tls writes its CA there, next to --ready-file)", "--ready-file"); err != nil {
			return err
		}
	}
	if ready == leftover {
		if err := removeIfThere(name); err != nil {
			return fmt.Errorf("cannot replace --ready-file: %v", err)
		}
	}
	return nil
}

// isReadyFile reports whether data is a ready file as mqtttest writes it: a
// JSON object with a "url" that starts with tcp://, an "addr" and a "pid"
// above 0. Other fields may be there too (newer versions add some).
// checkCAPath checks that the generated CA may be written to ca: nothing is
// there, or a CA an earlier run generated. where says why the CA goes
// there; choose names the flag to change.
func checkCAPath(ca, where, choose string) error {
	dir := filepath.Dir(ca)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s %s: directory %s does not exist (create it first)", where, ca, dir)
	}
	what, kind, err := inspect(ca, isGeneratedCA)
	switch {
	case err != nil:
		return fmt.Errorf("cannot check the CA file: %v %s; choose another %s", err, where, choose)
	case what == directory:
		return fmt.Errorf("%s is a directory %s; choose another %s", ca, where, choose)
	case what == special:
		return fmt.Errorf("%s is a %s, not a regular file %s; remove it or choose another %s", ca, kind, where, choose)
	case what == foreign:
		return fmt.Errorf("%s exists and was not written by mqtttest %s; remove it or choose another %s", ca, where, choose)
	}
	return nil
}

func isReadyFile(data []byte) bool {
	var ri struct {
		URL  *string `json:"url"`
		Addr *string `json:"addr"`
		PID  *int    `json:"pid"`
	}
	if err := json.Unmarshal(data, &ri); err != nil {
		return false
	}
	return ri.URL != nil && strings.HasPrefix(*ri.URL, "tcp://") && ri.Addr != nil && *ri.Addr != "" && ri.PID != nil && *ri.PID > 0
}

// isGeneratedCA reports whether data is a CA file as --tls writes it: one
// PEM certificate, of a self-signed CA named generatedCAName.
func isGeneratedCA(data []byte) bool {
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		return false
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return false
	}
	return cert.IsCA && cert.Subject.CommonName == generatedCAName && cert.CheckSignatureFrom(cert) == nil
}
