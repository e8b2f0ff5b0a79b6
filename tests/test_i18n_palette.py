"""The review UI's command palette lists Textual's own commands (Theme, Quit, Keys, Screenshot …) in the language
chosen before the app is built, with their callbacks unchanged; English stays the default."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App

from tests.tui_fixtures import build_share, scan_into, settle
from tui.app import ReviewApp

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def db(tmp_path_factory, packs, detector) -> Path:
    tmp = tmp_path_factory.mktemp("palette")
    path = tmp / "state" / "custos.db"
    scan_into(path, build_share(tmp), packs, detector)
    return path


async def test_system_commands_are_in_chinese(db: Path, detector, chinese) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        textual = list(App.get_system_commands(app, app.screen))
        titles = [c.title for c in commands]
        assert {"主题", "退出", "按键", "截图"} <= set(titles) and titles[:3] == ["主题", "退出", "按键"]
        assert not {"Theme", "Quit", "Keys", "Maximize", "Minimize", "Screenshot"} & set(titles)
        assert commands[0].help == "切换当前主题" and commands[2].help == "显示当前控件的帮助及可用按键一览"
        assert [c.callback.__qualname__ for c in commands] == [c.callback.__qualname__ for c in textual]


async def test_system_commands_stay_english_by_default(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        assert [c.title for c in commands][:3] == ["Theme", "Quit", "Keys"] and commands[-1].title == "Screenshot"
        assert commands[1].help == "Quit the application as soon as possible"
