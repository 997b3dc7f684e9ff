#!/usr/bin/env python3
"""Checks a cloud assembly against the JSON schemas bundled in the pinned CDK CLI (node_modules/aws-cdk):
manifest.json against the cloud assembly schema, each asset manifest against the asset schema. Strictly: a
property the schema does not define is an error, because the CLI would silently ignore a misspelled one.

    infra/check-assembly.py cdk.out
"""
import json
import os
import pathlib
import subprocess
import sys

import jsonschema  # installed in .venv with cfn-lint

CLI_BUNDLE = "node_modules/aws-cdk/lib/index.js"

# The schemas are JSON objects inlined in the CLI's bundle as `module2.exports = {...}`; Node reads them back.
EXTRACT = r"""
const fs = require("fs");
const bundle = fs.readFileSync(process.env.CLI_BUNDLE, "utf8");
const schemas = {};
for (const name of ["cloud-assembly.schema.json", "assets.schema.json", "version.json"]) {
  const at = bundle.indexOf(`"../@aws-cdk/cloud-assembly-schema/schema/${name}"(exports2, module2) {`);
  if (at < 0) throw new Error(`${name} is not in ${process.env.CLI_BUNDLE}`);
  const start = bundle.indexOf("module2.exports = ", at) + "module2.exports = ".length;
  const end = bundle.indexOf("\n  }\n});", start);
  schemas[name] = (0, eval)("(" + bundle.slice(start, end).trim().replace(/;$/, "") + ")");
}
process.stdout.write(JSON.stringify(schemas));
"""


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
    output = subprocess.run(["node", "-e", EXTRACT], env={**os.environ, "CLI_BUNDLE": CLI_BUNDLE},
                            check=True, capture_output=True, text=True).stdout
    schemas = json.loads(output)
    revision = schemas["version.json"]["revision"]
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
    print(f"check-assembly: {assembly} matches the CDK CLI's cloud assembly schema (revision {revision})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
