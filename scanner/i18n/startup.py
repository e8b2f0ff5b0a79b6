"""Choosing the language as a command starts, before argparse builds its help: ``--lang`` anywhere on the command
line (taken out before parsing, so every command accepts it), CUSTOS_LANG, ``[interface] language`` of the config
(``--config FILE`` or CUSTOS_CONFIG), then the locale variables."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from scanner.i18n import _, argparse_text, resolve, set_language
from scanner.site_config import config_path, interface_language

LANG_OPTION = "--lang"


def split_lang(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """The value of ``--lang VALUE`` / ``--lang=VALUE`` (the last one given) and ``argv`` without it; nothing
    after ``--`` is an option."""
    chosen, rest = None, []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == LANG_OPTION and i + 1 < len(args):
            chosen, i = args[i + 1], i + 2
            continue
        if arg.startswith(LANG_OPTION + "="):
            chosen = arg.partition("=")[2]
        else:
            rest.append(arg)
        i += 1
    return chosen, rest


def _config_named(argv: Sequence[str]) -> Path | None:
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--config="):
            return Path(arg.partition("=")[2])
    return config_path()


def choose_language(argv: Sequence[str]) -> list[str]:
    """Set the interface language for this command; ``argv`` without ``--lang``. Raises LanguageError for a
    language Custos does not have, naming where it was asked for."""
    cli, rest = split_lang(argv)
    config = _config_named(rest)
    set_language(resolve(cli, interface_language(config) if config else None))
    argparse_text.install()
    return rest


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    """``--lang`` in the help (the value itself is taken by `choose_language` before parsing)."""
    parser.add_argument(
        LANG_OPTION,
        metavar="LANG",
        help=_("interface language: zh_CN or en (default: CUSTOS_LANG, [interface] language, then the locale)"),
    )
