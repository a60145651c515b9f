package main

import (
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"strconv"
	"strings"

	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/registry"
	"github.com/opencites/opencites/scan"
	"github.com/opencites/opencites/verifier"
)

// Config is everything citesd reads from its environment. Every subcommand
// reads the same variables; flags override them.
type Config struct {
	Addr        string // CITES_ADDR, default ":8080"
	DataDir     string // CITES_DATA_DIR, default "./data": the SQLite file and signing keys
	DatabaseURL string // CITES_DATABASE_URL, default the SQLite file in DataDir
	BcryptCost  int    // CITES_BCRYPT_COST, default 10 (bcrypt's default)
	LogLevel    string // CITES_LOG_LEVEL: debug, info, warn, error
	PprofAddr   string // CITES_PPROF_ADDR: loopback address for Go's profiler; off when empty
	PublicURL   string // CITES_PUBLIC_URL: the address printed on permits for verification
	// The regional exchange (off unless ExchangeURL is set).
	Authority     string // CITES_AUTHORITY: the country this node speaks for, default KG
	ExchangeURL   string // CITES_EXCHANGE_URL: NATS server, e.g. nats://127.0.0.1:4222
	ExchangePeers string // CITES_EXCHANGE_PEERS: pinned anchors of the other nodes, "KZ=kz-anchor.pem,UZ=uz-anchor.pem"
	// KeyRotationDelay is how long `keys rotate` publishes a new key before
	// it signs (CITES_KEY_ROTATION_DELAY, default 10m).
	KeyRotationDelay time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (CITES_TRUSTED_PROXIES: comma-separated CIDRs or
	// addresses); none by default, so the client is the connection's peer.
	TrustedProxies []*net.IPNet
	trustedProxies string
	// TLSCert and TLSKey serve HTTPS directly (CITES_TLS_CERT,
	// CITES_TLS_KEY: PEM files); without them serve speaks plain HTTP for a
	// TLS-terminating proxy in front.
	TLSCert, TLSKey string
	// MemoryBudget is what the node is meant to live in (CITES_MEMORY_BUDGET,
	// default 150MiB): the caches are sized from it (registry.BudgetOf) and
	// GOMEMLIMIT is set from it. DecodeMemory bounds image decoding on top
	// (CITES_DECODE_MEMORY, default 256MiB: scan.Pool).
	MemoryBudget, DecodeMemory int64
	memoryBudget, decodeMemory string
	// MetricsToken is the bearer token Prometheus sends to /metrics
	// (CITES_METRICS_TOKEN); without it /metrics answers loopback only.
	MetricsToken string
}

func configFromEnv(getenv func(string) string) Config {
	c := Config{Addr: ":8080", DataDir: "./data", LogLevel: "info"}
	if v := getenv("CITES_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("CITES_DATA_DIR"); v != "" {
		c.DataDir = v
	}
	c.DatabaseURL = getenv("CITES_DATABASE_URL")
	if v := getenv("CITES_BCRYPT_COST"); v != "" {
		c.BcryptCost, _ = strconv.Atoi(v)
	}
	c.PprofAddr = getenv("CITES_PPROF_ADDR")
	c.PublicURL = getenv("CITES_PUBLIC_URL")
	c.Authority = strings.ToUpper(getenv("CITES_AUTHORITY"))
	if c.Authority == "" {
		c.Authority = "KG"
	}
	c.ExchangeURL = getenv("CITES_EXCHANGE_URL")
	c.ExchangePeers = getenv("CITES_EXCHANGE_PEERS")
	if v := getenv("CITES_LOG_LEVEL"); v != "" {
		c.LogLevel = v
	}
	c.trustedProxies = getenv("CITES_TRUSTED_PROXIES")
	c.TLSCert, c.TLSKey = getenv("CITES_TLS_CERT"), getenv("CITES_TLS_KEY")
	c.MetricsToken = getenv("CITES_METRICS_TOKEN")
	c.memoryBudget, c.decodeMemory = getenv("CITES_MEMORY_BUDGET"), getenv("CITES_DECODE_MEMORY")
	c.KeyRotationDelay = keys.DefaultRotationDelay
	if v := getenv("CITES_KEY_ROTATION_DELAY"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			c.KeyRotationDelay = d
		} else {
			c.KeyRotationDelay = -1 // refused by finish
		}
	}
	return c
}

// flags registers the shared flags on fs, defaulting to the environment.
func (c *Config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite file and signing keys (CITES_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres://... or an SQLite file path (CITES_DATABASE_URL)")
}

// finish fills defaults that depend on other fields and validates.
func (c *Config) finish() error {
	if c.DataDir == "" {
		return errors.New("CITES_DATA_DIR may not be empty")
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "opencites.db")
	}
	if c.BcryptCost != 0 && (c.BcryptCost < 4 || c.BcryptCost > 31) {
		return fmt.Errorf("CITES_BCRYPT_COST must be between 4 and 31")
	}
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("CITES_PPROF_ADDR must be a loopback address such as 127.0.0.1:6060")
		}
	}
	c.MemoryBudget, c.DecodeMemory = registry.DefaultMemoryBudget, scan.DefaultMemory
	for _, m := range []struct {
		env, v string
		dst    *int64
	}{{"CITES_MEMORY_BUDGET", c.memoryBudget, &c.MemoryBudget}, {"CITES_DECODE_MEMORY", c.decodeMemory, &c.DecodeMemory}} {
		if m.v == "" {
			continue
		}
		n, err := registry.ParseBytes(m.v)
		if err != nil {
			return fmt.Errorf("%s: %v", m.env, err)
		}
		*m.dst = n
	}
	c.TrustedProxies = nil
	for _, p := range strings.Split(c.trustedProxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return fmt.Errorf("CITES_TRUSTED_PROXIES: %q is not an address or a CIDR network", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("set both CITES_TLS_CERT and CITES_TLS_KEY, or neither")
	}
	if c.KeyRotationDelay < 0 {
		return fmt.Errorf("CITES_KEY_ROTATION_DELAY must be a duration such as 10m or 0s")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("CITES_LOG_LEVEL must be debug, info, warn or error")
	}
	return os.MkdirAll(c.DataDir, 0o700)
}

// Redacted returns the database URL with every credential removed, for
// logs.
func (c Config) Redacted() string { return models.RedactDSN(c.DatabaseURL) }

// sessionKey loads the HMAC key for session tokens from the data directory,
// creating it on first start. Replicas that share sessions share the file.
func sessionKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "session.key")
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read session key: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, fmt.Errorf("write session key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	return b, nil
}

// peers reads CITES_EXCHANGE_PEERS: AUTHORITY=anchor.pem pairs.
func (c Config) peers() (map[string]*ecdsa.PublicKey, error) {
	out := map[string]*ecdsa.PublicKey{}
	for _, pair := range strings.Split(c.ExchangePeers, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		auth, file, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("CITES_EXCHANGE_PEERS: %q is not AUTHORITY=anchor.pem", pair)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("CITES_EXCHANGE_PEERS: %w", err)
		}
		k, err := verifier.ParseAnchorPEM(b)
		if err != nil {
			return nil, fmt.Errorf("CITES_EXCHANGE_PEERS %s: %w", auth, err)
		}
		out[strings.ToUpper(strings.TrimSpace(auth))] = k
	}
	return out, nil
}
