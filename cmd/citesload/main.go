// Command citesload is a load generator for a running citesd, on loopback:
// it signs in, issues permits to verify, then drives POST /api/v1/verify (or
// POST /api/v1/permits) for a fixed time, at full speed or at a fixed rate,
// and reports the rate, latency percentiles and, given the server's pid, its
// peak resident memory.
//
//	citesload -url http://127.0.0.1:8080 -user officer -pass ... -issuer ma -issuer-pass ... \
//	          -mode verify -duration 20s -concurrency 32 [-rate 3000] [-pid N]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	var (
		base        = flag.String("url", "http://127.0.0.1:8080", "server base URL (loopback only)")
		user        = flag.String("user", "", "officer username (verify mode)")
		pass        = flag.String("pass", "", "officer password")
		issuer      = flag.String("issuer", "", "issuer username")
		issuerPass  = flag.String("issuer-pass", "", "issuer password")
		mode        = flag.String("mode", "verify", "verify or issue")
		nPermits    = flag.Int("permits", 500, "permits to issue before a verify run")
		duration    = flag.Duration("duration", 20*time.Second, "how long to run (capped at 5m)")
		concurrency = flag.Int("concurrency", 32, "parallel connections")
		rate        = flag.Float64("rate", 0, "requests per second; 0 means as fast as possible")
		pid         = flag.Int("pid", 0, "server pid, to sample its resident memory")
		prepare     = flag.String("prepare", "", "issue -permits permits, write one verify body a line to this file and the officer's token to FILE.token, and exit (for wrk)")
		prepIssue   = flag.String("prepare-issue", "", "write a permit request body to this file and the issuer's token to FILE.token, and exit (for wrk)")
		procs       = flag.Int("procs", 1, "GOMAXPROCS of the generator: one keeps Go's scheduler from spinning on a second core that the server needs")
		cpuProfile  = flag.String("cpuprofile", "", "write the generator's own CPU profile to this file (to check that it measures the server, not itself)")
		bodiesFile  = flag.String("bodies", "", "verify: take the request bodies from this file (one a line, e.g. from the permits fixture) instead of issuing -permits permits")
		warmup      = flag.Int("warmup", 0, "untimed requests before the run; 0 means one per body (at least one per connection)")
		tokenFile   = flag.String("token", "", "sign in as -user, write the token to this file, and exit (for wrk over a -bodies file)")
	)
	flag.Parse()
	runtime.GOMAXPROCS(max(*procs, 1))
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "citesload:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *tokenFile != "" {
		tok, err := signIn(*base, *user, *pass)
		if err == nil {
			err = os.WriteFile(*tokenFile, []byte(tok), 0o600)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "citesload:", err)
			os.Exit(1)
		}
		return
	}
	if *prepIssue != "" {
		tok, err := signIn(*base, *issuer, *issuerPass)
		if err == nil {
			err = os.WriteFile(*prepIssue, permitBody(), 0o600)
		}
		if err == nil {
			err = os.WriteFile(*prepIssue+".token", []byte(tok), 0o600)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "citesload:", err)
			os.Exit(1)
		}
		return
	}
	if *prepare != "" {
		if err := prepareBodies(*base, *user, *pass, *issuer, *issuerPass, *nPermits, *prepare); err != nil {
			fmt.Fprintln(os.Stderr, "citesload:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*base, *user, *pass, *issuer, *issuerPass, *mode, *nPermits, min(*duration, 5*time.Minute), *concurrency, *rate, *pid, *bodiesFile, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "citesload:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}, Timeout: 30 * time.Second}

func post(url, token string, body []byte) (int, []byte, error) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func signIn(base, user, pass string) (string, error) {
	b, _ := json.Marshal(map[string]string{"username": user, "password": pass})
	code, body, err := post(base+"/api/v1/auth/token", "", b)
	if err != nil || code != 200 {
		return "", fmt.Errorf("sign in %s: %d %s %v", user, code, body, err)
	}
	var t struct{ Token string }
	return t.Token, json.Unmarshal(body, &t)
}

func permitBody() []byte {
	return []byte(fmt.Sprintf(`{"type":"export","purpose":"T",
 "exporter":{"name":"Ala-Too Trade LLC","address":"Bishkek","country":"KG"},"importer":{"name":"Gulf Falconry","address":"Dubai","country":"AE"},
 "valid_until":"%s","conditions":"",
 "specimens":[{"taxon":"Falco cherrug","description":"live falcons, closed rings","term":"LIV","source":"C","quantity":2,"unit":"","marks":"KG-R-0012, KG-R-0013"}]}`,
		time.Now().AddDate(0, 3, 0).Format(time.DateOnly)))
}

func run(base, user, pass, issuer, issuerPass, mode string, nPermits int, d time.Duration, conc int, rate float64, pid int, bodiesFile string, warmup int) error {
	if !strings.HasPrefix(base, "http://127.") && !strings.HasPrefix(base, "http://localhost") && !strings.HasPrefix(base, "http://[::1]") {
		return errors.New("citesload only targets loopback addresses")
	}
	itok, err := signIn(base, issuer, issuerPass)
	if err != nil {
		return err
	}
	var (
		target string
		token  string
		bodies [][]byte
	)
	switch mode {
	case "issue":
		target, token, bodies = base+"/api/v1/permits", itok, [][]byte{permitBody()}
	case "verify":
		otok, err := signIn(base, user, pass)
		if err != nil {
			return err
		}
		if bodiesFile != "" {
			b, err := os.ReadFile(bodiesFile)
			if err != nil {
				return err
			}
			for _, line := range bytes.Split(b, []byte("\n")) {
				if len(line) > 0 {
					bodies = append(bodies, line)
				}
			}
		} else if bodies, err = verifyBodies(base, itok, nPermits); err != nil {
			return err
		}
		target, token = base+"/api/v1/verify", otok
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	requests := make([][]byte, len(bodies))
	var host string
	for i, b := range bodies {
		var err error
		if requests[i], host, err = rawRequest(target, token, b); err != nil {
			return err
		}
	}

	ok := func(code int, body []byte) bool {
		return (code == 200 || code == 201) && (mode != "verify" || bytes.Contains(body, []byte(`"verdict":"valid"`)))
	}
	l, err := newLoop(host, conc, requests, ok)
	if err != nil {
		return err
	}
	defer l.close()
	// Warm-up, untimed: the figures are the server's steady state, not its
	// first second (when it opens database connections, prepares statements
	// and fills its caches, which a running server did long ago).
	if warmup <= 0 {
		warmup = len(requests)
	}
	if err := l.run(0, time.Minute, max(warmup, conc), false); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if l.errors > 0 {
		return fmt.Errorf("warm-up: %d requests failed", l.errors)
	}

	var peakRSS atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if pid > 0 {
		go sampleRSS(ctx, pid, &peakRSS)
	}
	start := time.Now()
	if err := l.run(rate, d, 0, true); err != nil {
		return err
	}
	latencies := l.latencies
	elapsed := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	fmt.Printf("mode=%s distinct=%d requests=%d errors=%d duration=%s rate=%.0f/s p50=%s p90=%s p99=%s max=%s",
		mode, len(requests), len(latencies), l.errors, elapsed.Round(time.Millisecond), float64(len(latencies))/elapsed.Seconds(),
		pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond),
		pct(1).Round(10*time.Microsecond))
	if pid > 0 {
		fmt.Printf(" server_peak_rss=%.1fMB", float64(peakRSS.Load())/1024)
	}
	fmt.Println()
	return nil
}

// sampleRSS records the peak VmRSS (kB) of pid every 100 ms.
func sampleRSS(ctx context.Context, pid int, peak *atomic.Int64) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
					if kb, _ := strconv.ParseInt(f[1], 10, 64); kb > peak.Load() {
						peak.Store(kb)
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// verifyBodies issues n permits and returns a verify request body for each.
func verifyBodies(base, issuerToken string, n int) ([][]byte, error) {
	var bodies [][]byte
	for i := 0; i < n; i++ {
		code, b, err := post(base+"/api/v1/permits", issuerToken, permitBody())
		if err != nil || code != 201 {
			return nil, fmt.Errorf("issue: %d %s %v", code, b, err)
		}
		var p struct{ QR string }
		json.Unmarshal(b, &p)
		vb, _ := json.Marshal(map[string]any{"code": p.QR, "checkpoint": map[string]string{"port": "Manas airport", "direction": "export"}})
		bodies = append(bodies, vb)
	}
	return bodies, nil
}

func prepareBodies(base, user, pass, issuer, issuerPass string, n int, file string) error {
	itok, err := signIn(base, issuer, issuerPass)
	if err != nil {
		return err
	}
	otok, err := signIn(base, user, pass)
	if err != nil {
		return err
	}
	bodies, err := verifyBodies(base, itok, n)
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(bytes.Join(bodies, []byte("\n")), '\n'), 0o600); err != nil {
		return err
	}
	return os.WriteFile(file+".token", []byte(otok), 0o600)
}

// requestTimeout bounds one request: a server that stops answering fails
// the run instead of hanging it.
const requestTimeout = 30 * time.Second

// rawRequest prepares a POST of body to target (a URL on the server), as
// the bytes sent for it on every use.
func rawRequest(target, token string, body []byte) ([]byte, string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, "", err
	}
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
		u.RequestURI(), u.Host, token, len(body))
	return append([]byte(head), body...), u.Host, nil
}
