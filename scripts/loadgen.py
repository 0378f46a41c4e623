"""A lean keep-alive HTTP/1.1 client for the benchmarks: the load generator must cost far less CPU than the servers."""

from __future__ import annotations

import asyncio
import json


class Connection:
    """A minimal keep-alive HTTP/1.1 client: the load generator must cost far less CPU than the server it measures."""

    def __init__(self, host: str, port: int, token: str = "") -> None:
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: object) -> int:
        """POST JSON and return the status code (the body is read and dropped)."""
        return (await self.post_read(path, body))[0]

    async def post_read(self, path: str, body: object) -> tuple[int, bytes]:
        """POST JSON and return the status code and the body."""
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        """Close the socket."""
        if self.writer is not None:
            self.writer.close()
