#!/usr/bin/env python3
"""Issue #14, items 1, 7 and 10: move `dispatcher/` from ~80 flat files into packages by
subject (leads, pages, office, dashboard, sms, dev, api), and rewrite every reference.

Written as a script, not a hand edit, so it can run again on a tree that changed
meanwhile: it moves what is still at its old place, rewrites whatever still says an old
name, and changes nothing on a tree it already shaped. Stdlib only. From the repo root:

    python3 tools/restructure.py            # move, rewrite, then ruff (import order, format)
    python3 tools/restructure.py --check    # say what would change; exit 1 if anything

Tables: MOVES (module -> module, `git mv`), FILE_MOVES (other files), MERGES (a module
appended to another, then removed), SYMBOLS (a top-level class or function taken out of
its module into another). References are rewritten in code, mock.patch targets, RQ job
paths, `python -m` lines and file paths in the docs.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Old module -> new module. A destination is never another move's source, so a second
# run finds nothing left to move.
MOVES: dict[str, str] = {
    # leads: logging a call, routing it to a salesperson, the coordinator's console
    "dispatcher.console": "dispatcher.leads.views",
    "dispatcher.intake": "dispatcher.leads.transactions",
    "dispatcher.services.leads": "dispatcher.leads.service",
    "dispatcher.services.stubs": "dispatcher.leads.stubs",
    "dispatcher.services.callers": "dispatcher.leads.callers",
    "dispatcher.services.calls": "dispatcher.leads.calls",
    "dispatcher.services.routing_inputs": "dispatcher.leads.routing_inputs",
    "dispatcher.services.timeline": "dispatcher.leads.timeline",
    "dispatcher.services.outcomes": "dispatcher.leads.outcomes",
    "dispatcher.services.voice_pins": "dispatcher.leads.voice_pins",
    "dispatcher.services.retention": "dispatcher.leads.retention",
    # pages: the SMS page's life (sent, acknowledged, missed, delivered) and the
    # salesperson's own page
    "dispatcher.services.pages": "dispatcher.pages.service",
    "dispatcher.services.delivery": "dispatcher.pages.delivery",
    "dispatcher.services.inbound": "dispatcher.pages.replies",
    "dispatcher.services.my_leads": "dispatcher.pages.my_leads",
    "dispatcher.salesperson": "dispatcher.pages.views",
    # office: the manager's screens, the roster, the rules, the coordinator's hours
    "dispatcher.manager": "dispatcher.office.views",
    "dispatcher.services.salespeople": "dispatcher.office.roster",
    "dispatcher.services.office_controls": "dispatcher.office.controls",
    "dispatcher.office_hours": "dispatcher.office.hours",
    # dashboard: the manager's figures (item 1)
    "dispatcher.dashboard": "dispatcher.dashboard.views",
    "dispatcher.dashboard_tables": "dispatcher.dashboard.tables",
    "dispatcher.dashboard_upkeep": "dispatcher.dashboard.upkeep",
    "dispatcher.services.dashboard": "dispatcher.dashboard.figures",
    "dispatcher.services.dashboard_period": "dispatcher.dashboard.period",
    "dispatcher.services.dashboard_raw": "dispatcher.dashboard.raw",
    "dispatcher.services.dashboard_rollups": "dispatcher.dashboard.rollups",
    "dispatcher.services.dashboard_tally": "dispatcher.dashboard.tally",
    "dispatcher.services.spreads": "dispatcher.dashboard.spreads",
    # sms: the transports, the development phone, SMS to the manager, STOP/START
    "dispatcher.devphone": "dispatcher.sms.devphone",
    "dispatcher.services.manager_messages": "dispatcher.sms.manager_messages",
    "dispatcher.services.opt_out": "dispatcher.sms.opt_out",
    # api: the JSON API, its tokens and its OpenAPI description
    "dispatcher.api": "dispatcher.api.views",
    "dispatcher.services.tokens": "dispatcher.api.tokens",
    # dev: the demo office and the development supervisor
    "dispatcher.demo": "dispatcher.dev.demo",
    "dispatcher.devserver": "dispatcher.dev.server",
    # app-wide, named for what they hold (item 10)
    "dispatcher.views": "dispatcher.template_helpers",
    "dispatcher.errors": "dispatcher.error_handlers",
    "dispatcher.services.errors": "dispatcher.invalid_input",
    "dispatcher.services.phones": "dispatcher.phones",
}

FILE_MOVES: dict[str, str] = {
    "dispatcher/openapi.json": "dispatcher/api/openapi.json",
}

# Item 7: queueing a job is what services and views do after a commit; it lives beside the
# queue so `dispatcher` never imports `workers`.
MERGES: dict[str, str] = {
    "workers.scheduling": "dispatcher.queue",
}

MERGE_DOCS = {
    "dispatcher.queue": """\
Redis and the RQ queue, attached to the app in the factory, and putting jobs on it:
always after the commit, with fixed job ids so the same job is never queued twice.""",
}

# (module as named after MOVES, top-level name) -> the module it moves to.
SYMBOLS: dict[tuple[str, str], str] = {
    # which office is current is the office's business, not the lead transactions'
    ("dispatcher.leads.transactions", "current_office"): "dispatcher.office.current",
    # the dev phone signs as Twilio would; the webhooks check with the same token
    ("callbacks.signature", "development_auth_token"): "dispatcher.sms.outbox",
    # each subject's forms in its package; the sign-in form and field_errors stay shared
    ("dispatcher.forms", "LeadForm"): "dispatcher.leads.forms",
    ("dispatcher.forms", "SalespersonForm"): "dispatcher.office.forms",
    ("dispatcher.forms", "ReplyForm"): "dispatcher.sms.forms",
}

# Docstrings of the new packages' __init__.py (written when missing; the dashboard's and
# sms's are replaced, as their text is about the package).
PACKAGE_DOCS: dict[str, str] = {
    "dispatcher.leads": """\
Leads: logging a call or walk-in, routing it to a salesperson, the coordinator's
console. `service` and its neighbours change rows and never commit; `transactions`
commits and only then queues the page, for the console, the API and the webhooks.""",
    "dispatcher.pages": """\
Pages: an SMS page's life after it is queued (acknowledged, declined, missed and
reassigned, delivered or not) and the salesperson's own page. The page row is the
truth; one conditional UPDATE moves it out of `open`.""",
    "dispatcher.office": """\
The office: the roster of salespeople, the manager's controls over routing (status,
rotation, rules), the coordinator's hours, which office a request serves, and the
manager's screens for them.""",
    "dispatcher.dashboard": """\
The manager's dashboard: figures per salesperson, source, listing and hour.

Kept as rollups (`rollups`): each whole office day, week and month computed once and
added up; today and days a late change made stale are read from the records (`raw`),
and the clock (`upkeep`) rebuilds those from a trigger-fed change log. Rollups pay at
scale: at 1,000,000 leads (bench/README.md) a year's figures take 78 ms (SQLite) /
169 ms (PostgreSQL) instead of 6.9 s / 4.0 s; at one office's size, ~0.2 s (estimate).""",
    "dispatcher.sms": """\
Sending SMS: one small interface, two transports chosen by settings (the twilio
client with credentials, otherwise the outbox), the development phone that reads the
outbox and replies through the webhooks, the manager's SMS, and a salesperson's STOP.""",
    "dispatcher.api": """\
The JSON API for other systems: log a lead, read it, acknowledge it, list and add
salespeople; bearer tokens per caller; the OpenAPI description it serves.""",
    "dispatcher.dev": """\
For development only: the demo office (`flask seed-demo`) and the supervisor that
`bin/serve` runs (web, worker, sweeper and embedded Redis in one command).""",
}
REPLACE_DOCS = {"dispatcher.dashboard", "dispatcher.sms"}

PY_DIRS = ["dispatcher", "callbacks", "routing", "workers", "tests", "bench", "tools"]
TEXT_FILES = ["Procfile", "README.md", "bench/README.md", ".ci/run", "pyproject.toml"]
TEXT_DIRS = ["bin"]
SELF = Path(__file__).resolve()

IMPORT_LINTER = """
[tool.importlinter]
root_packages = ["dispatcher", "callbacks", "workers", "routing"]
include_external_packages = true

# Issue #14, item 7: imports go one way. routing <- dispatcher (services, views) <-
# callbacks, workers. Only the app's composition looks up: create_app registers the
# webhooks' blueprint and `flask sweep` starts the sweeper.
[[tool.importlinter.contracts]]
name = "routing <- dispatcher <- callbacks, workers"
type = "layers"
layers = ["callbacks | workers", "dispatcher", "routing"]
ignore_imports = [
    "dispatcher -> callbacks",
    "dispatcher.cli -> workers.sweeper",
]

[[tool.importlinter.contracts]]
name = "routing is pure: no Flask, no database, no app"
type = "forbidden"
source_modules = ["routing"]
forbidden_modules = ["dispatcher", "callbacks", "workers", "flask", "sqlalchemy", "rq"]
"""

README_LAYOUT = """- `dispatcher/`: the Flask app, a package per subject; each holds its views (one
  blueprint), its services (database work that never commits; the view or job owns the
  transaction) and its forms:
  - `leads/`: the coordinator's console, logging and routing a lead, call stubs, calls to
    the office; `transactions.py` commits and then queues the page.
  - `pages/`: a page's life after it is queued (replies, delivery receipts, the deadline)
    and the salesperson's own page.
  - `office/`: the manager's screens, the roster, the controls over routing, the
    coordinator's hours, which office is current.
  - `dashboard/`: the manager's figures, kept as rollups (see its `__init__.py`).
  - `sms/`: the SMS transports (twilio, outbox), the development phone, SMS to the
    manager, STOP and START.
  - `api/`: the JSON API, its tokens and `openapi.json`.
  - `dev/`: the demo office and the development supervisor (`bin/serve`).
  - at the top, app-wide: `create_app` (`__init__.py`), `config`, `extensions`,
    `models`, `auth` (sign-in, roles), `error_handlers`, `invalid_input`, `cli`, `clock`,
    `queue` (Redis, and putting jobs on it after the commit), `phones`, `sqlite`,
    `embedded_redis`, `template_helpers`, `forms` (shared), `migrations/`.
"""
README_DIRECTION = """- Imports go one way: `routing` <- `dispatcher` <- `callbacks`, `workers`
  (`lint-imports` checks it; the contract is in `pyproject.toml`).
"""

CI_LINT = """echo "== lint: import directions (import-linter)"
.venv/bin/lint-imports --no-logo
"""


def module_path(module: str) -> Path:
    """The file a module lives in, existing or to be: a package's __init__ or a .py."""
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def file_of(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=ROOT, check=True)


class Run:
    def __init__(self, check: bool):
        self.check = check
        self.touched: set[Path] = set()
        self.notes: list[str] = []

    def write(self, path: Path, text: str) -> None:
        if path.exists() and path.read_text() == text:
            return
        self.touched.add(path)
        if not self.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    def move(self, old: Path, new: Path) -> None:
        self.touched.add(new)
        if self.check:
            return
        new.parent.mkdir(parents=True, exist_ok=True)
        tracked = subprocess.run(
            ["git", "ls-files", "--error-unmatch", str(old)], cwd=ROOT, capture_output=True
        )
        if tracked.returncode == 0:
            git("mv", str(old), str(new))
        else:
            old.rename(new)


# ---- step 1: packages and moves ------------------------------------------------------


def ensure_packages(run: Run) -> None:
    packages = {m.rpartition(".")[0] for m in [*MOVES.values(), *MERGES.values()]}
    packages |= {m.rpartition(".")[0] for m in SYMBOLS.values()}
    for package in sorted(packages):
        init = ROOT.joinpath(*package.split(".")) / "__init__.py"
        doc = PACKAGE_DOCS.get(package)
        if not init.exists():
            run.write(init, f'"""{doc}"""\n' if doc else "")
        elif doc and package in REPLACE_DOCS:
            run.write(init, replace_docstring(init.read_text(), doc))


def replace_docstring(text: str, doc: str) -> str:
    tree = ast.parse(text)
    first = tree.body[0] if tree.body else None
    new = f'"""{doc}"""\n'
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        lines = text.splitlines(keepends=True)
        return new + "".join(lines[first.end_lineno :])
    return new + "\n" + text


def do_moves(run: Run) -> None:
    for old, new in MOVES.items():
        source, target = file_of(old), file_of(new)
        if source.exists():
            if target.exists():
                run.notes.append(f"both {source} and {target} exist: merge them by hand")
                continue
            run.move(source, target)
    for old_name, new_name in FILE_MOVES.items():
        source, target = ROOT / old_name, ROOT / new_name
        if source.exists() and not target.exists():
            run.move(source, target)


# ---- step 2: merges and symbol moves ----------------------------------------------------


def split_module(text: str) -> tuple[str, list[str], str]:
    """A module's docstring, its top-level import lines, and the rest."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    body = tree.body
    doc_end = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        doc_end = body[0].end_lineno
        body = body[1:]
    imports: list[str] = []
    rest_start = doc_end
    for node in body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        imports.append("".join(lines[node.lineno - 1 : node.end_lineno]))
        rest_start = node.end_lineno
    return "".join(lines[:doc_end]), imports, "".join(lines[rest_start:])


def add_imports(text: str, imports: list[str]) -> str:
    """Put import lines after the module's own imports (ruff sorts and merges them)."""
    doc, own, rest = split_module(text)
    wanted = [i for i in imports if i not in own and "__future__" not in i]
    if not wanted:
        return text
    head = doc + ("\n" if doc else "")
    return head + "".join(own) + "".join(wanted) + rest


def do_merges(run: Run) -> None:
    for old, new in MERGES.items():
        source, target = file_of(old), module_path(new)
        if not source.exists():
            continue
        _, imports, rest = split_module(source.read_text())
        merged = add_imports(target.read_text(), imports).rstrip("\n") + "\n\n" + rest
        if new in MERGE_DOCS:
            merged = replace_docstring(merged, MERGE_DOCS[new])
        run.write(target, merged)
        run.touched.add(source)
        if not run.check:
            git("rm", "-q", "-f", str(source))


def symbol_span(tree: ast.Module, lines: list[str], name: str) -> tuple[int, int] | None:
    """Line range (0-based, end exclusive) of a top-level def/class with its decorators and
    the comment lines right above it."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name != name:
                continue
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1
            return start, node.end_lineno
    return None


def do_symbols(run: Run) -> None:
    for (module, name), destination in SYMBOLS.items():
        source = module_path(module)
        if not source.exists():
            continue
        text = source.read_text()
        tree = ast.parse(text)
        lines = text.splitlines(keepends=True)
        span = symbol_span(tree, lines, name)
        if span is None:
            continue
        start, end = span
        code = "".join(lines[start:end])
        remaining = "".join(lines[:start]).rstrip("\n") + "\n\n\n" + "".join(lines[end:])
        remaining = remaining.rstrip("\n") + "\n"
        _, imports, _ = split_module(text)
        if re.search(rf"\b{name}\b", remaining):
            imports_back = [f"from {destination} import {name}\n"]
            remaining = add_imports(remaining, imports_back)
        target = module_path(destination)
        if target.exists():
            existing = add_imports(target.read_text(), imports)
            new_text = existing.rstrip("\n") + "\n\n\n" + code
        else:
            doc = FORMS_DOC if destination.endswith(".forms") else SYMBOL_DOCS.get(destination, "")
            new_text = f'"""{doc}"""\n\nfrom __future__ import annotations\n\n'
            new_text += "".join(i for i in imports if "__future__" not in i) + "\n\n" + code
        run.write(source, remaining)
        run.write(target, new_text)


FORMS_DOC = "This subject's forms (Flask-WTF reads JSON bodies too)."
SYMBOL_DOCS = {
    "dispatcher.office.current": "Which office a request or a job serves.",
}


# ---- step 3: references ------------------------------------------------------------------

DESTINATIONS = {*MOVES.values(), *MERGES.values(), *SYMBOLS.values()}
FROM_RE = re.compile(
    r"^(?P<indent>[ \t]*)from[ \t]+(?P<module>[\w.]+)[ \t]+import[ \t]+"
    r"(?P<names>\([^)]*\)[^\n]*|[^\n]*)",
    re.M,
)


def is_new_submodule(module: str) -> bool:
    """A module of the new layout (named by a move, or there on disk)."""
    if module in DESTINATIONS:
        return True
    base = ROOT.joinpath(*module.split("."))
    return module not in MOVES and (base.with_suffix(".py").exists() or base.is_dir())


def map_module(module: str) -> str:
    return MOVES.get(module) or MERGES.get(module) or module


def map_symbol(module: str, name: str) -> str:
    """Where ``name``, imported from ``module`` (old or new), lives now."""
    if (
        module in MOVES
        and MOVES[module].startswith(module + ".")
        and is_new_submodule(f"{module}.{name}")
    ):
        return module  # already the new package's submodule: `from dispatcher.api import views`
    new = map_module(module)
    return SYMBOLS.get((new, name), new)


def rewrite_from(match: re.Match) -> str:
    indent, module, raw = match["indent"], match["module"], match["names"]
    if raw.startswith("("):
        inside, _, tail = raw[1:].partition(")")
        comment = tail.strip()
        parts = [re.sub(r"#[^\n]*", "", inside)]
    else:
        body, hash_, rest = raw.partition("#")
        comment = (hash_ + rest).strip()
        parts = [body.replace("\\\n", " ")]
    names = [n.strip() for n in ",".join(parts).replace("\n", " ").split(",") if n.strip()]
    groups: dict[str, list[str]] = {}
    for item in names:
        name, _, alias = (p.strip() for p in item.partition(" as "))
        full = f"{module}.{name}"
        if full in MOVES or full in MERGES:
            parent, _, leaf = map_module(full).rpartition(".")
            local = alias or name
            groups.setdefault(parent, []).append(leaf if local == leaf else f"{leaf} as {local}")
        else:
            target = map_symbol(module, name)
            groups.setdefault(target, []).append(item)
    if list(groups) == [module]:
        return match.group(0)
    out = []
    for i, (target, items) in enumerate(groups.items()):
        line = f"{indent}from {target} import {', '.join(items)}"
        if i == 0 and comment:
            line += "  " + comment
        out.append(line)
    return "\n".join(out)


SOURCES = sorted({*MOVES, *MERGES, *(m for m, _ in SYMBOLS)}, key=lambda m: (-len(m), m))
DOTTED_RE = re.compile(
    r"(?<![\w.])(?P<module>" + "|".join(re.escape(s) for s in SOURCES) + r")(?!\w)"
    r"(?:\.(?P<next>\w+))?"
)
PATHS = {
    f"{'/'.join(old.split('.'))}.py": f"{'/'.join(new.split('.'))}.py"
    for old, new in {**MOVES, **MERGES}.items()
} | FILE_MOVES
PATH_RE = re.compile(
    r"(?<![\w/.])(?P<path>"
    + "|".join(re.escape(p) for p in sorted(PATHS, key=len, reverse=True))
    + r")(?![\w/])"
)


# Prose that names a service relative to dispatcher/: `services/spreads.py`, `services.x.Y`.
RELATIVE_RE = re.compile(r"(?<![\w./])services(?P<sep>[./])(?P<name>\w+)")

# Sentences about the old layout, one-off.
PROSE = {
    "Models hold data; the services in dispatcher/services change it.": (
        "Models hold data; the services in each subject's package change it."
    ),
}


def rewrite_relative(match: re.Match) -> str:
    new = MOVES.get(f"dispatcher.services.{match['name']}")
    if new is None:
        return match.group(0)
    return new.removeprefix("dispatcher.").replace(".", match["sep"])


def rewrite_dotted(match: re.Match) -> str:
    module, after = match["module"], match["next"]
    if (
        after
        and MOVES.get(module, "").startswith(module + ".")
        and is_new_submodule(f"{module}.{after}")
    ):
        return match.group(0)
    if after:
        return f"{map_symbol(module, after)}.{after}"
    return map_module(module)


def rewrite_text(text: str, python: bool) -> str:
    if python:
        pieces, last = [], 0
        for match in FROM_RE.finditer(text):
            pieces.append(DOTTED_RE.sub(rewrite_dotted, text[last : match.start()]))
            pieces.append(rewrite_from(match))
            last = match.end()
        pieces.append(DOTTED_RE.sub(rewrite_dotted, text[last:]))
        text = "".join(pieces)
    else:
        text = DOTTED_RE.sub(rewrite_dotted, text)
    text = PATH_RE.sub(lambda m: PATHS[m["path"]], text)
    text = RELATIVE_RE.sub(rewrite_relative, text)
    for before, after in PROSE.items():
        text = text.replace(before, after)
    return text


def reference_files() -> list[Path]:
    files = [p for d in PY_DIRS for p in (ROOT / d).rglob("*.py") if p.resolve() != SELF]
    files += [ROOT / f for f in TEXT_FILES if (ROOT / f).exists()]
    files += [p for d in TEXT_DIRS for p in (ROOT / d).iterdir() if p.is_file()]
    return sorted(p for p in files if ".venv" not in p.parts and "__pycache__" not in p.parts)


def do_references(run: Run) -> None:
    for path in reference_files():
        text = path.read_text()
        new = rewrite_text(text, python=path.suffix == ".py")
        run.write(path, new)


# ---- step 4: one-off edits -------------------------------------------------------------


def one_offs(run: Run) -> None:
    # the dev server sits one package deeper: the project root is one directory further up
    server = file_of("dispatcher.dev.server")
    if server.exists():
        text = server.read_text()
        two_up = (
            r"(?<!dirname\()os\.path\.dirname\(os\.path\.dirname\(os\.path\.abspath\(__file__\)\)\)"
        )
        three_up = "os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))"
        run.write(server, re.sub(two_up, three_up, text))

    services = ROOT / "dispatcher" / "services"
    if services.is_dir():
        left = [p.name for p in services.iterdir() if p.name not in ("__init__.py", "__pycache__")]
        if left:
            run.notes.append(f"dispatcher/services/ still holds {left}: add them to MOVES")
        else:
            run.touched.add(services / "__init__.py")
            if not run.check:
                if (services / "__init__.py").exists():
                    git("rm", "-q", "-f", str(services / "__init__.py"))
                subprocess.run(["rm", "-rf", str(services)], check=True)

    pyproject = ROOT / "pyproject.toml"
    text = pyproject.read_text()
    if "[tool.importlinter]" not in text:
        run.write(pyproject, text.rstrip("\n") + "\n" + IMPORT_LINTER)

    requirements = ROOT / "requirements-dev.txt"
    text = requirements.read_text()
    if "import-linter" not in text:
        run.write(requirements, text.rstrip("\n") + "\nimport-linter==2.16\n")

    ci = ROOT / ".ci" / "run"
    text = ci.read_text()
    if "lint-imports" not in text:
        anchor = ".venv/bin/ruff check .\n"
        if anchor in text:
            run.write(ci, text.replace(anchor, anchor + "\n" + CI_LINT, 1))
        else:
            run.notes.append(".ci/run: no `ruff check .` line to put lint-imports after")

    readme = ROOT / "README.md"
    text = readme.read_text()
    block = re.compile(r"^- `dispatcher/`: the Flask app.*?(?=^- `callbacks/`)", re.M | re.S)
    if block.search(text):
        text = block.sub(lambda _: README_LAYOUT, text, count=1)
    elif README_LAYOUT not in text:
        run.notes.append("README.md: the `dispatcher/` bullet of 'How it is built' not found")
    if README_DIRECTION not in text:
        anchor = "- The page row is the truth."
        if anchor in text:
            text = text.replace(anchor, README_DIRECTION + anchor, 1)
        else:
            run.notes.append("README.md: no place found for the import-direction line")
    run.write(readme, text)


# ---- step 5: ruff --------------------------------------------------------------------------


def tidy(run: Run) -> None:
    python = sorted(
        str(p)
        for p in run.touched
        if p.suffix == ".py" and p.exists() and "versions" not in p.parts
    )
    if not python:
        return
    ruff = str(ROOT / ".venv" / "bin" / "ruff")
    # isort merges the imports the moves split; F401 drops the ones a moved symbol left behind
    subprocess.run([ruff, "check", "--quiet", "--select", "I,F401", "--fix", *python], cwd=ROOT)
    subprocess.run([ruff, "format", "--quiet", *python], cwd=ROOT, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args()
    assert not set(MOVES.values()) & set(MOVES), "a destination is also a source"
    run = Run(check=args.check)
    ensure_packages(run)
    do_moves(run)
    if args.check and run.touched:
        # the rest reads files at their new places
        print("would move or create:", *sorted(str(p.relative_to(ROOT)) for p in run.touched))
        return 1
    do_merges(run)
    do_symbols(run)
    do_references(run)
    one_offs(run)
    if not args.check:
        tidy(run)
    for note in run.notes:
        print("NOTE:", note, file=sys.stderr)
    changed = sorted(str(p.relative_to(ROOT)) for p in run.touched)
    print(f"{'would change' if args.check else 'changed'} {len(changed)} files")
    for name in changed:
        print("  ", name)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
