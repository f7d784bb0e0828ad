import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.models import Form
from forms_app.workspace.import_runs import SNIFF_BYTES, delimiter_sniff
from forms_app.workspace.importing import (
    ImportReport,
    LeadImportError,
    csv_text,
    import_suspects,
    leads_import,
)
from scoring.leakage import Suspect


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
        parser.add_argument(
            "--include",
            action="append",
            default=[],
            metavar="COLUMN",
            help="A suspected leak that was known when the lead arrived, to keep (repeatable, or "
            "comma-separated). Without it, suspects are left out.",
        )
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Ask nothing: suspected leaks not named by --include are left out.",
        )
        parser.add_argument(
            "--delimiter", default="", help="`,` `;` or tab; without it, sniffed from the file."
        )
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
        data = path.read_bytes()
        include = [c for value in options["include"] for c in value.split(",") if c.strip()]
        file_options = {
            "data": data,
            "outcome_column": options["outcome"],
            "positive_values": options["positive"],
            "order_by": options["order_by"],
            "exclude": options["exclude"].split(","),
            "delimiter": options["delimiter"] or delimiter_sniff(csv_text(data[:SNIFF_BYTES])),
        }
        try:
            if sys.stdin.isatty() and not options["no_input"]:
                include += self._ask(import_suspects(**file_options), include)
            report = leads_import(
                **file_options,
                include=include,
                form=form,
                create_form_slug=options["form"] if options["create_form"] else None,
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
        self._unmatched_print(report)
        self.stdout.write(f"Columns used: {', '.join(report.mapping) or 'none'}")
        if report.captures:
            self.stdout.write(
                "Capture signals: "
                + ", ".join(f"{column} → {signal}" for column, signal in report.captures.items())
            )
        if report.ignored_columns:
            self.stdout.write(f"Columns ignored: {', '.join(report.ignored_columns)}")
        self._suspects_print(report)
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

    def _ask(self, suspects: list[Suspect], include: list[str]) -> list[str]:
        """Ask about each suspect not already included; the columns answered yes."""
        kept = []
        for suspect in suspects:
            if suspect.column in include:
                continue
            self.stdout.write(
                f'Was "{suspect.column}" known when the lead arrived? {suspect.reason} [y/N] ',
                ending="",
            )
            self.stdout.flush()
            if sys.stdin.readline().strip().lower() in {"y", "yes"}:
                kept.append(suspect.column)
        return kept

    def _unmatched_print(self, report: ImportReport) -> None:
        """Values that match no choice of their question, first: the likeliest mapping mistake."""
        for column in report.unmatched_listed():
            self.stdout.write(
                self.style.WARNING(
                    f"{column['rows']} values of {column['column']!r} match no choice:"
                )
            )
            for value, rows in column["values"][:10]:
                self.stdout.write(
                    f"  [{column['column']}] {value!r} is not one of the question's choices."
                    f" ({rows} row{'s' if rows != 1 else ''})"
                )

    def _suspects_print(self, report: ImportReport) -> None:
        """Each suspected leak, whether it was left out or kept, and why."""
        if not report.suspects:
            return
        excluded = set(report.excluded_suspects)
        self.stdout.write(
            self.style.WARNING(
                f"{len(report.suspects)} columns look filled in after the lead arrived "
                f"({len(excluded)} left out):"
            )
        )
        for suspect in report.suspects:
            if suspect.column in excluded:
                self.stdout.write(f'  left out "{suspect.column}": {suspect.reason}')
                self.stdout.write(
                    f'    known when the lead arrived? keep it: --include "{suspect.column}"'
                )
            else:
                self.stdout.write(f'  kept "{suspect.column}" (--include): {suspect.reason}')
