package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// staleReady is a ready file as a run killed with SIGKILL leaves it.
const staleReady = `{
  "url": "tcp://127.0.0.1:1",
  "addr": "127.0.0.1:1",
  "pid": 999999
}
`

// writeFile writes data to name, failing the test on error.
func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantContent checks that name still holds data.
func wantContent(t *testing.T, name, data string) {
	t.Helper()
	got, err := os.ReadFile(name)
	if err != nil {
		t.Errorf("%s: %v, want it kept with %q", name, err, data)
	} else if string(got) != data {
		t.Errorf("%s: got %q, want it kept with %q", name, got, data)
	}
}

// wantGone checks that nothing is at name.
func wantGone(t *testing.T, name string) {
	t.Helper()
	if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s: still there after exit (%v), want it removed", name, err)
	}
}

// wantRefused runs serve with args and checks that it exits 2 before
// serving, with one line on stderr that contains want.
func wantRefused(t *testing.T, want string, args ...string) {
	t.Helper()
	code, stdout, stderr := runOnce(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	if code != exitUsage || stdout != "" {
		t.Errorf("serve %s: exit %d, stdout %q; want exit 2 and nothing on stdout", strings.Join(args, " "), code, stdout)
	}
	if !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("serve %s: stderr %q, want one line that says %q", strings.Join(args, " "), stderr, want)
	}
}

// TestReadyFileNotAFile checks that a --ready-file that is a directory or a
// symbolic link is refused and left alone.
func TestReadyFileNotAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, "--ready-file "+empty+" is a directory; give the path of a file to create, e.g. "+filepath.Join(empty, "ready.json"), "--ready-file", empty)
	if fi, err := os.Stat(empty); err != nil || !fi.IsDir() {
		t.Errorf("%s: %v, want the directory kept", empty, err)
	}

	target, link := filepath.Join(dir, "target.json"), filepath.Join(dir, "link.json")
	writeFile(t, target, staleReady)
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
	wantRefused(t, "--ready-file "+link+" is a symbolic link, not a regular file; remove it or choose another path", "--ready-file", link)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("%s: %v, want the symbolic link kept", link, err)
	}
	wantContent(t, target, staleReady)
}

// TestReadyFileNotOurs checks that an existing file that is not a ready
// file of an earlier run is refused and left as it was.
func TestReadyFileNotOurs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i, data := range []string{
		"precious notes\n",
		"",
		`{"name": "config"}`,
		`{"url": "tcp://127.0.0.1:1883", "addr": "127.0.0.1:1883"}`,           // no pid
		`{"url": "tcp://127.0.0.1:1883", "addr": "127.0.0.1:1883", "pid": 0}`, // no process
		`{"url": 5, "addr": "127.0.0.1:1883", "pid": 12}`,
		`[{"url": "tcp://127.0.0.1:1883", "addr": "127.0.0.1:1883", "pid": 12}]`,
	} {
		name := filepath.Join(dir, "file"+string(rune('a'+i))+".json")
		writeFile(t, name, data)
		wantRefused(t, "--ready-file "+name+" exists and was not written by mqtttest; remove it or choose another path", "--ready-file", name)
		wantContent(t, name, data)
	}
}

// TestReadyFileStale checks that a ready file and a CA file an earlier run
// left (killed, say) are replaced, and removed at exit.
func TestReadyFileStale(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ready, ca := filepath.Join(dir, "ready.json"), filepath.Join(dir, "ready-ca.pem")
	writeFile(t, ready, staleReady)
	writeFile(t, ca, string(earlierCA(t)))
	s := startServe(t, "--addr", "127.0.0.1:0", "--tls", "--ready-file", ready)
	if ri := readReady(t, ready); ri.URL != s.broker.URL() || ri.CAFile != ca {
		t.Errorf("ready file: got url %q ca_file %q, want this run's %q and %q", ri.URL, ri.CAFile, s.broker.URL(), ca)
	}
	wantContent(t, ca, string(s.broker.CAPEM()))
	if code := s.stop(); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, s.stderr)
	}
	wantGone(t, ready)
	wantGone(t, ca)
}

// earlierCA returns a CA file as an earlier run with --tls wrote it.
func earlierCA(t *testing.T) []byte {
	t.Helper()
	b, err := mqtttest.Start(mqtttest.WithTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	return b.CAPEM()
}

// TestCAFileNotOurs checks that with --tls a file where the CA would go,
// next to the ready file, is refused unless an earlier run wrote it, and
// that without --tls it is left alone.
func TestCAFileNotOurs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ready, ca := filepath.Join(dir, "ready.json"), filepath.Join(dir, "ready-ca.pem")
	writeFile(t, ca, "my own CA\n")
	wantRefused(t, ca+" exists and was not written by mqtttest (--tls writes its CA there, next to --ready-file); remove it or choose another --ready-file", "--tls", "--ready-file", ready)
	wantContent(t, ca, "my own CA\n")
	wantGone(t, ready)

	self, _, _ := selfSigned(t, t.TempDir()) // a CA certificate, but not one mqtttest made
	pem, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, ca, string(pem))
	wantRefused(t, ca+" exists and was not written by mqtttest", "--tls", "--ready-file", ready)
	wantContent(t, ca, string(pem))

	s := startServe(t, "--addr", "127.0.0.1:0", "--ready-file", ready)
	if code := s.stop(); code != exitOK {
		t.Fatalf("without --tls: exit code %d, want 0; stderr: %s", code, s.stderr)
	}
	wantContent(t, ca, string(pem))

	cadir := filepath.Join(t.TempDir(), "r-ca.pem")
	if err := os.Mkdir(cadir, 0o755); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, cadir+" is a directory (--tls writes its CA there, next to --ready-file); choose another --ready-file", "--tls", "--ready-file", filepath.Join(filepath.Dir(cadir), "r.json"))
}

// TestReadyFileReplacedWhileRunning checks that a ready file and CA file
// that someone replaced while serve ran are left at exit, with one line on
// stderr for each.
func TestReadyFileReplacedWhileRunning(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--addr", "127.0.0.1:0", "--tls", "--ready-file", "{dir}/ready.json")
	ready, ca := s.path("ready.json"), s.path("ready-ca.pem")
	readReady(t, ready)
	writeFile(t, ready, "someone else's\n")
	writeFile(t, ca, "someone else's CA\n")
	if code := s.stop(); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, s.stderr)
	}
	wantContent(t, ready, "someone else's\n")
	wantContent(t, ca, "someone else's CA\n")
	want := "mqtttest serve: left --ready-file " + ready + " in place: it no longer holds what mqtttest wrote\n" +
		"mqtttest serve: left " + ca + " in place: it no longer holds the CA mqtttest wrote\n"
	if got := s.stderr.String(); got != want {
		t.Errorf("stderr: got %q, want %q", got, want)
	}
}
