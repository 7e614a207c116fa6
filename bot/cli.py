"""`legalaid`: serve, demo, chat, fake-wechat, db upgrade, keys, users, data, nlu, records, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import secrets
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.cli_records import add_record_commands
from bot.errors import ConfigurationError, LegalAidError, PortUnavailable
from bot.log import configure_logging
from bot.nlu.parse import TrainingDataError, UnsupportedComponent
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
    except (ConfigurationError, TrainingDataError, UnsupportedComponent, LegalAidError) as exc:
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
    serve.add_argument(
        "--workers", type=int, default=1, help="processes sharing the port (PostgreSQL, Redis)"
    )
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

    nlu = sub.add_parser("nlu", help="the built-in NLU: train, evaluate, validate")
    nlu_sub = nlu.add_subparsers(title="nlu commands")
    train = nlu_sub.add_parser("train", help="train the model from config.yml and nlu_data/")
    train.add_argument("--force", action="store_true", help="retrain even when the saved model is current")
    train.set_defaults(run=_nlu_train)
    evaluate = nlu_sub.add_parser("evaluate", help="score a Rasa-format file, like `rasa test nlu`")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--report", type=Path, help="write a JSON report like Rasa's intent_report.json")
    evaluate.add_argument(
        "--cross-validation", type=int, metavar="N", help="N-fold cross-validation on FILE instead"
    )
    evaluate.set_defaults(run=_nlu_evaluate)
    nlu_validate = nlu_sub.add_parser("validate", help="check config.yml and the training data")
    nlu_validate.set_defaults(run=_nlu_validate)

    data = sub.add_parser("data", help="the center's editable data files")
    data_sub = data.add_subparsers(title="data commands")
    validate = data_sub.add_parser("validate", help="check every data file, as the service does at start")
    validate.set_defaults(run=_data_validate)

    user = sub.add_parser("user", help="console accounts")
    user_sub = user.add_subparsers(title="user commands")
    add = user_sub.add_parser("add", help="create or reset a console account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["consultant", "supervisor", "admin"])
    add.add_argument(
        "--specialty", action="append", default=[], help="a queue (repeatable); see data/specialties.yml"
    )
    add.add_argument(
        "--password-stdin", action="store_true", required=True, help="read the password from stdin"
    )
    add.set_defaults(run=_user_add)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(title="db commands")
    upgrade = db_sub.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(run=_db_upgrade)

    keys = sub.add_parser("keys", help="the keys personal data is sealed with")
    keys_sub = keys.add_subparsers(title="keys commands")
    new_key = keys_sub.add_parser("new", help="print a new field key for LEGALAID_FIELD_KEY")
    new_key.set_defaults(run=_keys_new)
    rotate = keys_sub.add_parser(
        "rotate", help="re-seal stored personal data under the first key of LEGALAID_FIELD_KEY"
    )
    rotate.add_argument("--batch", type=int, default=500, help="rows per transaction")
    rotate.set_defaults(run=_keys_rotate)

    add_record_commands(sub, _settings)
    return parser


def _settings(**overrides: object) -> Settings:
    settings = load_settings(**overrides)
    configure_logging(settings.log_format, settings.log_level)
    return settings


def _serve(args: argparse.Namespace) -> int:
    from bot.serving import serve

    return serve(_settings(), args.workers, host=args.host, port=args.port, migrate=not args.no_migrate)


def _fake_wechat(args: argparse.Namespace) -> int:
    from bot.serving import listen
    from bot.wechat.fake_api import run_fake_wechat

    # The account the service calls with (LEGALAID_WECHAT_APPID / _APPSECRET): any other gets
    # 40013 / 40125 from the token API, as from WeChat.
    settings = _settings()
    listening = listen(args.port, host=args.host, serves="the fake WeChat API", flag="--port")
    print(
        f"fake WeChat API on http://{args.host}:{args.port} for appid {settings.wechat_appid}"
        "  (sent messages: /fake/sent)"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_fake_wechat(
                listening,
                appid=settings.wechat_appid,
                secret=settings.wechat_appsecret.get_secret_value(),
            )
        )
    return 0


def _nlu_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.nlu_service import load_or_train, model_fingerprint

    settings = _settings(log_level="WARNING")
    if args.force:
        for old in settings.model_dir.glob("nlu-*.pkl"):
            old.unlink()
    steps = tqdm(total=6, desc="training", unit="step")

    def progress(step: str) -> None:
        steps.set_postfix_str(step)
        steps.update(1)

    model = load_or_train(settings.nlu_config, settings.nlu_data, settings.model_dir, progress)
    steps.update(steps.total - steps.n)
    steps.close()
    stamp = model_fingerprint(settings.nlu_config, settings.nlu_data)
    print(f"model {stamp}: {len(model.intents)} intents, trained in {model.trained_seconds:.2f} s")
    return 0


def _nlu_evaluate(args: argparse.Namespace) -> int:
    import json

    from bot.nlu.evaluation import cross_validation_folds, evaluate
    from bot.nlu.model import train_model
    from bot.nlu.pipeline import load_pipeline_config
    from bot.nlu.training_data import TrainingData, load_training_data
    from bot.nlu_service import load_or_train

    settings = _settings(log_level="WARNING")
    test = load_training_data(args.file)
    if args.cross_validation:
        config = load_pipeline_config(settings.nlu_config)
        reports = []
        for number, (train, held_out) in enumerate(
            cross_validation_folds(test.examples, args.cross_validation), 1
        ):
            fold = TrainingData(
                examples=train, synonyms=test.synonyms, regexes=test.regexes, lookups=test.lookups
            )
            model = train_model(config, fold, f"cv{number}")
            result = evaluate(held_out, model.parse)
            reports.append(result)
            print(f"fold {number}: accuracy {result.accuracy:.4f}  macro-F1 {result.macro_f1:.4f}")
        accuracy = sum(r.accuracy for r in reports) / len(reports)
        macro = sum(r.macro_f1 for r in reports) / len(reports)
        print(f"{args.cross_validation}-fold mean: accuracy {accuracy:.4f}  macro-F1 {macro:.4f}")
        return 0
    model = load_or_train(settings.nlu_config, settings.nlu_data, settings.model_dir)
    result = evaluate(test.examples, model.parse)
    print(result.summary())
    if args.report:
        args.report.write_text(json.dumps(result.report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"report written to {args.report}")
    return 0


def _nlu_validate(_args: argparse.Namespace) -> int:
    from bot.nlu.pipeline import load_pipeline_config
    from bot.nlu.training_data import load_training_data

    settings = load_settings()
    config = load_pipeline_config(settings.nlu_config)
    data = load_training_data(settings.nlu_data)
    counts: dict[str, int] = {}
    for _, intent in data.examples:
        counts[intent] = counts.get(intent, 0) + 1
    print(f"{settings.nlu_config}: {len(config.components)} components OK")
    print(
        f"{settings.nlu_data}: {len(data.examples)} examples, {len(counts)} intents, "
        f"{len(data.regexes)} regexes, {len(data.synonyms)} synonyms, {sum(map(len, data.lookups.values()))} lookups"
    )
    return 0


def _year_ranges(years: Iterable[int]) -> str:
    """2004-2026, 2028: the package's years and the holidays file's, without listing each one."""
    spans: list[list[int]] = []
    for year in sorted(years):
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _data_validate(_args: argparse.Namespace) -> int:
    from bot.center.center import load_center

    settings = load_settings()
    center = load_center(settings.data_dir)
    years = _year_ranges(center.service.calendar.years)
    print(
        f"{settings.data_dir}: {len(center.texts.entries)} texts, {center.answers.count()} answers by "
        "sub-topic, eligibility rules, interview menus, "
        f"{len(center.specialties.names)} specialties, service hours and holidays ({years}) OK"
    )
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    from bot.store.db import open_database, upgrade_schema
    from bot.store.field_keys import protection_for

    settings = _settings()

    async def run() -> None:
        db = open_database(settings.database_url, protection_for(settings))
        try:
            await upgrade_schema(db)
        finally:
            await db.close()

    asyncio.run(run())
    print("database is up to date")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from bot.auth.accounts import save_account
    from bot.center.specialties import load_specialties
    from bot.clock import SystemClock
    from bot.store.db import open_database, upgrade_schema
    from bot.store.field_keys import protection_for

    settings = _settings()
    password = sys.stdin.readline().rstrip("\r\n")
    routing = load_specialties(settings.data_dir / "specialties.yml")

    async def run() -> int:
        db = open_database(settings.database_url, protection_for(settings))
        try:
            await upgrade_schema(db)
            return await save_account(
                db,
                username=args.name,
                password=password,
                role=args.role,
                specialties=args.specialty or ([] if args.role == "admin" else [routing.default]),
                known_specialties=routing.names,
                now=SystemClock().now(),
            )
        finally:
            await db.close()

    account_id = asyncio.run(run())
    print(f"account {args.name!r} saved (id {account_id}, role {args.role})")
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
    from bot.demo import run_demo

    if args.port == args.fake_port:
        raise PortUnavailable(
            f"--port and --fake-port are both {args.port}: the service and the fake WeChat API need a port each"
        )
    demo_aes = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    settings = _settings(
        wechat_api_base=f"http://127.0.0.1:{args.fake_port}",
        wechat_aes_key=demo_aes,
        log_level="WARNING",
    )
    asyncio.run(run_demo(settings, port=args.port, fake_port=args.fake_port, chat=not args.no_chat))
    return 0


def _keys_new(_args: argparse.Namespace) -> int:
    from bot.privacy.field_cipher import new_field_key

    print(new_field_key())
    print(
        'Put it first in LEGALAID_FIELD_KEY ("NEW,OLD"), restart, run `legalaid keys rotate`, '
        "then remove the old key.",
        file=sys.stderr,
    )
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.store.db import open_database, schema_is_current
    from bot.store.field_keys import protection_for
    from bot.store.key_rotation import count_sealed_values, rotate_keys

    settings = _settings()
    protection = protection_for(settings)

    async def run() -> dict[str, object]:
        db = open_database(settings.database_url, protection)
        try:
            if not await schema_is_current(db):
                raise ConfigurationError(
                    "the database schema is not current: run `legalaid db upgrade` first"
                )
            total = await count_sealed_values(db)
            with tqdm(total=total, unit="value", desc="re-sealing", file=sys.stderr) as bar:
                return dict(await rotate_keys(db, batch=args.batch, progress=bar.update))
        finally:
            await db.close()

    counts = asyncio.run(run())
    resealed = sum(getattr(c, "resealed", 0) for c in counts.values())
    checked = sum(getattr(c, "checked", 0) for c in counts.values())
    print(f"{resealed} of {checked} values re-sealed with key {protection.cipher.current_key_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
