// Command citesd is the OpenCITES server and its administration commands.
//
//	citesd serve                  run the API and the phone app (migrates, creates the signing key on first start)
//	citesd migrate                apply database migrations
//	citesd user add --username U --role R [--authority KG]   (password on stdin)
//	citesd user disable|enable|end-sessions NAME                   end a user's sessions at once
//	citesd keys list | rotate [--delay D] | anchor | retire KID | compromise KID   signing keys and the trust anchor
//	citesd verify [--offline --anchor FILE --trust FILE --status DIR] [--direction export|import] CODE|PHOTO
//	citesd species list | import FILE --version V [--effective YYYY-MM-DD]   CITES listings
//	citesd backup DIR             a consistent copy of an SQLite registry and its keys, while it serves
//	citesd scan-bench [-quick] DIR QR reading benchmark on a folder of photos
//	citesd version
//	citesd help                   print the commands
//
// Configuration comes from CITES_* environment variables; see README.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/cmd/citesd/internal/scanbench"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/listings"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/users"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "citesd:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError string

func (u usageError) Error() string { return string(u) }

const usage = `usage: citesd <command> [flags]

commands:
  serve        run the API server
  migrate      apply database migrations
  user add     create a user (password read from stdin)
  user disable|enable|end-sessions NAME
               refuse a user's sign-ins and end its sessions at once (enable undoes;
               end-sessions ends the sessions alone)
  keys list    list signing keys
  keys rotate [--delay 10m]
               publish a new signing key now; it signs after the delay, when the old one retires
  keys retire|compromise KID
  keys anchor  print the trust anchor's public key and fingerprint (pin it in verifier apps)
  verify [--offline --anchor FILE --trust FILE --status DIR] [--direction export|import] CODE|PHOTO
  species import FILE --version V [--effective YYYY-MM-DD]   load a newer CITES listing (CSV)
  species list list stored listings
  backup DIR   copy the SQLite registry (consistent, while it serves) and its keys into a new directory
  scan-bench   measure QR reading on a folder of photos
  version      print the version`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError(usage)
	}
	cfg := configFromEnv(getenv)
	log := newLogger(stderr, cfg.LogLevel)
	switch args[0] {
	case "serve":
		fs := commandFlags("serve", &cfg, stderr)
		fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (CITES_ADDR)")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError(err.Error())
		}
		if err := cfg.finish(); err != nil {
			return err
		}
		log = newLogger(stderr, cfg.LogLevel)
		tuneMemory(cfg)
		m := &Main{Config: cfg, Log: log}
		if err := m.Run(ctx); err != nil {
			m.Close()
			return err
		}
		<-ctx.Done()
		log.Info("shutting down")
		return m.Close()
	case "migrate":
		fs := commandFlags("migrate", &cfg, stderr)
		db, err := openWith(ctx, fs, args[1:], &cfg, log)
		if err != nil {
			return err
		}
		defer closeDB(db)
		fmt.Fprintln(stdout, "database schema is up to date")
		return nil
	case "user":
		return userCmd(ctx, cfg, log, args[1:], stdin, stdout, stderr)
	case "keys":
		return keysCmd(ctx, cfg, log, args[1:], stdout, stderr)
	case "species":
		return speciesCmd(ctx, cfg, log, args[1:], stdout, stderr)
	case "backup":
		return backupCmd(ctx, cfg, log, args[1:], stdout, stderr)
	case "verify":
		return verifyCmd(ctx, cfg, log, args[1:], stdout, stderr)
	case "scan-bench":
		fs := flag.NewFlagSet("scan-bench", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var sc scanbench.Config
		fs.BoolVar(&sc.Quick, "quick", false, "scores and the time to read every code only (no verifier pass, no zbarimg)")
		fs.BoolVar(&sc.Verbose, "v", false, "print each image's result")
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
			return usageError("usage: citesd scan-bench [-quick] [-v] DIR")
		}
		_, err := scanbench.Run(ctx, fs.Arg(0), stdout, sc)
		return err
	case "version":
		fmt.Fprintln(stdout, "citesd", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError(fmt.Sprintf("unknown command %q\n%s", args[0], usage))
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func userCmd(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) >= 2 && (args[0] == "disable" || args[0] == "enable" || args[0] == "end-sessions") && !strings.HasPrefix(args[1], "-") {
		return userAccessCmd(ctx, cfg, log, args[0], args[1], args[2:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "add" {
		return usageError("usage: citesd user add --username U --role admin|issuer|officer|exporter|analyst [--authority KG] [--org-name ...] < password\n       citesd user disable|enable|end-sessions NAME")
	}
	fs := commandFlags("user add", &cfg, stderr)
	var nu users.NewUser
	fs.StringVar(&nu.Username, "username", "", "login name")
	fs.StringVar(&nu.Role, "role", "", "admin, issuer, officer or exporter")
	fs.StringVar(&nu.Authority, "authority", "", "ISO country code of the Management Authority (issuers, analysts, officers)")
	fs.StringVar(&nu.Organisation.Name, "org-name", "", "exporter's organisation (box 4)")
	fs.StringVar(&nu.Organisation.Address, "org-address", "", "exporter's address")
	fs.StringVar(&nu.Organisation.Country, "org-country", "", "exporter's country (ISO code)")
	fs.StringVar(&nu.Organisation.Registration, "org-registration", "", "exporter's registration number")
	// Parse first so that a usage error does not wait on stdin.
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	nu.Password = strings.TrimRight(line, "\r\n")
	db, err := openWith(ctx, fs, nil, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	u, err := users.New(db, cfg.BcryptCost, nil).Create(ctx, opencites.System, nu)
	if err != nil {
		var de *opencites.Error
		if errors.As(err, &de) && de.Kind != opencites.KindInternal {
			return fmt.Errorf("%s: %s", de.Code, de.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "created user %s (role %s", u.Username, u.Role)
	if u.Authority != "" {
		fmt.Fprintf(stdout, ", authority %s", u.Authority)
	}
	fmt.Fprintln(stdout, ")")
	return nil
}

// userAccessCmd disables or enables an account, or ends its sessions.
// A running server refuses the ended sessions within seconds.
func userAccessCmd(ctx context.Context, cfg Config, log *slog.Logger, action, name string, args []string, stdout, stderr io.Writer) error {
	fs := commandFlags("user "+action, &cfg, stderr)
	db, err := openWith(ctx, fs, args, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	svc := users.New(db, cfg.BcryptCost, nil)
	act := map[string]func(context.Context, opencites.Actor, string) error{"disable": svc.Disable, "enable": svc.Enable, "end-sessions": svc.EndSessions}[action]
	if err := act(ctx, opencites.System, name); err != nil {
		var de *opencites.Error
		if errors.As(err, &de) && de.Kind != opencites.KindInternal {
			return fmt.Errorf("%s: %s", de.Code, de.Message)
		}
		return err
	}
	done := map[string]string{"disable": "disabled; its sessions end within seconds", "enable": "enabled",
		"end-sessions": "signed out everywhere within seconds"}[action]
	fmt.Fprintf(stdout, "user %s %s\n", name, done)
	return nil
}

func keysCmd(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	const use = "usage: citesd keys list | rotate [--delay 10m] | anchor | retire KID | compromise KID"
	if len(args) == 0 {
		return usageError(use)
	}
	var kid string
	switch args[0] {
	case "list", "rotate", "anchor":
	case "retire", "compromise":
		if len(args) < 2 || strings.HasPrefix(args[1], "-") {
			return usageError(use)
		}
		kid = args[1]
		args = append([]string{args[0]}, args[2:]...)
	default:
		return usageError(use)
	}
	fs := commandFlags("keys", &cfg, stderr)
	delay := fs.Duration("delay", cfg.KeyRotationDelay, "rotate: how long the new key is published before it signs (CITES_KEY_ROTATION_DELAY)")
	db, err := openWith(ctx, fs, args[1:], &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	ring, err := keys.Open(ctx, db, cfg.DataDir, time.Now)
	if err != nil {
		return err
	}
	switch args[0] {
	case "rotate":
		k, err := ring.Rotate(ctx, opencites.System, *delay)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new signing key %s, published now, signs from %s; the keys signing until then retire at that instant and keep verifying what they signed\n",
			k.Kid, k.ActivatesAt.Format(time.RFC3339))
	case "anchor":
		pemText, fp, err := ring.AnchorPublicPEM()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sfingerprint (SHA-256 of the public key): %s\n", pemText, fp)
		return nil
	case "retire":
		if err := ring.SetStatus(ctx, opencites.System, kid, verifier.KeyRetired); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %s retired: it keeps verifying what it signed before now\n", kid)
	case "compromise":
		if err := ring.SetStatus(ctx, opencites.System, kid, verifier.KeyCompromised); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %s marked compromised: nothing it signed verifies any more; re-issue those permits\n", kid)
	}
	for _, k := range ring.Keys() {
		line := fmt.Sprintf("%s\t%s\tcreated %s\tsigns from %s", k.Kid, k.Status, k.CreatedAt.Format(time.RFC3339), k.ActivatesAt.Format(time.RFC3339))
		if k.RetiredAt != nil {
			line += "\tretires " + k.RetiredAt.Format(time.RFC3339)
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

func speciesCmd(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	const use = "usage: citesd species list | species import FILE --version V [--effective YYYY-MM-DD] [--source TEXT]"
	if len(args) == 0 || (args[0] != "list" && args[0] != "import") {
		return usageError(use)
	}
	fs := commandFlags("species", &cfg, stderr)
	version := fs.String("version", "", "name of the listing, e.g. 2027-CoP21")
	effective := fs.String("effective", time.Now().UTC().Format(time.DateOnly), "date the listing enters into force")
	source := fs.String("source", "", "where the listing comes from")
	rest := args[1:]
	var file string
	if args[0] == "import" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return usageError(use)
		}
		file, rest = rest[0], rest[1:]
	}
	db, err := openWith(ctx, fs, rest, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	svc := listings.New(db, nil)
	if args[0] == "import" {
		eff, err := time.Parse(time.DateOnly, *effective)
		if err != nil {
			return usageError("--effective must be a date YYYY-MM-DD")
		}
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		l, err := svc.Import(ctx, opencites.System, f, *version, eff, *source)
		if err != nil {
			var de *opencites.Error
			if errors.As(err, &de) && de.Kind != opencites.KindInternal {
				return fmt.Errorf("%s: %s", de.Code, de.Message)
			}
			return err
		}
		if l.Unchanged {
			fmt.Fprintf(stdout, "this file is stored already as listing %s: nothing changed\n", l.Version)
		} else {
			fmt.Fprintf(stdout, "imported listing %s (%d taxa), effective %s\n", l.Version, l.Taxa, l.Effective.Format(time.DateOnly))
		}
		if c := l.Counts; c != nil {
			fmt.Fprintf(stdout, "read %d taxa (%s), %d synonyms, common names %s; %d names the CITES nomenclature has not adopted\n",
				c.Taxa, formatCounts(c.ByRank), c.Synonyms, formatCounts(c.CommonNames), c.NotAccepted)
		}
	}
	if _, err := svc.Refresh(ctx); err != nil {
		return err
	}
	ls, err := svc.List(ctx)
	if err != nil {
		return err
	}
	for _, l := range ls {
		mark := " "
		if l.InForce {
			mark = "*"
		}
		fmt.Fprintf(stdout, "%s %s\teffective %s\t%s\n", mark, l.Version, l.Effective.Format(time.DateOnly), l.Source)
	}
	return nil
}

// commandFlags is a subcommand's flag set with the shared configuration
// flags (--data-dir, --database-url).
func commandFlags(name string, cfg *Config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	return fs
}

// openWith parses a subcommand's arguments, validates the configuration
// and opens (and migrates) the registry.
func openWith(ctx context.Context, fs *flag.FlagSet, args []string, cfg *Config, log *slog.Logger) (*gorm.DB, error) {
	if err := fs.Parse(args); err != nil {
		return nil, usageError(err.Error())
	}
	if err := cfg.finish(); err != nil {
		return nil, err
	}
	return openDB(ctx, *cfg, log)
}

// backupCmd copies a serving SQLite registry into a new data directory:
// the database (one consistent snapshot), the signing keys, the trust
// anchor and the session key, each 0600. The copy is a data directory:
// CITES_DATA_DIR=DIR citesd serve runs on it.
func backupCmd(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError("usage: citesd backup DIR")
	}
	dir := args[0]
	fs := commandFlags("backup", &cfg, stderr)
	db, err := openWith(ctx, fs, args[1:], &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	if models.DialectOfDB(db) != models.SQLite {
		return errors.New("the database is PostgreSQL: back it up with pg_dump and copy the data directory's keys/ and session.key (README \"Backup and restore\")")
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: back up into a new directory", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		return err
	}
	if err := models.BackupSQLite(ctx, db, filepath.Join(dir, "opencites.db")); err != nil {
		return fmt.Errorf("back up the database: %w", err)
	}
	if err := os.Chmod(filepath.Join(dir, "opencites.db"), 0o600); err != nil {
		return err
	}
	pems, _ := filepath.Glob(filepath.Join(cfg.DataDir, "keys", "*.pem"))
	for _, src := range append(pems, filepath.Join(cfg.DataDir, "session.key")) {
		rel, _ := filepath.Rel(cfg.DataDir, src)
		if err := copyPrivate(src, filepath.Join(dir, rel)); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "backed up the registry and %d keys into %s\n", len(pems), dir)
	return nil
}

func copyPrivate(src, dst string) error {
	b, err := os.ReadFile(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}

// formatCounts writes counts by key, sorted: "family 105, genus 2092".
func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
