"""ModelVersion.sha256 covers the whole artefact, not only the ONNX bytes: rehash every version.

Only a version whose stored hash still matches its ONNX bytes is rehashed: one that does not was
already refused when loaded, and a new hash over its present contents would bless it.
"""

import hashlib
import json

from django.db import migrations


# A frozen copy of scoring.runtime.artefact_sha256 as it was when this migration was written, so
# the migration keeps computing the same hash if that function moves or changes.
def _hashable_json(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _hashable_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_hashable_json(item) for item in value]
    return value


def artefact_sha256(*, onnx_bytes, spec, reference, baseline):
    digest = hashlib.sha256(b"formscore model version 1\n")
    parts = [bytes(onnx_bytes)] + [
        json.dumps(
            _hashable_json(part),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        ).encode()
        for part in (spec, reference, baseline)
    ]
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def onnx_sha256(*, onnx_bytes, **_):
    return hashlib.sha256(bytes(onnx_bytes)).hexdigest()


def _rehash(apps, *, old, new):
    ModelVersion = apps.get_model("scoring", "ModelVersion")
    # One row at a time: the ONNX blobs can be large, and SQLite does not isolate a read cursor
    # from updates to the table it reads.
    for pk in list(ModelVersion.objects.values_list("pk", flat=True)):
        row = ModelVersion.objects.values(
            "onnx", "sha256", "feature_spec", "reference", "baseline"
        ).get(pk=pk)
        parts = {
            "onnx_bytes": row["onnx"],
            "spec": row["feature_spec"],
            "reference": row["reference"],
            "baseline": row["baseline"],
        }
        if old(**parts) == row["sha256"]:
            ModelVersion.objects.filter(pk=pk).update(sha256=new(**parts))


def hash_whole_artefacts(apps, schema_editor):
    _rehash(apps, old=onnx_sha256, new=artefact_sha256)


def hash_onnx_bytes_only(apps, schema_editor):
    _rehash(apps, old=artefact_sha256, new=onnx_sha256)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_training_run"),
    ]

    operations = [
        migrations.RunPython(hash_whole_artefacts, hash_onnx_bytes_only),
    ]
