package api

import (
	"github.com/labstack/echo/v4"

	"accredpack/access"
)

// on is what a route acts on, and so how the policy is asked.
type on int

const (
	public      on = iota // no authentication (login, sign-up)
	service               // the service as a whole: policy.Allow
	application           // the application :id: policy.Decide, audited
	bundle                // the bundle :id, judged by its application
)

// route is one endpoint with the action it performs: the route table is
// where every endpoint meets the policy.
type route struct {
	method, path string
	handler      echo.HandlerFunc
	act          access.Action
	on           on
	extra        []echo.MiddlewareFunc
}

func (s *Server) routes() []route {
	return append([]route{
		{"POST", "/auth/login", s.login, "", public, nil},
		{"POST", "/auth/register", s.register, "", public, nil},
		{"POST", "/auth/logout", s.logout, access.ReadOwnPrincipal, service, nil},
		{"GET", "/auth/me", s.me, access.ReadOwnPrincipal, service, nil},
		{"POST", "/auth/password", s.changePassword, access.ChangeOwnPassword, service, nil},
		{"GET", "/catalog", s.getCatalog, access.ReadCatalog, service, nil},
		{"GET", "/openapi.json", s.openAPI, "", public, nil},
		{"GET", "/organizations", s.listOrganizations, access.ReadOrganizations, service, nil},
		{"POST", "/organizations", s.createOrganization, access.ManageAccounts, service, nil},
		{"GET", "/users", s.listUsers, access.ManageAccounts, service, nil},
		{"POST", "/users", s.createUser, access.ManageAccounts, service, nil},
		{"GET", "/api-keys", s.listKeys, access.ManageOwnKeys, service, nil},
		{"POST", "/api-keys", s.createKey, access.ManageOwnKeys, service, nil},
		{"DELETE", "/api-keys/:kid", s.revokeAPIKey, access.RevokeKey, service, nil},
		{"GET", "/audit", s.readAllAudit, access.ReadAllAudit, service, nil},
		{"GET", "/me/audit", s.readOwnAudit, access.ReadOwnAudit, service, nil},
		{"POST", "/share-codes/redeem", s.redeemShareCode, access.RedeemShareCode, service, nil},
		{"GET", "/webhooks", s.listWebhooks, access.ManageWebhooks, service, nil},
		{"POST", "/webhooks", s.createWebhook, access.ManageWebhooks, service, nil},
		{"GET", "/webhooks/:wid", s.getWebhook, access.ManageWebhooks, service, nil},
		{"DELETE", "/webhooks/:wid", s.deleteWebhook, access.ManageWebhooks, service, nil},
		{"GET", "/webhooks/:wid/deliveries", s.listDeliveries, access.ManageWebhooks, service, nil},
		{"POST", "/webhooks/:wid/ping", s.pingWebhook, access.ManageWebhooks, service, nil},
		{"POST", "/webhooks/:wid/secret", s.rotateWebhookSecret, access.ManageWebhooks, service, nil},

		// Administration (issue 18): accounts disabled, every API key.
		{"PATCH", "/users/:uid", s.patchUser, access.ManageAccounts, service, nil},
		{"GET", "/api-keys/all", s.listAllKeys, access.ManageAllKeys, service, nil},

		{"POST", "/forms/check", s.checkForm, access.CreateApplication, service, nil},
		{"POST", "/applications", s.createApplication, access.CreateApplication, service, nil},
		{"GET", "/applications", s.listApplications, access.ListApplications, service, nil},
		{"GET", "/applications/export", s.exportApplications, access.ListApplications, service, nil},
		{"GET", "/staff", s.listStaff, access.ReadColleagues, service, nil},
		{"PUT", "/applications/:id/assignee", s.setAssignee, access.AssignStaff, application, nil},
		{"GET", "/applications/:id", s.getApplication, access.ReadApplication, application, nil},
		{"PATCH", "/applications/:id", s.updateApplication, access.UpdateApplication, application, nil},
		{"DELETE", "/applications/:id", s.deleteApplication, access.DeleteApplication, application, nil},
		{"POST", "/applications/:id/submit", s.submitApplication, access.SubmitApplication, application, nil},
		{"POST", "/applications/:id/reopen", s.reopenApplication, access.SubmitApplication, application, nil},
		{"PUT", "/applications/:id/slots/:slot/file", s.putFile, access.WriteDocument, application, []echo.MiddlewareFunc{s.limitUploads, s.limitUploadsInFlight}},
		{"GET", "/applications/:id/slots/:slot/file", s.getFile, access.ReadDocument, application, nil},
		{"HEAD", "/applications/:id/slots/:slot/file", s.getFile, access.ReadDocument, application, nil},
		{"DELETE", "/applications/:id/slots/:slot/file", s.deleteFile, access.WriteDocument, application, nil},
		{"GET", "/applications/:id/slots/:slot/history", s.getHistory, access.ReadDocument, application, nil},
		{"POST", "/applications/:id/slots/:slot/file/link", s.linkFile, access.ReadDocument, application, nil},
		{"POST", "/applications/:id/slots/:slot/compose", s.composeFile, access.WriteDocument, application, []echo.MiddlewareFunc{s.limitUploads, s.limitUploadsInFlight}},
		{"GET", "/applications/:id/slots/:slot/sources", s.getSources, access.ReadDocument, application, nil},
		{"POST", "/applications/:id/slots/:slot/confirm", s.confirmDocument, access.ConfirmDocument, application, nil},
		{"GET", "/applications/:id/sources/:sid", s.getSource, access.ReadDocument, application, nil},
		{"GET", "/applications/:id/readiness", s.getReadiness, access.ReadApplication, application, nil},
		{"GET", "/applications/:id/courses", s.listCourses, access.ReadLedger, application, nil},
		{"POST", "/applications/:id/courses", s.putCourse, access.AddLedger, application, nil},
		{"PUT", "/applications/:id/courses/:rid", s.putCourse, access.WriteLedger, application, nil},
		{"DELETE", "/applications/:id/courses/:rid", s.deleteCourse, access.WriteLedger, application, nil},
		{"GET", "/applications/:id/nmo", s.listNMO, access.ReadLedger, application, nil},
		{"POST", "/applications/:id/nmo", s.putNMO, access.AddLedger, application, nil},
		{"PUT", "/applications/:id/nmo/:rid", s.putNMO, access.WriteLedger, application, nil},
		{"DELETE", "/applications/:id/nmo/:rid", s.deleteNMO, access.WriteLedger, application, nil},
		{"POST", "/applications/:id/bundles", s.requestBundle, access.BuildBundle, application, nil},
		{"GET", "/applications/:id/bundles", s.listBundles, access.ReadBundle, application, nil},
		{"GET", "/applications/:id/grants", s.listGrants, access.ManageSharing, application, nil},
		{"POST", "/applications/:id/grants", s.createGrant, access.ManageSharing, application, nil},
		{"DELETE", "/applications/:id/grants/:org", s.deleteGrant, access.ManageSharing, application, nil},
		{"POST", "/applications/:id/share-codes", s.createShareCode, access.ManageSharing, application, nil},
		{"GET", "/applications/:id/audit", s.readApplicationAudit, access.ReadAudit, application, nil},
		{"GET", "/bundles/:id", s.getBundle, access.ReadBundle, bundle, nil},
		{"GET", "/bundles/:id/file", s.getBundleFile, access.ReadBundle, bundle, nil},
		{"POST", "/bundles/:id/retry", s.retryBundle, access.BuildBundle, bundle, nil},
		// The report on professional activity written in the service (issue 21).
		{"GET", "/applications/:id/report", s.getReport, access.ReadApplication, application, nil},
		{"PUT", "/applications/:id/report", s.putReport, access.UpdateApplication, application, nil},
		{"GET", "/applications/:id/report/pdf", s.getReportFile("pdf"), access.ReadApplication, application, nil},
		{"GET", "/applications/:id/report/docx", s.getReportFile("docx"), access.ReadApplication, application, nil},
		{"POST", "/applications/:id/report/slot", s.putReportInSlot, access.WriteDocument, application, nil},
		{"POST", "/applications/:id/report/template", s.startReportFromTemplate, access.UpdateApplication, application, nil},
		{"GET", "/report-templates", s.listReportTemplates, access.ManageReportTemplates, service, nil},
		{"POST", "/report-templates", s.createReportTemplate, access.ManageReportTemplates, service, nil},
		{"DELETE", "/report-templates/:tid", s.deleteReportTemplate, access.ManageReportTemplates, service, nil},
		{"POST", "/imports/certificates", s.importCertificates, access.ImportCertificates, service, []echo.MiddlewareFunc{s.limitUploads, s.limitUploadsInFlight}},
	}, s.mailRoutes()...)
}

// mailRoutes are the routes of e-mail: confirmation of the address,
// password reset by a link, invitations to take over an application,
// unsubscription from reminders (handlers in mail.go).
func (s *Server) mailRoutes() []route {
	return []route{
		{"POST", "/auth/confirm", s.confirmEmail, "", public, nil},
		{"POST", "/auth/password-reset", s.requestPasswordReset, "", public, nil},
		{"POST", "/auth/password-reset/confirm", s.confirmPasswordReset, "", public, nil},
		{"POST", "/users/:uid/password-reset", s.resetUserPassword, access.ManageAccounts, service, nil},
		{"POST", "/applications/:id/invitations", s.inviteClient, access.ManageSharing, application, nil},
		{"POST", "/invitations/redeem", s.redeemInvitation, access.RedeemInvitation, service, nil},
		{"POST", "/unsubscribe", s.unsubscribe, "", public, nil},
	}
}

// Route describes an endpoint for documentation and tests.
type Route struct {
	Method, Path string
	Action       access.Action
	Public       bool
	// PerApplication: the policy judges it against one application (the
	// :id of an application or of a bundle), and access is audited.
	PerApplication bool
}

// Routes lists every /api/v1 endpoint.
func Routes() []Route {
	var out []Route
	for _, r := range (&Server{}).routes() {
		out = append(out, Route{Method: r.method, Path: "/api/v1" + r.path, Action: r.act, Public: r.on == public,
			PerApplication: r.on == application || r.on == bundle})
	}
	return out
}
