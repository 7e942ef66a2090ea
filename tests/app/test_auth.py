from app.tables import Session
from tests.builders import PASSWORD, count


def test_anonymous_people_are_sent_to_the_login_page(web):
    response = web.get("/plans", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/plans"


def test_a_focal_point_signs_in_and_sees_the_plans_page_in_vietnamese(web, actors):
    response = web.post("/login", {"email": actors.focal_a.email, "password": PASSWORD, "next": "/plans"})
    assert response.status_code == 303 and response.headers["location"] == "/plans"
    page = web.get("/plans")
    assert page.status_code == 200
    assert "Kế hoạch cải cách hành chính hằng năm" in page.text
    assert "Đăng xuất" in page.text


def test_the_session_cookie_is_httponly_and_samesite(web, actors):
    response = web.login(actors.focal_a)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "parplan_session" in v)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


def test_a_wrong_password_is_refused_with_a_message_and_no_session(web, actors):
    response = web.post("/login", {"email": actors.focal_a.email, "password": "wrong password"})
    assert response.status_code == 400
    assert "Sai email hoặc mật khẩu" in response.text
    assert count(Session) == 0


def test_a_disabled_account_cannot_sign_in(web, actors):
    actors.focal_a.active = False
    actors.focal_a.save().run_sync()
    response = web.post("/login", {"email": actors.focal_a.email, "password": PASSWORD})
    assert response.status_code == 400


def test_every_login_gets_a_new_session_and_the_old_one_ends(web, actors):
    web.login(actors.focal_a)
    first = web.client.cookies["parplan_session"]
    web.login(actors.focal_a)
    second = web.client.cookies["parplan_session"]
    assert first != second
    assert count(Session) == 1


def test_logout_ends_the_session_on_the_server(web, actors):
    web.login(actors.focal_a)
    token = web.client.cookies["parplan_session"]
    assert web.post("/logout").status_code == 303
    assert count(Session) == 0
    web.client.cookies.set("parplan_session", token)  # a copied cookie is worthless after logout
    assert web.get("/plans", follow_redirects=False).status_code == 303


def test_a_form_posted_without_the_csrf_token_is_refused(client, actors):
    client.get("/login")
    response = client.post("/login", data={"email": actors.focal_a.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn hoặc được gửi từ trang khác" in response.text  # in Vietnamese, not Litestar's words
    assert count(Session) == 0


def test_next_never_leads_to_another_site(web, actors):
    response = web.post("/login", {"email": actors.focal_a.email, "password": PASSWORD,
                                   "next": "//evil.example/"})
    assert response.headers["location"] == "/plans"


def test_english_users_get_english_pages(web, actors):
    actors.focal_a.language = "en"
    actors.focal_a.save().run_sync()
    web.login(actors.focal_a)
    assert "Annual administrative reform plans" in web.get("/plans").text


def test_the_language_switch_is_remembered_for_the_account(web, actors):
    web.login(actors.focal_a)
    web.post("/language", {"language": "en", "next": "/plans"})
    from app.tables import User

    assert User.select(User.language).where(User.id == actors.focal_a.id).first().run_sync()["language"] == "en"
    assert "Sign out" in web.get("/plans").text
