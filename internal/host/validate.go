package host

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Validate checks a host a profile lists as an extra host: a strict DNS name
// or an IP address, with an optional port, lower case, no scheme or path,
// and already in the form Normalize gives a client's host (no trailing dot,
// no port 443, no leading zeros), since it is compared with that form as
// written.
func Validate(h string) error {
	if h == "" || h != strings.ToLower(h) || strings.ContainsAny(h, "/@?#\\ \t") {
		return fmt.Errorf("invalid host %q: give a lower-case host name such as acme.api.eu.nexthink.cloud, with an optional :port", h)
	}
	name := h
	if hh, port, err := net.SplitHostPort(h); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port != strconv.Itoa(n) || n == 443 {
			return fmt.Errorf("invalid host %q: bad port (1-65535, no leading zeros, left out when it is 443)", h)
		}
		name = hh
	}
	if net.ParseIP(name) != nil {
		return nil
	}
	if !isName(name, false) {
		return fmt.Errorf("invalid host %q", h)
	}
	return nil
}
