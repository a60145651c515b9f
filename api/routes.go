package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers the whole API; read this to see every endpoint and the
// middleware in front of it.
func (s *Server) routes() {
	e := s.echo
	e.Use(withRequestID)
	if s.metrics != nil {
		e.Use(s.metrics.Middleware)
		e.GET("/metrics", s.serveMetrics)
	}
	e.Use(s.recoverPanics())
	e.Use(deadline(RequestTimeout))
	e.Use(s.localize)
	e.Use(checkText)
	e.Use(s.securityHeaders)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/.well-known/jwks.json", s.jwks)
	e.GET("/.well-known/cites-trust-list", s.trustList)
	e.GET("/api/v1/openapi.yaml", s.openapi)
	e.GET("/.well-known/cites-anchor.pem", s.anchor)
	if s.app != nil {
		app := echo.WrapHandler(s.app)
		e.GET("/app/*", app)
		e.HEAD("/app/*", app)
		toApp := func(c echo.Context) error { return c.Redirect(http.StatusFound, "/app/") }
		for _, path := range []string{"/", "/app"} {
			e.GET(path, toApp)
			e.HEAD(path, toApp)
		}
		// The public verification page, printed on every permit: anyone
		// holding the paper checks it in their own browser, no account.
		toVerify := func(c echo.Context) error { return c.Redirect(http.StatusFound, "/app/verify.html") }
		e.GET("/verify", toVerify)
		e.HEAD("/verify", toVerify)
	}

	v1 := e.Group("/api/v1", noStore)
	v1.POST("/auth/token", s.login, jsonLimit)
	v1.GET("/status-lists/:authority", s.statusList)
	v1.GET("/messages/:lang", s.messages)
	v1.GET("/countries", s.listCountries)

	auth := v1.Group("", s.authenticate)
	auth.POST("/users", s.createUser, jsonLimit)
	auth.POST("/users/:username/disable", s.disableUser)
	auth.POST("/users/:username/enable", s.enableUser)
	auth.POST("/users/:username/end-sessions", s.endSessions)

	auth.POST("/permits", s.issuePermit, jsonLimit, s.idempotent)
	auth.GET("/permits", s.listPermits)
	auth.GET("/permits/:number", s.getPermit)
	auth.GET("/permits/:number/qr.png", s.permitQR)
	auth.GET("/permits/:number/qr.svg", s.permitQR)
	auth.GET("/permits/:number/pdf", s.permitPDF)
	auth.GET("/permits/:number/history", s.permitHistory)
	auth.GET("/permits/:number/verifications", s.permitVerifications)
	auth.GET("/permits/:number/guidance", s.permitGuidance)
	auth.GET("/offline/permits", s.offlinePermits)
	auth.POST("/permits/:number/revoke", s.revokePermit, jsonLimit)
	auth.POST("/permits/:number/endorsements", s.endorsePermit, jsonLimit, s.idempotent)

	auth.GET("/species/listings", s.storedListings)
	auth.POST("/species/listings", s.importListing)
	auth.GET("/species", s.searchSpecies)
	auth.GET("/species/:id", s.getSpecies)
	auth.GET("/requirements", s.requirements)
	auth.POST("/quotas", s.setQuota, jsonLimit)
	auth.GET("/quotas", s.listQuotas)

	auth.POST("/applications", s.saveApplication, jsonLimit, s.idempotent)
	auth.GET("/applications", s.listApplications)
	auth.GET("/applications/:id", s.getApplication)
	auth.PUT("/applications/:id", s.saveApplication, jsonLimit)
	auth.POST("/applications/:id/submit", s.submitApplication, jsonLimit)
	auth.POST("/applications/:id/decision", s.decideApplication, jsonLimit)
	auth.POST("/applications/:id/attachments", s.addAttachment, middleware.BodyLimit("21M"))
	auth.GET("/applications/:id/attachments/:aid", s.getAttachment)
	auth.DELETE("/applications/:id/attachments/:aid", s.deleteAttachment)
	auth.GET("/notifications", s.listNotifications)
	auth.POST("/notifications/:id/read", s.readNotification)
	auth.GET("/reports/annual", s.annualReport)

	photoLimit := middleware.BodyLimit("21M") // the photo plus multipart framing
	auth.POST("/verify", s.verify, jsonLimit)
	auth.POST("/verify/photo", s.verifyPhoto, photoLimit)
	auth.POST("/verify/number", s.verifyNumber, jsonLimit)
	auth.POST("/scan", s.scanPhoto, photoLimit)

	// Seizure cases, alerts and summaries (package cases): officers record
	// cases; analysts read them, the alerts and the summaries; issuers see
	// their authority's alerts. Without a cases service they answer 503.
	cs := auth.Group("", s.casesEnabled)
	cs.POST("/cases", s.createCase, jsonLimit, s.idempotent)
	cs.GET("/cases", s.listCases)
	cs.GET("/cases/export", s.exportCases)
	cs.POST("/cases/from-verification/:vid", s.caseFromVerification, jsonLimit)
	cs.GET("/cases/:id", s.getCase)
	cs.PUT("/cases/:id", s.replaceCase, jsonLimit)
	cs.PATCH("/cases/:id", s.patchCase, jsonLimit)
	cs.GET("/cases/:id/history", s.caseHistory)
	cs.POST("/cases/:id/photos", s.addCasePhoto, photoLimit)
	cs.GET("/cases/:id/photos/:pid", s.casePhoto)
	cs.GET("/cases/:id/photos/:pid/thumb", s.casePhoto)

	cs.GET("/alerts", s.listAlerts)
	cs.GET("/alerts/stream", s.alertStream)
	cs.POST("/alerts/bulk", s.bulkAlerts, jsonLimit)
	cs.GET("/alerts/:id", s.getAlert)
	cs.POST("/alerts/:id/acknowledge", s.acknowledgeAlert)
	cs.POST("/alerts/:id/close", s.closeAlert)

	cs.GET("/stats", s.stats)
}
