package main

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
)

// existing is what serve found at a path it is about to write.
type existing int

const (
	absent    existing = iota // nothing: serve may create the file
	leftover                  // a regular file an earlier run left: serve may replace it
	foreign                   // a regular file that serve did not write
	directory                 // a directory
	special                   // a symbolic link, named pipe, socket or device
)

// maxOwnFile bounds how much of an existing file inspect reads: the files
// serve writes are a few kilobytes, so a bigger one is not one of them.
const maxOwnFile = 1 << 20

// inspect says what is at name, without following a symbolic link. For a
// regular file, ours says from its bytes whether an earlier run left it.
// For special, kind says what it is ("symbolic link").
func inspect(name string, ours func([]byte) bool) (what existing, kind string, err error) {
	fi, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return absent, "", nil
	case err != nil:
		return 0, "", err
	case fi.IsDir():
		return directory, "directory", nil
	case !fi.Mode().IsRegular():
		return special, kindOf(fi.Mode()), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxOwnFile+1))
	if err != nil {
		return 0, "", err
	}
	if len(data) <= maxOwnFile && ours(data) {
		return leftover, "regular file", nil
	}
	return foreign, "regular file", nil
}

// kindOf names the kind of a file that is neither regular nor a directory.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	default:
		return "special file"
	}
}

// removeIfUnchanged removes name if it is still a regular file that holds
// exactly data, what serve wrote there. When something else is there now,
// it leaves it and returns left true; a file already gone is no error.
func removeIfUnchanged(name string, data []byte) (left bool, err error) {
	fi, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case !fi.Mode().IsRegular() || fi.Size() != int64(len(data)):
		return true, nil
	}
	got, err := os.ReadFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case !bytes.Equal(got, data):
		return true, nil
	}
	// Someone could still replace the file between the read and the
	// remove; no system call removes a file only if it holds given bytes.
	return false, removeIfThere(name)
}

// removeIfThere removes the file name; that it is gone already is no error.
func removeIfThere(name string) error {
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
