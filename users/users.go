package users

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Service keeps the accounts: who may sign in, with which role, for which
// authority, and an exporter's organisation.
type Service struct {
	db   *gorm.DB
	now  func() time.Time
	cost int
	// dummyHash makes a sign-in for an unknown user cost as much as a real
	// one at the same cost, so response times do not reveal which
	// usernames exist. Made on first use, not at package init.
	dummyOnce sync.Once
	dummyHash []byte
}

// New returns the accounts service. cost is the bcrypt cost of new
// password hashes (0 means bcrypt.DefaultCost); now is the clock.
func New(db *gorm.DB, cost int, now func() time.Time) *Service {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, cost: cost, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
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
func (s *Service) Create(ctx context.Context, actor opencites.Actor, u NewUser) (User, error) {
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
	case (u.Role == opencites.RoleIssuer || u.Role == opencites.RoleAnalyst) && !opencites.ValidCountry(u.Authority):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_authority", "an issuer or analyst must be bound to an authority: an ISO 3166 country code such as KG")
	case u.Role != opencites.RoleIssuer && u.Authority != "" && !opencites.ValidCountry(u.Authority):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_authority", "authority must be an ISO 3166 country code such as KG")
	case u.Organisation.Country != "" && !opencites.ValidCountry(strings.ToUpper(u.Organisation.Country)):
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
		if err := opencites.CheckLen(f.name, f.v, f.max); err != nil {
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

// Login checks a username and password. Errors: bad_credentials.
func (s *Service) Login(ctx context.Context, username, password string) (opencites.Actor, error) {
	var u models.User
	err := s.db.WithContext(ctx).Where("username = ?", strings.ToLower(strings.TrimSpace(username))).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		_ = bcrypt.CompareHashAndPassword(s.dummy(), []byte(password))
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

func (s *Service) dummy() []byte {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("opencites-dummy-password"), s.cost)
	})
	return s.dummyHash
}

// Profile returns the account with the given id.
// Errors: user_not_found.
func Profile(tx *gorm.DB, id int64) (User, error) {
	var row models.User
	err := tx.Take(&row, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, opencites.Errorf(opencites.KindNotFound, "user_not_found", "no user %d", id)
	}
	if err != nil {
		return User{}, opencites.Internal("read user", err)
	}
	return userOf(row), nil
}

// IsExporter reports whether username is an enabled exporter account,
// the only kind a permit may be issued to.
func (s *Service) IsExporter(ctx context.Context, username string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&models.User{}).
		Where("username = ? AND role = ?", username, opencites.RoleExporter).Count(&n).Error; err != nil {
		return false, opencites.Internal("check exporter account", err)
	}
	return n > 0, nil
}

// IssuingAuthorities lists the authorities that have an issuer on this
// node: those its keys sign for, as its trust list says.
func (s *Service) IssuingAuthorities(ctx context.Context) ([]string, error) {
	var authorities []string
	if err := s.db.WithContext(ctx).Model(&models.User{}).Distinct("authority").
		Where("role = ? AND authority <> ''", opencites.RoleIssuer).Order("authority").Pluck("authority", &authorities).Error; err != nil {
		return nil, opencites.Internal("issuing authorities", err)
	}
	return authorities, nil
}

// Audience names whom a notification is for.
type Audience struct {
	Account   string // an exporter account by username, "" for none
	IssuersOf string // every issuer of this authority, "" for none
}

// Recipients returns the ids of the enabled accounts in the audience, read
// inside tx, the transaction that writes the notifications.
func Recipients(tx *gorm.DB, a Audience) ([]int64, error) {
	q := tx.Model(&models.User{}).Where("disabled = ?", false)
	switch {
	case a.Account != "" && a.IssuersOf != "":
		q = q.Where("(role = ? AND username = ?) OR (role = ? AND authority = ?)", opencites.RoleExporter, a.Account, opencites.RoleIssuer, a.IssuersOf)
	case a.Account != "":
		q = q.Where("role = ? AND username = ?", opencites.RoleExporter, a.Account)
	case a.IssuersOf != "":
		q = q.Where("role = ? AND authority = ?", opencites.RoleIssuer, a.IssuersOf)
	default:
		return nil, nil
	}
	var ids []int64
	if err := q.Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	return ids, nil
}
