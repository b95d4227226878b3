package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"accredpack/dossier"
)

func (s *Server) getReadiness(c echo.Context) error {
	r, err := s.svc.Readiness(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) listCourses(c echo.Context) error {
	list, err := s.svc.Courses(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"courses": list})
}

// putCourse adds (POST, 201) or replaces (PUT, 200) a course.
func (s *Server) putCourse(c echo.Context) error {
	var body dossier.Course
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	body.ID = c.Param("rid")
	saved, err := s.svc.PutCourse(c.Request().Context(), c.Param("id"), body)
	if err != nil {
		return err
	}
	return c.JSON(createdOrOK(c), saved)
}

func (s *Server) deleteCourse(c echo.Context) error {
	if err := s.svc.DeleteCourse(c.Request().Context(), c.Param("id"), c.Param("rid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listNMO(c echo.Context) error {
	list, err := s.svc.NMOActivities(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"activities": list})
}

// putNMO adds (POST, 201) or replaces (PUT, 200) an NMO activity.
func (s *Server) putNMO(c echo.Context) error {
	var body dossier.NMOActivity
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	body.ID = c.Param("rid")
	saved, err := s.svc.PutNMOActivity(c.Request().Context(), c.Param("id"), body)
	if err != nil {
		return err
	}
	return c.JSON(createdOrOK(c), saved)
}

func (s *Server) deleteNMO(c echo.Context) error {
	if err := s.svc.DeleteNMOActivity(c.Request().Context(), c.Param("id"), c.Param("rid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func createdOrOK(c echo.Context) int {
	if c.Request().Method == http.MethodPost {
		return http.StatusCreated
	}
	return http.StatusOK
}
