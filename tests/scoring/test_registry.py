"""The model registry: immutable versions, hashed whole, checked on load, read-only in the admin."""

import copy
import hashlib
import logging

import onnx
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from forms_app.models import Lead
from scoring.models import ImmutableVersionError, ModelVersion, ModelVersionEvent
from scoring.runtime import ModelIntegrityError, artefact_sha256, served_model_forget
from scoring.services import (
    model_version_activate,
    model_version_artefact,
    model_version_register,
)
from tests.helpers.answers import KEEN_DEMO_ANSWERS
from tests.helpers.submit import submit

ARTEFACT = {"onnx_bytes": b"model", "spec": {"format": 2}, "reference": [0.1], "baseline": {}}


@pytest.fixture(autouse=True)
def nothing_served_yet():
    served_model_forget()
    yield
    served_model_forget()


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
    assert (
        version.sha256
        == artefact_sha256(**model_version_artefact(version.pk))
        == demo_training.sha256
    )
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
        # Only the hash: columns added by later migrations are not there at 0002.
        assert ModelVersion.objects.values_list("sha256", flat=True).get(pk=version.pk) == (
            onnx_only
        )

        migrate_scoring_to("0003_model_version_artefact_sha256")
    finally:
        # Every app back to its latest migration: going back undid forms_app's migrations that
        # depend on scoring's, and going forward in scoring alone would not redo them.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert ModelVersion.objects.get(pk=version.pk).sha256 == (
        artefact_sha256(**model_version_artefact(version.pk))
    )
    # Its bytes did not match before: a fresh hash would let them be served.
    assert ModelVersion.objects.get(pk=broken.pk).sha256 == broken.sha256


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def two_versions(demo_form, demo_training):
    first = model_version_register(form_id=demo_form.pk, result=demo_training)
    second = model_version_register(form_id=demo_form.pk, result=demo_training)
    model_version_activate(version=first, reason="first model")
    return first, second


CHANGELIST = "/admin/scoring/modelversion/"


def test_the_admin_shows_a_version_without_inputs_and_without_its_onnx_bytes(
    admin_client, two_versions
):
    first, _ = two_versions

    page = admin_client.get(f"{CHANGELIST}{first.pk}/change/").content.decode()

    assert first.sha256 in page and "Feature spec" in page and "Created at" in page
    for field in ModelVersion.IMMUTABLE_FIELDS:
        assert f'name="{field}"' not in page
    assert 'name="_save"' not in page
    assert "Onnx" not in page


def test_the_admin_refuses_to_add_change_or_delete_a_version(admin_client, two_versions):
    first, _ = two_versions
    before = ModelVersion.objects.values().get(pk=first.pk)

    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    changed = admin_client.post(f"{CHANGELIST}{first.pk}/change/", {"reference": "[0.5]"})
    assert changed.status_code == 403
    assert admin_client.post(f"{CHANGELIST}{first.pk}/delete/", {"post": "yes"}).status_code == 403
    deleted = admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [first.pk], "index": 0}
    )
    assert deleted.status_code == 302

    assert ModelVersion.objects.values().get(pk=first.pk) == before


def test_activating_from_the_admin_list_is_audited_with_the_admin_as_actor(
    admin_client, admin_user, two_versions
):
    first, second = two_versions

    response = admin_client.post(
        CHANGELIST,
        {"action": "activate", "_selected_action": [second.pk], "index": 0},
        follow=True,
    )

    assert f"{second} now scores the form&#x27;s new leads." in response.content.decode()
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("retired", "active")
    event = ModelVersionEvent.objects.filter(action="activated").latest("pk")
    assert (event.version, event.actor, event.reason) == (second, admin_user, "From the admin")


def test_activating_from_a_versions_page_is_the_same_service(
    admin_client, admin_user, two_versions
):
    _, second = two_versions

    admin_client.post(
        f"{CHANGELIST}{second.pk}/change/",
        {"CHANGE_FORM-action": "activate", "_selected_action": [second.pk]},
    )

    second.refresh_from_db()
    assert second.status == "active"
    assert ModelVersionEvent.objects.filter(
        version=second, action="activated", actor=admin_user
    ).exists()


def test_two_versions_of_one_form_cannot_be_activated_at_once(admin_client, two_versions):
    first, second = two_versions

    response = admin_client.post(
        CHANGELIST,
        {"action": "activate", "_selected_action": [first.pk, second.pk], "index": 0},
        follow=True,
    )

    assert "A form has one active version: select one per form." in response.content.decode()
    assert ModelVersion.objects.get(status="active") == first


def test_rolling_back_from_the_admin_is_audited_with_the_admin_as_actor(
    admin_client, admin_user, two_versions
):
    first, second = two_versions
    model_version_activate(version=second, reason="newer")

    response = admin_client.post(
        CHANGELIST,
        {"action": "rollback", "_selected_action": [second.pk], "index": 0},
        follow=True,
    )

    assert "rolled back: v1 scores new leads again." in response.content.decode()
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("active", "retired")
    rolled = ModelVersionEvent.objects.get(action="rolled_back")
    assert (rolled.version, rolled.actor, rolled.reason) == (second, admin_user, "From the admin")


def test_rolling_back_with_nothing_to_roll_back_says_why(admin_client, demo_form, demo_training):
    version = model_version_register(form_id=demo_form.pk, result=demo_training)

    response = admin_client.post(
        CHANGELIST,
        {"action": "rollback", "_selected_action": [version.pk], "index": 0},
        follow=True,
    )

    assert "The points system is active; there is nothing to roll back." in (
        response.content.decode()
    )
    assert not ModelVersionEvent.objects.filter(action="rolled_back").exists()


def test_staff_without_the_registry_permission_see_no_actions(
    client, django_user_model, two_versions
):
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(viewer)
    first, second = two_versions

    assert 'value="activate"' not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "activate", "_selected_action": [second.pk], "index": 0})

    assert ModelVersion.objects.get(status="active") == first


def test_the_audit_trail_is_read_only_in_the_admin(admin_client, two_versions):
    event = ModelVersionEvent.objects.filter(action="activated").get()
    url = "/admin/scoring/modelversionevent/"

    assert admin_client.get(f"{url}{event.pk}/change/").status_code == 200
    assert admin_client.get(f"{url}add/").status_code == 403
    assert admin_client.post(f"{url}{event.pk}/change/", {"reason": "edited"}).status_code == 403
    assert admin_client.post(f"{url}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ModelVersionEvent.objects.get(pk=event.pk).reason == "first model"
