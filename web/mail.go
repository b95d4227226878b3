package web

// The pages of e-mail links (confirming an address, a new password, an
// invitation, unsubscription) and the request of a reset link: none needs
// a signed-in person (publicViews in static/main.js). Their bodies are in
// pages/mail.html.
var mailPages = map[string]page{
	"/app/confirm-email":   {Title: "Подтверждение адреса", View: "confirm"},
	"/app/forgot-password": {Title: "Восстановление пароля", View: "forgot"},
	"/app/reset-password":  {Title: "Новый пароль", View: "reset"},
	"/app/invitation":      {Title: "Приглашение", View: "invitation"},
	"/app/unsubscribe":     {Title: "Отказ от напоминаний", View: "unsubscribe"},
}

func init() {
	for path, p := range mailPages {
		fixedPages[path] = p
	}
}
