package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/accounts"
	"accredpack/certimport"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/intake"
	"accredpack/readiness"
	"accredpack/webhooks"
)

// op documents one endpoint of the route table. in and out are Go values
// whose types give the request and answer schemas (nil: none, or a plain
// object); example is a request body the running server answers with
// status (checked by the test); answer is an example of the answer (the
// test checks it against the schema of out); description says more than
// the summary.
type op struct {
	summary     string
	description string
	tag         string
	body        string // "", "json", "optional json", "multipart", "pdf", "import"
	in          any
	status      int
	out         any
	example     any
	answer      any
	query       []string
	// shownOnce names the answer's field that carries a secret shown once
	// (see shownOnce in idempotency.go); the description says how a replay
	// answers.
	shownOnce string
}

// withheldNote is what the description says of an answer with a secret
// replayed for an Idempotency-Key.
func withheldNote(field string) string {
	return "Повтор запроса с тем же Idempotency-Key возвращает первый ответ без поля " + field +
		" (секрет показывается один раз и не хранится) и с полем secret_withheld: [\"" + field + "\"]."
}

type obj = map[string]any

// operations documents every route; the test fails when a route has no
// entry here (and the server refuses to describe itself).
var operations = map[string]op{
	"POST /auth/login": {summary: "Вход по e-mail и паролю: cookie сессии и CSRF-токен", tag: "auth", body: "json", in: loginBody{}, status: 200, out: SessionJSON{}},
	"POST /auth/register": {summary: "Регистрация специалиста (если разрешена): ответ один и тот же, известен адрес или нет", tag: "auth", body: "json", in: registerBody{}, status: 202, out: Accepted{},
		description: "Новому адресу уходит письмо со ссылкой подтверждения; если учётная запись с адресом уже есть, её владельцу уходит письмо о попытке регистрации " +
			"(или новая ссылка, если адрес так и не подтверждён), а ответ тот же. confirm_email=true (почта включена): войти можно после подтверждения, до него вход — 403; " +
			"false (почта выключена): учётная запись работает сразу, в журнале — что было бы отправлено."},
	"POST /auth/logout": {summary: "Выход: сессия закрыта", tag: "auth", status: 204},
	"GET /auth/me":      {summary: "Кто я: роль, организация, имя и e-mail (у токена администратора их нет: null)", tag: "auth", status: 200, out: SessionJSON{}},
	"POST /auth/password": {summary: "Сменить свой пароль: остальные сеансы завершаются, текущий и API-ключи остаются", tag: "auth", body: "json", in: PasswordBody{}, status: 204,
		description: "Для вошедшего человека (сеанс или API-ключ его учётной записи; токен администратора — нет, 403). " +
			"Неверный текущий пароль — 422 validation_failed с полем current_password; новый пароль короче 10 или длиннее 128 символов " +
			"или равный текущему — 422 с полем new_password. Неверные попытки ограничены, как вход (--login-per-minute): дальше 429 rate_limited.",
		example: obj{"current_password": "старый пароль 2025", "new_password": "новый длинный пароль"}},
	"GET /catalog":       {summary: "Виды заявлений, их вопросы и слоты с источниками, номенклатура специальностей; date=ГГГГ-ММ-ДД — специальности, действующие в этот день", tag: "catalog", status: 200, out: CatalogJSON{}, query: []string{"date"}},
	"GET /organizations": {summary: "Организации (консалтинг, учебные центры)", tag: "accounts", status: 200, out: obj{"organizations": []obj{}}},
	"POST /organizations": {summary: "Создать организацию (администратор)", tag: "accounts", body: "json", in: orgBody{}, status: 201,
		example: obj{"name": "Учебный центр «Пример»", "kind": "training_center"}},
	"GET /users":    {summary: "Пользователи (администратор): роль, организация, disabled_at у отключённых", tag: "accounts", status: 200, out: obj{"users": []database.User{}}},
	"POST /users":   {summary: "Создать пользователя любой роли (администратор)", tag: "accounts", body: "json", in: registerBody{}, status: 201},
	"GET /api-keys": {summary: "Мои API-ключи: имя, создан, последнее использование", tag: "accounts", status: 200, out: obj{"api_keys": []obj{}}},
	"POST /api-keys": {summary: "Новый API-ключ: токен показывается один раз", tag: "accounts", body: "json", in: accounts.KeyRequest{}, status: 201, shownOnce: "token",
		description: "scope: full (по умолчанию: все действия владельца), read (только GET/HEAD), import (только POST /imports/certificates, " +
			"GET /auth/me, GET /catalog); вне области — 403 key_scope. Срок: expires_at (RFC 3339, в будущем, не более двух лет) или " +
			"expires_in_days (1..732); без срока ключ бессрочный; истёкший ключ — 401 key_expired."},
	"DELETE /api-keys/:kid": {summary: "Отозвать API-ключ: свой; администратор — любой", tag: "accounts", status: 204,
		description: "Ключ перестаёт действовать сразу. Чужой ключ для не-администратора — 404, как несуществующий. Каждый отзыв — строка журнала keys.revoke (владелец ключа видит её в /me/audit)."},
	"GET /audit": {summary: "Журнал доступа (администратор); format=csv|ndjson для выгрузки", tag: "audit", status: 200, out: AuditPageJSON{},
		query: []string{"actor_id", "action", "application_id", "owner_id", "outcome", "from", "to", "order", "limit", "after", "before", "format"},
		description: "Фильтры: actor_id (кто; bootstrap — токен администратора), action (например document.read, user.disable), application_id, owner_id, " +
			"outcome (granted | denied), from и to (ГГГГ-ММ-ДД или RFC 3339; to не включается). order=asc (по умолчанию, старые первыми; страницы — after=next_after) " +
			"или desc (новые первыми; страницы — before=next_before). format=csv|ndjson выгружает всю выборку."},
	"GET /me/audit": {summary: "Журнал доступа к моим данным", tag: "audit", status: 200, out: AuditPageJSON{}, query: []string{"order", "limit", "after", "before", "format"}},
	"PATCH /users/:uid": {summary: "Отключить или снова включить учётную запись (администратор)", tag: "accounts", body: "json", in: UserPatch{}, status: 200, out: database.User{},
		description: "disabled: true — все сеансы пользователя завершаются сразу, его API-ключи отклоняются со следующего запроса (401), вход отклоняется (403 с объяснением); " +
			"false — включить снова (ключи снова действуют, сеансы — нет: нужно войти). Свою учётную запись отключить нельзя, токен администратора (bootstrap) — тоже: 409 conflict с причиной. " +
			"Неизвестный пользователь — 404. Строка журнала user.disable или user.enable.",
		example: obj{"disabled": true}},
	"GET /api-keys/all": {summary: "Все API-ключи всех учётных записей с владельцем (администратор)", tag: "accounts", status: 200, out: obj{"api_keys": []database.OwnedAPIKey{}},
		description: "Имя, создан, последнее использование, отозван, владелец (e-mail, имя, роль, отключён ли). Секретов нет. Отзывают через DELETE /api-keys/{kid}."},
	"POST /share-codes/redeem":      {summary: "Получить доступ к заявлению по коду специалиста (учебный центр)", tag: "sharing", body: "json", in: codeBody{}, status: 200, out: obj{"application_id": ""}},
	"GET /webhooks":                 {summary: "Мои подписки на события (сотрудник видит подписки организации)", tag: "webhooks", status: 200, out: obj{"webhooks": []WebhookJSON{}}},
	"POST /webhooks":                {summary: "Подписаться на события: document.accepted, bundle.done, readiness.changed; секрет подписи показывается один раз", tag: "webhooks", body: "json", in: webhooks.NewSubscription{}, status: 201, out: WebhookJSON{}, shownOnce: "secret"},
	"GET /webhooks/:wid":            {summary: "Подписка", tag: "webhooks", status: 200, out: WebhookJSON{}},
	"DELETE /webhooks/:wid":         {summary: "Удалить подписку с журналом доставок", tag: "webhooks", status: 204},
	"GET /webhooks/:wid/deliveries": {summary: "Журнал доставок: событие, статус, каждая попытка", tag: "webhooks", status: 200, out: obj{"deliveries": []DeliveryJSON{}}, query: []string{"limit"}},
	"POST /webhooks/:wid/ping":      {summary: "Отправить пробное событие ping", tag: "webhooks", status: 202, out: DeliveryJSON{}},
	"POST /webhooks/:wid/secret": {summary: "Сменить секрет подписи: новый показывается один раз, прежний подписывает доставки вместе с ним до previous_secret_expires_at", tag: "webhooks",
		description: "Новый секрет возвращается в поле secret только в этом ответе. Пока не наступил previous_secret_expires_at " +
			"(через --webhook-secret-grace, по умолчанию 24 ч), заголовок Accredpack-Signature несёт две подписи: " +
			"t=<время>,v1=<подпись новым секретом>,v1=<подпись прежним>; получатель, проверяющий любым из двух, принимает доставку " +
			"(client.VerifyWebhook принимает заголовок, если подходит хотя бы одна подпись v1). Затем — только новым. " +
			"Повторная смена в этот период: прежним становится секрет, бывший текущим, а самый старый перестаёт действовать сразу.",
		status: 200, out: WebhookJSON{}, answer: exampleRotated(), shownOnce: "secret"},
	"POST /forms/check":  {summary: "Проверить поля заявления, ничего не сохраняя", tag: "applications", body: "json", in: dossier.Form{}, status: 200, out: obj{"valid": true, "form": dossier.Form{}}, example: exampleForm()},
	"POST /applications": {summary: "Создать заявление", tag: "applications", body: "json", in: dossier.Form{}, status: 201, out: ApplicationJSON{}, example: exampleForm()},
	"GET /applications": {summary: "Заявления, доступные вызывающему: отбор, поиск, порядок и страницы — на сервере", tag: "applications", status: 200, out: ListJSON{},
		query: []string{"limit", "cursor", "q", "sort", "order", "status", "ready", "due_before", "overdue", "expired", "assignee", "report"},
		description: "q — СНИЛС (точное совпадение, в любой записи) или слова ФИО и специальности (без учёта регистра, ё = е). " +
			"sort — created (по умолчанию), due (последний день подачи; без срока — в конце) или name; order — asc или desc. " +
			"ready — true/false; due_before — ГГГГ-ММ-ДД, не поданные со сроком подачи раньше этого дня; overdue=true — срок подачи прошёл; " +
			"expired=true — аккредитация истекла (оба — только не поданные). assignee (список консалтинговой организации) — me, none или id сотрудника. " +
			"next_cursor продолжает тот же порядок: с другим sort или order он не принимается. attention у каждого заявления — overdue, expired. " +
			"report=empty — только те, чей отчёт о профессиональной деятельности не начат (нет черновика и файла в его строке); report у каждого заявления — его состояние."},
	"GET /applications/export": {summary: "Выгрузка текущего отбора списка (те же параметры, что у GET /applications) в CSV или XLSX", tag: "applications", status: 200,
		query: []string{"format", "q", "sort", "order", "status", "ready", "due_before", "overdue", "expired", "assignee", "report"},
		description: "format — csv (UTF-8 с BOM, разделитель «;») или xlsx. Не больше 10 000 строк: иначе 400 с просьбой сузить отбор. " +
			"Каждое выгруженное заявление записывается в журнал доступа."},
	"GET /staff":                     {summary: "Сотрудники моей организации (для назначения ответственного)", tag: "accounts", status: 200, out: obj{"staff": []StaffJSON{}}},
	"PUT /applications/:id/assignee": {summary: "Назначить ответственного сотрудника консалтинговой организации (user_id пустой — снять)", tag: "applications", body: "json", in: AssigneeBody{}, status: 200, out: AssigneeBody{}},
	"GET /applications/:id":          {summary: "Заявление: форма, слоты, готовность, сроки", tag: "applications", status: 200, out: ApplicationJSON{}},
	"PATCH /applications/:id":        {summary: "Изменить поля (JSON merge); форма проверяется целиком", tag: "applications", body: "json", status: 200, out: ApplicationJSON{}, example: obj{"comment": "Уточнён телефон"}},
	"DELETE /applications/:id":       {summary: "Удалить заявление с файлами; остаётся только журнал", tag: "applications", status: 204},
	"POST /applications/:id/submit": {summary: "Отметить заявление поданным (только готовое); submitted_on — день, когда портал ФРМР принял заявление", tag: "applications",
		body: "optional json", in: SubmitBody{}, status: 200, out: ApplicationJSON{},
		description: "Тело необязательно: без него (или с пустым) днём подачи считается сегодня. submitted_on (ГГГГ-ММ-ДД) — не позже сегодняшнего дня " +
			"(по самому восточному часовому поясу России) и не раньше дня создания заявления, иначе 422 validation_failed с полем submitted_on. " +
			"Сроки этапов после подачи в отчёте о готовности считаются от этого дня. Возврат в работу (reopen) его сбрасывает."},
	"POST /applications/:id/reopen": {summary: "Вернуть поданное заявление в работу", tag: "applications", status: 200, out: ApplicationJSON{}},
	"PUT /applications/:id/slots/:slot/file": {summary: "Загрузить файл в слот (тело PDF или multipart с одной частью file); optimize=true принимает фото и большие сканы", tag: "files",
		body: "pdf", status: 201, out: obj{"document": DocumentJSON{}}, query: []string{"filename", "optimize"}},
	"GET /applications/:id/slots/:slot/file": {summary: "Скачать файл слота под именем, которое он получит в пакете ФРМР («Иванова А.С. - Паспорт.pdf»); inline=1 — открыть в браузере", tag: "files", status: 200, query: []string{"inline"},
		description: "Content-Disposition: attachment (или inline при inline=1) с именем файла в кодировке RFC 5987 (filename*=utf-8''…)."},
	"HEAD /applications/:id/slots/:slot/file":      {summary: "Размер, контрольная сумма и имя файла слота", tag: "files", status: 200, query: []string{"inline"}},
	"DELETE /applications/:id/slots/:slot/file":    {summary: "Очистить слот (файл остаётся в истории)", tag: "files", status: 204},
	"GET /applications/:id/slots/:slot/history":    {summary: "Прежние файлы слота с их исходниками", tag: "files", status: 200, out: obj{"history": []HistoryJSON{}}},
	"POST /applications/:id/slots/:slot/file/link": {summary: "Временная прямая ссылка на файл (S3)", tag: "files", status: 200, out: obj{"url": "", "expires_at": time.Time{}, "secret_withheld": []string{}}, shownOnce: "url"},
	"POST /applications/:id/slots/:slot/compose":   {summary: "Собрать один файл слота из частей: PDF и фото JPEG/PNG по порядку; optimize=true ужимает до лимита", tag: "files", body: "multipart", status: 201, out: composeOut{}, query: []string{"optimize"}},
	"GET /applications/:id/slots/:slot/sources":    {summary: "Исходники текущего файла слота", tag: "files", status: 200, out: obj{"sources": []SourceJSON{}}},
	"GET /applications/:id/sources/:sid":           {summary: "Скачать исходник как он был загружен", tag: "files", status: 200},
	"POST /applications/:id/slots/:slot/confirm": {summary: "«Документ верный»: снять предупреждения, найденные при чтении скана (до замены файла)", tag: "files", status: 200, out: SlotJSON{},
		description: "Скан каждого принятого документа читается в фоне (OCR, русский): document.reading.status — pending, done, failed или off; " +
			"document.reading.warnings — что найдено (другой вид документа, не та фамилия или СНИЛС, часы и даты курса не как в записи, низкое разрешение, пустые страницы). " +
			"Предупреждения не мешают загрузке и подаче. Подтверждение записывается в журнал доступа; предупреждения подтверждённого документа остаются в reading.warnings, " +
			"но уходят из отчёта о готовности. 409, если документ не читался (reading.status off)."},
	"GET /applications/:id/readiness":       {summary: "Готовность: часы обучения, НМО, замечания, сроки", tag: "ledger", status: 200, out: readiness.Report{}},
	"GET /applications/:id/courses":         {summary: "Курсы повышения квалификации", tag: "ledger", status: 200, out: obj{"courses": []dossier.Course{}}},
	"POST /applications/:id/courses":        {summary: "Добавить курс", tag: "ledger", body: "json", in: dossier.Course{}, status: 201, out: dossier.Course{}, example: exampleCourse()},
	"PUT /applications/:id/courses/:rid":    {summary: "Изменить курс", tag: "ledger", body: "json", in: dossier.Course{}, status: 200, out: dossier.Course{}},
	"DELETE /applications/:id/courses/:rid": {summary: "Удалить курс", tag: "ledger", status: 204},
	"GET /applications/:id/nmo":             {summary: "Активности НМО", tag: "ledger", status: 200, out: obj{"activities": []dossier.NMOActivity{}}},
	"POST /applications/:id/nmo":            {summary: "Добавить активность НМО (код подтверждения уникален для специалиста)", tag: "ledger", body: "json", in: dossier.NMOActivity{}, status: 201, out: dossier.NMOActivity{}},
	"PUT /applications/:id/nmo/:rid":        {summary: "Изменить активность НМО", tag: "ledger", body: "json", in: dossier.NMOActivity{}, status: 200, out: dossier.NMOActivity{}},
	"DELETE /applications/:id/nmo/:rid":     {summary: "Удалить активность НМО", tag: "ledger", status: 204},
	"POST /applications/:id/bundles":        {summary: "Заказать сборку: пакет ФРМР (ZIP) или портфолио (PDF)", tag: "bundles", body: "json", in: bundleBody{}, status: 202, out: BundleJSON{}, example: obj{"kind": "frmr_package", "draft": true}},
	"GET /applications/:id/bundles":         {summary: "Сборки заявления, новые первыми (как GET /bundles/{id})", tag: "bundles", status: 200, out: BundleListJSON{}},
	"GET /applications/:id/grants":          {summary: "Организации с доступом к заявлению", tag: "sharing", status: 200, out: obj{"grants": []obj{}}},
	"POST /applications/:id/grants":         {summary: "Дать доступ организации", tag: "sharing", body: "json", in: grantBody{}, status: 201},
	"DELETE /applications/:id/grants/:org":  {summary: "Отозвать доступ организации", tag: "sharing", status: 204},
	"POST /applications/:id/share-codes":    {summary: "Одноразовый код доступа для учебного центра (7 дней)", tag: "sharing", status: 201, out: obj{"code": "", "expires_at": time.Time{}, "secret_withheld": []string{}}, shownOnce: "code"},
	"GET /applications/:id/audit":           {summary: "Журнал доступа к заявлению", tag: "audit", status: 200, out: AuditPageJSON{}, query: []string{"order", "limit", "after", "before", "format"}},
	"GET /bundles/:id":                      {summary: "Состояние сборки и прогресс", tag: "bundles", status: 200, out: BundleJSON{}},
	"GET /bundles/:id/file":                 {summary: "Скачать сборку под именем специалиста («Иванова А.С. - пакет для ФРМР.zip», «… - портфолио.pdf», «… - черновик …»); inline=1 — открыть портфолио в браузере", tag: "bundles", status: 200, query: []string{"inline"}},
	"POST /bundles/:id/retry":               {summary: "Повторить неудавшуюся сборку", tag: "bundles", status: 202, out: BundleJSON{}},
	"GET /openapi.json":                     {summary: "Это описание API (OpenAPI 3.1)", tag: "meta", status: 200},
	"GET /applications/:id/report": {summary: "Отчёт о профессиональной деятельности: черновик с версией, данные из заявления и обучения, строки таблицы показателей, замечания", tag: "report", status: 200, out: ReportJSON{},
		description: "version — номер последнего сохранения (0 — ещё не сохранялся), он же ETag. facts — то, что в отчёт берётся из заявления и раздела «Обучение» и не вводится повторно " +
			"(Ф. И. О., специальность, период, годы таблицы, согласован ли отчёт и почему нет, курсы периода, зачётные единицы НМО). findings — что заметит комиссия " +
			"(раздел пуст или слишком короткий, нет чисел за год, не указан руководитель); те же замечания — предупреждения в готовности заявления, пока в строке отчёта нет подписанного скана. " +
			"structure — разделы с подсказками и источниками (report/data/structure.json). У вида заявления без отчёта (первичная специализированная аккредитация) — 404."},
	"PUT /applications/:id/report": {summary: "Сохранить черновик отчёта (version — с какой версии сделана правка, 0 — первое сохранение; или заголовок If-Match)", tag: "report", body: "json", in: reportSave{}, status: 200, out: ReportJSON{},
		description: "Правка, сделанная с устаревшей версии (в другом окне или на другом устройстве уже сохранили), — 409 conflict, ничего не меняется: перечитайте отчёт и повторите. " +
			"Поля проверяются по форме (даты ГГГГ-ММ-ДД, числа от 0 до 10 000 000, тексты до 20 000 знаков): 422 validation_failed с путями полей draft.…. Поданное заявление — 409."},
	"GET /applications/:id/report/pdf":  {summary: "Отчёт в PDF (A4, шрифт встроен, текст настоящий, номера страниц) под именем «Иванова А.С. - отчёт о профессиональной деятельности.pdf»; inline=1 — открыть в браузере", tag: "report", status: 200, query: []string{"inline"}},
	"GET /applications/:id/report/docx": {summary: "Отчёт в DOCX для правки в Word или LibreOffice («… - отчёт о профессиональной деятельности.docx»)", tag: "report", status: 200},
	"POST /applications/:id/report/slot": {summary: "Поместить PDF отчёта в строку «Отчёт о профессиональной деятельности» (только по просьбе пользователя; подписанный скан потом заменяет его)", tag: "report", status: 201, out: obj{"document": DocumentJSON{}},
		description: "PDF проходит те же проверки, что и загрузка; прежний файл строки остаётся в истории. Пока в строке этот PDF, готовность предупреждает: нужен скан с подписью и печатью. " +
			"Отчёт без сохранённого черновика — 409."},
	"POST /applications/:id/report/template": {summary: "Начать пустой отчёт клиента с шаблона своей консалтинговой организации", tag: "report", body: "json", in: obj{"template_id": ""}, status: 200, out: ReportJSON{},
		description: "Только пока в отчёте ничего не написано: иначе 409. Шаблон другой организации — 404."},
	"GET /report-templates":         {summary: "Шаблоны отчёта моей консалтинговой организации (по специальностям)", tag: "report", status: 200, out: obj{"templates": []intake.ReportTemplate{}}},
	"POST /report-templates":        {summary: "Новый шаблон отчёта: название, специальность (номенклатура на сегодня), черновик", tag: "report", body: "json", in: intake.ReportTemplate{}, status: 201, out: intake.ReportTemplate{}},
	"DELETE /report-templates/:tid": {summary: "Удалить шаблон отчёта своей организации", tag: "report", status: 204},
	"POST /imports/certificates": {summary: "Пакетный импорт удостоверений учебным центром: JSON, CSV или форма batch + files (ZIP с PDF); отчёт по каждой строке", tag: "imports",
		body: "import", in: importBody{}, status: 200, out: certimport.Report{}, example: exampleImport()},
}

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}
type registerBody struct {
	Email          string `json:"email"`
	Password       string `json:"password"`
	Name           string `json:"name"`
	Role           string `json:"role,omitempty"`
	OrganizationID string `json:"organization_id,omitempty"`
}
type orgBody struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}
type nameBody struct {
	Name string `json:"name"`
}
type codeBody struct {
	Code string `json:"code"`
}
type grantBody struct {
	OrganizationID string `json:"organization_id"`
}
type bundleBody struct {
	Kind  string `json:"kind"`
	Draft bool   `json:"draft"`
}

// importBody is a JSON batch of certificates (the CSV columns are the
// same names; see docs/integrators.md).
type importBody struct {
	Rows []importRow `json:"rows"`
}
type importRow struct {
	SNILS         string `json:"snils"`
	Title         string `json:"title"`
	Hours         int    `json:"hours"`
	StartDate     string `json:"start_date"`
	EndDate       string `json:"end_date"`
	FRDONumber    string `json:"frdo_number"`
	InSpecialty   bool   `json:"in_specialty"`
	File          string `json:"file"`
	ApplicationID string `json:"application_id"`
}

func exampleImport() obj {
	return obj{"rows": []obj{{"snils": "112-233-445 95", "title": "Актуальные вопросы терапии", "hours": 36, "start_date": "2025-02-01",
		"end_date": "20.02.2025", "frdo_number": "ФРДО-000777", "in_specialty": true}}}
}

type composeOut struct {
	Document DocumentJSON `json:"document"`
	Compose  ComposeJSON  `json:"compose"`
	Sources  []SourceJSON `json:"sources"`
}

func exampleRotated() WebhookJSON {
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	until := time.Date(2026, 4, 14, 10, 30, 0, 0, time.UTC)
	return WebhookJSON{ID: "wh_4f1c2a9b8e7d6c5b4a392817", URL: "https://crm.example.ru/hooks/accredpack",
		Events: []string{"document.accepted", "readiness.changed", "bundle.done"}, Description: "CRM консалтинга", CreatedAt: created,
		Secret: "whsec_Vq3yL0cW8dJ2nT6rB1kX9mF4hS7pA5eZgU0iO3tY2wQ", PreviousSecretExpiresAt: &until}
}

func exampleForm() obj {
	return obj{
		"kind":            "periodic",
		"specialist":      obj{"last_name": "Иванова", "first_name": "Анна", "middle_name": "Сергеевна", "snils": "112-233-445 95", "birth_date": "1985-04-12"},
		"contact":         obj{"phone": "8 912 345-67-89", "email": "anna@example.ru"},
		"education_level": "higher",
		"specialty":       "Терапия",
		"report_agreed":   true,
		"name_changed":    false,
		"consent":         true,
	}
}

func exampleCourse() obj {
	return obj{"title": "Актуальные вопросы терапии", "organization": "Учебный центр", "hours": 36, "start_date": "2025-02-01",
		"end_date": "2025-02-20", "in_specialty": true, "frdo_number": "ФРДО-000123"}
}

var pathParam = regexp.MustCompile(`:([a-z]+)`)

// OpenAPI builds the description of /api/v1 from the route table, the
// operations above and the Go types of requests and answers (their JSON
// tags), so it cannot drift from the code without a test failing.
func OpenAPI() ([]byte, error) {
	b := &schemaBuilder{components: obj{}}
	paths := obj{}
	for _, r := range (&Server{}).routes() {
		key := r.method + " " + r.path
		o, ok := operations[key]
		if !ok {
			return nil, &missingOperation{key}
		}
		path := "/api/v1" + pathParam.ReplaceAllString(r.path, "{$1}")
		item, _ := paths[path].(obj)
		if item == nil {
			item = obj{}
			paths[path] = item
		}
		operation := obj{"summary": o.summary, "tags": []string{o.tag}, "operationId": operationID(r.method, r.path)}
		if o.shownOnce != "" {
			o.description = strings.TrimSpace(o.description + " " + withheldNote(o.shownOnce))
		}
		if o.description != "" {
			operation["description"] = o.description
		}
		var params []obj
		for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
			params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": obj{"type": "string"}})
		}
		for _, q := range o.query {
			params = append(params, obj{"name": q, "in": "query", "schema": obj{"type": "string"}})
		}
		if r.method == http.MethodPost && r.on != public {
			params = append(params, obj{"name": idempotencyHeader, "in": "header", "schema": obj{"type": "string", "maxLength": 255},
				"description": "повтор с тем же ключом возвращает первый ответ"})
		}
		if params != nil {
			operation["parameters"] = params
		}
		switch o.body {
		case "json", "optional json":
			content := obj{"schema": b.schema(o.in)}
			if o.example != nil {
				content["example"] = o.example
			}
			operation["requestBody"] = obj{"required": o.body == "json", "content": obj{"application/json": content}}
		case "multipart":
			operation["requestBody"] = obj{"required": true, "content": obj{"multipart/form-data": obj{"schema": obj{"type": "object",
				"properties": obj{"file": obj{"type": "array", "items": obj{"type": "string", "contentMediaType": "application/octet-stream"}}}}}}}
		case "import":
			operation["requestBody"] = obj{"required": true, "content": obj{
				"application/json": obj{"schema": b.schema(o.in), "example": o.example},
				"text/csv":         obj{"schema": obj{"type": "string", "contentMediaType": "text/csv"}},
				"multipart/form-data": obj{"schema": obj{"type": "object", "required": []string{"batch"}, "properties": obj{
					"batch": obj{"type": "string", "description": "пакет: CSV (разделитель ; или ,) или JSON"},
					"files": obj{"type": "string", "contentMediaType": "application/zip", "description": "ZIP с PDF, которые называют строки (столбец file)"}}}},
			}}
		case "pdf":
			operation["requestBody"] = obj{"required": true, "content": obj{
				"application/pdf":     obj{"schema": obj{"type": "string", "contentMediaType": "application/pdf"}},
				"multipart/form-data": obj{"schema": obj{"type": "object", "properties": obj{"file": obj{"type": "string", "contentMediaType": "application/pdf"}}}},
			}}
		}
		answer := obj{"description": http.StatusText(o.status)}
		if o.out != nil {
			content := obj{"schema": b.schema(o.out)}
			if o.answer != nil {
				content["example"] = o.answer
			}
			answer["content"] = obj{"application/json": content}
		}
		responses := obj{itoa(o.status): answer, "503": overloadedAnswer(b), "default": obj{"description": "ошибка (коды в API.md и docs/integrators.md)",
			"content": obj{"application/json": obj{"schema": b.schema(ErrorBody{})}}}}
		operation["responses"] = responses
		if r.on != public {
			operation["security"] = []obj{{"bearer": []string{}}, {"session": []string{}}}
		}
		item[strings.ToLower(r.method)] = operation
	}
	doc := obj{
		"openapi": "3.1.0",
		"info": obj{"title": "accredpack API", "version": "1",
			"description": "Приём документов для аккредитации в ФРМР: заявления, файлы слотов, сборка пакетов. Ошибки: {\"error\": {\"code\", \"message\", \"fields\"}}."},
		"servers": []obj{{"url": "/"}},
		"paths":   paths,
		"components": obj{"schemas": b.components, "securitySchemes": obj{
			"bearer":  obj{"type": "http", "scheme": "bearer", "description": "API-ключ ak_… или токен администратора"},
			"session": obj{"type": "apiKey", "in": "cookie", "name": "accredpack_session", "description": "cookie сессии; запись — с заголовком X-CSRF-Token"},
		}},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// overloadedAnswer documents the 503 every operation may answer: the
// service is busy (overloaded, with Retry-After) or its database or storage
// is unavailable.
func overloadedAnswer(b *schemaBuilder) obj {
	_, over := publicError(errOverloaded)
	return obj{"description": "сервис перегружен (overloaded: слишком много запросов или загрузок одновременно, повторить через Retry-After секунд) " +
		"или база данных / хранилище недоступны (unavailable)",
		"headers": obj{"Retry-After": obj{"description": "через сколько секунд повторить (при overloaded)", "schema": obj{"type": "integer"}}},
		"content": obj{"application/json": obj{"schema": b.schema(ErrorBody{}), "example": ErrorBody{Error: over}}}}
}

type missingOperation struct{ key string }

func (m *missingOperation) Error() string { return "api: no OpenAPI operation for " + m.key }

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func operationID(method, path string) string {
	parts := []string{strings.ToLower(method)}
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if strings.HasPrefix(p, ":") {
			p = "by_" + p[1:]
		}
		parts = append(parts, strings.NewReplacer("-", "_", ".", "_").Replace(p))
	}
	return strings.Join(parts, "_")
}

// schemaBuilder turns Go types into JSON Schema by their JSON tags; named
// structs become components.
type schemaBuilder struct{ components obj }

var timeType = reflect.TypeOf(time.Time{})

func (b *schemaBuilder) schema(v any) obj {
	if m, ok := v.(obj); ok {
		props := obj{}
		for k, x := range m {
			props[k] = b.schema(x)
		}
		return obj{"type": "object", "properties": props}
	}
	if s, ok := v.([]obj); ok && len(s) == 0 {
		return obj{"type": "array", "items": obj{"type": "object"}}
	}
	return b.typeSchema(reflect.TypeOf(v))
}

func (b *schemaBuilder) typeSchema(t reflect.Type) obj {
	if t == nil {
		return obj{}
	}
	switch {
	case t == timeType:
		return obj{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		s := b.typeSchema(t.Elem())
		if _, ref := s["$ref"]; ref {
			return obj{"oneOf": []obj{s, {"type": "null"}}}
		}
		if typ, ok := s["type"].(string); ok {
			s["type"] = []string{typ, "null"}
		}
		return s
	}
	switch t.Kind() {
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice, reflect.Array:
		return obj{"type": "array", "items": b.typeSchema(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": b.typeSchema(t.Elem())}
	case reflect.Interface:
		return obj{}
	case reflect.Struct:
		name := componentName(t)
		if name != "" {
			if _, done := b.components[name]; !done {
				b.components[name] = obj{} // recursion guard
				b.components[name] = b.structSchema(t)
			}
			return obj{"$ref": "#/components/schemas/" + name}
		}
		return b.structSchema(t)
	}
	return obj{}
}

func (b *schemaBuilder) structSchema(t reflect.Type) obj {
	props := obj{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			inner := b.structSchema(f.Type)
			for k, v := range inner["properties"].(obj) {
				props[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = b.typeSchema(f.Type)
	}
	return obj{"type": "object", "properties": props}
}

func componentName(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
	if pkg == "api" {
		return strings.ToUpper(t.Name()[:1]) + t.Name()[1:]
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + t.Name()
}

// openAPI serves the description built when the server was made.
func (s *Server) openAPI(c echo.Context) error {
	if s.openapiErr != nil {
		return s.openapiErr
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/json", s.openapi)
}
