"""ModelVersion.sha256 covers the whole artefact, not only the ONNX bytes: rehash every version.

Only a version whose stored hash still matches its ONNX bytes is rehashed: one that does not was
already refused when loaded, and a new hash over its present contents would bless it.
"""

import hashlib

from django.db import migrations

from scoring.runtime import artefact_sha256


# The hash the runtime verifies when it loads a version: the one this migration must store. (Not
# frozen here: were its format to change, the runtime would need it and a new migration would
# rehash again.)
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
