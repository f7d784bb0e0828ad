"""Workspace URLs under /app/ (forms, builder, preview, models, embed)."""

from django.urls import path

from forms_app.views import (
    analytics_page,
    builder,
    condition_picker,
    embed_page,
    forms_list,
    imports_page,
    models_page,
    preview,
    privacy_page,
    scoring_page,
    settings_page,
    team_page,
)

urlpatterns: list = [
    path("forms/", forms_list.forms_list, name="forms_list"),
    path("forms/new/", forms_list.form_new, name="form_new"),
    path("forms/<slug:slug>/", builder.builder, name="builder"),
    path("forms/<slug:slug>/duplicate/", forms_list.form_duplicate, name="form_duplicate"),
    path("forms/<slug:slug>/publish/", forms_list.form_publish, name="form_publish"),
    path("forms/<slug:slug>/unpublish/", forms_list.form_unpublish, name="form_unpublish"),
    path("forms/<slug:slug>/settings/", builder.form_settings, name="form_settings"),
    path("forms/<slug:slug>/questions/add/", builder.question_add, name="question_add"),
    path("forms/<slug:slug>/questions/utm/", builder.utm_fields_add, name="utm_fields_add"),
    path(
        "forms/<slug:slug>/questions/reorder/",
        builder.questions_reorder,
        name="questions_reorder",
    ),
    path("forms/<slug:slug>/questions/<int:pk>/", builder.question_edit, name="question_edit"),
    path("forms/<slug:slug>/questions/<int:pk>/move/", builder.question_move, name="question_move"),
    path(
        "forms/<slug:slug>/questions/<int:pk>/choices/move/",
        builder.question_choice_move,
        name="question_choice_move",
    ),
    path(
        "forms/<slug:slug>/questions/<int:pk>/kind/",
        builder.question_kind_change,
        name="question_kind_change",
    ),
    path(
        "forms/<slug:slug>/questions/<int:pk>/remove/",
        builder.question_remove,
        name="question_remove",
    ),
    path(
        "forms/<slug:slug>/questions/<int:pk>/restore/",
        builder.question_restore,
        name="question_restore",
    ),
    path("forms/<slug:slug>/scoring/", scoring_page.scoring_page, name="scoring"),
    path(
        "forms/<slug:slug>/conditions/picker/",
        condition_picker.condition_picker,
        name="condition_picker",
    ),
    path(
        "forms/<slug:slug>/scoring/thresholds/",
        scoring_page.thresholds_update,
        name="thresholds_update",
    ),
    path("forms/<slug:slug>/scoring/rules/", scoring_page.points_rule_add, name="points_rule_add"),
    path(
        "forms/<slug:slug>/scoring/rules/<int:pk>/",
        scoring_page.points_rule_edit,
        name="points_rule_edit",
    ),
    path(
        "forms/<slug:slug>/scoring/rules/<int:pk>/remove/",
        scoring_page.points_rule_remove,
        name="points_rule_remove",
    ),
    path("forms/<slug:slug>/preview/", preview.preview, name="preview"),
    path("forms/<slug:slug>/analytics/", analytics_page.analytics_page, name="analytics"),
    path("forms/<slug:slug>/leads.csv", analytics_page.leads_export, name="leads_export"),
    path("forms/<slug:slug>/preview/score/", preview.preview_score, name="preview_score"),
    path("forms/<slug:slug>/embed/", embed_page.embed_page, name="embed"),
    path("forms/<slug:slug>/embed/test/", embed_page.embed_test_page, name="embed_test"),
    path("models/", models_page.models_overview, name="models_overview"),
    path("settings/", settings_page.account_settings, name="account_settings"),
    path("privacy/", privacy_page.privacy_page, name="privacy"),
    path("privacy/export/", privacy_page.person_export_view, name="privacy_export"),
    path("privacy/erase/", privacy_page.person_erase_view, name="privacy_erase"),
    path("settings/api-token/", settings_page.api_token_update, name="api_token_update"),
    path("settings/password/", settings_page.password_change, name="password_change"),
    path("settings/profile/", settings_page.profile_update, name="profile_update"),
    path("settings/team/", team_page.team_page, name="team"),
    path("settings/team/invite/", team_page.invitation_new, name="invitation_new"),
    path(
        "settings/team/invitations/<int:invitation_id>/resend/",
        team_page.invitation_send_again,
        name="invitation_resend",
    ),
    path(
        "settings/team/invitations/<int:invitation_id>/revoke/",
        team_page.invitation_withdraw,
        name="invitation_revoke",
    ),
    path("settings/team/<int:user_id>/role/", team_page.member_role, name="member_role"),
    path(
        "settings/team/<int:user_id>/deactivate/",
        team_page.member_deactivate,
        name="member_deactivate",
    ),
    path("settings/team/<int:user_id>/unlock/", team_page.member_unlock, name="member_unlock"),
    path(
        "settings/team/<int:user_id>/reactivate/",
        team_page.member_reactivate,
        name="member_reactivate",
    ),
    path("settings/workspace/", settings_page.workspace_settings_view, name="workspace_settings"),
]

urlpatterns += [
    path("forms/<slug:slug>/models/", models_page.form_models, name="models"),
    path("forms/<slug:slug>/models/train/", models_page.training_start, name="training_start"),
    path(
        "forms/<slug:slug>/models/runs/<int:pk>/",
        models_page.training_status,
        name="training_status",
    ),
    path(
        "forms/<slug:slug>/models/v<int:number>/activate/",
        models_page.version_activate,
        name="version_activate",
    ),
    path("forms/<slug:slug>/models/rollback/", models_page.version_rollback, name="rollback"),
    path("forms/<slug:slug>/models/import/", imports_page.import_upload, name="import_upload"),
    path("imports/new/", imports_page.import_new, name="import_new"),
    path("imports/<int:pk>/", imports_page.import_run, name="import_run"),
    path("imports/<int:pk>/status/", imports_page.import_status, name="import_status"),
    path("imports/<int:pk>/cancel/", imports_page.import_run_cancel, name="import_cancel"),
    path(
        "forms/<slug:slug>/questions/<slug:key>/arrival/",
        models_page.question_arrival,
        name="question_arrival",
    ),
]
