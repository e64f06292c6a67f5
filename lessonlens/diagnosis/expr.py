"""The rule expression language: a tokenizer and recursive-descent parser to a small AST.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)*     # chains: 0.3 < rt < 0.7
    sum     := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER ["%"] | STRING | "true" | "false" | "null"
             | NAME "(" [expr ("," expr)*] ")" | NAME | "(" expr ")"

``NAME`` may contain dots (``student_shares.answering``, ``rubric.cls.q1.share``). ``5%`` is 0.05.
Nothing here evaluates anything: :mod:`lessonlens.diagnosis.compile` checks names and types and
turns the tree into closures. Python's ``eval`` is never involved.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from lessonlens.core.i18n import Text

KEYWORDS = frozenset({"and", "or", "not", "true", "false", "null"})
COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?%?|\.\d+(?:[eE][+-]?\d+)?%?)
    | (?P<string>'[^'\\]*'|"[^"\\]*")
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)
    | (?P<op><=|>=|==|!=|[<>+\-*/(),])
    )""",
    re.VERBOSE,
)

BAD_CHAR = Text(zh="第 {pos} 个字符处无法识别：{snippet}", en="cannot read the text at column {pos}: {snippet}")
UNEXPECTED = Text(zh="第 {pos} 个字符处应为{wanted}，实为 {found}",
                  en="expected {wanted} at column {pos}, found {found}")
EMPTY = Text(zh="表达式为空", en="the expression is empty")
TOO_LONG = Text(zh="表达式有 {n} 个字符，超过上限 {limit}", en="the expression has {n} characters, more than {limit}")
TOO_DEEP = Text(zh="表达式嵌套超过 {limit} 层", en="the expression nests deeper than {limit} levels")

#: the longest expression (the longest shipped condition has ~150 characters)
MAX_LENGTH = 2000
#: the deepest nesting of an expression: brackets, operators chained, ``not``/``-`` repeated
MAX_DEPTH = 40
_END = "end of expression"


class ExprSyntaxError(Exception):
    """A parse error: a bilingual message and its parameters (column counted from 1)."""

    def __init__(self, text: Text, **params: object) -> None:
        self.text = text
        self.params = params
        super().__init__(text.format("en", **params))


@attrs.frozen
class Token:
    kind: str  # number | string | name | op | end
    value: str
    pos: int


# -- the AST ---------------------------------------------------------------------------------
@attrs.frozen
class Num:
    value: float
    pos: int = 0


@attrs.frozen
class Str:
    value: str
    pos: int = 0


@attrs.frozen
class Const:
    value: bool | None
    pos: int = 0


@attrs.frozen
class Name:
    name: str
    pos: int = 0


@attrs.frozen
class Call:
    func: str
    args: tuple[Node, ...]
    pos: int = 0


@attrs.frozen
class Neg:
    operand: Node
    pos: int = 0


@attrs.frozen
class Arith:
    op: str
    left: Node
    right: Node
    pos: int = 0


@attrs.frozen
class Compare:
    ops: tuple[str, ...]
    operands: tuple[Node, ...]
    pos: int = 0


@attrs.frozen
class BoolOp:
    op: str  # and | or
    operands: tuple[Node, ...]
    pos: int = 0


@attrs.frozen
class Not:
    operand: Node
    pos: int = 0


Node = Num | Str | Const | Name | Call | Neg | Arith | Compare | BoolOp | Not


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            start = len(source) - len(source[pos:].lstrip())
            raise ExprSyntaxError(BAD_CHAR, pos=start + 1, snippet=source[start:start + 12])
        kind = match.lastgroup or "op"
        tokens.append(Token(kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


def parse(source: str) -> Node:
    """The AST of ``source``; raises :class:`ExprSyntaxError` naming the column of the problem.

    Expressions longer than :data:`MAX_LENGTH` or nested deeper than :data:`MAX_DEPTH` are refused,
    so that no rule file can exhaust the parser, the compiler or the evaluator.
    """
    if len(source) > MAX_LENGTH:
        raise ExprSyntaxError(TOO_LONG, n=len(source), limit=MAX_LENGTH)
    tokens = tokenize(source)
    if tokens[0].kind == "end":
        raise ExprSyntaxError(EMPTY)
    parser = _Parser(tokens)
    node = parser.expr()
    parser.expect_end()
    if depth(node) > MAX_DEPTH:  # a long chain such as 1+1+1+... nests without brackets
        raise ExprSyntaxError(TOO_DEEP, limit=MAX_DEPTH)
    return node


def depth(node: Node) -> int:
    """How deeply ``node`` nests (counted without recursion)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in _children(item))
    return deepest


def _children(node: Node) -> tuple[Node, ...]:
    match node:
        case Call(args=args):
            return args
        case Neg(operand=operand) | Not(operand=operand):
            return (operand,)
        case Arith(left=left, right=right):
            return (left, right)
        case Compare(operands=items) | BoolOp(operands=items):
            return items
    return ()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.level = 0  # brackets, calls, `not` and unary minus entered: bounded before recursing

    def enter(self) -> None:
        self.level += 1
        if self.level > MAX_DEPTH:
            raise ExprSyntaxError(TOO_DEEP, limit=MAX_DEPTH)

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_word(self, word: str) -> bool:
        return self.tok.kind == "name" and self.tok.value == word

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in ops

    def fail(self, wanted: str) -> ExprSyntaxError:
        found = _END if self.tok.kind == "end" else repr(self.tok.value)
        return ExprSyntaxError(UNEXPECTED, pos=self.tok.pos, wanted=wanted, found=found)

    def expect_end(self) -> None:
        if self.tok.kind != "end":
            raise self.fail("an operator or the end")

    def expr(self) -> Node:
        return self.bool_op("or", self.and_)

    def and_(self) -> Node:
        return self.bool_op("and", self.not_)

    def bool_op(self, word: str, operand: Callable[[], Node]) -> Node:
        pos = self.tok.pos
        items = [operand()]
        while self.is_word(word):
            self.take()
            items.append(operand())
        return items[0] if len(items) == 1 else BoolOp(word, tuple(items), pos)

    def not_(self) -> Node:
        if self.is_word("not"):
            pos = self.take().pos
            self.enter()
            node = Not(self.not_(), pos)
            self.level -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        pos = self.tok.pos
        operands = [self.sum()]
        ops: list[str] = []
        while self.is_op(*COMPARISONS):
            ops.append(self.take().value)
            operands.append(self.sum())
        return operands[0] if not ops else Compare(tuple(ops), tuple(operands), pos)

    def sum(self) -> Node:
        node = self.term()
        while self.is_op("+", "-"):
            tok = self.take()
            node = Arith(tok.value, node, self.term(), tok.pos)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.is_op("*", "/"):
            tok = self.take()
            node = Arith(tok.value, node, self.unary(), tok.pos)
        return node

    def unary(self) -> Node:
        if self.is_op("-"):
            pos = self.take().pos
            self.enter()
            node = Neg(self.unary(), pos)
            self.level -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "number":
            self.take()
            text = tok.value
            return Num(float(text[:-1]) / 100.0 if text.endswith("%") else float(text), tok.pos)
        if tok.kind == "string":
            self.take()
            return Str(tok.value[1:-1], tok.pos)
        if tok.kind == "name":
            if tok.value in ("true", "false", "null"):
                self.take()
                return Const({"true": True, "false": False, "null": None}[tok.value], tok.pos)
            if tok.value in KEYWORDS:
                raise self.fail("a value")
            self.take()
            if self.is_op("("):
                self.take()
                self.enter()
                args: list[Node] = []
                if not self.is_op(")"):
                    args.append(self.expr())
                    while self.is_op(","):
                        self.take()
                        args.append(self.expr())
                if not self.is_op(")"):
                    raise self.fail("',' or ')'")
                self.take()
                self.level -= 1
                return Call(tok.value, tuple(args), tok.pos)
            return Name(tok.value, tok.pos)
        if self.is_op("("):
            self.take()
            self.enter()
            node = self.expr()
            if not self.is_op(")"):
                raise self.fail("')'")
            self.take()
            self.level -= 1
            return node
        raise self.fail("a value")



def walk(node: Node) -> list[Node]:
    """``node`` and all nodes below it, parents first."""
    out: list[Node] = []
    stack = [node]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(_children(item)))
    return out


def source_of(node: Node) -> str:
    """A canonical text of ``node`` (used to label the values shown by ``--explain``)."""
    match node:
        case Num(value=v):
            return f"{v:g}"
        case Str(value=v):
            return f"'{v}'"
        case Const(value=v):
            return {True: "true", False: "false", None: "null"}[v]
        case Name(name=n):
            return n
        case Call(func=f, args=args):
            return f"{f}({', '.join(source_of(a) for a in args)})"
        case Neg(operand=o):
            return f"-{source_of(o)}"
        case Not(operand=o):
            return f"not {source_of(o)}"
        case Arith(op=op, left=left, right=right):
            return f"({source_of(left)} {op} {source_of(right)})"
        case Compare(ops=ops, operands=items):
            parts = [source_of(items[0])]
            for op, item in zip(ops, items[1:], strict=True):
                parts += [op, source_of(item)]
            return " ".join(parts)
        case BoolOp(op=op, operands=items):
            return f" {op} ".join(f"({source_of(i)})" for i in items)
    raise TypeError(node)
