#!/usr/bin/env python3
"""Writes the error table into proto/openrpc.json from the one list below and checks the document.

The document itself is edited by hand (methods, params, schemas, examples); this script keeps its
`components.errors` equal to the error table that Sources/TallyRPC/Errors/RPCErrorCode.swift
defines (a test compares them too). Run: python3 proto/build_openrpc.py
"""
import json, pathlib

ERRORS = [
    (-32700, "Parse error", "INVALID_ARGUMENT", False, "The message is not valid JSON (also: NUL bytes, invalid UTF-8, numbers out of range, nesting deeper than 64)."),
    (-32600, "Invalid Request", "INVALID_ARGUMENT", False, "Not a valid Request object, an empty batch, a batch over the limit, or a partial line dropped after the read timeout."),
    (-32601, "Method not found", "UNIMPLEMENTED", False, "No method of that name; rpc.discover lists them."),
    (-32602, "Invalid params", "INVALID_ARGUMENT", False, "A param is missing, unknown or of the wrong type; error.data.field names it."),
    (-32603, "Internal error", "INTERNAL", True, "An internal failure; details are in the server log, never in the answer."),
    (-32001, "UNAUTHENTICATED", "UNAUTHENTICATED", False, "No token, an unknown token or a revoked token."),
    (-32002, "DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED", True, "The request did not finish in time."),
    (-32003, "PERMISSION_DENIED", "PERMISSION_DENIED", False, "The token's role may not call this method."),
    (-32004, "UNAVAILABLE", "UNAVAILABLE", True, "Starting, shutting down, or a dependency is down; retry later."),
    (-32005, "RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED", True, "A limit was hit: message size, requests in flight, memory."),
    (-32006, "NOT_FOUND", "NOT_FOUND", False, "The named record does not exist."),
    (-32007, "INVALID_ARGUMENT", "INVALID_ARGUMENT", False, "A well-formed value that is not acceptable; error.data.field names it."),
    (-32008, "FAILED_PRECONDITION", "FAILED_PRECONDITION", False, "The system is not in a state that allows the operation."),
    (-32009, "ALREADY_EXISTS", "ALREADY_EXISTS", False, "The record to create exists already."),
]

def main():
    path = pathlib.Path(__file__).resolve().parent.parent / "Sources/TallyServer/Resources/openrpc.json"
    doc = json.loads(path.read_text())
    errors = {}
    for code, message, status, retryable, description in ERRORS:
        key = status if code > -32100 and code < -32000 + 1 else message.replace(" ", "")
        errors[key] = {"code": code, "message": message, "data": {"status": status, "retryable": retryable, "description": description}}
    doc.setdefault("components", {})["errors"] = errors
    names = [m["name"] for m in doc["methods"]]
    assert len(names) == len(set(names)), "duplicate method names"
    for method in doc["methods"]:
        assert method.get("examples"), f"{method['name']} has no example"
        assert method.get("paramStructure") == "by-name", f"{method['name']} must be by-name"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"{path}: {len(names)} methods, {len(errors)} errors")

if __name__ == "__main__":
    main()
