from tests.factories import PASSWORD


def log_in(client, user, password: str = PASSWORD):
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response
