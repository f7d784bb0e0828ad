import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forms_app.models import Form
from forms_app.scoring_adapter import points_rules_labelled, score_answers
from forms_app.workspace.importing import (
    ImportReport,
    LeadImportError,
    answer_from_text,
    capture_from_text,
    captures_match,
    columns_match,
    csv_read,
    is_missing,
)


class Command(BaseCommand):
    help = "Score a CSV of leads with the form's active model; writes score, tier and factors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("input", type=Path)
        parser.add_argument("output", type=Path)
        parser.add_argument("--delimiter", default=",")

    def handle(self, *args, slug: str, input: Path, output: Path, delimiter: str, **options):
        form = Form.objects.filter(slug=slug).first()
        if form is None:
            raise CommandError(f"No form with the slug {slug!r}.")
        if not input.is_file():
            raise CommandError(f"No such file: {input}")
        try:
            header, rows = csv_read(input.read_bytes(), delimiter=delimiter)
        except LeadImportError as exc:
            raise CommandError(str(exc)) from None
        matched = columns_match(form, header, None)
        if not matched:
            raise CommandError(
                "No column matches a question key or label of the form "
                f"({', '.join(q.key for q in form.questions.all())})."
            )
        captures = captures_match(header, None, set(matched))
        rules = points_rules_labelled(form)
        problems = ImportReport()
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow(
                [*header, "score", "probability", "tier", "points_score", "model", "top_factors"]
            )
            for line, row in enumerate(rows, start=2):
                row = (row + [""] * len(header))[: len(header)]
                answers, capture = {}, {}
                for index, column in enumerate(header):
                    raw = row[index]
                    if is_missing(raw):
                        continue
                    if column in matched:
                        value = answer_from_text(matched[column], raw, problems, line, column)
                        if value is not None:
                            answers[matched[column].key] = value
                    elif column in captures:
                        signal = captures[column]
                        value = capture_from_text(signal, raw, problems, line, column)
                        if value is not None:
                            capture[signal] = value
                result = score_answers(form=form, answers=answers, capture=capture, rules=rules)
                factors = "; ".join(f"{f['label']} {f['impact']:+g}" for f in result.factors)
                writer.writerow(
                    [
                        *row,
                        result.score,
                        "" if result.probability is None else f"{result.probability:.4f}",
                        result.tier,
                        result.points_score,
                        f"v{result.model_version.number}" if result.model_version else "points",
                        factors,
                    ]
                )
        self.stdout.write(f"Scored {len(rows)} rows into {output}.")
        if problems.problem_count:
            self.stdout.write(self.style.WARNING(f"{problems.problem_count} values looked odd:"))
            for problem in problems.problems[:10]:
                self.stdout.write(f"  line {problem.row} [{problem.column}]: {problem.message}")
        for column in problems.unmatched_listed():
            values = ", ".join(f"{value!r} ({rows})" for value, rows in column["values"][:10])
            self.stdout.write(
                self.style.WARNING(f"Values of {column['column']!r} that match no choice: {values}")
            )
