package outbound

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Answer is what one delivery attempt got back.
type Answer struct {
	Code    int // 0: no answer
	Latency time.Duration
	Body    []byte // the start of the answer's body
	// Err is "" for a 2xx; otherwise what went wrong, in words shown to
	// admins. It never carries the URL, which may be a credential.
	Err string
}

// Send makes req with client and reads at most limit bytes of the answer.
func Send(client *http.Client, req *http.Request, limit int64) Answer {
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrPrivateAddress) {
			return Answer{Latency: time.Since(start), Err: "Not sent: " + ErrPrivateAddress.Error()}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Answer{Latency: time.Since(start), Err: "No answer: " + err.Error()}
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, limit))
	a := Answer{Code: res.StatusCode, Latency: time.Since(start), Body: body}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		a.Err = fmt.Sprintf("%d %s", res.StatusCode, http.StatusText(res.StatusCode))
	}
	return a
}
