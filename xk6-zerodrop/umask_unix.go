//go:build unix

package zerodrop

import (
	"sync"
	"syscall"
)

var umaskOnce sync.Once

func restrictUmask() { umaskOnce.Do(func() { syscall.Umask(0o077) }) }
