package kind

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSmallFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.pem")
	if err := os.WriteFile(small, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, 2048), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want, err string
	}{
		{"regular file", small, "hello", ""},
		{"symlink to a regular file", link, "hello", ""},
		{"too large", big, "", "is 2048 bytes, more than the 1024 bytes (1KiB) such a file may hold"},
		{"directory", dir, "", "is a directory, not a regular file"},
		{"missing", filepath.Join(dir, "nope"), "", "no such file or directory"},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		tests = append(tests, struct{ name, path, want, err string }{"endless device", "/dev/zero", "", "is a character device, not a regular file"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSmallFile(tt.path, 1024)
			if tt.err == "" {
				if err != nil || string(got) != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var pe *fs.PathError
			if err == nil || !strings.HasSuffix(err.Error(), tt.err) || !errors.As(err, &pe) || pe.Path != tt.path {
				t.Fatalf("error = %v, want a *fs.PathError for %s ending in %q", err, tt.path, tt.err)
			}
		})
	}
}

func TestReadCapped(t *testing.T) {
	if got, err := ReadCapped(strings.NewReader("1234"), 4); err != nil || string(got) != "1234" {
		t.Errorf("at the limit: %q, %v", got, err)
	}
	if _, err := ReadCapped(strings.NewReader("12345"), 4); err == nil || err.Error() != "holds more than the limit of 4B" {
		t.Errorf("past the limit: %v", err)
	}
}
