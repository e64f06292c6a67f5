"""Checking an expression against the known names and functions, and turning it into a closure.

A compiled expression is a plain Python function of a :class:`LessonEnv`; there is no ``eval``.
Values follow a three-valued logic: ``None`` (not measured) propagates through arithmetic and
comparisons, ``false and None`` is false, ``true or None`` is true, and a rule fires only on ``true``.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from lessonlens.core.i18n import Text
from lessonlens.diagnosis.env import LessonEnv
from lessonlens.diagnosis.expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Const,
    ExprSyntaxError,
    Name,
    Neg,
    Node,
    Not,
    Num,
    Str,
    parse,
    source_of,
)
from lessonlens.diagnosis.functions import BEHAVIOURS, CURVES, FUNCTIONS, PROTOCOL_CODES, name_type

Evaluator = Callable[[LessonEnv], Any]

UNKNOWN_NAME = Text(zh="未知的指标或参数 `{name}`", en="unknown metric or parameter `{name}`")
UNKNOWN_FUNCTION = Text(zh="未知的函数 `{name}()`；可用：{known}", en="unknown function `{name}()`; available: {known}")
BAD_ARITY = Text(zh="`{name}()` 需要 {wanted} 个参数，给了 {given} 个",
                 en="`{name}()` takes {wanted} argument(s), {given} given")
BAD_LITERAL = Text(zh="`{name}()` 的参数 {arg!r} 不是已知的{what}；可用：{known}",
                   en="argument {arg!r} of `{name}()` is not a known {what}; available: {known}")
NOT_LITERAL = Text(zh="`{name}()` 的第 {index} 个参数必须是带引号的{what}名称",
                   en="argument {index} of `{name}()` must be a quoted {what} name")
BAD_TYPE = Text(zh="`{source}` 的类型是 {found}，这里需要 {wanted}", en="`{source}` is a {found}, {wanted} needed here")
BAD_COMPARE = Text(zh="无法比较 `{left}`（{lt}）与 `{right}`（{rt}）",
                   en="cannot compare `{left}` ({lt}) with `{right}` ({rt})")
FACT_PLACE = Text(
    zh="事实 `{name}` 只能作为一整条条件使用（`{name}` 或 `not {name}`）",
    en="fact `{name}` can only be a whole condition (`{name}` or `not {name}`)",
)
BAD_SPEC = Text(zh="占位符 {{{field}}} 的格式 `{spec}` 无效",
                en="placeholder {{{field}}} has an invalid format `{spec}`")
BIG_SPEC = Text(zh="占位符 {{{field}}} 的格式 `{spec}` 过大（宽度至多 {width}，精度至多 {precision}）",
                en="placeholder {{{field}}} asks for too much: `{spec}` (width at most {width}, precision at most "
                "{precision})")
BAD_BRACES = Text(zh="模板中的花括号不成对", en="unbalanced braces in the template")

_WHAT = {"behaviour": Text(zh="行为", en="behaviour"), "curve": Text(zh="曲线", en="curve"),
         "code": Text(zh="编码", en="code")}
TYPE_NAMES = {"num": "number", "str": "text", "bool": "true/false", "ranges": "time ranges", "any": "value"}
_FORMAT_SPEC = re.compile(r"^[<>=^]?[+\- ]?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d+))?[%fFeEgGd]?$")
#: the widest field and the most digits a message placeholder may ask for (``{rt:>8.3f}`` is typical)
MAX_WIDTH = 64
MAX_PRECISION = 20
_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}


class CompileError(Exception):
    """A name, type or placement error in an expression, as a bilingual message."""

    def __init__(self, text: Text, **params: object) -> None:
        self.text = text
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        params = {k: v.get(lang) if isinstance(v, Text) else v for k, v in self.params.items()}
        return self.text.format(lang, **params)


@attrs.frozen
class Scope:
    """What names an expression may use besides the metric vocabulary."""

    params: Mapping[str, str] = attrs.field(factory=dict)  # name -> type
    facts: frozenset[str] = frozenset()
    extra_metrics: tuple[str, ...] = ()


@attrs.frozen
class Compiled:
    fn: Evaluator
    type: str
    source: str


def parse_expr(source: str) -> Node:
    try:
        return parse(source)
    except ExprSyntaxError as exc:
        raise CompileError(exc.text, **exc.params) from None


def compile_node(node: Node, scope: Scope) -> Compiled:
    fn, kind = _compile(node, scope)
    return Compiled(fn, kind, source_of(node))


def compile_expr(source: str, scope: Scope, want: str | None = None) -> Compiled:
    compiled = compile_node(parse_expr(source), scope)
    if want is not None:
        _expect(compiled.type, want, compiled.source)
    return compiled


def _expect(found: str, want: str, source: str) -> None:
    if found != want and found != "any" and want != "any":
        raise CompileError(BAD_TYPE, source=source, found=TYPE_NAMES[found], wanted=TYPE_NAMES[want])


def _compile(node: Node, scope: Scope) -> tuple[Evaluator, str]:
    match node:
        case Num(value=v):
            return (lambda env: v), "num"
        case Str(value=s):
            return (lambda env: s), "str"
        case Const(value=c):
            return (lambda env: c), "bool" if c is not None else "any"
        case Name(name=name):
            return _compile_name(name, scope)
        case Call():
            return _compile_call(node, scope)
        case Neg(operand=o):
            f, kind = _compile(o, scope)
            _expect(kind, "num", source_of(o))
            return (lambda env: None if (x := f(env)) is None else -x), "num"
        case Arith():
            return _compile_arith(node, scope)
        case Compare():
            return _compile_compare(node, scope)
        case BoolOp(op=op, operands=items):
            fns = []
            for item in items:
                f, kind = _compile(item, scope)
                _expect(kind, "bool", source_of(item))
                fns.append(f)
            return (all_of(fns) if op == "and" else _any(fns)), "bool"
        case Not(operand=o):
            f, kind = _compile(o, scope)
            _expect(kind, "bool", source_of(o))
            return (lambda env: None if (x := f(env)) is None else not x), "bool"
    raise TypeError(node)


def _compile_name(name: str, scope: Scope) -> tuple[Evaluator, str]:
    if name in scope.facts:
        raise CompileError(FACT_PLACE, name=name)
    if name in scope.params:
        return (lambda env: env.params.get(name)), scope.params[name]
    kind = name_type(name, scope.extra_metrics)
    if kind is None:
        raise CompileError(UNKNOWN_NAME, name=name)
    return (lambda env: env.values.get(name)), kind


def _compile_call(node: Call, scope: Scope) -> tuple[Evaluator, str]:
    func = FUNCTIONS.get(node.func)
    if func is None:
        raise CompileError(UNKNOWN_FUNCTION, name=node.func, known=", ".join(sorted(FUNCTIONS)))
    variadic = bool(func.params) and func.params[-1].endswith("*")
    fixed = len(func.params) - (1 if variadic else 0)
    least = fixed - func.optional
    if len(node.args) < least or (not variadic and len(node.args) > fixed):
        wanted = f"{least}+" if variadic else (f"{least}-{fixed}" if func.optional else str(fixed))
        raise CompileError(BAD_ARITY, name=node.func, wanted=wanted, given=len(node.args))
    args: list[Evaluator] = []
    for index, arg in enumerate(node.args):
        kind = func.params[min(index, len(func.params) - 1)].rstrip("*")
        if kind in ("behaviour", "curve", "code") or (kind == "behaviour_or_ranges" and isinstance(arg, Str)):
            what = kind if kind in ("curve", "code") else "behaviour"
            known = {"curve": CURVES, "code": PROTOCOL_CODES}.get(what, BEHAVIOURS)
            if not isinstance(arg, Str):
                raise CompileError(NOT_LITERAL, name=node.func, index=index + 1, what=_WHAT[what])
            if arg.value not in known:
                raise CompileError(BAD_LITERAL, name=node.func, arg=arg.value, what=_WHAT[what], known=", ".join(known))
            literal = arg.value
            args.append(lambda env, literal=literal: literal)  # type: ignore[misc]
            continue
        f, found = _compile(arg, scope)
        _expect(found, "ranges" if kind == "behaviour_or_ranges" else kind, source_of(arg))
        args.append(f)
    impl = func.impl
    if func.memo:
        impl = _memoised(func.name, impl)
    if not args:
        return (lambda env: impl(env)), func.returns
    if len(args) == 1:
        a0 = args[0]
        return (lambda env: impl(env, a0(env))), func.returns
    if len(args) == 2:
        a0, a1 = args
        return (lambda env: impl(env, a0(env), a1(env))), func.returns
    return (lambda env: impl(env, *(a(env) for a in args))), func.returns


def _memoised(name: str, impl: Callable[..., Any]) -> Callable[..., Any]:
    def call(env: LessonEnv, *args: Any) -> Any:
        key = (name, *args)
        cache = env.cache
        if key in cache:
            return cache[key]
        value = cache[key] = impl(env, *args)
        return value
    return call


def _compile_arith(node: Arith, scope: Scope) -> tuple[Evaluator, str]:
    left, lk = _compile(node.left, scope)
    right, rk = _compile(node.right, scope)
    _expect(lk, "num", source_of(node.left))
    _expect(rk, "num", source_of(node.right))
    op = node.op

    def arith(env: LessonEnv) -> Any:
        a, b = left(env), right(env)
        if a is None or b is None:
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return None if b == 0 else a / b  # a share of nothing is "not measured", not infinity

    return arith, "num"


def _compile_compare(node: Compare, scope: Scope) -> tuple[Evaluator, str]:
    compiled = [_compile(item, scope) for item in node.operands]
    pairs = zip(compiled, compiled[1:], node.ops, node.operands, node.operands[1:], strict=False)
    for (_, lk), (_, rk), op, li, ri in pairs:
        kinds = {lk, rk} - {"any"}
        ordered = op not in ("==", "!=")
        if "ranges" in kinds or len(kinds) > 1 or (ordered and kinds & {"str", "bool"}):
            raise CompileError(BAD_COMPARE, left=source_of(li), right=source_of(ri),
                               lt=TYPE_NAMES[lk], rt=TYPE_NAMES[rk])
    fns = [f for f, _ in compiled]
    ops = [_CMP[op] for op in node.ops]
    if len(fns) == 2:
        f0, f1 = fns
        op0 = ops[0]

        def compare2(env: LessonEnv) -> bool | None:
            a = f0(env)
            if a is None:
                return None
            b = f1(env)
            return None if b is None else op0(a, b)
        return compare2, "bool"

    def compare(env: LessonEnv) -> bool | None:
        left = fns[0](env)
        if left is None:
            return None
        result: bool | None = True
        for op, f in zip(ops, fns[1:], strict=True):
            right = f(env)
            if right is None:
                return None
            if not op(left, right):
                result = False
            left = right
        return result

    return compare, "bool"


def all_of(fns: Sequence[Evaluator]) -> Evaluator:
    """Three-valued AND: False if any is False, else unknown (None) if any is unknown, else True."""
    def all_(env: LessonEnv) -> bool | None:
        result: bool | None = True
        for f in fns:
            value = f(env)
            if value is False:
                return False
            if value is None:
                result = None
        return result
    return all_


def _any(fns: Sequence[Evaluator]) -> Evaluator:
    def any_(env: LessonEnv) -> bool | None:
        result: bool | None = False
        for f in fns:
            value = f(env)
            if value is True:
                return True
            if value is None:
                result = None
        return result
    return any_


def leaves(node: Node) -> list[Node]:
    """The names and outermost calls of a condition: the values ``--explain`` shows for it."""
    match node:
        case Name() | Call():
            return [node]
        case Neg(operand=o) | Not(operand=o):
            return leaves(o)
        case Arith(left=left, right=right):
            return leaves(left) + leaves(right)
        case Compare(operands=items) | BoolOp(operands=items):
            return [leaf for item in items for leaf in leaves(item)]
    return []


# -- message templates --------------------------------------------------------------------------
@attrs.frozen
class Template:
    """A message with ``{expression}`` / ``{expression:format}`` placeholders, checked like conditions."""

    parts: tuple[str | tuple[Evaluator, str, str], ...]

    def render(self, env: LessonEnv) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                fn, spec, _ = part
                out.append(format_value(fn(env), spec))
        return "".join(out)


def compile_template(text: str, scope: Scope) -> Template:
    parts: list[str | tuple[Evaluator, str, str]] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{}" and text[i + 1:i + 2] == ch:
            literal.append(ch)
            i += 2
            continue
        if ch == "}":
            raise CompileError(BAD_BRACES)
        if ch != "{":
            literal.append(ch)
            i += 1
            continue
        end = text.find("}", i)
        if end < 0:
            raise CompileError(BAD_BRACES)
        field = text[i + 1:end]
        expr_text, spec = _split_spec(field)
        check_spec(field, spec)
        compiled = compile_expr(expr_text, scope)
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append((compiled.fn, spec, compiled.type))
        i = end + 1
    if literal:
        parts.append("".join(literal))
    return Template(tuple(parts))


def check_spec(field: str, spec: str) -> None:
    """Refuse a format spec Python would not take, or one whose width or precision would explode a message."""
    if not spec:
        return
    match = _FORMAT_SPEC.match(spec)
    if match is None:
        raise CompileError(BAD_SPEC, field=field, spec=spec)
    width, precision = match.group("width"), match.group("precision")
    if (width and int(width) > MAX_WIDTH) or (precision and int(precision) > MAX_PRECISION):
        raise CompileError(BIG_SPEC, field=field, spec=spec, width=MAX_WIDTH, precision=MAX_PRECISION)


def _split_spec(field: str) -> tuple[str, str]:
    quote = ""
    for index, ch in enumerate(field):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ":":
            return field[:index], field[index + 1:]
    return field, ""


def format_value(value: Any, spec: str = "") -> str:
    """How a value appears in a message: numbers by ``spec``, time ranges as ``mm:ss–mm:ss``."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return "—"
        if spec:
            try:  # a checked spec that still does not fit this value (`d` for 0.5) falls back to the plain form
                return format(value, spec)
            except (ValueError, OverflowError):
                pass
        return str(int(value)) if float(value).is_integer() else format(value, ".3g")
    if isinstance(value, tuple):
        return ", ".join(f"{clock(s)}–{clock(e)}" for s, e in value) or "—"
    return str(value)


def clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"
