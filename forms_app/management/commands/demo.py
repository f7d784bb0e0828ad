import secrets

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser

from forms_app.demo.history import demo_form_create, demo_history_create
from forms_app.demo.sales import demo_sales_setup
from forms_app.sales.drift import form_drift_check
from forms_app.scoring_adapter import form_model_train, leads_rescore
from forms_app.tasks import periodic_tasks_ensure
from scoring.features import SPEC_FORMAT
from scoring.training import TrainingError

DEMO_USERS = [
    ("admin", "Admin", True, None),
    ("marketer", "Morgan Marketer", False, "marketer"),
    ("sales1", "Sam Sales", False, "sales"),
    ("sales2", "Riley Sales", False, "sales"),
]


class Command(BaseCommand):
    help = "Set up the demo: users, the 'Request a demo' form and its history. Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Password for every demo user.")
        parser.add_argument("--leads", type=int, default=3000, help="Historical leads to create.")
        parser.add_argument(
            "--webhook-url",
            default="",
            help="Also post sales-ready leads to this local URL (127.0.0.1 only), e.g. the one "
            "`manage.py webhook_receiver` listens on.",
        )

    def handle(
        self, *args, password: str | None, leads: int, webhook_url: str = "", **options
    ) -> None:
        password = password or self._stored_password()
        for name in ("marketer", "sales"):
            Group.objects.get_or_create(name=name)
        for username, full_name, is_admin, group in DEMO_USERS:
            first, _, last = full_name.partition(" ")
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.local",
                },
            )
            user.is_staff = user.is_superuser = is_admin
            user.set_password(password)
            user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))

        form = demo_form_create()
        added = demo_history_create(form, count=leads)
        self.stdout.write(
            f"Demo form '{form.name}': {added} historical demo leads added"
            if added
            else f"Demo form '{form.name}' already has its demo history; nothing added."
        )
        # Train when no version can be served (none yet, or only ones from an older spec format).
        if not form.model_versions.filter(feature_spec__format=SPEC_FORMAT).exists():
            self.stdout.write("Training the demo model on its history…")
            try:
                outcome = form_model_train(form=form, activate="auto")
            except TrainingError as exc:
                self.stdout.write(self.style.WARNING(f"  Not trained ({exc}); points score it."))
            else:
                self.stdout.write(
                    f"  v{outcome.version.number} {outcome.version.algorithm}: {outcome.reason}"
                )
        scored = leads_rescore(form=form, scope="unscored")
        if scored:
            self.stdout.write(f"Scored {scored} demo leads with the active model.")
        # The demo history plants a shift in its last two weeks: the drift view shows it now,
        # not only after the hourly check.
        drift = form_drift_check(form=form)
        self.stdout.write(f"Drift this week: {drift.level.replace('_', ' ')}.")
        rules = demo_sales_setup(form=form, webhook_url=webhook_url)
        self.stdout.write(f"Routing: {'; '.join(rule.name for rule in rules)}.")
        if webhook_url:
            secret = rules[0].webhook_endpoint.secret
            self.stdout.write(f"  Webhook {webhook_url}, signing secret: {secret}")
        periodic_tasks_ensure()
        site = settings.SITE_URL
        self.stdout.write(self.style.SUCCESS("\nformscore demo is ready"))
        self.stdout.write(f"  Demo form (prospect view): {site}/f/{form.slug}/")
        self.stdout.write(f"  Workspace:                 {site}/app/")
        self.stdout.write(f"  Headless form (JSON):      {site}/api/v1/public/forms/{form.slug}")
        self.stdout.write(f"  Admin:                     {site}/admin/")
        self.stdout.write("  Logins (username / password):")
        for username, _, _, group in DEMO_USERS:
            self.stdout.write(f"    {username:<9} / {password}   ({group or 'admin'})")
        if not settings.FORMSCORE_CACHE_URL:
            self.stdout.write(
                "  Limits (submits per address, API throttles) are counted in each web process's\n"
                "  memory, so the demo's two workers allow twice each limit; FORMSCORE_CACHE_URL=\n"
                "  redis://127.0.0.1:6379/0 shares them (docs/deploy.md)."
            )

    def _stored_password(self) -> str:
        """One generated password, kept under var/ so re-running prints the same logins."""
        path = settings.VAR_DIR / "demo_password"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(9))
            path.chmod(0o600)
        return path.read_text().strip()
