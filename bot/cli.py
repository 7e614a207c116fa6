"""The `legalaid` command: serve, demo, chat, fake-wechat, db upgrade."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import secrets
import sys
from collections.abc import Sequence

from bot.errors import ConfigurationError
from bot.log import configure_logging
from bot.settings import Settings, load_settings

DEMO_OPENID = "o_demo_citizen_0001"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except ConfigurationError as exc:
        print(f"legalaid: {exc}", file=sys.stderr)
        return 78  # EX_CONFIG
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="legalaid", description="Legal-aid consultation service on WeChat")
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="run the service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--no-migrate", action="store_true", help="refuse to start if migrations are pending")
    serve.set_defaults(run=_serve)

    demo = sub.add_parser(
        "demo", help="the embedded demo: service + fake WeChat API + a chat in this terminal"
    )
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--fake-port", type=int, default=8081)
    demo.add_argument("--no-chat", action="store_true", help="only serve; chat from another terminal")
    demo.set_defaults(run=_demo)

    fake = sub.add_parser("fake-wechat", help="run the fake WeChat API server")
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=int, default=8081)
    fake.set_defaults(run=_fake_wechat)

    chat = sub.add_parser("chat", help="talk to a running service as a WeChat user")
    chat.add_argument("--url", default="http://127.0.0.1:8080")
    chat.add_argument("--fake-url", default=None, help="fake WeChat API (default: LEGALAID_WECHAT_API_BASE)")
    chat.add_argument("--openid", default=DEMO_OPENID)
    chat.add_argument("--plain", action="store_true", help="send plaintext even when an AES key is set")
    chat.set_defaults(run=_chat)

    data = sub.add_parser("data", help="the center's editable data files")
    data_sub = data.add_subparsers(title="data commands")
    validate = data_sub.add_parser("validate", help="check every data file, as the service does at start")
    validate.set_defaults(run=_data_validate)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(title="db commands")
    upgrade = db_sub.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(run=_db_upgrade)
    return parser


def _settings(**overrides: object) -> Settings:
    settings = load_settings(**overrides)
    configure_logging(settings.log_format, settings.log_level)
    return settings


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import create_app

    settings = _settings()
    web.run_app(create_app(settings, migrate=not args.no_migrate), host=args.host, port=args.port, print=None)
    return 0


def _fake_wechat(args: argparse.Namespace) -> int:
    from bot.wechat.fake_api import run_fake_wechat

    configure_logging()
    print(f"fake WeChat API on http://{args.host}:{args.port}  (sent messages: /fake/sent)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_fake_wechat(args.host, args.port))
    return 0


def _data_validate(_args: argparse.Namespace) -> int:
    from bot.dialogue.texts import load_texts

    settings = load_settings()
    texts = load_texts(settings.data_dir)
    print(f"{settings.data_dir}: {len(texts.entries)} texts OK")
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    from bot.store.db import open_database, upgrade_schema

    settings = _settings()

    async def run() -> None:
        db = open_database(settings.database_url)
        try:
            await upgrade_schema(db)
        finally:
            await db.close()

    asyncio.run(run())
    print("database is up to date")
    return 0


def _chat(args: argparse.Namespace) -> int:
    from bot.wechat.chat_terminal import run_chat

    settings = _settings(log_level="WARNING")
    aes = (
        None if args.plain or settings.wechat_aes_key is None else settings.wechat_aes_key.get_secret_value()
    )
    asyncio.run(
        run_chat(
            args.url,
            args.fake_url or settings.wechat_api_base,
            token=settings.wechat_token.get_secret_value(),
            aes_key=aes,
            appid=settings.wechat_appid,
            openid=args.openid,
        )
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    """Everything embedded, in one process: the user starts chatting straight away."""
    from bot.wechat.chat_terminal import run_demo

    demo_aes = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    settings = _settings(
        wechat_api_base=f"http://127.0.0.1:{args.fake_port}",
        wechat_aes_key=demo_aes,
        log_level="WARNING",
    )
    asyncio.run(run_demo(settings, port=args.port, fake_port=args.fake_port, chat=not args.no_chat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
