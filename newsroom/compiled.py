"""A read compiled to SQL once per process, run with a new value on every call.

Django builds a queryset and compiles its SQL on every evaluation. For a page that reads one
wide row, as the article page does (four joins, an `EXISTS` and three JSON subqueries in one
query), building and compiling cost more of the request's CPU than PostgreSQL takes to answer.
`CompiledRead(build)` compiles `build(MARKER)` once per database alias and process; a call runs
that SQL with the marker's value replaced by the one asked for, through Django's compiler (so
the database's converters, execute wrappers and routers apply as before), and makes the model
instances, their `select_related` objects and annotations as Django's `ModelIterable` does.

What a read may be: a plain model queryset (no `values()`, no prefetches: they would need the
queryset) whose SQL depends on nothing but the value (no `now()` computed in Python, no
per-request filter), with the value as exactly one parameter of the SQL.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from itertools import chain
from typing import Any
from weakref import WeakKeyDictionary

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# A value no real parameter of a read has: where it appears in the compiled parameters is
# where each call's value goes.
MARKER = -7_182_818_284


class _Compiled:
    """One database's compiled read: the compiler (with its select list filled), the SQL and
    parameters, and what turns a row into model instances."""

    def __init__(self, queryset: QuerySet, db: str):
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise ValueError("a compiled read is a plain model queryset")
        compiler = queryset.query.get_compiler(using=db)
        self.sql, params = compiler.as_sql()
        positions = [index for index, param in enumerate(params) if param == MARKER]
        if len(positions) != 1:
            raise ValueError("a compiled read has its value as exactly one parameter")
        self.params = list(params)
        self.position = positions[0]
        self.compiler = compiler
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, db)
        self.annotations = dict(compiler.annotation_col_map or {})
        self.converters: WeakKeyDictionary = WeakKeyDictionary()

    def run(self, db: str, value: Any) -> list[Model]:
        params = list(self.params)
        params[self.position] = value
        sql = self.sql
        compiler = copy.copy(self.compiler)
        # This thread's connection (connections are per thread), and the SQL as compiled.
        compiler.connection = connections[db]
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        rows = chain.from_iterable(compiler.execute_sql())
        # The columns' converters (dates, booleans, decimals …), also made once, per connection
        # (they may hold it).
        converters = self.converters.get(compiler.connection)
        if converters is None:
            columns = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = self.converters[compiler.connection] = compiler.get_converters(columns)
        if converters:
            rows = compiler.apply_converters(rows, converters)
        found = []
        for row in rows:
            instance = self.model.from_db(db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, column in self.annotations.items():
                setattr(instance, name, row[column])
            found.append(instance)
        return found


class CompiledRead:
    """`build(value)`: the queryset to run, e.g. `lambda pk: Article.objects.filter(pk=pk)[:1]`;
    `read(value)` gives its model instances, `read.first(value)` the first or None. `field`:
    the model's field the value is compared to (the primary key by default); an integer it
    cannot hold finds nothing, as Django's lookups answer (the database would refuse it)."""

    def __init__(self, build: Callable[[Any], QuerySet], *, field: str = "pk"):
        self._build = build
        self._field = field
        self._model: type[Model] | None = None
        self._compiled: dict[str, _Compiled] = {}

    def _fits(self, db: str, value: Any) -> bool:
        if not isinstance(value, int):
            return True
        meta = self._model._meta
        field = meta.pk if self._field == "pk" else meta.get_field(self._field)
        try:
            low, high = connections[db].ops.integer_field_range(field.get_internal_type())
        except KeyError:  # not an integer column
            return True
        return (low is None or value >= low) and (high is None or value <= high)

    def __call__(self, value: Any) -> list[Model]:
        if self._model is None:
            self._model = self._build(MARKER).model
        db = router.db_for_read(self._model)
        if not self._fits(db, value):
            return []
        compiled = self._compiled.get(db)
        if compiled is None:
            compiled = self._compiled[db] = _Compiled(self._build(MARKER), db)
        return compiled.run(db, value)

    def first(self, value: Any) -> Model | None:
        found = self(value)
        return found[0] if found else None
