package secretscheck

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
)

// TestGitPipeReadsInOrder: the batch reader hands over every byte written, in order, then
// io.EOF once the write end is closed, whether the writer is slower than the reader (the pipe
// empty) or faster (the pipe full).
func TestGitPipeReadsInOrder(t *testing.T) {
	r, w, err := gitPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := make([]byte, 5<<20)
	rand.New(rand.NewSource(1)).Read(want)
	go func() {
		defer w.Close()
		rnd := rand.New(rand.NewSource(2))
		for rest := want; len(rest) > 0; {
			n := min(len(rest), 1+rnd.Intn(64<<10))
			if _, err := w.Write(rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
		}
	}()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d of %d bytes (equal: %v), error %v", len(got), len(want), bytes.Equal(got, want), err)
	}
}
