//go:build unix

package secrets

import "syscall"

// openFlags makes opening a symbolic link fail: a link is not followed out of the tree (to a
// device, a huge file or another repository); its target is scanned where it lives.
const openFlags = syscall.O_NOFOLLOW
