"""The snakeviz server child process: serves only the profiles the workbench wrote.

`python -m workbench.snakeviz.child FOLDER` reads a secret token from its stdin's first
line, binds 127.0.0.1 on a free port, prints the port on stdout and serves snakeviz's
page for `FOLDER/<name>.prof` at `/snakeviz/<token>/<name>.prof` until its stdin closes
(the parent stopped it, exited or died), then removes FOLDER. Nothing else is served: snakeviz's own
`/snakeviz/<any path>` handler would read and list any file or folder on the machine.

It runs snakeviz's installed template (tornado), with tornado's debug mode off (debug
would restart the process when a module file changes), and gives it the profile's data as
script-safe JSON text (`workbench.snakeviz.page`), never as Python objects: tornado would
write their `str()` into the page's `<script>` blocks, names unescaped.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sys
import threading
from pathlib import Path

__all__ = ["allowed_profile", "main"]

_NAME = re.compile(r"[A-Za-z0-9_.-]+\.prof")
# snakeviz's page: its own inline scripts and styles, a worker made from a blob, data
# URLs for images; everything else from this server ('self'), nothing from elsewhere.
# 'unsafe-eval' because snakeviz.js and drawsvg.js build their templates with lodash's
# `_.template` (new Function): without it the page stopped at "Evaluating a string as
# JavaScript violates the following Content Security Policy" and drew no chart. The
# escaping in page.py, not this header, keeps a hostile name from running.
_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'"
)


def allowed_profile(folder: Path, name: str) -> Path | None:
    """The file `name` stands for when it is a profile directly in `folder`, else None.

    Parameters:
        folder: the folder the workbench writes its profiles into.
        name: the last part of the requested URL.

    Returns:
        The path of a regular `.prof` file in `folder` (no subfolders, no links out).
    """
    if not _NAME.fullmatch(name) or name.startswith("."):
        return None
    path = folder / name
    if path.is_symlink() or not path.is_file():
        return None
    if path.resolve().parent != folder.resolve():
        return None
    return path


def _serve(folder: Path, token: str) -> None:
    """Serve until stdin closes."""
    import tornado.httpserver
    import tornado.netutil
    import tornado.web
    from snakeviz.main import settings as snakeviz_settings

    from workbench.snakeviz.page import InvalidProfile, page_arguments

    class ProfileHandler(tornado.web.RequestHandler):
        def get(self, given_token: str, name: str) -> None:
            path = allowed_profile(folder, name)
            if given_token != token or path is None:
                raise tornado.web.HTTPError(404)
            try:
                arguments = page_arguments(path.read_bytes())
            except InvalidProfile:
                # A saved folder's profile may be anything: say so, not a traceback.
                raise tornado.web.HTTPError(400, reason="not a cProfile profile") from None
            # The page loads its scripts from this server alone: snakeviz's worker tries
            # cdnjs first (and falls back to ours when that fails), and no script of
            # another origin may run on this 127.0.0.1 origin.
            self.set_header("Content-Security-Policy", _POLICY)
            self.render("viz.html", profile_name=name, **arguments)

    settings = dict(snakeviz_settings, debug=False, gzip=True)
    app = tornado.web.Application([(r"/snakeviz/([^/]+)/([^/]+)", ProfileHandler)], **settings)
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]

    async def run() -> None:
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        closed = asyncio.Event()
        loop = asyncio.get_running_loop()

        def wait_for_eof() -> None:
            sys.stdin.read()  # until the parent closes our stdin or dies
            loop.call_soon_threadsafe(closed.set)

        threading.Thread(target=wait_for_eof, daemon=True).start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await closed.wait()
        server.stop()
        # Also when the parent died without cleaning up: the folder is ours alone.
        shutil.rmtree(folder, ignore_errors=True)

    asyncio.run(run())


def main() -> None:
    """`python -m workbench.snakeviz.child FOLDER`, token on stdin's first line."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if len(sys.argv) != 2:
        sys.exit("usage: python -m workbench.snakeviz.child FOLDER  (token on stdin)")
    folder = Path(sys.argv[1])
    token = sys.stdin.readline().strip()
    if not token or not folder.is_dir():
        sys.exit(f"no token on stdin, or {folder} is not a folder")
    _serve(folder, token)


if __name__ == "__main__":
    main()
