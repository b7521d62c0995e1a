"""Signing in to the console over real HTTP, as a browser without script
would: the form's token from the sign-in page, then the form posted."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


@contextmanager
def signed_in(
    base_url: str, token: str, language: str = "zh"
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, follow_redirects=True, timeout=30) as client:
        page = client.get("/sign-in", params={"lang": language})
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        form = {"csrf": csrf, "token": token, "next": "/"}
        answer = client.post("/sign-in", data=form)
        assert answer.status_code == 200, answer.text
        yield client
