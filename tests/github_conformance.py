#!/usr/bin/env python3
"""Checks what tests/github.rs exchanged with its fake GitHub against
GitHub's published API descriptions, offline.

Every test's Fixture writes target/github-requests/<test>.<n>.jsonl when it
is dropped: each request the wiremock server received (method, path, query,
headers, JSON body) and each response body the shared builders served.
This script validates them against tests/fixtures/github-openapi/subset.json
(GitHub's REST description, the operations ier-gate uses; see
scripts/github-openapi-subset.py) with openapi-core, and the GraphQL
documents and answers against tests/fixtures/github-openapi/graphql.json
with graphql-core:

- a request's method and path match an operation, on github.com's server
  or GitHub Enterprise Server's (`/api/v3`); pagination links that name the
  repository by id (`/repositories/{id}/...`, as GitHub's pagination docs
  show) are checked as the `/repos/{owner}/{repo}/...` operation;
- every query parameter is declared by the operation and matches its
  schema; a JSON body matches the requestBody schema; an operation without
  one gets no body;
- a response matches the operation's schema for its status, its `Link`
  header is well-formed and points at the same operation;
- a GraphQL document validates against GitHub's schema (every field and
  argument exists, types agree), its variables coerce, and a served answer
  is one GitHub's schema allows for that document.

It first feeds itself deliberately wrong records and fails unless each is
reported; it fails on any violation and when nothing was recorded.

    target/ci-tools/bin/python tests/github_conformance.py [target/github-requests]
"""

import glob
import json
import os
import re
import sys
from urllib.parse import quote, urlsplit, parse_qsl

import graphql
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "github-openapi")
DOTCOM = "https://api.github.com"
GHES = "https://ghes.example.com"  # matches `{protocol}://{hostname}/api/v3`
GHES_PREFIX = "/api/v3"
GRAPHQL_PATHS = ("/graphql", "/api/graphql")


class Checker:
    def __init__(self):
        self.spec = json.load(open(os.path.join(FIXTURES, "subset.json"), encoding="utf-8"))
        self.api = OpenAPI.from_dict(without_array_discriminators(json.loads(json.dumps(self.spec))))
        gql = json.load(open(os.path.join(FIXTURES, "graphql.json"), encoding="utf-8"))
        self.schema = graphql.build_client_schema(gql)
        self.source = self.spec["info"]["x-ier-gate-subset"]["package"]
        self.routes = []  # (regex, template, verb, operation)
        for template, item in self.spec["paths"].items():
            for verb, op in item.items():
                params = [self.deref(p) for p in op.get("parameters", [])]
                multi = {p["name"] for p in params if p.get("x-multi-segment")}
                rx = re.sub(
                    r"\\\{(\w+)\\\}",
                    lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(1) in multi else '[^/]+'})",
                    re.escape(template),
                )
                self.routes.append((re.compile(rx + "$"), template, verb, op, params, multi))
        self.used = {(t, v): 0 for _, t, v, *_ in self.routes}
        # root field -> [(fixture file, document, variables)] of the GraphQL
        # requests sent
        self.documents = {}

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            kind, name = node["$ref"].removeprefix("#/components/").split("/", 1)
            node = self.spec["components"][kind][name]
        return node

    def route(self, verb, path):
        """The operation `verb path` calls, and the server base and the path
        as openapi-core is to see them; or a reason."""
        base, rest = DOTCOM, path
        if path.startswith(GHES_PREFIX + "/"):
            base, rest = GHES, path[len(GHES_PREFIX):]
        by_id = re.match(r"/repositories/(\d+)(/.*)$", rest)
        if by_id:
            # `/repositories/{id}/x` is `/repos/{owner}/{repo}/x` for that
            # repository; owner and repo are then unknown, any name fits.
            rest = "/repos/repository-" + by_id.group(1) + "/by-id" + by_id.group(2)
        for rx, template, v, op, params, multi in self.routes:
            m = rx.match(rest)
            if m and v == verb.lower():
                # openapi-core matches a parameter within one segment: a
                # multi-segment one (contents' {path}) is handed over encoded.
                for name in multi:
                    s, e = m.span(name)
                    rest = rest[:s] + quote(m.group(name), safe="") + rest[e:]
                full = (GHES_PREFIX if base == GHES else "") + rest
                return (template, v, op, params, base, full), None
        return None, f"no operation {verb} {path} in the description"

    def request(self, rec, sent=True, where=""):
        verb, path = rec["method"], rec["path"]
        headers = rec.get("headers") or {}
        # GitHub's REST docs ("Getting started with the REST API"): a
        # request without a User-Agent is refused; ier-gate always sends
        # its token.
        missing = [h for h in ("user-agent", "authorization") if sent and not headers.get(h)]
        if missing:
            return [f"{verb} {path}: no {' and no '.join(missing)} header"]
        if path in GRAPHQL_PATHS:
            return self.graphql_request(rec, where)
        found, why = self.route(verb, path)
        if not found:
            return [why]
        template, v, op, params, base, full = found
        self.used[(template, v)] += 1
        errors = []
        declared = {p["name"]: p for p in params if p["in"] == "query"}
        query = rec.get("query") or []
        for k, _ in query:
            if k not in declared:
                errors.append(f"query parameter `{k}` is not declared by {v.upper()} {template}")
        keys = [k for k, _ in query]
        for k in set(keys):
            if keys.count(k) > 1 and declared.get(k, {}).get("schema", {}).get("type") != "array":
                errors.append(f"query parameter `{k}` is sent {keys.count(k)} times")
        body = rec.get("body")
        has_body = "requestBody" in op
        if body is not None and not has_body:
            errors.append(f"{v.upper()} {template} takes no body, got {json.dumps(body)[:80]}")
        if has_body:
            ctype = (rec.get("headers") or {}).get("content-type") or ""
            if body is not None and not ctype.startswith("application/json"):
                errors.append(f"body sent as `{ctype}`, not application/json")
        req = MockRequest(
            base,
            v,
            full,
            args=dict(query),
            data=json.dumps(body).encode() if body is not None else None,
            content_type="application/json",
        )
        errors += [describe(e) for e in self.api.iter_request_errors(req)]
        return [f"{v.upper()} {template}: {e}" for e in errors]

    def response(self, rec, where=""):
        verb, path, status, body = rec["method"], rec["path"], rec["status"], rec.get("body")
        if path in GRAPHQL_PATHS:
            return self.graphql_response(body, rec.get("document"), where)
        found, why = self.route(verb, path)
        if not found:
            return [why]
        template, v, op, params, base, full = found
        errors = []
        if str(status) not in op["responses"]:
            return [f"{v.upper()} {template}: status {status} is not documented"]
        headers = {}
        link = (rec.get("headers") or {}).get("link")
        if link is not None:
            headers["Link"] = link
            if "Link" not in (self.deref(op["responses"][str(status)]).get("headers") or {}):
                errors.append(f"status {status} has no documented Link header")
            errors += self.link(link, verb, template)
        req = MockRequest(base, v, full, data=b'{"body": ""}' if "requestBody" in op else None)
        resp = MockResponse(json.dumps(body).encode(), status_code=status, headers=headers)
        errors += [describe(e) for e in self.api.iter_response_errors(req, resp)]
        return [f"{v.upper()} {template} answered {status}: {e}" for e in errors]

    def link(self, header, verb, template):
        """A Link header as GitHub sends it: `<url>; rel="next"`, comma
        separated, every url a call of the same operation."""
        errors = []
        for part in header.split(","):
            m = re.fullmatch(r'\s*<([^>]+)>;\s*rel="(next|last|prev|first)"\s*', part)
            if not m:
                errors.append(f"malformed Link part `{part.strip()}`")
                continue
            url = urlsplit(m.group(1))
            found, why = self.route(verb, url.path)
            if not found or found[0] != template:
                errors.append(f"Link `{m.group(1)}` is not {verb} {template}: {why or found[0]}")
                continue
            rec = {"method": verb, "path": url.path, "query": parse_qsl(url.query)}
            errors += [f"Link `{m.group(1)}`: {e}" for e in self.request(rec, sent=False)]
            self.used[(template, verb.lower())] -= 1  # not a request sent
        return errors

    def graphql_request(self, rec, where=""):
        body = rec.get("body")
        if rec["method"] != "POST":
            return [f"GraphQL over {rec['method']}"]
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return [f"GraphQL body without a query: {json.dumps(body)[:80]}"]
        if set(body) - {"query", "variables", "operationName"}:
            return [f"GraphQL body has keys {sorted(set(body) - {'query', 'variables', 'operationName'})}"]
        self.used.setdefault(("graphql", "post"), 0)
        self.used[("graphql", "post")] += 1
        try:
            doc = graphql.parse(body["query"])
        except graphql.GraphQLError as e:
            return [f"GraphQL: {e.message}"]
        errors = [f"GraphQL: {e.message}" for e in graphql.validate(self.schema, doc)]
        if not errors:
            op = next(d for d in doc.definitions if isinstance(d, graphql.OperationDefinitionNode))
            coerced = graphql.execution.values.get_variable_values(
                self.schema, op.variable_definitions or [], body.get("variables") or {}
            )
            if isinstance(coerced, list):
                errors += [f"GraphQL variables: {e.message}" for e in coerced]
            sent = (fixture(where), doc, body.get("variables") or {})
            self.documents.setdefault(root_field(op), []).append(sent)
        return errors

    def graphql_response(self, body, document=None, where=""):
        """Runs the document ier-gate sent for this answer over the answer
        itself: GitHub's types then say whether GitHub could have answered
        so (a wrong type or a missing non-null field is an error, a field
        the document did not select is extra). The fake's GraphQL file
        reads record the document each answer is for; a canned answer is
        for one of the documents its test sent with the same root field."""
        data = (body or {}).get("data")
        errors = (body or {}).get("errors")
        if data is None and isinstance(errors, list) and errors:
            # An error at a non-null root field (`viewer`) nulls `data`
            # (GraphQL spec 6.4.4); each error carries its message.
            bad = [e for e in errors if not isinstance(e, dict) or not isinstance(e.get("message"), str)]
            return [f"GraphQL error without a message: {json.dumps(e)[:80]}" for e in bad]
        if not isinstance(data, dict) or not data:
            return [f"GraphQL answer without a root field: {json.dumps(body)[:80]}"]
        field = tuple(sorted(data))
        if document is not None:
            try:
                doc = graphql.parse(document.get("query") or "")
            except graphql.GraphQLError as e:
                return [f"GraphQL answer for a document that does not parse: {e.message}"]
            candidates = [(doc, document.get("variables") or {})]
        else:
            sent = self.documents.get(field, [])
            candidates = [(d, v) for f, d, v in sent if f == fixture(where)] or [(d, v) for _, d, v in sent]
        if not candidates:
            return [f"GraphQL answer for `{' '.join(field)}`, which no recorded request asked"]
        errors = []
        for doc, variables in candidates:
            errors = self.answers(doc, variables or VARIABLES.get(field[0]), data)
            if not errors:
                return []
        return errors

    def answers(self, doc, variables, data):
        """Violations of `data` as an answer to `doc`."""
        result = graphql.execute_sync(
            self.schema,
            doc,
            root_value=data,
            variable_values=variables,
            type_resolver=concrete,
            # answers are keyed by the response key: the alias where the
            # document gives one (`f0: object(...)`), else the field's name
            field_resolver=lambda source, info, **args: (
                source.get(info.path.key) if isinstance(source, dict) else None
            ),
        )
        errors = [f"GraphQL answer: {e.message} at {e.path}" for e in result.errors or []]
        if not errors and result.data != data:
            errors.append(f"GraphQL answer has fields the document did not select: {json.dumps(data)[:120]}")
        return errors


def fixture(where):
    """The fixture file of a record's `file:line`."""
    return where.rsplit(":", 1)[0]


def concrete(value, info, abstract):
    """The concrete type of an interface value in an answer. ier-gate
    selects comments through Node and Minimizable; through GitObject, a
    blob (`... on Blob`), a commit (`... on Commit { fN: file(...) }`) or,
    where a path is a directory, a tree, of which nothing is selected."""
    if abstract.name == "GitObject" and isinstance(value, dict):
        if not value:
            return "Tree"
        blob = info.schema.get_type("Blob").fields
        return "Blob" if set(value) <= set(blob) else "Commit"
    return CONCRETE[abstract.name]


VARIABLES = {"nodes": {"ids": ["IC_1"]}, "minimizeComment": {"id": "IC_1"}}
# Interfaces ier-gate selects through, and the type it asks for in each:
# comments among `nodes` and minimized (GitObject: see `concrete`).
CONCRETE = {"Node": "IssueComment", "Minimizable": "IssueComment"}


def without_array_discriminators(node):
    """GitHub's contents answer is `oneOf` a directory (an array) and three
    objects, with a discriminator on `type` whose mapping names `array`; a
    discriminator reads a property of an object (OpenAPI 3.0.3, Discriminator
    Object), so an array has none and openapi-core refuses every directory
    listing. Without the discriminator the `oneOf` still decides (each object
    kind has its own `type` enum); the copy given to openapi-core drops it."""
    if isinstance(node, dict):
        d = node.get("discriminator")
        if isinstance(d, dict) and "array" in (d.get("mapping") or {}):
            del node["discriminator"]
        for v in node.values():
            without_array_discriminators(v)
    elif isinstance(node, list):
        for v in node:
            without_array_discriminators(v)
    return node


def root_field(op):
    """The names of an operation's root fields, sorted: the key its
    answers are matched by."""
    return tuple(sorted(s.name.value for s in op.selection_set.selections))


def describe(e):
    """openapi-core's error with the schema errors underneath it."""
    inner = getattr(e, "__cause__", None)
    schema_errors = getattr(inner, "schema_errors", None) or getattr(e, "schema_errors", None)
    if schema_errors:
        return f"{type(e).__name__}: " + "; ".join(
            f"{'/'.join(map(str, x.absolute_path)) or '(top)'}: {x.message[:160]}" for x in schema_errors
        )
    return f"{type(e).__name__}: {str(e)[:200]}{': ' + str(inner)[:200] if inner else ''}"


def check(checker, records):
    """Violations of the records, each `where: what`."""
    out = []
    # Requests first: a GraphQL answer is checked against the document sent.
    for where, rec in sorted(records, key=lambda r: r[1]["kind"] != "request"):
        fn = checker.request if rec["kind"] == "request" else checker.response
        out += [f"{where}: {e}" for e in fn(rec, where=where)]
    return out


def self_test(checker):
    """Each of these records is wrong in one way and must be reported; the
    good ones must not be."""
    comment = json.load(open(os.path.join(FIXTURES, "bodies", "issue-comment.json"), encoding="utf-8"))
    no_user = {k: v for k, v in comment.items() if k != "user"}
    entry = json.load(open(os.path.join(FIXTURES, "bodies", "content-file.json"), encoding="utf-8"))
    no_sha = {k: v for k, v in entry.items() if k != "sha"}
    req = lambda m, p, q=(), body=None: {
        "kind": "request", "method": m, "path": p, "query": list(q), "body": body,
        "headers": {
            "content-type": "application/json" if body is not None else None,
            "user-agent": "octocrab",
            "authorization": True,
        },
    }
    resp = lambda m, p, status, body, link=None: {
        "kind": "response", "method": m, "path": p, "status": status, "body": body, "headers": {"link": link},
    }
    minimize = "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) { minimizedComment { isMinimized } } }"
    # src/github/blobs.rs's file reads, answered by the fake with the document
    files = (
        "query($owner: String!, $name: String!, $r0: GitObjectID!, $p0: String!, $p1: String!) {"
        " repository(owner: $owner, name: $name) { r0: object(oid: $r0) { ... on Commit {"
        " f0: file(path: $p0) { mode type object { ... on Blob { text byteSize isBinary isTruncated } } }"
        " f1: file(path: $p1) { mode type object { ... on Blob { text byteSize isBinary isTruncated } } } } } } }"
    )
    sha = "a" * 40
    read = {"query": files, "variables": {"owner": "o", "name": "r", "r0": sha, "p0": "a.yaml", "p1": "d"}}
    blob = {"text": "x", "byteSize": 1, "isBinary": False, "isTruncated": False}
    dir_entry = {"mode": 16384, "type": "tree", "object": {}}
    answer = lambda f0: {"data": {"repository": {"r0": {"f0": f0, "f1": dir_entry}}}}
    gql = lambda body, doc: {**resp("POST", "/graphql", 200, body), "document": doc}
    good = [
        req("GET", "/repos/o/r/issues/7/comments", [("per_page", "100")]),
        req("GET", "/api/v3/repos/o/r/contents/a/b.yaml", [("ref", "abc")]),
        req("GET", "/repositories/42/issues/7/comments", [("per_page", "100"), ("page", "2")]),
        req("PATCH", "/repos/o/r/issues/comments/5", body={"body": "x"}),
        req("POST", "/graphql", body={"query": minimize, "variables": {"id": "IC_1"}}),
        resp("GET", "/repos/o/r/issues/7/comments", 200, [comment],
             '<https://api.github.com/repositories/42/issues/7/comments?page=2>; rel="next"'),
        resp("POST", "/graphql", 200, {"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}}),
        resp("GET", "/repos/o/r/contents/dir", 200, [entry]),
        resp("GET", "/repos/o/r/contents/link", 200, {**entry, "type": "symlink", "target": "x"}),
        req("POST", "/graphql", body=read),
        gql(answer({"mode": 33188, "type": "blob", "object": blob}), read),
        gql({"data": {"repository": {"r0": None}}}, read),
    ]
    bad = [
        {**req("GET", "/repos/o/r/pulls/7"), "headers": {"authorization": True}},
        req("GET", "/repos/o/r/issues/7/comments", [("per_pag", "100")]),
        req("GET", "/repos/o/r/issues/7/comments", [("per_page", "many")]),
        req("GET", "/repos/o/r/pulls/7/commits"),
        req("PUT", "/repos/o/r/issues/comments/5", body={"body": "x"}),
        req("POST", "/repos/o/r/issues/7/comments", body={"text": "x"}),
        req("PATCH", "/repos/o/r/issues/comments/5", body={"body": 5}),
        req("DELETE", "/repos/o/r/issues/comments/5", body={"body": "x"}),
        req("POST", "/graphql", body={"query": minimize.replace("isMinimized", "isHidden"), "variables": {"id": "IC_1"}}),
        req("POST", "/graphql", body={"query": minimize, "variables": {"ids": ["IC_1"]}}),
        resp("GET", "/repos/o/r/issues/7/comments", 200, [no_user]),
        resp("GET", "/repos/o/r/issues/7/comments", 200, [comment], "https://api.github.com/x?page=2; next"),
        resp("GET", "/repos/o/r/contents/a.yaml", 200, {"type": "file", "encoding": "none"}),
        resp("GET", "/repos/o/r/contents/dir", 200, [no_sha]),
        resp("GET", "/repos/o/r/contents/link", 200, {**entry, "type": "symlink"}),
        resp("POST", "/graphql", 200, {"data": {"minimizeComment": {"minimizedComment": {"isMinimized": "yes"}}}}),
        req("POST", "/graphql", body={**read, "query": files.replace("byteSize", "size")}),
        req("POST", "/graphql", body={**read, "variables": {**read["variables"], "p0": 5}}),
        gql(answer({"mode": "100644", "type": "blob", "object": blob}), read),
        gql(answer({"mode": 33188, "type": "blob", "object": {**blob, "byteSize": None}}), read),
        gql(answer({"mode": 33188, "object": blob}), read),
        gql(answer({"mode": 33188, "type": "blob", "object": {**blob, "oid": sha}}), read),
    ]
    problems = [f"a good record was reported: {e}" for e in check(checker, [("good", r) for r in good])]
    for rec in bad:
        if not check(checker, [("bad", rec)]):
            problems.append(f"a wrong record was not reported: {json.dumps(rec)[:200]}")
    checker.used = dict.fromkeys(checker.used, 0)
    checker.documents = {}
    return problems, len(bad)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "target", "github-requests")
    checker = Checker()
    problems, planted = self_test(checker)
    if problems:
        sys.exit("github_conformance self-test failed:\n  " + "\n  ".join(problems))
    records = []
    for f in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
        for n, line in enumerate(open(f, encoding="utf-8"), 1):
            records.append((f"{os.path.basename(f)}:{n}", json.loads(line)))
    requests = sum(1 for _, r in records if r["kind"] == "request")
    if requests == 0:
        sys.exit(f"github_conformance: no requests recorded in {folder} (run `cargo test --locked github::` first)")
    violations = check(checker, records)
    unused = sorted(f"{v.upper()} {t}" for (t, v), n in checker.used.items() if n == 0)
    roots = {*checker.schema.query_type.fields, *checker.schema.mutation_type.fields}
    asked = {r for key in checker.documents for r in key}
    unused += [f"GraphQL {r}" for r in sorted(roots - asked)]
    if unused:
        violations.append(f"operations in the subset no recorded request calls: {unused} (test them or drop them)")
    print(
        f"github_conformance: {requests} requests and {len(records) - requests} responses from "
        f"{len(glob.glob(os.path.join(folder, '*.jsonl')))} fixtures checked against {checker.source} "
        f"and {json.load(open(os.path.join(FIXTURES, 'graphql.json')))['x-ier-gate-subset']['package']}: "
        f"{len(violations)} violations (self-test: {planted} planted violations caught)"
    )
    for (t, v), n in sorted(checker.used.items()):
        print(f"  {n:5} {v.upper()} {t}")
    if violations:
        for e in violations[:200]:
            print("  " + e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
