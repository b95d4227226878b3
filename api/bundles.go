package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/dossier"
)

// BundleJSON is a bundle as the API shows it.
type BundleJSON struct {
	ID            string        `json:"id"`
	ApplicationID string        `json:"application_id"`
	Kind          string        `json:"kind"`
	Draft         bool          `json:"draft"`
	Status        string        `json:"status"`
	Error         string        `json:"error"`
	Progress      *ProgressJSON `json:"progress"`
	Attempts      int           `json:"attempts"`
	Size          int64         `json:"size"`
	SHA256        string        `json:"sha256"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

// ProgressJSON is documents done of total, while running.
type ProgressJSON struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

func bundleJSON(b *dossier.Bundle) BundleJSON {
	out := BundleJSON{ID: b.ID, ApplicationID: b.ApplicationID, Kind: b.Kind, Draft: b.Draft, Status: b.Status, Error: b.Error,
		Attempts: b.Attempts, Size: b.Size, SHA256: b.SHA256, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
	if b.Status == dossier.BundleRunning || b.Status == dossier.BundleDone {
		out.Progress = &ProgressJSON{Done: b.Done, Total: b.Total}
	}
	return out
}

func (s *Server) requestBundle(c echo.Context) error {
	var body struct {
		Kind  string `json:"kind"`
		Draft bool   `json:"draft"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	b, err := s.bundles.Request(c.Request().Context(), c.Param("id"), body.Kind, body.Draft)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/bundles/"+b.ID)
	return c.JSON(http.StatusAccepted, bundleJSON(b))
}

func (s *Server) getBundle(c echo.Context) error {
	b, err := s.bundles.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bundleJSON(b))
}

// BundleListJSON is an application's bundles, newest first.
type BundleListJSON struct {
	Bundles []BundleJSON `json:"bundles"`
}

func (s *Server) listBundles(c echo.Context) error {
	list, err := s.bundles.List(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := BundleListJSON{Bundles: make([]BundleJSON, 0, len(list))}
	for _, b := range list {
		out.Bundles = append(out.Bundles, bundleJSON(b))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) retryBundle(c echo.Context) error {
	b, err := s.bundles.Retry(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, bundleJSON(b))
}

// getBundleFile sends a bundle named after the specialist («Иванова А.С. -
// пакет для ФРМР.zip», «… - портфолио.pdf», «… - черновик …»); a
// portfolio with ?inline=1 for the browser to show (a package is a ZIP:
// always saved).
func (s *Server) getBundleFile(c echo.Context) error {
	inline, err := inlineParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rc, b, err := s.bundles.Open(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	name, err := s.bundles.FileName(ctx, b)
	if err != nil {
		return err
	}
	contentType := "application/zip"
	if b.Kind == dossier.BundlePortfolio {
		contentType = "application/pdf"
	} else {
		inline = false
	}
	return s.sendObject(c, rc, b.Size, b.SHA256, disposition(name, inline), contentType, b.UpdatedAt)
}
