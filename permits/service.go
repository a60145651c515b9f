package permits

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/species"
	"github.com/opencites/opencites/verifier"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Service is the permit registry.
type Service struct {
	db         *gorm.DB
	keys       *Keyring
	speciesRef atomic.Pointer[species.Reference]
	now        func() time.Time
	cost       int
	rec        *Recorder
	observers  []Observer
	lists      listCache
	foreign    Foreign
	status     statusReader
	signatures *verifier.Cache

	// content caches the parts of a permit that never change after issue
	// (header, parties, lines), so that verification reads only the
	// mutable status from the database.
	cached  sync.Map // int64 permit ID -> *Permit
	cachedN atomic.Int64
	guides  sync.Map // guideKey -> *guideEntry
	guidesN atomic.Int64
}

// Config wires a Service.
type Config struct {
	DB      *gorm.DB
	Keys    *Keyring
	Species *species.Reference
	// Now is the clock; it defaults to time.Now. Tests inject their own.
	Now func() time.Time
	// BcryptCost is the password hash cost; 0 means bcrypt.DefaultCost.
	BcryptCost int
	// Recorder stores verification records; nil records synchronously.
	Recorder *Recorder
	// SignatureCache is how many verified codes to remember: 0 means
	// DefaultSignatureCache, a negative number none (every scan pays the
	// ECDSA check, as a code's first scan does).
	SignatureCache int
}

// DefaultSignatureCache is how many verified codes the registry remembers
// (about 2 KB each): more than the permits a country's border posts see
// in a day.
const DefaultSignatureCache = 4096

// New returns a Service.
func New(cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	cost := cfg.BcryptCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	sp := cfg.Species
	if sp == nil {
		sp = species.Default()
	}
	s := &Service{db: cfg.DB, keys: cfg.Keys, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }, cost: cost, rec: cfg.Recorder}
	s.status.db = cfg.DB
	switch n := cfg.SignatureCache; {
	case n == 0:
		s.signatures = verifier.NewCache(DefaultSignatureCache)
	case n > 0:
		s.signatures = verifier.NewCache(n)
	}
	s.speciesRef.Store(sp)
	return s
}

// Now returns the service's clock reading.
func (s *Service) Now() time.Time { return s.now() }

// Keys returns the keyring.
func (s *Service) Keys() *Keyring { return s.keys }

// Ping checks that the database answers.
func (s *Service) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// User is an account as the domain shows it (never with its hash).
type User struct {
	ID           int64
	Username     string
	Role         string
	Authority    string
	CreatedAt    time.Time
	Organisation Organisation
}

// Organisation is an exporter's company: it fills box 4 of its applications.
type Organisation struct {
	Name         string
	Address      string
	Country      string
	Registration string // national registration number
}

// NewUser describes an account to create.
type NewUser struct {
	Username     string
	Password     string
	Role         string
	Authority    string
	Organisation Organisation // exporters
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// CreateUser adds an account. Only admins may (the command line acts as
// System). Errors: forbidden, invalid_username, invalid_role,
// invalid_authority, weak_password, username_taken.
func (s *Service) CreateUser(ctx context.Context, actor opencites.Actor, u NewUser) (User, error) {
	if actor.Role != opencites.RoleAdmin {
		return User{}, opencites.Errorf(opencites.KindForbidden, "forbidden", "only an admin may create users")
	}
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.Authority = strings.ToUpper(strings.TrimSpace(u.Authority))
	switch {
	case !usernameRE.MatchString(u.Username):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_username", "a username is 2-63 characters: lower-case letters, digits, '.', '_' or '-'")
	case !opencites.ValidRole(u.Role):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_role", "role must be one of admin, issuer, officer, exporter, analyst")
	case (u.Role == opencites.RoleIssuer || u.Role == opencites.RoleAnalyst) && !ValidCountry(u.Authority):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_authority", "an issuer or analyst must be bound to an authority: an ISO 3166 country code such as KG")
	case u.Role != opencites.RoleIssuer && u.Authority != "" && !ValidCountry(u.Authority):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_authority", "authority must be an ISO 3166 country code such as KG")
	case u.Organisation.Country != "" && !ValidCountry(strings.ToUpper(u.Organisation.Country)):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_country", "organisation.country must be an ISO 3166 code such as KG")
	case len(u.Password) < MinPasswordLen || len(u.Password) > 72:
		return User{}, opencites.Errorf(opencites.KindInvalid, "weak_password", "a password is %d to 72 characters long", MinPasswordLen)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), s.cost)
	if err != nil {
		return User{}, opencites.Internal("hash password", err)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"organisation.name", u.Organisation.Name, 200}, {"organisation.address", u.Organisation.Address, 500}, {"organisation.registration", u.Organisation.Registration, 100}} {
		if err := checkLen(f.name, f.v, f.max); err != nil {
			return User{}, err
		}
	}
	org := u.Organisation
	row := models.User{Username: u.Username, PasswordHash: string(hash), Role: u.Role, Authority: u.Authority, CreatedAt: s.now(),
		OrgName: strings.TrimSpace(org.Name), OrgAddress: strings.TrimSpace(org.Address), OrgCountry: strings.ToUpper(strings.TrimSpace(org.Country)),
		OrgRegistration: strings.TrimSpace(org.Registration)}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: row.CreatedAt, Actor: actor, Action: "user.create", EntityType: "user", EntityID: row.Username, After: map[string]string{"username": row.Username, "role": row.Role, "authority": row.Authority}})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return User{}, opencites.Errorf(opencites.KindConflict, "username_taken", "the username %q is taken", u.Username)
	}
	if err != nil {
		return User{}, opencites.Internal("create user", err)
	}
	return userOf(row), nil
}

func userOf(row models.User) User {
	return User{ID: row.ID, Username: row.Username, Role: row.Role, Authority: row.Authority, CreatedAt: row.CreatedAt,
		Organisation: Organisation{Name: row.OrgName, Address: row.OrgAddress, Country: row.OrgCountry, Registration: row.OrgRegistration}}
}

// dummyHash makes a login for an unknown user cost as much as a real one,
// so response times do not reveal which usernames exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("opencites-dummy-password"), bcrypt.DefaultCost)

// Login checks a username and password. Errors: bad_credentials.
func (s *Service) Login(ctx context.Context, username, password string) (opencites.Actor, error) {
	var u models.User
	err := s.db.WithContext(ctx).Where("username = ?", strings.ToLower(strings.TrimSpace(username))).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return opencites.Actor{}, opencites.Errorf(opencites.KindUnauthorized, "bad_credentials", "wrong username or password")
	}
	if err != nil {
		return opencites.Actor{}, opencites.Internal("login", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || u.Disabled {
		return opencites.Actor{}, opencites.Errorf(opencites.KindUnauthorized, "bad_credentials", "wrong username or password")
	}
	return opencites.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Authority: u.Authority}, nil
}
