"""The statements of the hot write paths: compiled by SQLAlchemy once per dialect, run on the driver's cursor.

A Core statement executed through a ``Connection`` costs 40-70 µs of SQLAlchemy around 4-13 µs of
the driver's work, for an execution context, a result object and their events, every time
(``python -m bench.floor``). A transition runs seven statements: that was a third of its CPU
(docs/performance.md). ``Direct`` keeps what SQLAlchemy is for, the SQL of each dialect and the
types' conversions (UTC instants, JSON), and drops the rest: the statement is compiled once, its
parameters go through the types' bind processors, its rows through their result processors, on the
cursor of the connection the session already holds, in its transaction. Errors are handled by the
connection as its own (wrapped as ``IntegrityError``, ``OperationalError``..., a lost connection
invalidated), and the engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners see
each statement, with a stand-in for the execution context and without the power to rewrite it.

For a few statements only, each run thousands of times a second; everything else uses Core. What
this cannot do as Core does (Python-side column defaults, ``IN`` lists and other parameters rendered
at execution, parameters renamed for the driver, values computed at execution, numeric columns
whose conversion depends on the cursor) is refused when the statement is first compiled.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True, slots=True)
class Prepared:
    """A statement's SQL for one dialect, and how its parameters and rows are converted."""

    sql: str
    order: tuple[str, ...] | None
    """The parameters' names in the order a positional driver (SQLite's) takes them; None for named."""
    fixed: dict[str, Any]
    """Values the statement carries itself (``where(id == 1)``)."""
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...]
    row: type[tuple[Any, ...]] | None
    """Rows' type, with the statement's column names; None when it returns none."""


class ExecutionStandIn:
    """What the cursor listeners get as the execution context: the statement, and room for their own
    attributes (a tracer keeps its span on the context between the two events)."""

    def __init__(self, statement: str, parameters: Any, cursor: Any) -> None:
        self.statement = statement
        self.parameters = parameters
        self.cursor = cursor


class Direct:
    """A Core statement run with the driver's cursor in a ``Connection``'s transaction."""

    __slots__ = ("_compiled", "columns", "statement")

    def __init__(self, statement: Executable, columns: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        """For an INSERT or UPDATE without ``values()``: the columns its parameters set."""
        self._compiled: dict[tuple[str, str, str], Prepared] = {}

    def compiled(self, dialect: Dialect) -> Prepared:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, dialect, self.columns)
        return compiled

    def rows(self, connection: Connection, params: dict[str, Any] | None = None) -> list[Any]:
        """Run the statement; its rows (named tuples), converted as ``Connection.execute`` would."""
        compiled = self.compiled(connection.dialect)
        bound = self.parameters(compiled, params)
        cursor = connection.connection.cursor()
        dispatch = connection.dispatch
        try:
            if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
                context = ExecutionStandIn(compiled.sql, bound, cursor)
                dispatch.before_cursor_execute(connection, cursor, compiled.sql, bound, context, False)
                cursor.execute(compiled.sql, bound)
                dispatch.after_cursor_execute(connection, cursor, compiled.sql, bound, context, False)
            else:
                cursor.execute(compiled.sql, bound)
            fetched = cursor.fetchall() if compiled.row is not None else []
        except Exception as error:
            raise_as_core(connection, error, compiled.sql, bound, cursor)
        finally:
            cursor.close()
        if compiled.row is None:
            return []
        make, results = compiled.row._make, compiled.results
        return [make([r(v) if r else v for r, v in zip(results, row, strict=True)]) for row in fetched]

    @staticmethod
    def parameters(compiled: Prepared, params: dict[str, Any] | None) -> Any:
        """``params`` as the driver takes them: converted by their types, in the statement's order."""
        values = {**compiled.fixed, **params} if params else dict(compiled.fixed)
        try:
            for name, convert in compiled.binds:
                if name in values:
                    values[name] = convert(values[name])
        except Exception as error:  # a value its type refuses (a naive instant), as Core reports it
            raise exc.StatementError(str(error), compiled.sql, params, error) from error
        return values if compiled.order is None else tuple(values[name] for name in compiled.order)

    def run(self, connection: Connection, params: dict[str, Any] | None = None) -> None:
        """Run a statement whose rows are not wanted."""
        self.rows(connection, params)

    def first(self, connection: Connection, params: dict[str, Any] | None = None) -> Any | None:
        """The first row, or None."""
        rows = self.rows(connection, params)
        return rows[0] if rows else None


def raise_as_core(connection: Connection, error: Exception, sql: str, params: Any = (), cursor: Any = None) -> NoReturn:
    """Raise a driver's error as ``Connection.execute`` would have: wrapped (``IntegrityError``,
    ``OperationalError``...), the connection invalidated if it was lost, ``handle_error`` listeners run."""
    connection._handle_dbapi_exception(error, sql, params, cursor, None)
    raise AssertionError("unreachable: the connection raises the error it handles")


def _compile(statement: Executable, dialect: Dialect, columns: list[str] | None) -> Prepared:
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    assert isinstance(compiled, SQLCompiler)
    _refuse_what_core_does_at_execution(compiled)
    # The compiled statement's own maps, which Connection.execute reads too: each parameter's and
    # each column's conversion by its type.
    result_columns = compiled._result_columns
    try:
        results = tuple(c.type._cached_result_processor(dialect, None) for c in result_columns)
    except TypeError as error:  # a conversion chosen by the type the cursor reports (PostgreSQL's numerics)
        raise ValueError(f"Direct cannot convert the columns of {compiled.string!r} without a cursor") from error
    return Prepared(
        sql=compiled.string,
        order=tuple(compiled.positiontup or ()) if compiled.positional else None,
        fixed={name: bind.effective_value for bind, name in compiled.bind_names.items() if not bind.required},
        binds=tuple(compiled._bind_processors.items()),
        results=results,
        row=namedtuple("Row", [c.keyname for c in result_columns]) if result_columns else None,
    )


def _refuse_what_core_does_at_execution(compiled: SQLCompiler) -> None:
    problems = {
        "a Python-side column default (name every column it sets)": compiled.insert_prefetch
        or compiled.update_prefetch,
        "parameters rendered at execution (IN lists, literal_execute)": compiled.post_compile_params
        or compiled.literal_execute_params,
        "parameter names the driver needs escaped": compiled.escaped_bind_names,
        "values computed at execution (bindparam callable_)": [b for b in compiled.binds.values() if b.callable],
    }
    found = [problem for problem, present in problems.items() if present]
    if found:
        raise ValueError(f"Direct cannot run {compiled.string!r}: {'; '.join(found)}")
