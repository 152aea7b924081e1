// Package outbound is the HTTP client of every call Tandem makes to an
// address someone typed in (webhook endpoints, chat webhooks). It refuses
// to connect to loopback, private, link-local, shared (CGNAT),
// unspecified, multicast and cloud-metadata addresses unless the server
// runs with OUTBOUND_ALLOW_PRIVATE=1. The check is made on the address the
// dialer is about to connect to, after DNS, so a name that resolves to a
// private address (or is re-pointed to one later: DNS rebinding) is
// refused as surely as a literal IP, and redirects are never followed.
package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrPrivateAddress is wrapped in the error of a refused connection.
var ErrPrivateAddress = errors.New("the address is private, loopback, link-local or metadata; outbound calls may not reach it (OUTBOUND_ALLOW_PRIVATE=1 allows it)")

// MaxURL is the longest target URL a form accepts.
const MaxURL = 2000

// blocked are the ranges Private reports, besides what netip classifies
// (loopback, private, link-local, multicast, unspecified).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),         // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),     // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use NAT64
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6 (inside fc00::/7, named for the record)
}

// Private reports whether ip is an address outbound calls must not reach.
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
func Private(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// control runs just before each connect, with the resolved address.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("outbound: %q: %w", address, ErrPrivateAddress)
	}
	if Private(ap.Addr()) {
		return fmt.Errorf("outbound: %s: %w", ap.Addr(), ErrPrivateAddress)
	}
	return nil
}

// NewClient returns the client deliveries use: each request ends within
// timeout, redirects are answered as they are (never followed), and unless
// allowPrivate every connection to a private address is refused.
func NewClient(allowPrivate bool, timeout time.Duration) *http.Client {
	return newClient(allowPrivate, timeout, nil)
}

// newClient is NewClient with the resolver names are looked up with (nil:
// the system's), so a test can make a name resolve to any address.
func newClient(allowPrivate bool, timeout time.Duration, resolver *net.Resolver) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Resolver: resolver}
	if !allowPrivate {
		dialer.Control = control
	}
	transport := &http.Transport{
		// No proxy from the environment: a proxy would make the dialed
		// address the proxy's, and the check meaningless.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// CheckURL is the form's rule for a target URL: absolute http or https,
// with a host, no credentials, at most MaxURL characters. It returns a
// message for the user, or "". Whether the host is private is decided at
// connect time, where it cannot be dodged.
func CheckURL(raw string) string {
	if raw == "" {
		return "Enter the URL deliveries are posted to."
	}
	if len(raw) > MaxURL {
		return fmt.Sprintf("Keep the URL under %d characters.", MaxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" {
		return "Enter a full URL starting with https:// (or http://), e.g. https://example.com/hooks/tandem."
	}
	if u.User != nil {
		return "Leave user names and passwords out of the URL; put a secret in its path instead."
	}
	return ""
}
