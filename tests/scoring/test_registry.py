"""The model registry: immutable versions, hashed whole, checked on load, read-only in the admin."""

import copy
import hashlib
import logging

import onnx
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from forms_app.models import Lead
from scoring.models import ImmutableVersionError, ModelVersion
from scoring.runtime import ModelIntegrityError, artefact_sha256, served_model_forget
from scoring.services import model_version_activate, model_version_register
from tests.demo_answers import KEEN_DEMO_ANSWERS
from tests.forms_app.test_public_form import submit

ARTEFACT = {"onnx_bytes": b"model", "spec": {"format": 2}, "reference": [0.1], "baseline": {}}


@pytest.fixture(autouse=True)
def nothing_served_yet():
    served_model_forget()
    yield
    served_model_forget()


def stored_artefact(version: ModelVersion) -> dict:
    row = ModelVersion.objects.values("onnx", "feature_spec", "reference", "baseline").get(
        pk=version.pk
    )
    return {
        "onnx_bytes": bytes(row["onnx"]),
        "spec": row["feature_spec"],
        "reference": row["reference"],
        "baseline": row["baseline"],
    }


# --- the hash -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"onnx_bytes": b"model!"},
        {"spec": {"format": 3}},
        {"reference": [0.2]},
        {"baseline": {"q_role": "student"}},
    ],
    ids=["onnx", "spec", "reference", "baseline"],
)
def test_the_hash_changes_with_every_part_of_the_artefact(change):
    assert artefact_sha256(**ARTEFACT | change) != artefact_sha256(**ARTEFACT)


def test_the_hash_does_not_let_one_part_run_into_the_next():
    # Unframed, both would hash the bytes b"model12[0.1]{}".
    assert artefact_sha256(**ARTEFACT | {"onnx_bytes": b"model1", "spec": 2}) != (
        artefact_sha256(**ARTEFACT | {"onnx_bytes": b"model", "spec": 12})
    )


def test_the_hash_is_the_same_after_the_databases_json_round_trip():
    written = {"b": (1.0, 1e16), "a": "é"}
    read_back = {"a": "é", "b": [1, 10**16]}  # PostgreSQL's jsonb reorders keys, drops ".0"

    assert artefact_sha256(**ARTEFACT | {"spec": written}) == (
        artefact_sha256(**ARTEFACT | {"spec": read_back})
    )


def test_a_registered_version_stores_the_hash_of_its_whole_artefact(demo_form, demo_training):
    version = model_version_register(form_id=demo_form.pk, result=demo_training)

    version.refresh_from_db()
    assert version.sha256 == artefact_sha256(**stored_artefact(version)) == demo_training.sha256
    assert version.sha256 != hashlib.sha256(demo_training.onnx_bytes).hexdigest()


# --- refused when loaded ----------------------------------------------------------------------


def onnx_with_another_doc_string(version: ModelVersion) -> dict:
    model = onnx.load_from_string(bytes(version.onnx))
    model.doc_string = "changed after registration"
    return {"onnx": model.SerializeToString()}


def spec_with_another_label(version: ModelVersion) -> dict:
    spec = copy.deepcopy(version.feature_spec)
    spec["features"][0]["label"] = "Changed after registration"
    return {"feature_spec": spec}


def reference_halved(version: ModelVersion) -> dict:
    return {"reference": [p / 2 for p in version.reference]}  # every lead scores higher


def baseline_with_another_timeline(version: ModelVersion) -> dict:
    return {"baseline": {**version.baseline, "q_timeline": "within_1_month"}}


@pytest.mark.parametrize(
    "tamper",
    [
        onnx_with_another_doc_string,
        spec_with_another_label,
        reference_halved,
        baseline_with_another_timeline,
    ],
    ids=["onnx", "feature_spec", "reference", "baseline"],
)
def test_a_version_changed_in_the_database_is_refused_and_the_points_score_stands_in(
    client, demo_form, demo_training, caplog, tamper
):
    version = model_version_register(form_id=demo_form.pk, result=demo_training)
    ModelVersion.objects.filter(pk=version.pk).update(**tamper(version))
    model_version_activate(version=version, reason="activated after the change")

    with caplog.at_level(logging.ERROR, logger="scoring.services"):
        submit(client, "demo", KEEN_DEMO_ANSWERS)

    lead = Lead.objects.get()
    assert lead.model_version is None and lead.probability is None
    assert lead.score == lead.points_score > 0
    assert lead.needs_rescoring
    (failure,) = [record for record in caplog.records if record.exc_info]
    assert failure.exc_info[0] is ModelIntegrityError
    assert version.sha256 in str(failure.exc_info[1])


def test_an_untouched_version_scores_with_its_model(client, demo_form, demo_training, caplog):
    version = model_version_register(form_id=demo_form.pk, result=demo_training)
    model_version_activate(version=version, reason="as registered")

    submit(client, "demo", KEEN_DEMO_ANSWERS)

    lead = Lead.objects.get()
    assert lead.model_version == version
    assert 0 < lead.probability < 1
    assert not lead.needs_rescoring
    assert not [record for record in caplog.records if record.exc_info]


# --- immutable once registered ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference", [0.5, 0.6]),
        ("onnx", b"another model"),
        ("sha256", "0" * 64),
        ("metrics", {"roc_auc": 0.99}),
        ("n_leads", 1),
    ],
)
def test_saving_a_registered_version_with_a_changed_field_is_refused(
    demo_form, demo_training, field, value
):
    version = model_version_register(form_id=demo_form.pk, result=demo_training)
    before = ModelVersion.objects.values(field).get(pk=version.pk)

    setattr(version, field, value)
    with pytest.raises(ImmutableVersionError, match=field):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.save(update_fields=[field])

    assert ModelVersion.objects.values(field).get(pk=version.pk) == before


def test_saving_an_unchanged_version_or_only_its_status_is_allowed(demo_form, demo_training):
    version = model_version_register(form_id=demo_form.pk, result=demo_training)
    version.save()  # what was registered (tuples, key order) equals what the database holds

    version = ModelVersion.objects.defer("onnx").get(pk=version.pk)
    version.status = ModelVersion.Status.RETIRED
    version.save()

    assert ModelVersion.objects.get(pk=version.pk).status == "retired"


# --- the migration that rehashed existing versions -----------------------------------------


def migrate_scoring_to(name: str) -> None:
    MigrationExecutor(connection).migrate([("scoring", name)])


@pytest.mark.django_db(transaction=True)
def test_the_migration_rehashes_versions_that_held_their_onnx_hash_and_only_those(
    demo_form, demo_training
):
    version = model_version_register(form_id=demo_form.pk, result=demo_training)
    broken = model_version_register(form_id=demo_form.pk, result=demo_training)
    ModelVersion.objects.filter(pk=broken.pk).update(onnx=b"not the registered bytes")
    onnx_only = hashlib.sha256(demo_training.onnx_bytes).hexdigest()
    try:
        migrate_scoring_to("0002_training_run")
        assert ModelVersion.objects.get(pk=version.pk).sha256 == onnx_only

        migrate_scoring_to("0003_model_version_artefact_sha256")
    finally:
        migrate_scoring_to("0003_model_version_artefact_sha256")

    assert ModelVersion.objects.get(pk=version.pk).sha256 == (
        artefact_sha256(**stored_artefact(version))
    )
    # Its bytes did not match before: a fresh hash would let them be served.
    assert ModelVersion.objects.get(pk=broken.pk).sha256 == broken.sha256
