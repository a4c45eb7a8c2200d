"""Strategies schemathesis cannot derive from the Data API's document.

Generated values alone rarely name an object that exists, a dataset id that
is registered or SQL that parses, so most requests would stop at the first
check. These hooks mix generated cases with cases built on what
test/fuzz/data-api.ts seeded (FUZZ_STORAGE_PATHS, FUZZ_DATASET_IDS,
FUZZ_TABLE), so registration, upload, preview, query and search run through
to the stores too. Generated cases are kept too. They act only in the
positive pass of test/fuzz/run.sh (--mode positive); the pass over all modes
runs without them, so negative cases stay as generated and must get a 4xx.
"""
import os

import schemathesis
from hypothesis import strategies as st

storage_paths = [p for p in os.environ.get("FUZZ_STORAGE_PATHS", "").split(",") if p]
dataset_ids = [i for i in os.environ.get("FUZZ_DATASET_IDS", "").split(",") if i]
table = os.environ.get("FUZZ_TABLE", "ds_001_v1")
# Supported formats, and tokens that are not formats (refused with 400, never stored).
formats = st.sampled_from(["csv", "tsv", "jsonl", "markdown", "text", "parquet", "0", "exe", " CSV"])

file_contents = st.sampled_from([
    b"id,amount\n1,2.5\n2,3\n",
    b"a\tb\n1\t2\n",
    b'{"k":1}\n{"k":2}\n',
    b"# Title\nSome text. Version 1.0 of it.",
    b"a,b\n1,2,3\n",
    b"\x89PNG\r\n\x1a\n\x00\x00",
    "名称,金额\n甲,1\n".encode(),
])


def positive(case):
    """The hooks run only in the positive pass (FUZZ_HOOKS_ACTIVE=1): a negative case must stay invalid."""
    return os.environ.get("FUZZ_HOOKS_ACTIVE") == "1"


def with_body(case, body):
    case.body = body
    return case


names = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), min_size=1, max_size=40).filter(lambda s: s.strip() != "")


@schemathesis.hook.apply_to(path="/api/v1/datasets", method="POST")
def flatmap_case(context, case):
    if not storage_paths or not positive(case):
        return st.just(case)
    realistic = st.fixed_dictionaries({"name": names, "storage_path": st.sampled_from(storage_paths), "format": formats})
    return st.one_of(st.just(case), realistic.map(lambda body: with_body(case, body)))


@schemathesis.hook.apply_to(path="/api/v1/datasets/upload", method="POST")
def flatmap_case(context, case):  # noqa: F811 - one hook per operation
    if not positive(case):
        return st.just(case)
    realistic = st.fixed_dictionaries({"name": names, "format": formats, "file": file_contents})
    return st.one_of(st.just(case), realistic.map(lambda body: with_body(case, body)))


@schemathesis.hook.apply_to(path="/api/v1/query", method="POST")
def flatmap_case(context, case):  # noqa: F811
    if not positive(case):
        return st.just(case)
    queries = st.sampled_from([
        f"SELECT * FROM {table}",
        f"SELECT customer_id, SUM(amount) AS total FROM {table} GROUP BY customer_id",
        f"SELECT COUNT(*) AS n FROM {table} WHERE amount > 100",
        "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5000) SELECT COUNT(*) FROM t",
        f"DELETE FROM {table}",
        "SELECT SLEEP(5)",
    ])
    return st.one_of(st.just(case), queries.map(lambda sql: with_body(case, {"sql": sql})))


@schemathesis.hook.apply_to(path="/api/v1/vector/search", method="POST")
def flatmap_case(context, case):  # noqa: F811
    if not positive(case):
        return st.just(case)
    # Queries at the schema's 4,000 characters, past the embedding model's token limit: 422, never 503.
    long_queries = st.sampled_from(["大客户的销售总额是多少？" * 333, "amount " * 571, "x" * 4000])
    return st.one_of(st.just(case), long_queries.map(lambda query: with_body(case, {"query": query})))


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not dataset_ids or not isinstance(path_parameters, dict) or "id" not in path_parameters:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.sampled_from(dataset_ids).map(lambda i: {**path_parameters, "id": i}))
