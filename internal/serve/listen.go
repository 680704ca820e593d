package serve

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// loopbackListen checks a --listen address and returns what to bind:
// an IP literal on loopback, or localhost (bound as 127.0.0.1, so that a
// hosts file mapping localhost elsewhere cannot move the server off
// loopback), with a numeric port.
func loopbackListen(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("serve: listen address %q is not host:port", addr)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || strconv.FormatUint(p, 10) != port {
		return "", fmt.Errorf("serve: listen address %q has no valid port", addr)
	}
	if strings.EqualFold(host, "localhost") {
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" || !ip.Unmap().IsLoopback() {
		return "", fmt.Errorf("serve: listen address %q is not on loopback: use 127.0.0.1, [::1] or localhost; the key would cross the network in plain text", addr)
	}
	return net.JoinHostPort(ip.Unmap().String(), port), nil
}

// isLoopbackHost reports whether host (no port, no brackets) is localhost
// or a loopback IP literal.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// allowedHosts lists the Host values a request may carry: the bound
// address and localhost, with the port; without it too on port 80, where
// clients leave the default port out. host is bracketed for IPv6.
func allowedHosts(host, port string) map[string]bool {
	m := map[string]bool{}
	for _, h := range []string{host, "localhost"} {
		m[h+":"+port] = true
		if port == "80" {
			m[h] = true
		}
	}
	return m
}
