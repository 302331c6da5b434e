#!/usr/bin/env python3
"""Line budget for the Swift sources, in the spirit of tinygrad's line count in CI.

Fails (exit 1) when a Swift file under Sources/ is longer than 400 lines, or a function body is
longer than 80 lines. "Function" means every `func`, `init`, `deinit`, `subscript` and computed
property (`var x: T {`), nested ones included (a nested function counts on its own and also
inside its parent), measured from the line of its keyword to the line of its closing brace,
both included. Files are measured by their number of lines.

Swift is lexed well enough that braces inside string literals (including interpolations,
multi-line `\"\"\"` strings, raw `#"…"#` strings and `\\` escapes), comments (`//`, nested `/* */`)
and `#/…/#` regex literals never count.

Exceptions live in ONE file, scripts/ci/line-budget-exceptions.txt, one per line:

    Sources/Some/File.swift                      # why the whole file may pass 400 lines
    Sources/Some/File.swift:Type.function        # why this function may pass 80 lines

The reason after `#` is required. A function name matches the qualified name the report shows
(`Shampoo.step`) or any dotted tail of it (`step`), and then every overload of that name in the
file. Blank lines and lines starting with `#` are comments. An exception that excuses no current
offender is stale and fails the check too, so the list only ever shrinks honestly.

Usage:
    scripts/ci/line-budget.py                    # the repository this script lives in
    scripts/ci/line-budget.py --root DIR         # DIR/Sources, DIR/scripts/ci/line-budget-exceptions.txt
    scripts/ci/line-budget.py FILE.swift ...     # just these files (stale check limited to them)
    options: --exceptions FILE, --max-file-lines N, --max-function-lines N, --list (every function
    with its length, longest first, then the usual verdict)

On success it prints one line:
    line budget: N files, M functions, all within 400/80 (K exceptions)
"""

import argparse
import os
import signal
import sys

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80
EXCEPTIONS_PATH = os.path.join("scripts", "ci", "line-budget-exceptions.txt")

TYPE_KEYWORDS = {"struct", "class", "enum", "actor", "protocol", "extension"}
FUNCTION_KEYWORDS = {"func", "init", "deinit", "subscript", "var"}
# Keywords that start another declaration: a pending `func foo()` without a body (a protocol
# requirement) is abandoned when one of them comes first.
DECLARATION_KEYWORDS = TYPE_KEYWORDS | FUNCTION_KEYWORDS | {
    "let", "case", "typealias", "associatedtype", "import", "operator", "precedencegroup", "macro",
}
# `class` is a modifier, not a type, when one of these follows it.
MODIFIER_FOLLOWERS = FUNCTION_KEYWORDS | {
    "let", "static", "final", "override", "public", "private", "fileprivate", "internal", "open",
    "required", "convenience", "nonisolated", "mutating", "dynamic", "lazy", "weak", "unowned",
}


class Token:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind = kind  # "ident", "punct", "op", "string", "newline"
        self.text = text
        self.line = line

    def __repr__(self):
        return "%s(%r)@%d" % (self.kind, self.text, self.line)


class LexError(Exception):
    pass


class Lexer:
    """A small Swift lexer: identifiers, brackets and punctuation, opaque string/regex literals,
    newlines; comments dropped."""

    def __init__(self, text):
        self.s = text
        self.i = 0
        self.line = 1
        self.tokens = []

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def advance(self, n=1):
        for _ in range(n):
            if self.i < len(self.s):
                if self.s[self.i] == "\n":
                    self.line += 1
                self.i += 1

    def emit(self, kind, text, line):
        self.tokens.append(Token(kind, text, line))

    def lex(self):
        self.code(stop_at_close_paren=False, emit=True)
        return self.tokens

    # Code, until the end of input or (inside an interpolation) the unmatched `)`.
    def code(self, stop_at_close_paren, emit):
        depth = 0
        while self.i < len(self.s):
            c = self.peek()
            line = self.line
            if c == "\n":
                if emit:
                    self.emit("newline", "\n", line)
                self.advance()
            elif c in " \t\r\f\v":
                self.advance()
            elif c == "/" and self.peek(1) == "/":
                while self.i < len(self.s) and self.peek() != "\n":
                    self.advance()
            elif c == "/" and self.peek(1) == "*":
                self.block_comment()
            elif c == '"':
                self.string(0)
                if emit:
                    self.emit("string", '"…"', line)
            elif c == "#":
                hashes = 0
                while self.peek(hashes) == "#":
                    hashes += 1
                nxt = self.peek(hashes)
                if nxt == '"':
                    self.advance(hashes)
                    self.string(hashes)
                    if emit:
                        self.emit("string", '#"…"#', line)
                elif nxt == "/":
                    self.advance(hashes)
                    self.regex(hashes)
                    if emit:
                        self.emit("string", "#/…/#", line)
                else:
                    self.advance()
                    if emit:
                        self.emit("punct", "#", line)
            elif c == "`":
                j = self.s.find("`", self.i + 1)
                if j < 0 or "\n" in self.s[self.i:j]:
                    raise LexError("line %d: unterminated backtick identifier" % line)
                name = self.s[self.i + 1:j]
                self.advance(j + 1 - self.i)
                if emit:
                    self.emit("ident", "`%s`" % name, line)  # never a keyword
            elif c.isalnum() or c == "_" or c == "$":
                j = self.i
                while j < len(self.s) and (self.s[j].isalnum() or self.s[j] in "_$"):
                    j += 1
                word = self.s[self.i:j]
                self.advance(j - self.i)
                if emit:
                    self.emit("ident", word, line)
            elif c in "{}[];,:":
                self.advance()
                if emit:
                    self.emit("punct", c, line)
            elif c == "(":
                depth += 1
                self.advance()
                if emit:
                    self.emit("punct", c, line)
            elif c == ")":
                if stop_at_close_paren and depth == 0:
                    self.advance()
                    return
                depth -= 1
                self.advance()
                if emit:
                    self.emit("punct", c, line)
            elif c == ".":
                self.advance()
                if emit:
                    self.emit("punct", c, line)
            else:
                # An operator: a run of operator characters, so `==` is never `=`.
                j = self.i
                while j < len(self.s) and self.s[j] in "=-+*/%<>!&|^~?\\":
                    if self.s[j] == "/" and j + 1 < len(self.s) and self.s[j + 1] in "/*":
                        break
                    j += 1
                if j == self.i:
                    j += 1  # any other character (·, ×, …) on its own
                text = self.s[self.i:j]
                self.advance(j - self.i)
                if emit:
                    self.emit("op", text, line)
        if stop_at_close_paren:
            raise LexError("unterminated string interpolation")

    def block_comment(self):
        start = self.line
        self.advance(2)
        nesting = 1
        while self.i < len(self.s):
            if self.peek() == "/" and self.peek(1) == "*":
                nesting += 1
                self.advance(2)
            elif self.peek() == "*" and self.peek(1) == "/":
                nesting -= 1
                self.advance(2)
                if nesting == 0:
                    return
            else:
                self.advance()
        raise LexError("line %d: unterminated /* comment" % start)

    def string(self, hashes):
        """At the opening quote(s) of a string with `hashes` leading #s (already consumed)."""
        start = self.line
        multiline = self.s.startswith('"""', self.i)
        quote = '"""' if multiline else '"'
        self.advance(len(quote))
        close = quote + "#" * hashes
        escape = "\\" + "#" * hashes
        while self.i < len(self.s):
            if self.s.startswith(close, self.i):
                self.advance(len(close))
                return
            if self.s.startswith(escape, self.i):
                self.advance(len(escape))
                if self.peek() == "(":
                    self.advance()
                    self.code(stop_at_close_paren=True, emit=False)
                else:
                    self.advance()  # the escaped character: \" \\ \n \u{…} (its braces are plain text)
                continue
            if self.peek() == "\n" and not multiline:
                raise LexError("line %d: unterminated string literal" % start)
            self.advance()
        raise LexError("line %d: unterminated string literal" % start)

    def regex(self, hashes):
        """At the `/` of an extended `#/…/#` regex literal (its #s consumed)."""
        start = self.line
        self.advance()
        close = "/" + "#" * hashes
        while self.i < len(self.s):
            if self.peek() == "\\":
                self.advance(2)
            elif self.s.startswith(close, self.i):
                self.advance(len(close))
                return
            else:
                self.advance()
        raise LexError("line %d: unterminated regex literal" % start)


class Function:
    __slots__ = ("name", "line", "end")

    def __init__(self, name, line, end):
        self.name, self.line, self.end = name, line, end

    @property
    def length(self):
        return self.end - self.line + 1


def functions_in(text):
    """Every function-like body in `text`, with its qualified name and line span."""
    tokens = Lexer(text).lex()
    scopes = []  # per open brace: (kind, name, line, qualified name), kind "type", "function" or None
    depth = 0  # () and [] nesting
    pending = None  # the declaration whose body the next `{` at its level opens (see `declaration`)
    found = []

    def declaration(kind, keyword, name, line):
        """A declaration waiting for its `{` at this bracket depth and brace level."""
        return {"kind": kind, "keyword": keyword, "name": name, "line": line, "depth": depth,
                "scopes": len(scopes), "seen_colon": False}

    def qualified(name):
        return ".".join([s[1] for s in scopes if s[0] in ("type", "function")] + [name])

    def next_significant(k):
        while k < len(tokens) and tokens[k].kind == "newline":
            k += 1
        return tokens[k] if k < len(tokens) else None

    def dotted_name(k):
        parts = []
        while k < len(tokens):
            t = tokens[k]
            if t.kind == "ident":
                parts.append(t.text)
                k += 1
                if k < len(tokens) and tokens[k].text == "." and k + 1 < len(tokens) and tokens[k + 1].kind == "ident":
                    k += 1
                    continue
            break
        return ".".join(parts) or "?"

    for k, tok in enumerate(tokens):
        prev = tokens[k - 1] if k > 0 else None
        after_dot = prev is not None and prev.text == "." and prev.kind == "punct"
        text = tok.text
        if tok.kind == "newline":
            # A computed property's `{` is on the line of its `var`.
            if pending and pending["keyword"] == "var" and depth == pending["depth"] and len(scopes) == pending["scopes"]:
                pending = None
            continue
        if tok.kind == "punct" and text in "([":
            depth += 1
            continue
        if tok.kind == "punct" and text in ")]":
            depth -= 1
            continue
        if tok.kind == "punct" and text == "{":
            if (pending and depth == pending["depth"] and len(scopes) == pending["scopes"]
                    and (pending["keyword"] != "var" or pending["seen_colon"])):
                if pending["kind"] == "type":
                    scopes.append(("type", pending["name"], pending["line"], None))
                else:
                    scopes.append(("function", pending["name"], pending["line"], qualified(pending["name"])))
                pending = None
            else:
                scopes.append((None, None, tok.line, None))
            continue
        if tok.kind == "punct" and text == "}":
            if not scopes:
                raise LexError("line %d: unbalanced }" % tok.line)
            kind, name, line, qname = scopes.pop()
            if pending and len(scopes) < pending["scopes"]:
                pending = None  # the enclosing type ended: a requirement without a body
            if kind == "function":
                found.append(Function(qname, line, tok.line))
            continue
        if tok.kind == "punct" and text == ";":
            if pending and len(scopes) == pending["scopes"]:
                pending = None
            continue
        if pending and pending["keyword"] == "var" and depth == pending["depth"] and len(scopes) == pending["scopes"]:
            if tok.kind == "punct" and text == ":":
                pending["seen_colon"] = True
            elif tok.kind == "op" and text == "=":
                pending = None  # stored, with an initial value (observers are not counted)
            elif not pending["seen_colon"] and not (tok.kind == "ident" and text == pending["name"]):
                pending = None  # `for var x in`, `case var (a, b)`: no type annotation, not computed
        if tok.kind != "ident" or after_dot:
            continue
        if pending and (len(scopes) > pending["scopes"] or depth > pending["depth"]):
            continue  # inside a signature's parentheses or default-argument closure
        if text in DECLARATION_KEYWORDS:
            nxt = next_significant(k + 1)
            if text == "class" and nxt is not None and nxt.text in MODIFIER_FOLLOWERS:
                continue
            if text in TYPE_KEYWORDS:
                pending = declaration("type", text, dotted_name(k + 1), tok.line)
            elif text == "func":
                pending = declaration("function", text, nxt.text if nxt is not None else "?", tok.line)
            elif text in ("init", "subscript"):
                if nxt is not None and nxt.text[:1] in ("(", "?", "!", "<"):
                    pending = declaration("function", text, text, tok.line)
            elif text == "deinit":
                pending = declaration("function", text, text, tok.line)
            elif text == "var" and nxt is not None and nxt.kind == "ident":
                pending = declaration("function", text, nxt.text, tok.line)
            else:
                pending = None  # let, case, typealias, …, or `var (a, b)`
    if scopes:
        raise LexError("line %d: unclosed {" % scopes[-1][2])
    return found


def count_lines(text):
    return len(text.splitlines())


class Excuse:
    __slots__ = ("path", "name", "reason", "lineno", "used")

    def __init__(self, path, name, reason, lineno):
        self.path, self.name, self.reason, self.lineno, self.used = path, name, reason, lineno, False

    def matches(self, path, name):
        if self.path != path:
            return False
        if self.name is None or name is None:
            return self.name is None and name is None
        return name == self.name or name.endswith("." + self.name)

    def __str__(self):
        return self.path + (":" + self.name if self.name else "")


def read_exceptions(path, shown):
    """Parses the exceptions file; returns (exceptions, errors)."""
    exceptions, errors = [], []
    if path is None or not os.path.exists(path):
        return exceptions, errors
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            entry, sep, reason = line.partition("#")
            entry, reason = entry.strip(), reason.strip()
            where = "%s:%d" % (shown, lineno)
            if not sep or not reason:
                errors.append("%s: exception %r has no reason (write `path[:function]  # reason`)" % (where, entry))
                continue
            if not entry or " " in entry or "\t" in entry:
                errors.append("%s: malformed exception %r (write `path[:function]  # reason`)" % (where, line))
                continue
            file_part, colon, name = entry.partition(":")
            if colon and not name:
                errors.append("%s: exception %r names no function after ':'" % (where, entry))
                continue
            exceptions.append(Excuse(os.path.normpath(file_part), name or None, reason, lineno))
    return exceptions, errors


def swift_files(root):
    sources = os.path.join(root, "Sources")
    out = []
    for directory, dirs, files in os.walk(sources):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".swift"):
                out.append(os.path.join(directory, name))
    return out


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help="Swift files to check instead of ROOT/Sources")
    parser.add_argument("--root", default=os.path.normpath(os.path.join(here, "..", "..")),
                        help="repository root (default: the repository of this script)")
    parser.add_argument("--exceptions", help="exceptions file (default: ROOT/%s)" % EXCEPTIONS_PATH)
    parser.add_argument("--max-file-lines", type=int, default=MAX_FILE_LINES)
    parser.add_argument("--max-function-lines", type=int, default=MAX_FUNCTION_LINES)
    parser.add_argument("--list", action="store_true", help="print every function's length, longest first")
    args = parser.parse_args(argv)

    root = os.path.abspath(args.root)
    exceptions_path = args.exceptions or os.path.join(root, EXCEPTIONS_PATH)

    def display(path):
        rel = os.path.relpath(os.path.abspath(path), root)
        return path if rel.startswith("..") else rel

    exceptions, errors = read_exceptions(exceptions_path, display(exceptions_path))

    paths = args.files or swift_files(root)
    if not paths:
        errors.append("no Swift files under %s" % os.path.join(root, "Sources"))
    checked = set()
    offenders = []  # (path, line, name, length, limit)
    every = []
    function_count = 0
    for path in paths:
        shown = os.path.normpath(display(path))
        checked.add(shown)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as error:
            errors.append("%s: cannot read (%s)" % (shown, error))
            continue
        lines = count_lines(text)
        if lines > args.max_file_lines:
            offenders.append((shown, 1, "(file)", lines, args.max_file_lines, None))
        try:
            functions = functions_in(text)
        except LexError as error:
            errors.append("%s: cannot parse: %s" % (shown, error))
            continue
        function_count += len(functions)
        for fn in functions:
            every.append((fn.length, shown, fn.line, fn.name))
            if fn.length > args.max_function_lines:
                offenders.append((shown, fn.line, fn.name, fn.length, args.max_function_lines, fn))

    remaining = []
    for shown, line, name, length, limit, fn in offenders:
        key = None if fn is None else name
        excused = [e for e in exceptions if e.matches(shown, key)]
        for e in excused:
            e.used = True
        if not excused:
            remaining.append((shown, line, name, length, limit))
    stale = [e for e in exceptions if not e.used and (not args.files or e.path in checked)]

    if args.list:
        for length, shown, line, name in sorted(every, key=lambda x: (-x[0], x[1], x[2])):
            print("%5d  %s:%d  %s" % (length, shown, line, name))

    for message in errors:
        print("line budget: error: " + message)
    for shown, line, name, length, limit in sorted(remaining):
        what = "file" if name == "(file)" else name
        print("%s:%d: %s, %d lines (budget %d)" % (shown, line, what, length, limit))
    for e in stale:
        print("%s:%d: stale exception %s excuses nothing over budget; delete it"
              % (display(exceptions_path), e.lineno, e))
    if errors or remaining or stale:
        parts = []
        if remaining:
            parts.append("%d over budget" % len(remaining))
        if stale:
            parts.append("%d stale exception%s" % (len(stale), "" if len(stale) == 1 else "s"))
        if errors:
            parts.append("%d error%s" % (len(errors), "" if len(errors) == 1 else "s"))
        print("line budget: FAILED (%s); split the code, or add `path[:function]  # reason` to %s"
              % (", ".join(parts), display(exceptions_path)))
        return 1
    print("line budget: %d files, %d functions, all within %d/%d (%d exceptions)"
          % (len(paths), function_count, args.max_file_lines, args.max_function_lines, len(exceptions)))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` is not an error
    sys.exit(main(sys.argv[1:]))
