package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"net/url"
	"strconv"
	"time"
)

// loadConn is one keep-alive HTTP/1.1 connection that a load worker writes
// prepared request bytes to, reading each answer with a parser for just
// what citesd sends. Go's http.Client hands every request across three goroutines and costs
// more CPU than the server's own handling of a verification; on a
// two-core machine the generator would measure itself. wrk is cheaper
// still, and scripts/loadtest.sh uses it where installed.
type loadConn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

// requestTimeout bounds one request: a server that stops answering fails
// the run instead of hanging it.
const requestTimeout = 30 * time.Second

// rawRequest prepares a POST of body to target (a URL on the server).
func rawRequest(target, token string, body []byte) ([]byte, string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, "", err
	}
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
		u.RequestURI(), u.Host, token, len(body))
	return append([]byte(head), body...), u.Host, nil
}

// do sends one prepared request and returns the status and body. A broken
// connection is redialled on the next call.
func (lc *loadConn) do(req []byte) (int, []byte, error) {
	if lc.c == nil {
		c, err := net.DialTimeout("tcp", lc.addr, requestTimeout)
		if err != nil {
			return 0, nil, err
		}
		lc.c, lc.br = c, bufio.NewReaderSize(c, 16<<10)
	}
	lc.c.SetDeadline(time.Now().Add(requestTimeout))
	if _, err := lc.c.Write(req); err != nil {
		lc.close()
		return 0, nil, err
	}
	code, body, keep, err := readResponse(lc.br)
	if err != nil || !keep {
		lc.close()
	}
	return code, body, err
}

// readResponse reads one HTTP/1.1 response: the status, the body (by
// Content-Length or chunked) and whether the connection stays open. It
// reads only what citesd sends, with a tenth of net/http's allocations.
func readResponse(br *bufio.Reader) (code int, body []byte, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	if code, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		if line, err = br.ReadSlice('\n'); err != nil {
			return 0, nil, false, err
		}
		h := bytes.TrimRight(line, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, nil, false, err
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		body, err = io.ReadAll(httputil.NewChunkedReader(br))
		if err == nil { // the empty trailer
			_, err = br.Discard(2)
		}
	case length >= 0:
		body = make([]byte, length)
		_, err = io.ReadFull(br, body)
	default:
		return 0, nil, false, errors.New("response without a length")
	}
	return code, body, keep, err
}

func (lc *loadConn) close() {
	if lc.c != nil {
		lc.c.Close()
		lc.c = nil
	}
}
