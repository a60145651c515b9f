package permits_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/registry"
	"github.com/opencites/opencites/registry/registrytest"
	"github.com/opencites/opencites/users"
	"github.com/opencites/opencites/verifier"
)

// replicas opens two registries on one database and one data directory,
// as two citesd processes behind a load balancer, each rereading the key
// table every refresh; and a keyring of its own for the operator's command
// line.
func replicas(t *testing.T, dsn string, refresh time.Duration) (a, b *registry.Registry, cli *keys.Keyring, issuer opencites.Actor) {
	t.Helper()
	dir := t.TempDir()
	a = registrytest.New(t, dsn, registrytest.Options{DataDir: dir, NoRules: true, KeyRefresh: refresh})
	b = registrytest.New(t, dsn, registrytest.Options{DataDir: dir, NoRules: true, KeyRefresh: refresh})
	cli, err := keys.Open(context.Background(), a.DB, dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	issuer = registrytest.MustUser(t, a, users.NewUser{Username: "issuer", Password: "issuer-password", Role: opencites.RoleIssuer, Authority: "KG"})
	return a, b, cli, issuer
}

// offline is a phone's verifier loaded with the registry's lists.
func offline(t *testing.T, reg *registry.Registry) *verifier.Offline {
	t.Helper()
	ctx := context.Background()
	pemText, _, err := reg.Keys.AnchorPublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(pemText))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	off := verifier.NewOffline(pub.(*ecdsa.PublicKey))
	trust, _, err := reg.Keys.TrustList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := off.LoadTrustList(trust); err != nil {
		t.Fatal(err)
	}
	status, _, err := reg.Permits.StatusList(ctx, "KG")
	if err != nil {
		t.Fatal(err)
	}
	if err := off.LoadStatusList(status); err != nil {
		t.Fatal(err)
	}
	return off
}

// A rotation made from the command line while two replicas issue: every
// permit, signed before, during or after the switch by either replica,
// verifies valid online and offline afterwards. Before staged rotations a
// replica signed with the key retired a moment earlier, and its permits
// turned into forgeries ("key_retired") once the lists caught up.
func TestRotationUnderLoadWithTwoReplicas(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		// Replicas reread the keys every 5 s, slower than the switch comes
		// (1 s): a replica that has not seen the rotation must not sign
		// with the retired key.
		a, b, cli, issuer := replicas(t, dsn, 5*time.Second)
		ctx := context.Background()
		first, err := a.Keys.Signer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var (
			mu    sync.Mutex
			codes []string
			kids  = map[string]int{}
			stop  atomic.Bool
			wg    sync.WaitGroup
			fails atomic.Int64
		)
		for i, reg := range []*registry.Registry{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					p, err := reg.Permits.Issue(ctx, issuer, issueRequest())
					if err != nil {
						t.Errorf("replica %d: issue: %v", i%2, err)
						fails.Add(1)
						return
					}
					mu.Lock()
					codes = append(codes, p.Code)
					kids[p.KeyID]++
					mu.Unlock()
				}
			}()
		}
		time.Sleep(300 * time.Millisecond)
		next, err := cli.Rotate(ctx, opencites.System, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// Issue until well past the switch, then a little more.
		time.Sleep(time.Until(next.ActivatesAt) + 700*time.Millisecond)
		stop.Store(true)
		wg.Wait()
		if fails.Load() > 0 {
			t.FailNow()
		}
		if kids[first.Kid] == 0 || kids[next.Kid] == 0 {
			t.Fatalf("permits by key: %v; want some signed by the old key %s and some by the new %s", kids, first.Kid, next.Kid)
		}
		if err := a.Keys.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		off := offline(t, a)
		officer := opencites.Actor{UserID: issuer.UserID, Username: "officer", Role: opencites.RoleOfficer}
		for _, code := range codes {
			v, err := a.Permits.Verify(ctx, officer, permits.VerifyRequest{Code: code})
			if err != nil || v.Verdict != verifier.VerdictValid {
				t.Fatalf("online: %v %+v (permits by key: %v)", err, v, kids)
			}
			if r := off.Verify(code, "", time.Now()); r.Verdict != verifier.VerdictValid {
				t.Fatalf("offline: %s %+v (permits by key: %v)", r.Verdict, r.Reasons, kids)
			}
		}
		t.Logf("%d permits, by key %v, all valid online and offline", len(codes), kids)
	})
}

// A key marked compromised from the command line is refused by a running
// replica within seconds, without a restart and without waiting for a scan
// of some unknown key to force a reload.
func TestCompromiseTakesEffectOnARunningReplica(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		a, _, cli, issuer := replicas(t, dsn, 0) // the production refresh
		ctx := context.Background()
		p, err := a.Permits.Issue(ctx, issuer, issueRequest())
		if err != nil {
			t.Fatal(err)
		}
		officer := opencites.Actor{UserID: issuer.UserID, Username: "officer", Role: opencites.RoleOfficer}
		check := func() string {
			v, err := a.Permits.Verify(ctx, officer, permits.VerifyRequest{Code: p.Code})
			if err != nil {
				t.Fatal(err)
			}
			return v.Verdict
		}
		if got := check(); got != verifier.VerdictValid {
			t.Fatalf("before: %s", got)
		}
		if err := cli.SetStatus(ctx, opencites.System, p.KeyID, verifier.KeyCompromised); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for check() == verifier.VerdictValid {
			if time.Since(start) > 5*time.Second {
				t.Fatal("a permit of the compromised key still verifies valid 5 s later")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got := check(); got != verifier.VerdictRevoked {
			t.Fatalf("after: %s", got)
		}
		t.Logf("refused %v after the compromise", time.Since(start).Round(10*time.Millisecond))
		// And nothing is signed with it any more: the next issue fails
		// until a new key is made (a compromise leaves no key to sign with).
		if _, err := a.Permits.Issue(ctx, issuer, issueRequest()); opencites.CodeOf(err) != "no_signing_key" {
			t.Fatalf("issue after the only key was compromised: %v", err)
		}
	})
}
