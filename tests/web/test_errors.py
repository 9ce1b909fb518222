from tests.factories import make_user
from tests.web.helpers import log_in


def test_an_unexpected_error_shows_the_500_page_without_a_stack_trace(app):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    response = app.test_client().get("/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_403_and_404_pages_use_the_site_layout(client):
    log_in(client, make_user())
    forbidden = client.get("/admin/")
    missing = client.get("/nowhere")
    for response in (forbidden, missing):
        assert 'class="site-header"' in response.get_data(as_text=True)
    assert forbidden.status_code == 403 and missing.status_code == 404


def test_a_wrong_method_is_405_not_500(client):
    assert client.delete("/").status_code == 405
