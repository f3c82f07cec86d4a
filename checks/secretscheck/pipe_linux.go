package secretscheck

import (
	"os"
	"syscall"
)

// fSetPipeSize is Linux's F_SETPIPE_SZ.
const fSetPipeSize = 1031

// growPipe asks for a 1 MiB pipe buffer (the default is 64 KiB): git then writes, and the scan
// reads, in sixteen times fewer turns, and each side waits for the other less. Where the
// system refuses, the pipe keeps its size: a slower pipe, not an error.
func growPipe(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) {
			_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSize, 1<<20)
		})
	}
}
