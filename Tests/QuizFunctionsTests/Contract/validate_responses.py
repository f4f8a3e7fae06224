#!/usr/bin/env python3
"""Checks real responses against openapi.yaml: each body must match the schema the document
declares for its operation and status. Usage: validate_responses.py OPENAPI RESPONSES_JSON.

RESPONSES_JSON is a list of {"name", "method", "route", "status", "body"}. Prints one line per
mismatch and exits 1 if there is any; exits 2 if the document itself is not valid OpenAPI 3.1."""
import json
import sys

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def pointer_escape(text):
    return text.replace("~", "~0").replace("/", "~1")


def main():
    spec_path, responses_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as handle:
        spec = yaml.safe_load(handle)
    try:
        validate_spec(spec)
    except Exception as error:  # the document must be valid before anything is checked against it
        print(f"openapi.yaml is not valid OpenAPI: {error}")
        return 2
    registry = Registry().with_resource("openapi.yaml", Resource.from_contents(spec, default_specification=DRAFT202012))
    with open(responses_path) as handle:
        responses = json.load(handle)
    failures = 0
    for response in responses:
        route, method, status = response["route"], response["method"].lower(), str(response["status"])
        operation = spec["paths"].get(route, {}).get(method)
        if operation is None:
            print(f"{response['name']}: {method.upper()} {route} is not in the document")
            failures += 1
            continue
        declared = operation["responses"].get(status)
        if declared is None:
            print(f"{response['name']}: {method.upper()} {route} does not declare status {status}")
            failures += 1
            continue
        pointer = f"#/paths/{pointer_escape(route)}/{method}/responses/{status}"
        if "$ref" in declared:
            pointer = declared["$ref"]
            declared = spec["components"]["responses"][pointer.rsplit("/", 1)[1]]
        schema_pointer = f"openapi.yaml{pointer}/content/application~1json/schema"
        validator = Draft202012Validator({"$ref": schema_pointer}, registry=registry)
        for error in validator.iter_errors(response["body"]):
            location = "/".join(str(part) for part in error.absolute_path)
            print(f"{response['name']}: {method.upper()} {route} {status} at '{location}': {error.message}")
            failures += 1
    print(f"{len(responses)} responses checked against {spec_path}, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
