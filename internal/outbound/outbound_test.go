package outbound

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestPrivate(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "fe80::1": true, "fd00:ec2::254": true, "fc00::1": true, "100.64.0.1": true,
		"0.0.0.0": true, "::": true, "224.0.0.1": true, "255.255.255.255": true, "::ffff:127.0.0.1": true,
		"::ffff:10.0.0.1": true, "198.18.0.1": true,
		"93.184.215.14": false, "8.8.8.8": false, "2606:4700::1111": false, "::ffff:8.8.8.8": false,
	} {
		if got := Private(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Private(%s) = %v, want %v", addr, got, want)
		}
	}
}

// refused fails unless err says the connection was refused as private.
func refused(t *testing.T, target string, err error) {
	t.Helper()
	if !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("%s: err %v, want ErrPrivateAddress", target, err)
	}
}

// Literal loopback addresses, v4 and v6, and a name that resolves to one
// are refused before any byte is sent; the setting lets them through.
func TestLoopbackIsRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	t.Cleanup(srv.Close)
	strict := NewClient(false, 5*time.Second)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, target := range []string{srv.URL, "http://localhost:" + port + "/"} {
		_, err := strict.Get(target)
		refused(t, target, err)
	}
	if l, err := net.Listen("tcp", "[::1]:0"); err == nil {
		v6 := httptest.NewUnstartedServer(srv.Config.Handler)
		v6.Listener.Close()
		v6.Listener = l
		v6.Start()
		t.Cleanup(v6.Close)
		_, err := strict.Get(v6.URL)
		refused(t, v6.URL, err)
	}
	_, err := strict.Get("http://169.254.169.254/latest/meta-data/")
	refused(t, "metadata", err)
	if hits != 0 {
		t.Errorf("the receiver was reached %d times", hits)
	}
	res, err := NewClient(true, 5*time.Second).Get(srv.URL)
	if err != nil || res.StatusCode != 200 || hits != 1 {
		t.Fatalf("allowed: %v, %v, %d hits", res, err, hits)
	}
	res.Body.Close()
}

// fakeDNS answers every A query with ip: a name that "resolves" wherever
// the test wants, as a hostile DNS server would.
func fakeDNS(t *testing.T, ip [4]byte) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.EnableCompression()
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			if q.Type == dnsmessage.TypeA {
				_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: ip})
			}
			msg, err := b.Finish()
			if err == nil {
				_, _ = pc.WriteTo(msg, from)
			}
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}

// The check is on the resolved address: a harmless-looking name that
// resolves to 10.x is refused (and would be after a DNS rebinding too).
func TestANameResolvingToAPrivateAddressIsRefused(t *testing.T) {
	t.Parallel()
	c := newClient(false, 5*time.Second, fakeDNS(t, [4]byte{10, 0, 0, 5}))
	_, err := c.Get("http://hooks.partner.example/tandem")
	refused(t, "a name resolving to 10.0.0.5", err)
}

// A redirect is answered, never followed: a public endpoint cannot bounce
// a delivery to an internal address.
func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	internal := 0
	inside := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { internal++ }))
	t.Cleanup(inside.Close)
	outside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inside.URL+"/admin", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(outside.Close)
	res, err := NewClient(true, 5*time.Second).Post(outside.URL, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect || internal != 0 {
		t.Errorf("status %d, internal hits %d; want the 307 itself and no hit", res.StatusCode, internal)
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://example.com/hooks/1": true, "http://example.com": true,
		"": false, "ftp://example.com": false, "example.com/hook": false, "https://": false,
		"https://user:pw@example.com/": false, "javascript:alert(1)": false,
		"https://example.com/" + string(make([]byte, MaxURL)): false,
	} {
		if got := CheckURL(raw) == ""; got != ok {
			t.Errorf("CheckURL(%.40q) ok = %v, want %v (%s)", raw, got, ok, CheckURL(raw))
		}
	}
}

// Send says what came back in words that never name the URL: the code and
// the start of the body, no answer, or a refusal of a private address.
func TestSendDescribesTheAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("upstream is down, really down"))
	}))
	defer srv.Close()
	post := func(c *http.Client, target string) Answer {
		req, err := http.NewRequest(http.MethodPost, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		return Send(c, req, 8)
	}
	allowed := NewClient(true, 5*time.Second)
	if a := post(allowed, srv.URL+"/ok"); a.Code != http.StatusNoContent || a.Err != "" {
		t.Errorf("2xx: %+v", a)
	}
	if a := post(allowed, srv.URL+"/secret-token"); a.Code != http.StatusBadGateway || a.Err != "502 Bad Gateway" || string(a.Body) != "upstream" {
		t.Errorf("502: %+v", a)
	}
	if a := post(NewClient(false, 5*time.Second), srv.URL+"/secret-token"); a.Code != 0 || a.Err != "Not sent: "+ErrPrivateAddress.Error() {
		t.Errorf("private: %+v", a)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	a := post(allowed, closed.URL+"/secret-token")
	if a.Code != 0 || !strings.HasPrefix(a.Err, "No answer: ") || strings.Contains(a.Err, "secret-token") {
		t.Errorf("no answer: %+v", a)
	}
}
