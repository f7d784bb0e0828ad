from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.models import Form
from forms_app.workspace.importing import LeadImportError, leads_import


class Command(BaseCommand):
    help = "Import historical leads with known outcomes from a CSV file, to train on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path)
        parser.add_argument("--form", required=True, help="Slug of the form to import into.")
        parser.add_argument(
            "--create-form",
            action="store_true",
            help="Create a draft form with one question per kept column.",
        )
        parser.add_argument("--outcome", required=True, help="The column with the outcome.")
        parser.add_argument(
            "--positive",
            action="append",
            help="A value of the outcome column that means converted (repeatable).",
        )
        parser.add_argument("--order-by", help="Column giving time order (date or number).")
        parser.add_argument("--exclude", default="", help="Comma-separated columns to leave out.")
        parser.add_argument("--delimiter", default=",")
        parser.add_argument("--dry-run", action="store_true", help="Check only; store nothing.")

    def handle(self, *args, **options) -> None:
        path: Path = options["csv_file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        form = None
        if not options["create_form"]:
            form = Form.objects.filter(slug=options["form"]).first()
            if form is None:
                raise CommandError(
                    f"No form with the slug {options['form']!r}; add --create-form to make one."
                )
        try:
            report = leads_import(
                data=path.read_bytes(),
                outcome_column=options["outcome"],
                form=form,
                create_form_slug=options["form"] if options["create_form"] else None,
                positive_values=options["positive"],
                order_by=options["order_by"],
                exclude=options["exclude"].split(","),
                delimiter=options["delimiter"],
                dry_run=options["dry_run"],
            )
        except LeadImportError as exc:
            raise CommandError(f"Nothing imported: {exc}") from None

        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb} {report.rows_imported} of {report.rows_read} rows into "
            f"'{report.form.slug}' ({report.converted} converted"
            f"{', form created as a draft' if report.form_created else ''})."
        )
        self.stdout.write(f"Columns used: {', '.join(report.mapping) or 'none'}")
        if report.ignored_columns:
            self.stdout.write(f"Columns ignored: {', '.join(report.ignored_columns)}")
        if report.problem_count:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.problem_count} problems ({report.rows_skipped} rows skipped):"
                )
            )
            for problem in report.problems[:20]:
                column = f" [{problem.column}]" if problem.column else ""
                self.stdout.write(f"  line {problem.row}{column}: {problem.message}")
            if report.problem_count > 20:
                self.stdout.write(f"  … and {report.problem_count - 20} more")
