package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) listGrants(c echo.Context) error {
	g, err := s.accounts.Grants(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"grants": g})
}

// createGrant shares the application with an organization by its id.
func (s *Server) createGrant(c echo.Context) error {
	var body struct {
		OrgID string `json:"organization_id"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	g, err := s.accounts.Share(c.Request().Context(), c.Param("id"), body.OrgID, principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, g)
}

func (s *Server) deleteGrant(c echo.Context) error {
	if err := s.accounts.Unshare(c.Request().Context(), c.Param("id"), c.Param("org")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// createShareCode answers a one-time code for the specialist to hand to a
// training center or consultancy; it is shown once.
func (s *Server) createShareCode(c echo.Context) error {
	sc, err := s.accounts.NewShareCode(c.Request().Context(), c.Param("id"), principal(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	shownOnce(c, "code")
	return c.JSON(http.StatusCreated, sc)
}

// redeemShareCode shares an application with the caller's organization.
// Attempts count against the login limit: codes must not be guessed.
func (s *Server) redeemShareCode(c echo.Context) error {
	var body struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.logins.allow("redeem:"+actor(principal(c)), timeNow()); err != nil {
		return err
	}
	appID, err := s.accounts.Redeem(c.Request().Context(), principal(c), body.Code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"application_id": appID})
}
