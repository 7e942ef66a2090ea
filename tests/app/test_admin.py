from app.auth import verify_password
from app.tables import Session, User
from tests.builders import count


def test_only_the_admin_sees_and_changes_accounts(web, actors):
    for who in ("focal_a", "steering", "secretariat"):
        web.login(getattr(actors, who))
        assert web.get("/admin/users").status_code == 403
        response = web.post("/admin/users", {"email": "x@y.vn", "role": "admin", "password": "longenough"})
        assert response.status_code == 403
    assert User.count().where(User.email == "x@y.vn").run_sync() == 0


def test_the_admin_creates_a_focal_point_for_a_unit(web, actors):
    web.login(actors.admin)
    page = web.get("/admin/users")
    assert page.status_code == 200 and actors.focal_b.email in page.text
    response = web.post("/admin/users", {"email": "Moi@STP.vn", "full_name": "Cán bộ mới", "role": "focal_point",
                                         "unit": "STP", "password": "mat-khau-moi", "language": "vi"})
    assert response.status_code == 303
    user = User.objects().where(User.email == "moi@stp.vn").first().run_sync()
    assert (user.role, user.unit) == ("focal_point", actors.unit_a.id)
    assert verify_password(user.password_hash, "mat-khau-moi")


def test_a_focal_point_without_a_unit_is_refused_next_to_the_unit_field(web, actors):
    web.login(actors.admin)
    before = count(User)
    response = web.post("/admin/users", {"email": "moi@stp.vn", "role": "focal_point", "password": "mat-khau-moi"})
    assert response.status_code == 400
    assert 'data-error="unit"' in response.text and "cần thuộc một đơn vị" in response.text
    assert 'value="moi@stp.vn"' in response.text  # what was typed stays
    assert count(User) == before


def test_deactivating_an_account_signs_it_out_at_once(web, actors, client):
    from litestar.testing import TestClient

    from app.factory import create_app
    from tests.builders import Web

    with TestClient(app=create_app(), base_url="http://other.local") as other_client:
        other = Web(other_client)
        other.login(actors.focal_b)
        assert other.get("/plans").status_code == 200
        web.login(actors.admin)
        response = web.post(f"/admin/users/{actors.focal_b.id}", {"role": "focal_point", "unit": "SCT"})
        assert response.status_code == 303
        assert User.objects().where(User.id == actors.focal_b.id).first().run_sync().active is False
        assert Session.count().where(Session.user == actors.focal_b.id).run_sync() == 0
        assert other.get("/plans", follow_redirects=False).status_code == 303


def test_the_admin_cannot_lock_themselves_out(web, actors):
    web.login(actors.admin)
    response = web.post(f"/admin/users/{actors.admin.id}", {"role": "steering", "active": "on"})
    assert response.status_code == 400 and "quyền quản trị" in response.text
    assert User.objects().where(User.id == actors.admin.id).first().run_sync().role == "admin"


def test_moving_a_focal_point_to_another_unit(web, actors):
    web.login(actors.admin)
    web.post(f"/admin/users/{actors.focal_b.id}", {"role": "focal_point", "unit": "STP", "active": "on"})
    user = User.objects().where(User.id == actors.focal_b.id).first().run_sync()
    assert (user.unit, user.active) == (actors.unit_a.id, True)
