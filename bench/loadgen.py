"""A lean HTTP/1.1 load generator on asyncio streams: keep-alive connections,
no client library, so the measuring process spends little of the CPU it
shares with the server on this small machine."""

import asyncio
import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

Request = Callable[[int, int], tuple[str, str, dict | None]]


async def _exchange(reader, writer, host: str, token: str, method, path, body) -> int:
    payload = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(payload)}\r\n"
        + ("Content-Type: application/json\r\n" if body is not None else "")
        + "\r\n"
    )
    writer.write(head.encode() + payload)
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


def run(
    base: str,
    token: str,
    clients: int,
    per_client: int,
    request: Request,
    refused: list[int] | None = None,
):
    """Latencies (ms) of every request and the wall time (s) of the whole load.
    An answer that is not a success stops the load, unless ``refused`` is
    given to collect it."""
    url = urlsplit(base)
    latencies: list[float] = []

    async def client(number: int) -> None:
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            for n in range(per_client):
                method, path, body = request(number, n)
                started = time.perf_counter()
                status = await _exchange(
                    reader, writer, url.netloc, token, method, path, body
                )
                latencies.append((time.perf_counter() - started) * 1000)
                if status >= 300 and refused is None:
                    raise RuntimeError(f"{method} {path} answered {status}")
                if status >= 300:
                    refused.append(status)
        finally:
            writer.close()

    async def everyone() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients)))
        return time.perf_counter() - started

    return latencies, asyncio.run(everyone())
