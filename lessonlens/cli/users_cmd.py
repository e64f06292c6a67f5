"""``lessonlens users``: accounts of the web platform (add, list, disable/enable, reset a password)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lessonlens.core.i18n import Text, current_lang

_T = {
    "added": Text(zh="已添加用户 {name}（{role}）", en="added user {name} ({role})"),
    "done": Text(zh="已更新用户 {name}", en="updated user {name}"),
    "password": Text(zh="{name} 的密码", en="password for {name}"),
    "none": Text(zh="还没有用户", en="no users yet"),
    "missing": Text(zh="网页平台需要 web 扩展：pip install 'lessonlens[web]'",
                    en="the web platform needs the web extra: pip install 'lessonlens[web]'"),
}

users_app = typer.Typer(help="网页平台的用户 / accounts of the web platform.", no_args_is_help=True)


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    try:
        import argon2  # noqa: F401  (the accounts module needs it: say so in one line)
    except ModuleNotFoundError:
        typer.echo(f"lessonlens: {_T['missing'].get()}", err=True)
        raise typer.Exit(2) from None
    from lessonlens.store.api import Store

    return Store.open(db)


def _password(name: str, given: str | None) -> str:
    if given:
        return given
    return str(typer.prompt(_T["password"].format(current_lang(), name=name), hide_input=True,
                            confirmation_prompt=True))


DbOption = Annotated[str | None, typer.Option("--db", help="课例库地址 / store URL or SQLite path.")]


@users_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="登录名 / login name.")],
    role: Annotated[str, typer.Option("--role", help="admin | researcher | school_lead | teacher | observer")],
    display_name: Annotated[str, typer.Option("--display-name", help="姓名 / full name.")] = "",
    school: Annotated[str, typer.Option("--school", help="学校 / school.")] = "",
    region: Annotated[str, typer.Option("--region", help="区域 / region.")] = "",
    subject: Annotated[list[str] | None, typer.Option("--subject", help="学科，可多次 / subject, repeatable.")] = None,
    password: Annotated[str | None, typer.Option("--password", help="密码（省略则提示输入）/ password "
                                                 "(prompted when left out).")] = None,
    db: DbOption = None,
) -> None:
    """添加用户 / add an account."""
    from lessonlens.web.accounts import add_user, parse_role

    parse_role(role)
    with _engine(db) as store:
        made = add_user(store.engine, name, role, _password(name, password), display_name=display_name,
                        region=region, school=school,
                        subjects=[s for item in subject or [] for s in item.split(",")])
    typer.echo(_T["added"].format(current_lang(), name=made.name, role=made.role.value))


@users_app.command("list")
def list_command(db: DbOption = None,
                 as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON.")] = False) -> None:
    """列出用户 / list accounts."""
    from lessonlens.web.accounts import users

    with _engine(db) as store:
        found = users(store.engine)
    if as_json:
        typer.echo(json.dumps([{"id": u.id, "name": u.name, "display_name": u.display_name, "role": u.role.value,
                                "region": u.region, "school": u.school, "subjects": sorted(u.subjects),
                                "active": u.active} for u in found], ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo(_T["none"].get())
        return
    table = Table()
    for column in ("name", "display name", "role", "region", "school", "subjects", "active"):
        table.add_column(column)
    for u in found:
        table.add_row(u.name, u.display_name, u.role.value, u.region, u.school, ", ".join(sorted(u.subjects)),
                      "yes" if u.active else "no")
    Console().print(table)


def _set(db: str | None, name: str, active: bool) -> None:
    from lessonlens.web.accounts import set_active

    with _engine(db) as store:
        set_active(store.engine, name, active)
    typer.echo(_T["done"].format(current_lang(), name=name))


@users_app.command("disable")
def disable_command(name: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """停用用户（结束其会话、吊销令牌）/ disable an account (ends its sessions, revokes its tokens)."""
    _set(db, name, False)


@users_app.command("enable")
def enable_command(name: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """重新启用用户 / enable an account again."""
    _set(db, name, True)


@users_app.command("password")
def password_command(name: Annotated[str, typer.Argument()],
                     password: Annotated[str | None, typer.Option("--password")] = None,
                     db: DbOption = None) -> None:
    """重设密码（管理员）/ reset a password (administrators)."""
    from lessonlens.web.accounts import set_password

    with _engine(db) as store:
        set_password(store.engine, name, _password(name, password))
    typer.echo(_T["done"].format(current_lang(), name=name))


def add_to(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
