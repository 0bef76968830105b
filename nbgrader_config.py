"""nbgrader configuration: the repository is the course directory.

Exams are generated from ``assessments/`` into ``source/`` and ``release/`` by
``ppskit exam build``; the gradebook lives under ``gradebook/`` (git-ignored).
ppskit's own preprocessors (``ppskit.exam.nbgrader_plugins``) are wired in here, so
grading through ``ppskit exam grade``, the ``nbgrader`` command or the formgrader all
sanitize, grade and give feedback the same way.
"""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from ppskit.exam.nbgrader_plugins import (
    AddRubrics,
    ApplyClickedAnswers,
    CleanFeedback,
    GuardSubmission,
    SectionFeedback,
)

c = get_config()  # noqa: F821  (nbgrader injects get_config)

_root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = _root
c.CourseDirectory.course_id = "ppss"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_root, "gradebook", "nbgrader.db")

# The hidden tests look keys up in the trainer's key file (written by `ppskit exam
# build`); nbgrader's grading kernels inherit this process's environment. Set here, so
# the formgrader and the nbgrader command grade exactly as `ppskit exam grade` does.
os.environ["PPSKIT_EXAM_KEYS"] = os.path.join(_root, "gradebook", "exam", "keys.json")

# Answer boxes: the empty solution region of a multiple-choice answer cell becomes this
# hint; a written answer's box shows the text stub.
c.ClearSolutions.code_stub = {"python": "# Type one letter between the quotes: A, B, C or D."}
c.ClearSolutions.text_stub = (
    "Write your answer in the box above; it is saved as you type. (If you prefer, "
    "double-click here and write it in this box instead.)"
)

# Sanitize: ApplyClickedAnswers writes the answers a trainee clicked (answers.json,
# handed in beside the notebook) into the blank answer boxes; GuardSubmission records
# (and neutralises) edits to locked or test cells, extra code and deleted cells before
# nbgrader's OverwriteCells restores the source.
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    ApplyClickedAnswers,
    GuardSubmission,
    OverwriteCells,
    CheckCellMetadata,
]
# Grade: warnings a library prints on stderr must not zero a test cell (nbgrader scores
# any stderr output as a failure), and the trainer sees each scenario's rubric.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?i)warn"
c.Autograde.autograde_preprocessors = [
    Execute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
    AddRubrics,
]
# A kernel that stops answering is interrupted after this many seconds per cell.
c.Execute.timeout = 60

# Feedback: nbgrader's default shows hidden tests and their failures; CleanFeedback
# strips them, the rubric and every error trace before the HTML is written. Then
# SectionFeedback puts the section results in place of every question when the
# trainee's profile says `feedback: sections` (the default): per-question scores beside
# the trainee's answers would hand out the bank's key.
c.GenerateFeedback.preprocessors = [
    GetGrades,
    CleanFeedback,
    SectionFeedback,
    CSSHTMLHeaderPreprocessor,
]
