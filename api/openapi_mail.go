package api

// The description of the e-mail routes (mail.go), added to operations.
func init() {
	tokenBody := obj{"token": ""}
	for k, o := range map[string]op{
		"POST /auth/confirm": {summary: "Подтвердить адрес по ссылке из письма (одноразовый токен, 48 ч)", tag: "auth", body: "json", in: tokenBody, status: 200, out: obj{"message": ""},
			description: "Неизвестный токен — 404 not_found; использованный или истёкший — 409 conflict с объяснением."},
		"POST /auth/password-reset": {summary: "Запросить письмо для смены пароля: всегда 202 с одним и тем же ответом", tag: "auth", body: "json", in: obj{"email": ""}, status: 202, out: Accepted{},
			description: "Если адрес принадлежит учётной записи, на него уходит одноразовая ссылка (1 ч). Попытки ограничены, как вход.",
			example:     obj{"email": "nobody@example.ru"}},
		"POST /auth/password-reset/confirm": {summary: "Задать новый пароль по ссылке из письма: все сеансы учётной записи завершаются", tag: "auth", body: "json", in: obj{"token": "", "password": ""}, status: 200, out: obj{"message": ""},
			description: "Пароль короче 10 или длиннее 128 символов — 422 с полем password; неизвестный токен — 404; использованный или истёкший — 409."},
		"POST /users/:uid/password-reset": {summary: "Отправить пользователю письмо для смены пароля и завершить его сеансы (администратор)", tag: "accounts", status: 202, out: Accepted{}},
		"POST /applications/:id/invitations": {summary: "Пригласить клиента по e-mail принять заявление, созданное без учётной записи специалиста", tag: "sharing", body: "json", in: obj{"email": ""}, status: 202,
			out:         obj{"email": "", "expires_at": ""},
			description: "Для сотрудника с доступом к заявлению без владельца (и администратора). У заявления уже есть владелец — 409. Ссылка одноразовая, действует 14 дней."},
		"POST /invitations/redeem": {summary: "Принять приглашение: заявление становится заявлением вошедшего специалиста, доступ консалтинговой компании сохраняется", tag: "sharing", body: "json", in: tokenBody, status: 200,
			out:         obj{"application_id": ""},
			description: "Только специалист. Неизвестный токен — 404; использованный, истёкший или заявление уже принято — 409 с объяснением."},
		"POST /unsubscribe": {summary: "Отказаться от напоминаний о сроках по ссылке из письма (без входа; RFC 8058: POST с token в адресе)", tag: "auth", body: "optional json", in: tokenBody, status: 200, out: obj{"message": ""},
			query:       []string{"token"},
			description: "Токен — в теле JSON {\"token\"} (страница отказа) или в параметре token с телом List-Unsubscribe=One-Click (почтовая программа). Неизвестный токен — 404."},
	} {
		operations[k] = o
	}
}
