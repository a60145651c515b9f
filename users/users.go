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

	// revoked holds, per user, the instant before which their sessions
	// are refused, reread from the database every few seconds (Watch) so
	// that a disable on any replica ends the sessions on all of them.
	revokedMu sync.RWMutex
	revoked   map[int64]time.Time
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
	if _, err := opencites.CheckCountry("organisation.country", u.Organisation.Country, false); err != nil {
		return User{}, err
	}
	switch {
	case !usernameRE.MatchString(u.Username):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_username", "a username is 2-63 characters: lower-case letters, digits, '.', '_' or '-'")
	case !opencites.ValidRole(u.Role):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_role", "role must be one of admin, issuer, officer, exporter, analyst")
	case (u.Role == opencites.RoleIssuer || u.Role == opencites.RoleAnalyst) && !opencites.ValidCountry(u.Authority):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_authority", "an issuer or analyst must be bound to an authority: an ISO 3166 country code such as KG")
	case u.Role != opencites.RoleIssuer && u.Authority != "" && !opencites.ValidCountry(u.Authority):
		return User{}, opencites.Errorf(opencites.KindInvalid, "invalid_authority", "authority must be an ISO 3166 country code such as KG")
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

// Sign-in limits: at most MaxLoginFailures attempts for one username and
// MaxAddressAttempts from one client address in LoginWindow. Attempts are
// counted in the database before the password is checked, so they hold
// under concurrency and across replicas; a successful sign-in takes its
// attempt back.
const (
	MaxLoginFailures   = 5
	MaxAddressAttempts = 4 * MaxLoginFailures
	LoginWindow        = 15 * time.Minute
)

// Login checks a username and password from a client address.
// Errors: bad_credentials (401), too_many_attempts (429, with RetryAfter).
func (s *Service) Login(ctx context.Context, username, password, addr string) (opencites.Actor, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	now := s.now()
	var wait time.Duration
	for _, c := range []struct {
		key string
		max int
	}{{"user:" + name, MaxLoginFailures}, {"addr:" + addr, MaxAddressAttempts}} {
		n, since, err := models.CountAttempt(ctx, s.db, c.key, now, LoginWindow)
		if err != nil {
			return opencites.Actor{}, opencites.Internal("count sign-in attempt", err)
		}
		if n > c.max {
			wait = max(wait, since.Add(LoginWindow).Sub(now))
		}
	}
	if wait > 0 {
		mins := int(wait.Minutes()) + 1
		e := opencites.Errorf(opencites.KindTooMany, "too_many_attempts", "too many failed sign-ins: try again in %d minutes", mins)
		e.RetryAfter = wait
		return opencites.Actor{}, e
	}
	var u models.User
	err := s.db.WithContext(ctx).Where("username = ?", name).Take(&u).Error
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
	// A correct sign-in clears the username's count and takes its own
	// attempt back from the address's (officers share a post's address).
	if err := models.ClearAttempts(ctx, s.db, "user:"+name); err != nil {
		return opencites.Actor{}, opencites.Internal("clear sign-in attempts", err)
	}
	if err := models.ForgiveAttempt(ctx, s.db, "addr:"+addr); err != nil {
		return opencites.Actor{}, opencites.Internal("clear sign-in attempts", err)
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

// Admins counts the administrator accounts, enabled or not: with none,
// nobody can create accounts in the app (a fresh install).
func (s *Service) Admins(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&models.User{}).Where("role = ?", opencites.RoleAdmin).Count(&n).Error; err != nil {
		return 0, opencites.Internal("count administrators", err)
	}
	return n, nil
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

// SessionValid reports whether a session of the user issued at issuedAt
// still holds: not ended by Disable or EndSessions.
func (s *Service) SessionValid(userID int64, issuedAt time.Time) bool {
	s.revokedMu.RLock()
	r, ok := s.revoked[userID]
	s.revokedMu.RUnlock()
	return !ok || issuedAt.After(r)
}

// LoadEndedSessions rereads which users' sessions were ended (Disable,
// EndSessions), on any replica; registry calls it every few seconds.
func (s *Service) LoadEndedSessions(ctx context.Context) error {
	var rows []models.User
	if err := s.db.WithContext(ctx).Select("id", "sessions_revoked_at").Where("sessions_revoked_at IS NOT NULL").Find(&rows).Error; err != nil {
		return err
	}
	m := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		m[r.ID] = r.SessionsRevokedAt.UTC()
	}
	s.revokedMu.Lock()
	s.revoked = m
	s.revokedMu.Unlock()
	return nil
}

// Disable refuses every sign-in of the account and ends its sessions at
// once; Enable lets it sign in again (its old sessions stay ended);
// EndSessions ends the sessions alone (a lost phone). Only admins may.
// Errors: forbidden, user_not_found.
func (s *Service) Disable(ctx context.Context, actor opencites.Actor, username string) error {
	return s.setAccess(ctx, actor, username, "user.disable", map[string]any{"disabled": true})
}

// Enable lets a disabled account sign in again.
func (s *Service) Enable(ctx context.Context, actor opencites.Actor, username string) error {
	return s.setAccess(ctx, actor, username, "user.enable", map[string]any{"disabled": false})
}

// EndSessions ends the account's sessions without disabling it.
func (s *Service) EndSessions(ctx context.Context, actor opencites.Actor, username string) error {
	return s.setAccess(ctx, actor, username, "user.end_sessions", map[string]any{})
}

func (s *Service) setAccess(ctx context.Context, actor opencites.Actor, username, action string, updates map[string]any) error {
	if err := opencites.RequireRole(actor, opencites.RoleAdmin); err != nil {
		return err
	}
	name := strings.ToLower(strings.TrimSpace(username))
	now := s.now()
	if action != "user.enable" {
		updates["sessions_revoked_at"] = now
	}
	var id int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row models.User
		if err := tx.Where("username = ?", name).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return opencites.Errorf(opencites.KindNotFound, "user_not_found", "no user %q", name)
			}
			return err
		}
		id = row.ID
		if err := tx.Model(&models.User{}).Where("id = ?", row.ID).Updates(updates).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: action, EntityType: "user", EntityID: name,
			Before: map[string]any{"disabled": row.Disabled}, After: updates})
	})
	if err != nil {
		return opencites.AsDomain("user access", err)
	}
	if _, ok := updates["sessions_revoked_at"]; ok {
		s.revokedMu.Lock()
		if s.revoked == nil {
			s.revoked = map[int64]time.Time{}
		}
		s.revoked[id] = now
		s.revokedMu.Unlock()
	}
	return nil
}
