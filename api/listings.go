package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/listings"
)

// ListingJSONFile is a stored version of the CITES listing.
type ListingFileJSON struct {
	Version    string         `json:"version"`
	Effective  string         `json:"effective"`
	Source     string         `json:"source"`
	ImportedAt *time.Time     `json:"imported_at,omitempty"`
	ImportedBy string         `json:"imported_by,omitempty"`
	Taxa       int            `json:"taxa,omitempty"`
	InForce    bool           `json:"in_force"`
	Unchanged  bool           `json:"unchanged,omitempty"`
	Counts     map[string]any `json:"counts,omitempty"`
}

func listingFileJSON(l listings.Listing) ListingFileJSON {
	out := ListingFileJSON{Version: l.Version, Effective: l.Effective.Format(time.DateOnly), Source: l.Source, ImportedBy: l.ImportedBy,
		Taxa: l.Taxa, InForce: l.InForce, Unchanged: l.Unchanged}
	if !l.ImportedAt.IsZero() {
		at := l.ImportedAt
		out.ImportedAt = &at
	}
	if c := l.Counts; c != nil {
		out.Counts = map[string]any{"taxa": c.Taxa, "by_rank": c.ByRank, "not_cites_accepted": c.NotAccepted,
			"synonyms": c.Synonyms, "common_names": c.CommonNames}
	}
	return out
}

// importListing takes the official list as a Management Authority
// downloads it (the Species+ CSV export, or the registry's CSV), multipart
// with the file in "file" and the fields version, effective (YYYY-MM-DD,
// default today) and source. The file is streamed into the import, never
// held whole; the answer counts what was read. Admins only.
func (s *Server) importListing(c echo.Context) error {
	if err := opencites.RequireRole(actor(c), opencites.RoleAdmin); err != nil {
		return err
	}
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != echo.MIMEMultipartForm {
		return apiError(http.StatusUnsupportedMediaType, "unsupported_media_type", `send multipart/form-data with the list in the field "file"`)
	}
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, listings.MaxListingFile+1<<20)
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return apiError(http.StatusBadRequest, "invalid_multipart", "the multipart body could not be read")
	}
	fields := map[string]string{}
	var spooled *os.File
	defer func() {
		if spooled != nil {
			spooled.Close()
			os.Remove(spooled.Name())
		}
	}()
	imp := func(r io.Reader) (listings.Listing, error) {
		eff := s.now()
		if v := fields["effective"]; v != "" {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return listings.Listing{}, apiError(http.StatusUnprocessableEntity, "invalid_date", "effective must be a date YYYY-MM-DD")
			}
			eff = d
		}
		return s.listings.Import(c.Request().Context(), actor(c), r, fields["version"], eff, fields["source"])
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the multipart body could not be read"))
		}
		if part.FormName() != "file" {
			b, err := io.ReadAll(io.LimitReader(part, 512))
			if err != nil {
				return tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the form could not be read"))
			}
			if badText(string(b)) {
				return errBadText("form field " + part.FormName())
			}
			fields[part.FormName()] = strings.TrimSpace(string(b))
			continue
		}
		if fields["version"] != "" {
			// The fields came first: stream the file straight into the import.
			l, err := imp(part)
			if err != nil {
				return tooLargeOr(err, err)
			}
			return c.JSON(listingStatus(l), listingFileJSON(l))
		}
		// The file came before its version: keep it aside until the end.
		if spooled, err = os.CreateTemp("", "cites-listing-*.csv"); err != nil {
			return opencites.Internal("spool listing", err)
		}
		if _, err := io.Copy(spooled, part); err != nil {
			return tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the file could not be read"))
		}
	}
	if spooled == nil {
		return apiError(http.StatusUnprocessableEntity, "file_required", `send the list in the field "file"`)
	}
	if _, err := spooled.Seek(0, io.SeekStart); err != nil {
		return opencites.Internal("spool listing", err)
	}
	l, err := imp(spooled)
	if err != nil {
		return err
	}
	return c.JSON(listingStatus(l), listingFileJSON(l))
}

func listingStatus(l listings.Listing) int {
	if l.Unchanged {
		return http.StatusOK
	}
	return http.StatusCreated
}

// storedListings lists the stored versions of the listing, newest first.
func (s *Server) storedListings(c echo.Context) error {
	ls, err := s.listings.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]ListingFileJSON, len(ls))
	for i, l := range ls {
		out[i] = listingFileJSON(l)
	}
	return c.JSON(http.StatusOK, map[string]any{"listings": out})
}
