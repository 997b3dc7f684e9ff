#!/usr/bin/env python3
"""Checks a cloud assembly against the cloud assembly schema the pinned CDK CLI reads it with: manifest.json
against the cloud assembly schema, each asset manifest against the asset schema, both read from the pinned
@aws-cdk/cloud-assembly-schema package. Strictly: a property the schema does not define is an error, because the
CLI would silently ignore a misspelled one. The CLI bundles its own copy of that package; the schema's hash must
appear in the CLI's bundle, so a CLI upgrade without the matching schema pin fails here.

    infra/check-assembly.py cdk.out
"""
import json
import pathlib
import sys

import jsonschema  # installed in .venv with cfn-lint

SCHEMA_DIR = pathlib.Path("node_modules/@aws-cdk/cloud-assembly-schema/schema")
CLI_BUNDLE = pathlib.Path("node_modules/aws-cdk/lib/index.js")


def strict(schema):
    """Every object schema that lists its properties allows no others."""
    if isinstance(schema, dict):
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for value in schema.values():
            strict(value)
    elif isinstance(schema, list):
        for value in schema:
            strict(value)
    return schema


def check(instance, schema, what):
    errors = sorted(jsonschema.Draft7Validator(strict(schema)).iter_errors(instance), key=lambda e: list(e.path))
    for error in errors:
        print(f"check-assembly: {what}: {'/'.join(map(str, error.path))}: {error.message}", file=sys.stderr)
    return not errors


def main():
    assembly = pathlib.Path(sys.argv[1])
    schemas = {name: json.loads((SCHEMA_DIR / name).read_text())
               for name in ["cloud-assembly.schema.json", "assets.schema.json", "version.json"]}
    revision = schemas["version.json"]["revision"]
    schema_hash = schemas["version.json"]["schemaHash"]
    if schema_hash not in CLI_BUNDLE.read_text():
        print(f"check-assembly: {SCHEMA_DIR} (revision {revision}, hash {schema_hash}) is not the schema "
              f"{CLI_BUNDLE} bundles: pin @aws-cdk/cloud-assembly-schema to the CLI's in package.json", file=sys.stderr)
        sys.exit(1)
    manifest = json.loads((assembly / "manifest.json").read_text())
    ok = check(manifest, schemas["cloud-assembly.schema.json"], "manifest.json")
    if int(manifest["version"].split(".")[0]) > revision:
        print(f"check-assembly: version {manifest['version']} is newer than the CLI's schema {revision}", file=sys.stderr)
        ok = False
    for artifact in manifest["artifacts"].values():
        if artifact["type"] == "cdk:asset-manifest":
            name = artifact["properties"]["file"]
            ok &= check(json.loads((assembly / name).read_text()), schemas["assets.schema.json"], name)
    if not ok:
        sys.exit(1)
    print(f"check-assembly: {assembly} matches the cloud assembly schema the CDK CLI bundles (revision {revision})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
