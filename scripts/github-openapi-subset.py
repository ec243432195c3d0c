#!/usr/bin/env python3
"""Extracts the part of GitHub's published API descriptions that ier-gate uses.

Writes tests/fixtures/github-openapi/subset.json (REST: the operations the
GitHub adapter calls, with every component they reference, $refs resolved
transitively and kept as $refs) and tests/fixtures/github-openapi/graphql.json
(GraphQL: the types, fields and arguments of the documents ier-gate sends,
pruned to those, in introspection form) and bodies/*.json (the response
bodies the tests build on, from the description's examples). tests/github_conformance.py checks
the requests and responses of tests/github.rs against both.

Inputs are npm packages, unpacked (python3 stdlib only, offline after the
download):

    cd /tmp && npm pack @octokit/openapi@23.0.2 @octokit/graphql-schema@15.26.1
    mkdir openapi graphql
    tar xzf octokit-openapi-23.0.2.tgz -C openapi
    tar xzf octokit-graphql-schema-15.26.1.tgz -C graphql
    python3 scripts/github-openapi-subset.py /tmp/openapi/package /tmp/graphql/package

To follow GitHub, bump the versions above and in PACKAGES, rerun, and run
.ci/run: a change GitHub made to an operation ier-gate uses shows as a
diff of the two files and, if it matters, as a violation.
"""

import json
import os
import sys

PACKAGES = {"openapi": "@octokit/openapi@23.0.2", "graphql": "@octokit/graphql-schema@15.26.1"}

# Every REST operation src/github/ sends (grep src/github/ for `"/repos`,
# `/user`): reading the pull request, its files and contents, the
# repository (to tell a missing file from an invisible repository), the
# comment scan, create, re-read, update, delete, and the token's user.
OPERATIONS = [
    ("get", "/user"),
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
    ("get", "/repos/{owner}/{repo}/contents/{path}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("get", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    # src/github/unchanged.rs: the head's tree, for the duplicate-id check
    ("get", "/repos/{owner}/{repo}/git/trees/{tree_sha}"),
]

# The GraphQL fields src/github/ selects, per type: comment.rs (MINIMIZED,
# MINIMIZE), unchanged.rs and blobs.rs (the files, the head, the login); input types keep the named input
# fields. Everything else of each type is dropped.
GRAPHQL = {
    # src/github/blobs.rs: the first batch also asks `viewer { login }`
    # (whose comments are the gate's) and `pullRequest(number:) {
    # headRefOid }` (the stale-run check)
    "Query": ["nodes", "repository", "viewer"],
    "User": ["id", "login"],
    "PullRequest": ["id", "headRefOid"],
    # src/github/unchanged.rs: blobs by object id; src/github/blobs.rs:
    # files by commit and path, `object(oid:) { ... on Commit { file(path:)
    # { mode type object { ... on Blob } } } }` (a Tree is what `object` is
    # for a directory)
    "Repository": ["id", "object", "pullRequest"],
    "GitObject": ["id"],
    "Blob": ["id", "text", "byteSize", "isBinary", "isTruncated"],
    "Commit": ["id", "file"],
    "Tree": ["id"],
    "TreeEntry": ["mode", "type", "object"],
    "GitObjectID": None,
    "Int": None,
    "Mutation": ["minimizeComment"],
    "Node": ["id"],
    "IssueComment": ["id", "isMinimized"],
    "MinimizeCommentPayload": ["minimizedComment"],
    "Minimizable": ["isMinimized"],
    "MinimizeCommentInput": ["subjectId", "classifier", "clientMutationId"],
    "ReportedContentClassifiers": None,  # an enum: all its values
    "ID": None,
    "Boolean": None,
    "String": None,
}


def refs(node):
    """Every $ref string under `node`."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def rest_subset(pkg):
    src = os.path.join(pkg, "generated", "api.github.com.json")
    full = json.load(open(src, encoding="utf-8"))
    ghes = json.load(open(os.path.join(pkg, "generated", "ghes-3.19.json"), encoding="utf-8"))
    paths = {}
    for verb, p in OPERATIONS:
        op = full["paths"][p][verb]
        paths.setdefault(p, {})[verb] = op
    components = {}
    todo = list(refs(paths))
    while todo:
        ref = todo.pop()
        kind, name = ref.removeprefix("#/components/").split("/", 1)
        if name in components.get(kind, {}):
            continue
        node = full["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        todo.extend(refs(node))
    return {
        "openapi": full["openapi"],
        "info": {
            **full["info"],
            "x-ier-gate-subset": {
                "package": PACKAGES["openapi"],
                "file": "generated/api.github.com.json",
                "script": "scripts/github-openapi-subset.py",
                "operations": [f"{v.upper()} {p}" for v, p in OPERATIONS],
            },
        },
        # github.com's server, then GitHub Enterprise Server's (from the
        # ghes-3.19 description in the same package): the REST API under
        # /api/v3 on the instance's host.
        "servers": full["servers"] + ghes["servers"],
        "paths": paths,
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }


def graphql_subset(pkg):
    schema = json.load(open(os.path.join(pkg, "schema.json"), encoding="utf-8"))
    schema = schema.get("data", schema)["__schema"]
    types = []
    for t in schema["types"]:
        if t["name"] not in GRAPHQL:
            continue
        keep = GRAPHQL[t["name"]]
        t = dict(t)
        for key in ("fields", "inputFields"):
            if t.get(key) is not None and keep is not None:
                t[key] = [f for f in t[key] if f["name"] in keep]
                missing = set(keep) - {f["name"] for f in t[key]}
                if key == "fields" and missing:
                    sys.exit(f"GraphQL type {t['name']} has no field {sorted(missing)}")
        if t.get("interfaces"):
            t["interfaces"] = [i for i in t["interfaces"] if i["name"] in GRAPHQL]
        if t.get("possibleTypes"):
            t["possibleTypes"] = [i for i in t["possibleTypes"] if i["name"] in GRAPHQL]
        types.append(t)
    found = {t["name"] for t in types}
    if found != set(GRAPHQL):
        sys.exit(f"GraphQL types not in the schema: {sorted(set(GRAPHQL) - found)}")
    return {
        "x-ier-gate-subset": {
            "package": PACKAGES["graphql"],
            "file": "schema.json",
            "script": "scripts/github-openapi-subset.py",
            "kept": {k: v for k, v in GRAPHQL.items()},
        },
        "__schema": {
            "queryType": {"name": "Query"},
            "mutationType": {"name": "Mutation"},
            "subscriptionType": None,
            "types": sorted(types, key=lambda t: t["name"]),
            "directives": [],
        },
    }


# The bodies the tests' fake GitHub serves are GitHub's own examples from
# the description (components/examples), about acme/app instead of
# octocat/Hello-World; tests/github.rs lays each test's fields on them.
# Three examples do not match their own schema and are mended here:
# pull-request's requested_teams lack the required `type` (emptied),
# full-repository lacks the required `language` (null; and it is shown
# as an unforked, private repository: no parent, source, template,
# organization), and the private user lacks `user_view_type`, the
# property GET /user's discriminator reads (`private`).
BODIES = {
    "issue-comment": ("issue-comment", None),
    "diff-entry": ("diff-entry-items", 0),
    "content-file": ("content-file-response-if-content-is-a-file", None),
    "pull-request": ("pull-request", None),
    "full-repository": ("full-repository-default-response", None),
    "private-user": ("private-user-response-with-public-and-private-profile-information", None),
}


def bodies(subset):
    out = {}
    for name, (example, index) in BODIES.items():
        value = subset["components"]["examples"][example]["value"]
        value = value[index] if index is not None else value
        text = json.dumps(value).replace("octocat/Hello-World", "acme/app").replace("Hello-World", "app")
        out[name] = json.loads(text)
    out["pull-request"]["requested_teams"] = []
    repo = out["full-repository"]
    repo["language"] = None
    repo["private"] = True
    for k in ("parent", "source", "template_repository", "organization"):
        repo.pop(k, None)
    out["private-user"]["user_view_type"] = "private"
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "github-openapi")
    os.makedirs(out, exist_ok=True)
    rest = rest_subset(sys.argv[1])
    files = [("subset.json", rest, 1), ("graphql.json", graphql_subset(sys.argv[2]), 1)]
    files += [(f"bodies/{k}.json", v, 2) for k, v in bodies(rest).items()]
    os.makedirs(os.path.join(out, "bodies"), exist_ok=True)
    for name, data, indent in files:
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(data, f, indent=indent, ensure_ascii=False)
            f.write("\n")
        print(f"wrote {name} ({os.path.getsize(os.path.join(out, name))} bytes)")


if __name__ == "__main__":
    main()
