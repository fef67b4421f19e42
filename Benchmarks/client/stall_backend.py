"""A loopback backend whose capture endpoint stalls: every POST
/sdk/snapshots/capture waits STALL_MS (default 200) before answering 201.
The active-breakpoints route always returns one enabled breakpoint for
function "bench" and label "stalled" (no SSE). GET /count answers how many
captures it has taken ({"captures": N}), so a benchmark can check that
nothing was lost uncounted. Prints its port first.

One asyncio loop serves every connection (HTTP/1.1 keep-alive): a stalled
answer costs a timer, not a thread, so on a loaded machine the stub adds
little beyond STALL_MS to each answer."""
import asyncio
import json
import os

STALL = int(os.environ.get("STALL_MS", "200")) / 1000.0
ACTIVE = json.dumps({"breakpoints": [{"id": "bp-stall", "function_name": "bench", "label": "stalled",
                                      "file_path": "bench.c", "line_number": 1, "enabled": True}],
                     "kill_switch": False}).encode()
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found"}
captures_taken = 0


def response(status, body=b"{}"):
    return (f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def answer(method, path):
    global captures_taken
    if path.startswith("/sdk/snapshots/active/"):
        return response(200, ACTIVE)
    if method == "GET" and path == "/count":
        return response(200, json.dumps({"captures": captures_taken}).encode())
    if method == "POST" and path.startswith("/sdk/snapshots/capture"):
        await asyncio.sleep(STALL)
        captures_taken += 1
        return response(201)
    if method == "POST":
        return response(201, b'{"id":"x"}')
    return response(404)


async def serve_connection(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            writer.write(await answer(method, path))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve_connection, "127.0.0.1", 0, backlog=128)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
