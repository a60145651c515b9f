package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/opencites/opencites/internal/testenv"
)

// pgCluster is a PostgreSQL server of the test's own, in a temporary
// directory on a port of its own, so that the test may stop it, crash it
// and start it again without touching the server other tests use.
type pgCluster struct {
	t    *testing.T
	bin  string
	dir  string
	port int
}

func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	testenv.Need(t, "PostgreSQL server binaries (pg_ctl, initdb)", len(bins) > 0, "apt-get install postgresql")
	_, err := exec.LookPath("runuser")
	testenv.Need(t, "runuser (initdb refuses to run as root)", err == nil || os.Geteuid() != 0, "util-linux")
	// Not t.TempDir: its parent is private to root, and the server runs
	// as the postgres user.
	top, err := os.MkdirTemp("", "citespg")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(top, 0o777)
	t.Cleanup(func() { os.RemoveAll(top) })
	c := &pgCluster{t: t, bin: filepath.Dir(bins[len(bins)-1]), dir: filepath.Join(top, "pg")}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	c.run("initdb", "-D", c.dir, "-A", "trust", "-U", "postgres", "--no-sync")
	c.start()
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

// run runs a PostgreSQL binary as the postgres user when we are root.
func (c *pgCluster) run(name string, args ...string) string {
	c.t.Helper()
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func (c *pgCluster) pgctl(args ...string) {
	c.run("pg_ctl", append([]string{"-D", c.dir, "-w", "-t", "30"}, args...)...)
}

func (c *pgCluster) start() {
	c.pgctl("start", "-l", filepath.Join(c.dir, "log"), "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60", c.port, c.dir))
}

func (c *pgCluster) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// server is a citesd serve process that a test may kill.
type server struct {
	cmd  *exec.Cmd
	base string
}

func runServer(t *testing.T, env []string) *server {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd}
	t.Cleanup(func() { s.kill() })
	addr := make(chan string, 1)
	var logMu sync.Mutex
	var lastLog []string
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			logMu.Lock()
			lastLog = append(lastLog, sc.Text())
			if len(lastLog) > 20 {
				lastLog = lastLog[1:]
			}
			logMu.Unlock()
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "citesd listening" {
				addr <- line.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-time.After(30 * time.Second):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("citesd did not start:\n%s", strings.Join(lastLog, "\n"))
	}
	return s
}

func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(syscall.SIGKILL)
		s.cmd.Wait()
	}
}

// loadResult is what one client saw during a fault.
type loadResult struct {
	mu       sync.Mutex
	statuses map[int]int
	issued   map[string]string // number -> idempotency key, for every 201
	resets   int               // connection errors (the server or the database went away)
	slowest  time.Duration
	pending  map[int]string // per client, the key of a request not yet answered 201
	replayed int            // resent after the fault and found already issued
}

func (r *loadResult) note(status int, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses[status]++
	r.slowest = max(r.slowest, took)
}

// issueLoad issues permits from n clients until stop, each with an
// Idempotency-Key, retrying the same key after a 503 or a connection
// error, as a careful client does.
func issueLoad(t *testing.T, base, token string, n int, stop *atomic.Bool, res *loadResult) *sync.WaitGroup {
	var wg sync.WaitGroup
	body, _ := json.Marshal(faultPermit())
	hc := &http.Client{Timeout: 45 * time.Second}
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				key := fmt.Sprintf("load-%d-%d-%d", time.Now().UnixNano(), w, i)
				res.mu.Lock()
				res.pending[w] = key
				res.mu.Unlock()
				for try := 0; try < 200 && !stop.Load(); try++ {
					req, _ := http.NewRequestWithContext(context.Background(), "POST", base+"/api/v1/permits", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Idempotency-Key", key)
					start := time.Now()
					resp, err := hc.Do(req)
					if err != nil {
						res.mu.Lock()
						res.resets++
						res.mu.Unlock()
						time.Sleep(200 * time.Millisecond)
						continue
					}
					var p struct{ Number string }
					json.NewDecoder(resp.Body).Decode(&p)
					resp.Body.Close()
					res.note(resp.StatusCode, time.Since(start))
					if resp.StatusCode == 201 {
						res.mu.Lock()
						if prev, dup := res.issued[p.Number]; dup && prev != key {
							t.Errorf("number %s given twice", p.Number)
						}
						res.issued[p.Number] = key
						delete(res.pending, w)
						res.mu.Unlock()
						break
					}
					if resp.StatusCode == 503 {
						if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); ra <= 0 {
							t.Errorf("503 without Retry-After")
						}
						time.Sleep(300 * time.Millisecond)
						continue
					}
					t.Errorf("issue during the fault: status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	return &wg
}

func faultPermit() map[string]any {
	return map[string]any{
		"type": "export", "purpose": "T",
		"exporter":    map[string]string{"name": "Ala-Too Trade LLC", "address": "Bishkek", "country": "KG"},
		"importer":    map[string]string{"name": "Gulf Falconry", "address": "Dubai", "country": "AE"},
		"valid_until": time.Now().AddDate(0, 3, 0).Format(time.DateOnly),
		"specimens": []map[string]any{{"taxon": "Falco cherrug", "description": "live falcons", "term": "LIV",
			"source": "C", "quantity": 2, "unit": "", "marks": "KG-R-1"}},
	}
}

// finish sends again, once the server answers, every request a client was
// still waiting on when the load stopped, with its key, as a client does
// after an outage: the answer is the permit issued, or a new one if none
// was.
func finish(t *testing.T, base, token string, res *loadResult) {
	t.Helper()
	body, _ := json.Marshal(faultPermit())
	for w, key := range res.pending {
		for try := 0; ; try++ {
			req, _ := http.NewRequest("POST", base+"/api/v1/permits", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Idempotency-Key", key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode == 503 {
				if resp != nil {
					resp.Body.Close()
				}
				if try > 50 {
					t.Fatalf("the server does not answer after the fault: %v", err)
				}
				time.Sleep(200 * time.Millisecond)
				continue
			}
			var p struct{ Number string }
			json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				t.Fatalf("resending %s: status %d", key, resp.StatusCode)
			}
			if resp.Header.Get("Idempotent-Replayed") == "true" {
				res.replayed++
			}
			res.issued[p.Number] = key
			delete(res.pending, w)
			break
		}
	}
}

// accounted checks that every permit a client saw 201 for exists, once,
// with its audit entry.
func accounted(t *testing.T, base, token string, res *loadResult) {
	t.Helper()
	c := &client{t: t, base: base, token: token}
	for number := range res.issued {
		var h struct {
			History []struct{ Action string } `json:"history"`
		}
		c.call("GET", "/api/v1/permits/"+number+"/history", nil, 200, &h)
		if len(h.History) == 0 || h.History[0].Action != "permit.issue" {
			t.Fatalf("permit %s acknowledged with 201 has history %+v", number, h.History)
		}
	}
	var list struct {
		Total int64 `json:"total"`
	}
	c.call("GET", "/api/v1/permits?size=1", nil, 200, &list)
	if list.Total != int64(len(res.issued)) {
		t.Fatalf("%d permits in the registry, %d acknowledged: a retry issued twice or a 201 was lost", list.Total, len(res.issued))
	}
}

// PostgreSQL stopped (fast, then immediate) under issuing load: clients
// get 503 with Retry-After while it is down, never a 500 or a hang; the
// server recovers without a restart; every permit acknowledged with 201
// exists with its audit entry; no number repeats; retries with the same
// Idempotency-Key issue nothing twice.
func TestPostgresRestartUnderLoad(t *testing.T) {
	pg := newPGCluster(t)
	env := []string{"CITES_DATA_DIR=" + t.TempDir(), "CITES_DATABASE_URL=" + pg.dsn(), "CITES_BCRYPT_COST=4"}
	citesd(t, env, "issuer-password\n", "user", "add", "--username", "ma-kg", "--role", "issuer", "--authority", "KG")
	srv := runServer(t, env)
	token := signIn(t, srv.base, "ma-kg", "issuer-password").token
	res := &loadResult{statuses: map[int]int{}, issued: map[string]string{}, pending: map[int]string{}}
	var stop atomic.Bool
	wg := issueLoad(t, srv.base, token, 8, &stop, res)
	for _, mode := range []string{"fast", "immediate"} {
		time.Sleep(1500 * time.Millisecond)
		pg.pgctl("stop", "-m", mode)
		down := time.Now()
		time.Sleep(3 * time.Second)
		pg.start()
		t.Logf("PostgreSQL stopped (%s) for %v", mode, time.Since(down).Round(100*time.Millisecond))
	}
	time.Sleep(2 * time.Second) // the server recovers by itself
	stop.Store(true)
	wg.Wait()
	finish(t, srv.base, token, res)
	t.Logf("answers %v, connection errors %d, slowest %v, permits %d, %d resent and found already issued", res.statuses, res.resets, res.slowest.Round(time.Millisecond), len(res.issued), res.replayed)
	if res.statuses[500] > 0 {
		t.Fatalf("%d answers were 500 while the database was down", res.statuses[500])
	}
	if res.statuses[503] == 0 {
		t.Fatalf("no 503 while the database was down: %v", res.statuses)
	}
	if res.slowest > 35*time.Second {
		t.Fatalf("a request took %v: past the request's deadline", res.slowest)
	}
	accounted(t, srv.base, token, res)
}

// The server killed (SIGKILL) under issuing load and started again, on
// PostgreSQL and on SQLite: every 201 is accounted for, nothing twice.
func TestServerKilledUnderLoad(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"CITES_DATA_DIR=" + dir, "CITES_BCRYPT_COST=4"}
			if db == "postgres" {
				env = append(env, "CITES_DATABASE_URL="+newPGCluster(t).dsn())
			}
			citesd(t, env, "issuer-password\n", "user", "add", "--username", "ma-kg", "--role", "issuer", "--authority", "KG")
			srv := runServer(t, env)
			token := signIn(t, srv.base, "ma-kg", "issuer-password").token
			res := &loadResult{statuses: map[int]int{}, issued: map[string]string{}, pending: map[int]string{}}
			var stop atomic.Bool
			wg := issueLoad(t, srv.base, token, 6, &stop, res)
			time.Sleep(2 * time.Second)
			srv.kill()
			time.Sleep(500 * time.Millisecond)
			stop.Store(true)
			wg.Wait()
			srv = runServer(t, env)
			token = signIn(t, srv.base, "ma-kg", "issuer-password").token
			finish(t, srv.base, token, res)
			t.Logf("answers %v before the kill, connection errors %d, permits %d, %d resent and found already issued", res.statuses, res.resets, len(res.issued), res.replayed)
			if res.statuses[500] > 0 {
				t.Fatalf("%d answers were 500", res.statuses[500])
			}
			accounted(t, srv.base, token, res)
		})
	}
}

// citesd backup copies a serving SQLite registry; a server started on the
// copy verifies a permit issued before the backup, and knows nothing of
// one issued after it.
func TestBackupRestore(t *testing.T) {
	live := t.TempDir()
	env := []string{"CITES_DATA_DIR=" + live, "CITES_BCRYPT_COST=4"}
	citesd(t, env, "issuer-password\n", "user", "add", "--username", "ma-kg", "--role", "issuer", "--authority", "KG")
	citesd(t, env, "officer-password\n", "user", "add", "--username", "officer", "--role", "officer")
	srv := runServer(t, env)
	issuer := signIn(t, srv.base, "ma-kg", "issuer-password")
	var before, after struct{ Number, QR string }
	issuer.call("POST", "/api/v1/permits", faultPermit(), 201, &before)
	backup := filepath.Join(t.TempDir(), "backup")
	out := citesd(t, env, "", "backup", backup)
	if !strings.Contains(out, "backed up") {
		t.Fatalf("citesd backup: %s", out)
	}
	issuer.call("POST", "/api/v1/permits", faultPermit(), 201, &after)
	srv.kill()
	for _, f := range []string{"opencites.db", "session.key", "keys/anchor.pem"} {
		st, err := os.Stat(filepath.Join(backup, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s in the backup has mode %v", f, st.Mode().Perm())
		}
	}
	restored := runServer(t, []string{"CITES_DATA_DIR=" + backup, "CITES_BCRYPT_COST=4"})
	officer := signIn(t, restored.base, "officer", "officer-password")
	var v struct{ Verdict string }
	officer.call("POST", "/api/v1/verify", map[string]string{"code": before.QR}, 200, &v)
	if v.Verdict != "valid" {
		t.Fatalf("the permit issued before the backup, on the restored registry: %q", v.Verdict)
	}
	officer.call("POST", "/api/v1/verify", map[string]string{"code": after.QR}, 200, &v)
	if v.Verdict != "not_found" {
		t.Fatalf("the permit issued after the backup, on the restored registry: %q", v.Verdict)
	}
	if out := citesdFails(t, env, "backup", backup); !strings.Contains(out, "not empty") {
		t.Fatalf("a backup into a used directory: %s", out)
	}
}

// citesdFails runs the binary and wants it to fail.
func citesdFails(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("citesd %v succeeded: %s", args, out)
	}
	return string(out)
}
