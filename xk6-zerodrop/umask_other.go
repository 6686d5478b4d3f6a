//go:build !unix

package zerodrop

func restrictUmask() {}
